/*
 * MaxPooling2D and AveragePooling2D(ph, pw) over NHWC images.
 *
 * The two kinds share their options and build; only the kernels differ.
 * Max pooling keeps, per output, the spatial index of the winning input
 * pixel (int32, in the cache when training, else in scratch), so backward
 * routes each gradient to exactly one pixel without searching the window
 * again. The kernels keep padded cells out of both the max and the
 * average's divisor, as Keras does.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "kernels/pool_internal.h"
#include "layer_internal.h"

/* The argmax indices live in the float buffers the owner gives, one index
 * per float. Those come from the allocator and have no declared type: a
 * store gives the storage the type it stores (C11 6.5p6), and the indices
 * are only read as int32_t after being stored as int32_t, so the cast in
 * argmax_of() is sound even in scratch that other layers use as floats. */
_Static_assert(sizeof(int32_t) == sizeof(float) && _Alignof(int32_t) <= _Alignof(float),
               "an argmax index must fit a float slot");

/* Keras' strides=None (the pool size): a marker below the bound of 1,
 * resolved in build. */
#define POOL_STRIDE_UNSET -1

static const lnn_param_def pool2d_params[] = {
    LNN_PARAM_INT(LIBNN_PARAM_POOL_H, "pool_h", 2, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_POOL_W, "pool_w", 2, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_STRIDE_H, "stride_h", POOL_STRIDE_UNSET, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_STRIDE_W, "stride_w", POOL_STRIDE_UNSET, 1, 1e9),
    LNN_PARAM_ENUM(LIBNN_PARAM_PADDING, "padding", LIBNN_PADDING_VALID, 2, lnn_padding_name_of),
};

typedef struct pool2d_state {
    lnn_conv_geom g;
} pool2d_state;

static size_t stride_or_pool(const libnn_layer *l, libnn_param stride, libnn_param pool)
{
    int64_t s = lnn_param_int(l, stride);
    return (size_t)(s == POOL_STRIDE_UNSET ? lnn_param_int(l, pool) : s);
}

static libnn_status pool2d_build(libnn_layer *l)
{
    pool2d_state *s = l->state;
    if (l->in_ndim != 3)
        return lnn_layer_shape_error(l, "expects input of rank 3 [h, w, c]");
    s->g = (lnn_conv_geom){
        .h = (size_t)l->in_shape[0],
        .w = (size_t)l->in_shape[1],
        .c = (size_t)l->in_shape[2],
        .kh = (size_t)lnn_param_int(l, LIBNN_PARAM_POOL_H),
        .kw = (size_t)lnn_param_int(l, LIBNN_PARAM_POOL_W),
        .sh = stride_or_pool(l, LIBNN_PARAM_STRIDE_H, LIBNN_PARAM_POOL_H),
        .sw = stride_or_pool(l, LIBNN_PARAM_STRIDE_W, LIBNN_PARAM_POOL_W),
        .padding = (lnn_padding)lnn_param_int(l, LIBNN_PARAM_PADDING),
    };
    libnn_status st = lnn_pool_geom_init(&s->g);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", l->name);
    l->out_ndim = 3;
    l->out_shape[0] = (int64_t)s->g.oh;
    l->out_shape[1] = (int64_t)s->g.ow;
    l->out_shape[2] = (int64_t)s->g.c;
    return LIBNN_OK;
}

static libnn_status maxpool2d_workspace(const libnn_layer *l, size_t batch, bool training,
                                        size_t *cache, size_t *scratch)
{
    size_t n;
    if (!lnn_mul_size(batch, l->out_size, &n))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    *cache = training ? n : 0;
    *scratch = training ? 0 : n;
    return LIBNN_OK;
}

static int32_t *argmax_of(const lnn_exec *e)
{
    return (int32_t *)(void *)(e->cache ? e->cache : e->scratch);
}

static libnn_status maxpool2d_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    const pool2d_state *s = l->state;
    lnn_maxpool_forward(&s->g, e->batch, x, y, argmax_of(e));
    return LIBNN_OK;
}

static libnn_status maxpool2d_backward(libnn_layer *l, lnn_exec *e, const float *x,
                                       const float *y, const float *dy, float *dx)
{
    const pool2d_state *s = l->state;
    if (dx)
        lnn_maxpool_backward(&s->g, e->batch, dy, argmax_of(e), dx, false);
    return LIBNN_OK;
}

static libnn_status avgpool2d_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    const pool2d_state *s = l->state;
    lnn_avgpool_forward(&s->g, e->batch, x, y);
    return LIBNN_OK;
}

static libnn_status avgpool2d_backward(libnn_layer *l, lnn_exec *e, const float *x,
                                       const float *y, const float *dy, float *dx)
{
    const pool2d_state *s = l->state;
    if (dx)
        lnn_avgpool_backward(&s->g, e->batch, dy, dx, false);
    return LIBNN_OK;
}

static const lnn_layer_ops maxpool2d_ops = {
    .kind = LIBNN_LAYER_MAX_POOLING2D,
    .class_name = "MaxPooling2D",
    .prefix = "max_pooling2d",
    .params = pool2d_params,
    .n_params = sizeof pool2d_params / sizeof pool2d_params[0],
    .state_size = sizeof(pool2d_state),
    .build = pool2d_build,
    .workspace = maxpool2d_workspace,
    .forward = maxpool2d_forward,
    .backward = maxpool2d_backward,
};

static const lnn_layer_ops avgpool2d_ops = {
    .kind = LIBNN_LAYER_AVERAGE_POOLING2D,
    .class_name = "AveragePooling2D",
    .prefix = "average_pooling2d",
    .params = pool2d_params,
    .n_params = sizeof pool2d_params / sizeof pool2d_params[0],
    .state_size = sizeof(pool2d_state),
    .build = pool2d_build,
    .workspace = lnn_layer_no_workspace,
    .forward = avgpool2d_forward,
    .backward = avgpool2d_backward,
};

static libnn_status pool2d_new(const lnn_layer_ops *ops, int64_t pool_h, int64_t pool_w,
                               libnn_layer **out)
{
    return lnn_layer_new_with(ops, 2, (const libnn_param[]){LIBNN_PARAM_POOL_H, LIBNN_PARAM_POOL_W},
                              (const lnn_param_value[]){{.i = pool_h}, {.i = pool_w}}, out);
}

libnn_status libnn_max_pooling2d_new(int64_t pool_h, int64_t pool_w, libnn_layer **out)
{
    return pool2d_new(&maxpool2d_ops, pool_h, pool_w, out);
}

libnn_status libnn_average_pooling2d_new(int64_t pool_h, int64_t pool_w, libnn_layer **out)
{
    return pool2d_new(&avgpool2d_ops, pool_h, pool_w, out);
}
