/*
 * Conv2D: exact small cases worked by hand, a direct-loop reference
 * convolution, gradient checks over every option that changes the maths;
 * and for Conv2D and the pools together: build and option errors,
 * inference without a cache, allocation failures, and no allocation in a
 * repeated step. The pools alone: test_pool.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_helpers.h"
#include "layers/layer_internal.h"
#include "tensor_literal.h"
#include "testutil.h"

/* One-filter Conv2D with kernel k (kh x kw, one channel) and no bias over a
 * one-channel h x w image x; checks the output against want. */
static void conv_exact(int64_t h, int64_t w, const float *x, int64_t kh, int64_t kw,
                       const float *k, conv_window o, int64_t oh, int64_t ow, const float *want)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_conv2d_new(1, kh, kw, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, 0), LIBNN_OK);
    conv_set_window(l, &o);
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){h, w, 1}, 1), LIBNN_OK);
    libnn_tensor *kt = tu_tensor_of(4, (const int64_t[]){kh, kw, 1, 1}, k);
    ck_assert_int_eq(libnn_layer_set_weight(l, "kernel", kt), LIBNN_OK);
    libnn_tensor *xt = tu_tensor_of(4, (const int64_t[]){1, h, w, 1}, x);
    libnn_tensor *y = conv_forward(l, xt);
    ck_assert_int_eq(libnn_tensor_dim(y, 1), oh);
    ck_assert_int_eq(libnn_tensor_dim(y, 2), ow);
    conv_assert_values(y, want, (size_t)(oh * ow));
    libnn_tensor_free(kt);
    libnn_tensor_free(xt);
    libnn_tensor_free(y);
    libnn_layer_free(l);
}

static const float ones9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};

START_TEST(conv_forward_by_hand)
{
    const conv_window valid = {0}, same = {.padding = LIBNN_PADDING_SAME};
    float x5[25];
    for (int i = 0; i < 25; i++)
        x5[i] = (float)i;

    conv_exact(3, 3, conv_x3, 3, 3, ones9, valid, 1, 1, (const float[]){45});
    /* Each output sums its 3x3 neighbourhood inside the image. */
    conv_exact(3, 3, conv_x3, 3, 3, ones9, same, 3, 3,
               (const float[]){12, 21, 16, 27, 45, 33, 24, 39, 28});
    /* Stride 2, same: out ceil(3/2) = 2, pad 1 on each side: the windows
     * centred on the corners. */
    conv_exact(3, 3, conv_x3, 3, 3, ones9, (conv_window){.sh = 2, .sw = 2, .padding = 1}, 2, 2,
               (const float[]){12, 16, 24, 28});
    /* Stride 2, valid, 5x5: windows at (0,0), (0,2), (2,0), (2,2). */
    conv_exact(5, 5, x5, 3, 3, ones9, (conv_window){.sh = 2, .sw = 2}, 2, 2,
               (const float[]){54, 72, 144, 162});
    /* Dilation 2, valid, 5x5, kernel 1..9: taps at rows/cols 0, 2, 4:
     * sum of (1 + 3i + j) * x[2i][2j] = 732. */
    conv_exact(5, 5, x5, 3, 3, conv_x3, (conv_window){.dh = 2, .dw = 2}, 1, 1,
               (const float[]){732});
    /* Dilation 2, same: span 5, pad 2 each side. */
    conv_exact(5, 5, x5, 3, 3, ones9, (conv_window){.dh = 2, .dw = 2, .padding = 1}, 5, 5,
               (const float[]){24, 28, 42, 28, 32, 44, 48, 72, 48, 52, 66,  72, 108,
                               72, 78, 44, 48, 72, 48, 52, 64, 68, 102, 68, 72});
    /* Even kernel, same: the single padded row and column go at the bottom
     * and right (TensorFlow), so (0, 0) sums 1 + 2 + 4 + 5, not just 1. */
    conv_exact(3, 3, conv_x3, 2, 2, ones9, same, 3, 3,
               (const float[]){12, 16, 9, 24, 28, 15, 15, 17, 9});
}
END_TEST

/* Channels, filters and bias: a 1x1 kernel is x . K + b per pixel; a 2x1
 * kernel over 2 channels reads [kh, kw, in, filters] in that order. */
