/*
 * logistic_regression: two Gaussian blobs in the plane (seeded), a
 * Dense(1, sigmoid) model trained with binary cross-entropy, and the
 * classification report on held-out points: accuracy, precision, recall,
 * F1 and the confusion matrix, all computed by libnn's metric functions.
 *
 *   logistic_regression [MIN_ACCURACY] [--save PATH]
 */
#include <libnn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
#define N_TRAIN 800

#define CHECK(call)                                                                        \
    do {                                                                                   \
        if ((call) != LIBNN_OK) {                                                          \
            fprintf(stderr, "logistic_regression: %s\n  at %s\n", libnn_last_error(), #call); \
            goto fail;                                                                     \
        }                                                                                  \
    } while (0)

int main(int argc, char **argv)
{
    double min_accuracy = 0.0;
    const char *save = NULL; /* --save PATH: the trained model, for `libnn predict` */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--save") && i + 1 < argc) {
            save = argv[++i];
        } else if (argv[i][0] != '-') {
            min_accuracy = atof(argv[i]);
        } else {
            fprintf(stderr, "usage: %s [MIN_ACCURACY] [--save PATH]\n", argv[0]);
            return 2;
        }
    }
    libnn_tensor *x = NULL, *y = NULL, *x_train = NULL, *y_train = NULL, *x_test = NULL;
    libnn_tensor *y_test = NULL, *p = NULL, *cm = NULL;
    libnn_model *model = NULL;
    libnn_optimizer *opt = NULL;
    libnn_layer *l = NULL;
    int rc = 1;

    /* Class 0 around (-1.5, -1.5), class 1 around (1.5, 1.5), unit variance. */
    CHECK(libnn_tensor_new(2, (const int64_t[]){N, 2}, &x));
    CHECK(libnn_tensor_new(2, (const int64_t[]){N, 1}, &y));
    CHECK(libnn_tensor_fill_normal(x, 0.0f, 1.0f, 7));
    float *xd = libnn_tensor_data(x), *yd = libnn_tensor_data(y);
    for (int i = 0; i < N; i++) {
        float c = (i % 2) ? 1.5f : -1.5f;
        xd[2 * i] += c;
        xd[2 * i + 1] += c;
        yd[i] = (float)(i % 2);
    }
    CHECK(libnn_slice(x, 0, N_TRAIN, &x_train));
    CHECK(libnn_slice(y, 0, N_TRAIN, &y_train));
    CHECK(libnn_slice(x, N_TRAIN, N - N_TRAIN, &x_test));
    CHECK(libnn_slice(y, N_TRAIN, N - N_TRAIN, &y_test));

    CHECK(libnn_model_new(&model));
    CHECK(libnn_model_set_input_shape(model, 1, (const int64_t[]){2}));
    CHECK(libnn_dense_new(1, &l));
    if (libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID) != LIBNN_OK ||
        libnn_model_add(model, l) != LIBNN_OK) {
        fprintf(stderr, "logistic_regression: %s\n", libnn_last_error());
        libnn_layer_free(l);
        goto fail;
    }
    CHECK(libnn_sgd_new(0.1f, &opt));
    CHECK(libnn_model_compile(model, opt, LIBNN_LOSS_BINARY_CROSSENTROPY));
    opt = NULL;
    CHECK(libnn_model_add_metric(model, LIBNN_METRIC_ACCURACY));
    CHECK(libnn_model_fit(model, x_train, y_train, 20, 32));

    CHECK(libnn_model_predict(model, x_test, 256, &p));
    double acc, prec, rec, f1;
    CHECK(libnn_metric_compute(LIBNN_METRIC_BINARY_ACCURACY, y_test, p, &acc));
    CHECK(libnn_metric_compute(LIBNN_METRIC_PRECISION, y_test, p, &prec));
    CHECK(libnn_metric_compute(LIBNN_METRIC_RECALL, y_test, p, &rec));
    CHECK(libnn_metric_compute(LIBNN_METRIC_F1, y_test, p, &f1));
    CHECK(libnn_confusion_matrix(y_test, p, 2, &cm));
    const float *c = libnn_tensor_data(cm);
    printf("held-out points: %d\n", N - N_TRAIN);
    printf("accuracy  %.4f\nprecision %.4f\nrecall    %.4f\nF1        %.4f\n", acc, prec, rec, f1);
    printf("confusion matrix (rows: true class, columns: predicted)\n");
    printf("            pred 0  pred 1\n  true 0  %7.0f %7.0f\n  true 1  %7.0f %7.0f\n",
           (double)c[0], (double)c[1], (double)c[2], (double)c[3]);
    if (save)
        CHECK(libnn_model_save(model, save, 0));
    rc = acc >= min_accuracy ? 0 : 1;
    if (rc)
        fprintf(stderr, "logistic_regression: accuracy %.4f below %.4f\n", acc, min_accuracy);
fail:
    libnn_optimizer_free(opt);
    libnn_model_free(model);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(x_train);
    libnn_tensor_free(y_train);
    libnn_tensor_free(x_test);
    libnn_tensor_free(y_test);
    libnn_tensor_free(p);
    libnn_tensor_free(cm);
    return rc;
}
