/*
 * Writes the small models the tool's tests run on, into the folder given
 * as argument. Their weights are set by hand, so that every output the
 * tests expect can be computed on paper:
 *
 *   quadrants.safetensors: [4, 4, 1] -> Flatten -> Dense(4, softmax), each
 *     class summing one quadrant (0 top left, 1 top right, 2 bottom left,
 *     3 bottom right) with weight 1/4: a white quadrant on black gives
 *     logits (1, 0, 0, 0), probabilities e/(e+3) and 1/(e+3).
 *   quadrants-checkpoint.safetensors: the same, saved as a checkpoint.
 *   binary.safetensors: [3] -> Dense(1, sigmoid), kernel (1, -1, 0).
 *   regression.safetensors: [2] -> Dense(2), kernel 2·I, bias (1, -1), mean
 *     squared error: outputs are values.
 *   rgb.safetensors: [2, 2, 3] -> Flatten -> Dense(3, softmax), class c the
 *     mean of channel c: a pure red image gives e/(e+2), a gray one 1/3 each.
 *   logits.safetensors: [3] -> Dense(3) without activation, kernel I, trained
 *     on logits (sparse cross-entropy, from_logits): (1, 0, 0) gives the
 *     probabilities e/(e+2) and 1/(e+2).
 */
#include <libnn.h>
#include <stdio.h>

#define CHECK(call)                                                                   \
    do {                                                                              \
        if ((call) != LIBNN_OK)                                                       \
            goto fail;                                                                \
    } while (0)

static libnn_status set(libnn_layer *l, const char *name, size_t ndim, const int64_t *shape,
                        const float *v, size_t n)
{
    libnn_tensor *t = NULL;
    libnn_status st = libnn_tensor_new_from_data(ndim, shape, v, n, &t);
    if (st == LIBNN_OK)
        st = libnn_layer_set_weight(l, name, t);
    libnn_tensor_free(t);
    return st;
}

/* A model of one Dense layer (after a Flatten when `flatten`), compiled. */
static libnn_status dense_model(size_t in_ndim, const int64_t *in_shape, int flatten,
                                int64_t units, int activation, libnn_loss loss,
                                libnn_model **out)
{
    libnn_model *m = NULL;
    libnn_layer *l = NULL;
    libnn_optimizer *opt = NULL;
    libnn_status st = libnn_model_new(&m);
    if (st == LIBNN_OK)
        st = libnn_model_set_input_shape(m, in_ndim, in_shape);
    if (st == LIBNN_OK && flatten && (st = libnn_flatten_new(&l)) == LIBNN_OK &&
        (st = libnn_model_add(m, l)) != LIBNN_OK)
        libnn_layer_free(l);
    if (st == LIBNN_OK && (st = libnn_dense_new(units, &l)) == LIBNN_OK) {
        st = libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, activation);
        if (st == LIBNN_OK)
            st = libnn_model_add(m, l);
        if (st != LIBNN_OK)
            libnn_layer_free(l);
    }
    if (st == LIBNN_OK && (st = libnn_sgd_new(0.01f, &opt)) == LIBNN_OK &&
        (st = libnn_model_compile(m, opt, loss)) != LIBNN_OK)
        libnn_optimizer_free(opt);
    if (st == LIBNN_OK && loss != LIBNN_LOSS_MEAN_SQUARED_ERROR)
        st = libnn_model_add_metric(m, LIBNN_METRIC_ACCURACY);
    if (st != LIBNN_OK) {
        libnn_model_free(m);
        m = NULL;
    }
    *out = m;
    return st;
}

static libnn_layer *last_layer(libnn_model *m)
{
    return libnn_model_layer(m, libnn_model_layer_count(m) - 1);
}

static libnn_status save(libnn_model *m, const char *dir, const char *name, unsigned flags)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return libnn_model_save(m, path, flags);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    libnn_model *m = NULL;

    float kernel[16 * 4] = {0};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            kernel[(r * 4 + c) * 4 + (r / 2) * 2 + c / 2] = 0.25f;
    CHECK(dense_model(3, (const int64_t[]){4, 4, 1}, 1, 4, LIBNN_ACT_SOFTMAX,
                      LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, &m));
    CHECK(set(last_layer(m), "kernel", 2, (const int64_t[]){16, 4}, kernel, 64));
    CHECK(save(m, dir, "quadrants.safetensors", 0));
    CHECK(save(m, dir, "quadrants-checkpoint.safetensors", LIBNN_SAVE_CHECKPOINT));
    libnn_model_free(m);

    CHECK(dense_model(1, (const int64_t[]){3}, 0, 1, LIBNN_ACT_SIGMOID,
                      LIBNN_LOSS_BINARY_CROSSENTROPY, &m));
    CHECK(set(last_layer(m), "kernel", 2, (const int64_t[]){3, 1}, (const float[]){1, -1, 0}, 3));
    CHECK(save(m, dir, "binary.safetensors", 0));
    libnn_model_free(m);

    CHECK(dense_model(1, (const int64_t[]){2}, 0, 2, LIBNN_ACT_LINEAR,
                      LIBNN_LOSS_MEAN_SQUARED_ERROR, &m));
    CHECK(set(last_layer(m), "kernel", 2, (const int64_t[]){2, 2}, (const float[]){2, 0, 0, 2}, 4));
    CHECK(set(last_layer(m), "bias", 1, (const int64_t[]){2}, (const float[]){1, -1}, 2));
    CHECK(save(m, dir, "regression.safetensors", 0));
    libnn_model_free(m);

    float rgb[12 * 3] = {0};
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < 3; c++)
            rgb[(p * 3 + c) * 3 + c] = 0.25f;
    CHECK(dense_model(3, (const int64_t[]){2, 2, 3}, 1, 3, LIBNN_ACT_SOFTMAX,
                      LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, &m));
    CHECK(set(last_layer(m), "kernel", 2, (const int64_t[]){12, 3}, rgb, 36));
    CHECK(save(m, dir, "rgb.safetensors", 0));
    libnn_model_free(m);

    CHECK(dense_model(1, (const int64_t[]){3}, 0, 3, LIBNN_ACT_LINEAR,
                      LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, &m));
    CHECK(libnn_model_set_loss_option(m, LIBNN_LOSS_OPT_FROM_LOGITS, 1));
    CHECK(set(last_layer(m), "kernel", 2, (const int64_t[]){3, 3},
              (const float[]){1, 0, 0, 0, 1, 0, 0, 0, 1}, 9));
    CHECK(save(m, dir, "logits.safetensors", 0));
    libnn_model_free(m);
    return 0;
fail:
    fprintf(stderr, "make_models: %s\n", libnn_last_error());
    libnn_model_free(m);
    return 1;
}