START_TEST(conv_kernel_layout)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_conv2d_new(2, 2, 1, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){2, 1, 2}, 1), LIBNN_OK);
    /* k[ki][0][ci][f]: ki=0: ci0 -> (1, 10), ci1 -> (100, 1000);
     *                  ki=1: ci0 -> (2, 20), ci1 -> (200, 2000). */
    libnn_tensor *k = tu_tensor_of(4, (const int64_t[]){2, 1, 2, 2},
                                   (const float[]){1, 10, 100, 1000, 2, 20, 200, 2000});
    libnn_tensor *b = T1(2, 0.5f, -0.5f);
    ck_assert_int_eq(libnn_layer_set_weight(l, "kernel", k), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_weight(l, "bias", b), LIBNN_OK);
    /* Pixel (0,0) = (1, 2), pixel (1,0) = (3, 4). */
    libnn_tensor *x = tu_tensor_of(4, (const int64_t[]){1, 2, 1, 2}, (const float[]){1, 2, 3, 4});
    libnn_tensor *y = conv_forward(l, x);
    /* f0: 1*1 + 2*100 + 3*2 + 4*200 + 0.5; f1: 10 + 2000 + 60 + 8000 - 0.5 */
    conv_assert_values(y, (const float[]){1007.5f, 10069.5f}, 2);
    ck_assert_str_eq(libnn_layer_kind_name(l), "Conv2D");
    ck_assert_int_eq(libnn_layer_kind_of(l), LIBNN_LAYER_CONV2D);
    ck_assert_uint_eq(libnn_layer_param_count(l), 8 + 2);
    libnn_tensor_free(k);
    libnn_tensor_free(b);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_layer_free(l);
}
END_TEST

/* Direct loops over the definition (TensorFlow padding), in double. */
static void reference_conv(const int64_t *xs, const float *x, int64_t kh, int64_t kw, int64_t f,
                           const conv_window *o, const float *k, const float *b, const int64_t *ys,
                           float *y)
{
    int64_t dims[2] = {xs[1], xs[2]}, win[2] = {kh, kw}, s[2] = {o->sh, o->sw},
            d[2] = {o->dh, o->dw}, pad[2];
    for (int a = 0; a < 2; a++) {
        int64_t span = (win[a] - 1) * d[a] + 1;
        int64_t total = (ys[1 + a] - 1) * s[a] + span - dims[a];
        pad[a] = o->padding && total > 0 ? total / 2 : 0;
    }
    int64_t c = xs[3];
    for (int64_t n = 0; n < xs[0]; n++)
        for (int64_t oy = 0; oy < ys[1]; oy++)
            for (int64_t ox = 0; ox < ys[2]; ox++)
                for (int64_t fo = 0; fo < f; fo++) {
                    double sum = b[fo];
                    for (int64_t i = 0; i < kh; i++)
                        for (int64_t j = 0; j < kw; j++) {
                            int64_t iy = oy * s[0] - pad[0] + i * d[0];
                            int64_t ix = ox * s[1] - pad[1] + j * d[1];
                            if (iy < 0 || iy >= xs[1] || ix < 0 || ix >= xs[2])
                                continue;
                            for (int64_t ci = 0; ci < c; ci++)
                                sum += (double)x[((n * xs[1] + iy) * xs[2] + ix) * c + ci] *
                                       k[((i * kw + j) * c + ci) * f + fo];
                        }
                    y[((n * ys[1] + oy) * ys[2] + ox) * f + fo] = (float)sum;
                }
}

/* The geometries every conv check runs: padding x (stride, dilation),
 * never stride 2 with dilation 2, which Keras refuses. */
static const conv_window geoms[] = {
    {1, 1, 1, 1, 0}, {2, 2, 1, 1, 0}, {1, 1, 2, 2, 0}, {1, 2, 1, 1, 0},
    {1, 1, 1, 1, 1}, {2, 2, 1, 1, 1}, {1, 1, 2, 2, 1}, {2, 1, 1, 1, 1},
};
/* Odd, even, non-square and 1x1 kernels. */
static const int64_t kernels[][2] = {{3, 3}, {2, 2}, {2, 3}, {1, 1}};

static libnn_layer *conv_with(int64_t filters, const int64_t *kernel, const conv_window *o,
                              libnn_activation act, int use_bias, const int64_t *xs)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_conv2d_new(filters, kernel[0], kernel[1], &l), LIBNN_OK);
    conv_set_window(l, o);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, act), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, use_bias), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_BIAS_INITIALIZER, LIBNN_INIT_RANDOM_NORMAL),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_BIAS_INIT_B, 0.5), LIBNN_OK);
    ck_assert_msg(libnn_layer_build(l, 3, xs + 1, 5) == LIBNN_OK, "build: %s", libnn_last_error());
    return l;
}

