/*
 * Helpers of the convolution and pooling layer suites; see conv_helpers.h.
 */
#include <check.h>

#include "conv_helpers.h"
#include "gradcheck.h"

const float conv_x3[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

libnn_tensor *conv_zeros(size_t ndim, const int64_t *shape)
{
    libnn_tensor *t = NULL;
    ck_assert_int_eq(libnn_tensor_new(ndim, shape, &t), LIBNN_OK);
    return t;
}

libnn_tensor *conv_distinct_tensor(size_t ndim, const int64_t *shape, uint64_t seed)
{
    libnn_tensor *t = conv_zeros(ndim, shape);
    float *v = libnn_tensor_data(t);
    size_t n = libnn_tensor_size(t);
    for (size_t i = 0; i < n; i++)
        v[i] = 0.05f * ((float)i - (float)n / 2);
    uint64_t r = seed * 2654435761u + 1;
    for (size_t i = n; i > 1; i--) {
        r = r * 6364136223846793005u + 1442695040888963407u;
        size_t j = (size_t)(r >> 33) % i;
        float keep = v[i - 1];
        v[i - 1] = v[j];
        v[j] = keep;
    }
    return t;
}

void conv_gradcheck_layer(libnn_layer *l, const libnn_tensor *x, const char *label, int kinked)
{
    tu_gradcheck opt = tu_gradcheck_defaults();
    opt.label = label;
    opt.kinked = kinked;
    tu_gradcheck_layer(l, x, 13, &opt);
}

size_t conv_out_shape(const libnn_layer *l, int64_t *shape)
{
    size_t nd;
    ck_assert_int_eq(libnn_layer_output_shape(l, LIBNN_MAX_RANK, shape, &nd), LIBNN_OK);
    return nd;
}

libnn_tensor *conv_forward(libnn_layer *l, const libnn_tensor *x)
{
    int64_t shape[LIBNN_MAX_RANK + 1];
    shape[0] = libnn_tensor_dim(x, 0);
    size_t nd = conv_out_shape(l, shape + 1);
    libnn_tensor *y = conv_zeros(nd + 1, shape);
    ck_assert_msg(libnn_layer_forward(l, x, y, 1) == LIBNN_OK, "forward: %s", libnn_last_error());
    return y;
}

void conv_assert_values(libnn_tensor *t, const float *want, size_t n)
{
    ck_assert_uint_eq(libnn_tensor_size(t), n);
    const float *got = libnn_tensor_data(t);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "[%zu]: got %g, want %g", i, (double)got[i],
                      (double)want[i]);
}

void conv_set_window(libnn_layer *l, const conv_window *o)
{
    const struct {
        libnn_param key;
        int64_t value;
    } rows[] = {{LIBNN_PARAM_STRIDE_H, o->sh},
                {LIBNN_PARAM_STRIDE_W, o->sw},
                {LIBNN_PARAM_DILATION_H, o->dh},
                {LIBNN_PARAM_DILATION_W, o->dw}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].value)
            ck_assert_int_eq(libnn_layer_set_int(l, rows[i].key, rows[i].value), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_PADDING, o->padding), LIBNN_OK);
}

libnn_layer *conv_pool_with(bool max, int64_t ph, int64_t pw, const conv_window *o,
                            const int64_t *xs)
{
    libnn_layer *l;
    ck_assert_int_eq(max ? libnn_max_pooling2d_new(ph, pw, &l)
                         : libnn_average_pooling2d_new(ph, pw, &l),
                     LIBNN_OK);
    conv_set_window(l, o);
    ck_assert_msg(libnn_layer_build(l, 3, xs + 1, 1) == LIBNN_OK, "build: %s", libnn_last_error());
    return l;
}
