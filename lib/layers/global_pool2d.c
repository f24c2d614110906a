/*
 * GlobalMaxPooling2D and GlobalAveragePooling2D: [h, w, c] -> [c].
 *
 * Neither keeps anything between passes: the max's backward finds the
 * winning pixels again from x and y (which the owner keeps anyway), sharing
 * the gradient between ties as tf.reduce_max does.
 */
#include "kernels/pool_internal.h"
#include "layer_internal.h"

typedef struct global_pool_state {
    size_t hw, c;
} global_pool_state;

static libnn_status global_pool_build(libnn_layer *l)
{
    global_pool_state *s = l->state;
    if (l->in_ndim != 3)
        return lnn_layer_shape_error(l, "expects input of rank 3 [h, w, c]");
    s->hw = (size_t)(l->in_shape[0] * l->in_shape[1]);
    s->c = (size_t)l->in_shape[2];
    l->out_ndim = 1;
    l->out_shape[0] = l->in_shape[2];
    return LIBNN_OK;
}

static libnn_status global_maxpool_forward(const libnn_layer *l, lnn_exec *e, const float *x,
                                           float *y)
{
    const global_pool_state *s = l->state;
    lnn_global_maxpool_forward(e->batch, s->hw, s->c, x, y);
    return LIBNN_OK;
}

static libnn_status global_maxpool_backward(libnn_layer *l, lnn_exec *e, const float *x,
                                            const float *y, const float *dy, float *dx)
{
    const global_pool_state *s = l->state;
    if (dx)
        lnn_global_maxpool_backward(e->batch, s->hw, s->c, x, y, dy, dx, false);
    return LIBNN_OK;
}

static libnn_status global_avgpool_forward(const libnn_layer *l, lnn_exec *e, const float *x,
                                           float *y)
{
    const global_pool_state *s = l->state;
    lnn_global_avgpool_forward(e->batch, s->hw, s->c, x, y);
    return LIBNN_OK;
}

static libnn_status global_avgpool_backward(libnn_layer *l, lnn_exec *e, const float *x,
                                            const float *y, const float *dy, float *dx)
{
    const global_pool_state *s = l->state;
    if (dx)
        lnn_global_avgpool_backward(e->batch, s->hw, s->c, dy, dx, false);
    return LIBNN_OK;
}

static const lnn_layer_ops global_maxpool2d_ops = {
    .kind = LIBNN_LAYER_GLOBAL_MAX_POOLING2D,
    .class_name = "GlobalMaxPooling2D",
    .prefix = "global_max_pooling2d",
    .state_size = sizeof(global_pool_state),
    .build = global_pool_build,
    .workspace = lnn_layer_no_workspace,
    .forward = global_maxpool_forward,
    .backward = global_maxpool_backward,
};

static const lnn_layer_ops global_avgpool2d_ops = {
    .kind = LIBNN_LAYER_GLOBAL_AVERAGE_POOLING2D,
    .class_name = "GlobalAveragePooling2D",
    .prefix = "global_average_pooling2d",
    .state_size = sizeof(global_pool_state),
    .build = global_pool_build,
    .workspace = lnn_layer_no_workspace,
    .forward = global_avgpool_forward,
    .backward = global_avgpool_backward,
};

libnn_status libnn_global_max_pooling2d_new(libnn_layer **out)
{
    return lnn_layer_new_with(&global_maxpool2d_ops, 0, NULL, NULL, out);
}

libnn_status libnn_global_average_pooling2d_new(libnn_layer **out)
{
    return lnn_layer_new_with(&global_avgpool2d_ops, 0, NULL, NULL, out);
}