/* One channel (the first layer of an image model: window rows of a few
 * floats) and three. */
START_TEST(conv_matches_reference)
{
    const int64_t xs[4] = {2, 7, 6, 1 + 2 * _i};
    libnn_tensor *x = conv_distinct_tensor(4, xs, 3);
    for (size_t gi = 0; gi < sizeof geoms / sizeof geoms[0]; gi++)
        for (size_t ki = 0; ki < sizeof kernels / sizeof kernels[0]; ki++) {
            libnn_layer *l = conv_with(4, kernels[ki], &geoms[gi], LIBNN_ACT_LINEAR, 1, xs);
            libnn_tensor *y = conv_forward(l, x), *k, *b;
            ck_assert_int_eq(libnn_layer_get_weight(l, "kernel", &k), LIBNN_OK);
            ck_assert_int_eq(libnn_layer_get_weight(l, "bias", &b), LIBNN_OK);
            int64_t ys[4];
            ck_assert_int_eq(libnn_tensor_shape(y, 4, ys), LIBNN_OK);
            float want[2 * 7 * 6 * 4];
            reference_conv(xs, libnn_tensor_data(x), kernels[ki][0], kernels[ki][1], 4,
                           &geoms[gi], libnn_tensor_data(k), libnn_tensor_data(b), ys, want);
            for (size_t i = 0; i < libnn_tensor_size(y); i++)
                ck_assert_msg(fabsf(libnn_tensor_data(y)[i] - want[i]) < 1e-5f,
                              "geometry %zu kernel %zu: y[%zu] = %g, reference %g", gi, ki, i,
                              (double)libnn_tensor_data(y)[i], (double)want[i]);
            libnn_tensor_free(k);
            libnn_tensor_free(b);
            libnn_tensor_free(y);
            libnn_layer_free(l);
        }
    libnn_tensor_free(x);
}
END_TEST

static void conv_gradcheck(const int64_t *kernel, const conv_window *o, libnn_activation act,
                           int use_bias, int64_t channels, const char *what)
{
    const int64_t xs[4] = {2, 6, 5, channels};
    libnn_layer *l = conv_with(2, kernel, o, act, use_bias, xs);
    libnn_tensor *x = conv_distinct_tensor(4, xs, 7);
    char label[120];
    snprintf(label, sizeof label, "conv2d %s c %d k %dx%d s %dx%d d %dx%d pad %d act %d bias %d",
             what, (int)channels, (int)kernel[0], (int)kernel[1], (int)o->sh, (int)o->sw,
             (int)o->dh, (int)o->dw, o->padding, (int)act, use_bias);
    conv_gradcheck_layer(l, x, label, act == LIBNN_ACT_RELU);
    libnn_tensor_free(x);
    libnn_layer_free(l);
}

START_TEST(conv_gradients_geometry)
{
    for (size_t gi = 0; gi < sizeof geoms / sizeof geoms[0]; gi++)
        for (size_t ki = 0; ki < sizeof kernels / sizeof kernels[0]; ki++)
            conv_gradcheck(kernels[ki], &geoms[gi], LIBNN_ACT_LINEAR, 1, 1 + 2 * _i, "geometry");
}
END_TEST

START_TEST(conv_gradients_activation_bias)
{
    const conv_window same = {1, 1, 1, 1, 1}, strided = {2, 2, 1, 1, 0};
    const libnn_activation acts[] = {LIBNN_ACT_RELU, LIBNN_ACT_TANH, LIBNN_ACT_SWISH};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++)
        for (int bias = 0; bias <= 1; bias++) {
            conv_gradcheck(kernels[0], &same, acts[a], bias, 3, "activation");
            conv_gradcheck(kernels[2], &strided, acts[a], bias, 3, "activation");
            /* 1x1: the path without columns. */
            conv_gradcheck(kernels[3], &same, acts[a], bias, 3, "activation");
        }
    conv_gradcheck(kernels[1], &same, LIBNN_ACT_LINEAR, 0, 3, "no bias");
}
END_TEST

