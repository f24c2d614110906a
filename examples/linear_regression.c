/*
 * linear_regression: fit y = x . [1, 2] + 10 (plus noise) by gradient
 * descent with a Dense(1) model and mean squared error, then compare the
 * learned weights and bias with the exact least-squares solution that
 * LAPACKE's sgels computes from the same data. They must agree within 1e-2.
 *
 *   linear_regression [EPOCHS] [--save PATH]
 */
#include <lapacke.h>
#include <libnn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000

#define CHECK(call)                                                                      \
    do {                                                                                 \
        if ((call) != LIBNN_OK) {                                                        \
            fprintf(stderr, "linear_regression: %s\n  at %s\n", libnn_last_error(), #call); \
            goto fail;                                                                   \
        }                                                                                \
    } while (0)

int main(int argc, char **argv)
{
    long epochs = 300;
    const char *save = NULL; /* --save PATH: the trained model, for `libnn predict` */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--save") && i + 1 < argc)
            save = argv[++i];
        else if (argv[i][0] != '-' && (epochs = atol(argv[i])) >= 1)
            continue;
        else {
            fprintf(stderr, "usage: %s [EPOCHS] [--save PATH]\n", argv[0]);
            return 2;
        }
    }
    libnn_tensor *x = NULL, *y = NULL, *noise = NULL, *kernel = NULL, *bias = NULL;
    libnn_model *model = NULL;
    libnn_optimizer *sgd = NULL;
    libnn_layer *dense = NULL;
    static float a[N * 3], b[N];
    int rc = 1;

    /* The data: x uniform in [-1, 1)^2, noise N(0, 0.5^2), both seeded. */
    CHECK(libnn_tensor_new(2, (const int64_t[]){N, 2}, &x));
    CHECK(libnn_tensor_new(2, (const int64_t[]){N, 1}, &y));
    CHECK(libnn_tensor_new(1, (const int64_t[]){N}, &noise));
    CHECK(libnn_tensor_fill_uniform(x, -1.0f, 1.0f, 1));
    CHECK(libnn_tensor_fill_normal(noise, 0.0f, 0.5f, 2));
    const float *xd = libnn_tensor_data(x), *nd = libnn_tensor_data(noise);
    float *yd = libnn_tensor_data(y);
    for (int i = 0; i < N; i++)
        yd[i] = 1.0f * xd[2 * i] + 2.0f * xd[2 * i + 1] + 10.0f + nd[i];

    /* y = x . kernel + bias, trained by full-batch gradient descent. */
    CHECK(libnn_model_new(&model));
    CHECK(libnn_model_set_input_shape(model, 1, (const int64_t[]){2}));
    CHECK(libnn_dense_new(1, &dense));
    if (libnn_model_add(model, dense) != LIBNN_OK) {
        libnn_layer_free(dense);
        goto fail;
    }
    CHECK(libnn_sgd_new(0.1f, &sgd));
    CHECK(libnn_model_compile(model, sgd, LIBNN_LOSS_MEAN_SQUARED_ERROR));
    sgd = NULL; /* owned by the model */
    CHECK(libnn_model_set_int(model, LIBNN_MODEL_SHUFFLE, 0));
    CHECK(libnn_model_fit(model, x, y, epochs, N));
    double loss;
    CHECK(libnn_model_evaluate(model, x, y, N, &loss));
    CHECK(libnn_layer_get_weight(dense, "kernel", &kernel));
    CHECK(libnn_layer_get_weight(dense, "bias", &bias));
    const float *k = libnn_tensor_data(kernel), *bb = libnn_tensor_data(bias);

    /* The exact least-squares fit of [x, 1] . w = y. */
    for (int i = 0; i < N; i++) {
        a[3 * i] = xd[2 * i];
        a[3 * i + 1] = xd[2 * i + 1];
        a[3 * i + 2] = 1.0f;
        b[i] = yd[i];
    }
    lapack_int info = LAPACKE_sgels(LAPACK_ROW_MAJOR, 'N', N, 3, 1, a, 3, b, 1);
    if (info != 0) {
        fprintf(stderr, "linear_regression: LAPACKE_sgels failed (info %d)\n", (int)info);
        goto fail;
    }
    double diff = fmax(fabs(k[0] - b[0]), fmax(fabs(k[1] - b[1]), fabs(bb[0] - b[2])));
    printf("data:            y = 1.0000 x1 + 2.0000 x2 + 10.0000 + noise (%d samples)\n", N);
    printf("gradient descent: y = %.4f x1 + %.4f x2 + %.4f   (%ld epochs, mse %.4f)\n",
           (double)k[0], (double)k[1], (double)bb[0], epochs, loss);
    printf("least squares:    y = %.4f x1 + %.4f x2 + %.4f   (LAPACKE sgels)\n", (double)b[0],
           (double)b[1], (double)b[2]);
    printf("largest difference: %.2e (%s 1e-2)\n", diff, diff <= 1e-2 ? "within" : "NOT within");
    if (save)
        CHECK(libnn_model_save(model, save, 0));
    rc = diff <= 1e-2 ? 0 : 1;
fail:
    libnn_optimizer_free(sgd);
    libnn_model_free(model);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(noise);
    libnn_tensor_free(kernel);
    libnn_tensor_free(bias);
    return rc;
}
