/*
 * Small models and data sets shared by the model and callback suites.
 */
#include <string.h>

#include "model_helpers.h"
#include "testutil.h"

/* Two Gaussian blobs in 2-D around (-1, -1) and (1, 1), labels 0/1. */
void tu_blobs(size_t n, uint64_t seed, libnn_tensor **x, libnn_tensor **y)
{
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 2}, x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){(int64_t)n}, y), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill_normal(*x, 0, 0.4f, seed), LIBNN_OK);
    float *xd = libnn_tensor_data(*x), *yd = libnn_tensor_data(*y);
    for (size_t i = 0; i < n; i++) {
        float c = (i % 2) ? 1.0f : -1.0f;
        xd[2 * i] += c;
        xd[2 * i + 1] += c;
        yd[i] = (float)(i % 2);
    }
}

/* Dense(8, hidden) -> Dense(1, sigmoid), Adam, binary cross-entropy. */
libnn_model *tu_binary_model_with(uint64_t seed, libnn_activation hidden)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_SEED, (int64_t)seed), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){2}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(8, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, hidden), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(1, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_adam_new(0.05f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_BINARY_CROSSENTROPY), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_metric(m, LIBNN_METRIC_ACCURACY), LIBNN_OK);
    return m;
}

libnn_model *tu_binary_model(uint64_t seed)
{
    return tu_binary_model_with(seed, LIBNN_ACT_RELU);
}

/* y as [n, 1] for the one-output model. */
libnn_tensor *tu_column(const libnn_tensor *y)
{
    libnn_tensor *c;
    ck_assert_int_eq(libnn_tensor_clone(y, &c), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_reshape(c, 2, (const int64_t[]){-1, 1}), LIBNN_OK);
    return c;
}

/* Copies every weight of the model into a flat buffer. */
size_t tu_weights_of(libnn_model *m, float *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < libnn_model_layer_count(m); i++) {
        libnn_layer *l = libnn_model_layer(m, i);
        for (size_t w = 0; w < libnn_layer_weight_count(l); w++) {
            libnn_tensor *t;
            ck_assert_int_eq(libnn_layer_get_weight(l, libnn_layer_weight_name(l, w), &t), LIBNN_OK);
            ck_assert_uint_le(n + libnn_tensor_size(t), cap);
            memcpy(out + n, libnn_tensor_data(t), libnn_tensor_size(t) * sizeof(float));
            n += libnn_tensor_size(t);
            libnn_tensor_free(t);
        }
    }
    return n;
}