START_TEST(build_errors)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_conv2d_new(8, 3, 3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){28, 28}, 1), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "conv2d: expects input of rank 3 [h, w, c], got input shape [28, 28]");
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){2, 5, 1}, 1), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "conv2d: input 2 x 5 is smaller than the window 3 x 3 with valid padding");
    ck_assert_int_eq(libnn_layer_is_built(l), 0);
    /* Dilation widens the window: 3 taps 2 apart span 5 > 4. */
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_DILATION_RATE, 2), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){4, 9, 1}, 1), LIBNN_E_SHAPE);
    tu_assert_error_has("input 4 x 9 is smaller than the window 3 x 3 (dilation 2 x 2)");
    /* Same padding fits any input. */
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_PADDING, LIBNN_PADDING_SAME), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){1, 1, 1}, 1), LIBNN_OK);
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_max_pooling2d_new(3, 3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){9}, 1), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "max_pooling2d: expects input of rank 3 [h, w, c], got input shape [9]");
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){2, 8, 4}, 1), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "max_pooling2d: input 2 x 8 is smaller than the window 3 x 3 with valid "
                     "padding");
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_global_average_pooling2d_new(&l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 4, (const int64_t[]){2, 2, 2, 2}, 1), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "global_average_pooling2d: expects input of rank 3 "
                                         "[h, w, c], got input shape [2, 2, 2, 2]");
    libnn_layer_free(l);
}
END_TEST

START_TEST(bad_options)
{
    libnn_layer *l = (libnn_layer *)1;
    ck_assert_int_eq(libnn_conv2d_new(0, 3, 3, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_str_eq(libnn_last_error(), "conv2d: filters must be >= 1, got 0");
    ck_assert_int_eq(libnn_conv2d_new(4, 3, -1, &l), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "conv2d: kernel_w must be >= 1, got -1");
    ck_assert_int_eq(libnn_conv2d_new(4, 3, 3, NULL), LIBNN_E_INVALID);

    ck_assert_int_eq(libnn_conv2d_new(4, 3, 3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_STRIDES, 0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "conv2d: strides must be >= 1, got 0");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_DILATION_W, 0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "conv2d: dilation_w must be >= 1, got 0");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_PADDING, 2), LIBNN_E_INVALID);
    tu_assert_error_has("padding has no value 2");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_POOL_SIZE, 2), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "conv2d has no parameter pool_size");
    /* Keras refuses strides > 1 with dilation > 1, in either axis. */
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_STRIDE_H, 2), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_DILATION_W, 2), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){8, 8, 1}, 1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "conv2d: strides > 1 cannot be combined with "
                                         "dilation_rate > 1, got strides 2 x 1 and "
                                         "dilation_rate 1 x 2");
    int64_t v;
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_STRIDES, &v), LIBNN_OK);
    ck_assert_int_eq(v, 2);
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_average_pooling2d_new(2, 0, &l), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "average_pooling2d: pool_w must be >= 1, got 0");
    ck_assert_int_eq(libnn_max_pooling2d_new(2, 2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_STRIDES, 0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "max_pooling2d: strides must be >= 1, got 0");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_DILATION_RATE, 2), LIBNN_E_INVALID);
    /* Strides default to the pool size; a set stride overrides it. */
    int64_t shape[LIBNN_MAX_RANK];
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){9, 8, 3}, 1), LIBNN_OK);
    ck_assert_uint_eq(conv_out_shape(l, shape), 3);
    ck_assert(shape[0] == 4 && shape[1] == 4 && shape[2] == 3);
    libnn_layer_free(l);
    ck_assert_int_eq(libnn_max_pooling2d_new(2, 2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_STRIDE_W, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){9, 8, 3}, 1), LIBNN_OK);
    conv_out_shape(l, shape);
    ck_assert(shape[0] == 4 && shape[1] == 7);
    libnn_layer_free(l);
}
END_TEST

/* Inside a model, inference passes no cache: the columns and the argmax
 * indices then live in scratch, sized by workspace(training = false). */
START_TEST(inference_without_cache)
{
    const int64_t xs[4] = {3, 6, 6, 2};
    libnn_tensor *x = conv_distinct_tensor(4, xs, 2);
    libnn_layer *ls[2];
    ls[0] = conv_with(3, kernels[0], &geoms[5], LIBNN_ACT_RELU, 1, xs);
    ls[1] = conv_pool_with(true, 3, 3, &(conv_window){.sh = 2, .sw = 2, .padding = 1}, xs);
    for (int i = 0; i < 2; i++) {
        libnn_tensor *y = conv_forward(ls[i], x);
        size_t cache, scratch, n = libnn_tensor_size(y);
        ck_assert_int_eq(ls[i]->ops->workspace(ls[i], 3, false, &cache, &scratch), LIBNN_OK);
        ck_assert_uint_eq(cache, 0);
        float *ws = malloc((scratch + 1) * sizeof(float)), *out = malloc(n * sizeof(float));
        lnn_exec e = {.batch = 3, .training = false, .cache = NULL, .scratch = ws};
        ck_assert_int_eq(ls[i]->ops->forward(ls[i], &e, libnn_tensor_data(x), out), LIBNN_OK);
        ck_assert_mem_eq(out, libnn_tensor_data(y), n * sizeof(float));
        free(ws);
        free(out);
        libnn_tensor_free(y);
        libnn_layer_free(ls[i]);
    }
    libnn_tensor_free(x);
}
END_TEST

/* New, options, build, forward (training) and backward of a Conv2D (same
 * padding, gelu: columns and pre-activation in the cache) or a max pool. */
typedef struct alloc_case {
    bool conv;
    float x[48];
} alloc_case;

static libnn_status alloc_body(void *ctx)
{
    const alloc_case *c = ctx;
    const int64_t xs[4] = {2, 3, 4, 2};
    libnn_layer *l = NULL;
    libnn_tensor *x = NULL, *y = NULL, *dx = NULL;
    int64_t ys[LIBNN_MAX_RANK + 1] = {xs[0]};
    size_t nd = 0;
    libnn_status st = c->conv ? libnn_conv2d_new(2, 2, 3, &l) : libnn_max_pooling2d_new(2, 2, &l);
    if (st == LIBNN_OK && c->conv)
        st = libnn_layer_set_int(l, LIBNN_PARAM_PADDING, LIBNN_PADDING_SAME);
    if (st == LIBNN_OK && c->conv)
        st = libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_GELU);
    if (st == LIBNN_OK)
        st = libnn_layer_build(l, 3, xs + 1, 3);
    if (st == LIBNN_OK)
        st = libnn_layer_output_shape(l, LIBNN_MAX_RANK, ys + 1, &nd);
    if (st == LIBNN_OK)
        st = libnn_tensor_new_from_data(4, xs, c->x, 48, &x);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(nd + 1, ys, &y);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(4, xs, &dx);
    if (st == LIBNN_OK)
        st = libnn_layer_forward(l, x, y, 1);
    if (st == LIBNN_OK)
        st = libnn_layer_backward(l, y, dx);
    ck_assert(c->x[0] == 0.5f);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_layer_free(l);
    return st;
}

START_TEST(allocation_failures)
{
    alloc_case c;
    for (int i = 0; i < 48; i++)
        c.x[i] = 0.5f + 0.25f * (float)((i * 7) % 13) - 1.5f * (float)(i % 2);
    for (int conv = 0; conv <= 1; conv++) {
        c.conv = conv;
        tu_alloc_fail_loop(alloc_body, &c);
    }
}
END_TEST

/* A training step at an unchanged batch size allocates nothing: the
 * columns, dz, dcol and argmax all live in the buffers of the first call. */
START_TEST(steady_state_allocates_nothing)
{
    const int64_t xs[4] = {4, 8, 8, 3};
    libnn_tensor *x = conv_distinct_tensor(4, xs, 1), *dx = conv_zeros(4, xs);
    libnn_layer *ls[3];
    ls[0] = conv_with(4, kernels[0], &geoms[4], LIBNN_ACT_SWISH, 1, xs);
    ls[1] = conv_pool_with(true, 2, 2, &(conv_window){0}, xs);
    ls[2] = conv_pool_with(false, 3, 3, &(conv_window){.padding = 1}, xs);
    for (int i = 0; i < 3; i++) {
        libnn_tensor *y = conv_forward(ls[i], x);
        ck_assert_int_eq(libnn_layer_backward(ls[i], y, dx), LIBNN_OK);
        tu_alloc_reset();
        ck_assert_int_eq(libnn_layer_forward(ls[i], x, y, 1), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_backward(ls[i], y, dx), LIBNN_OK);
        ck_assert_int_eq(tu_alloc_calls(), 0);
        libnn_tensor_free(y);
        libnn_layer_free(ls[i]);
    }
    libnn_tensor_free(x);
    libnn_tensor_free(dx);
}
END_TEST

Suite *conv_suite(void)
{
    Suite *s = suite_create("conv");
    TCase *tc = tu_tcase("conv");
    tcase_add_test(tc, conv_forward_by_hand);
    tcase_add_test(tc, conv_kernel_layout);
    tcase_add_loop_test(tc, conv_matches_reference, 0, 2);
    tcase_add_loop_test(tc, conv_gradients_geometry, 0, 2);
    tcase_add_test(tc, conv_gradients_activation_bias);
    tcase_add_test(tc, build_errors);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, inference_without_cache);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, steady_state_allocates_nothing);
    suite_add_tcase(s, tc);
    return s;
}
