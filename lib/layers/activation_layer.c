/*
 * Activation(kind): an activation function as a layer of its own.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "kernels/activation_internal.h"
#include "layer_internal.h"

static const lnn_param_def activation_params[] = {
    LNN_PARAM_ACTIVATION_ROWS(LNN_ACT_LINEAR),
};

typedef struct activation_state {
    int act;
    float alpha;
    size_t cols; /* softmax runs over the last axis */
} activation_state;

static libnn_status activation_build(libnn_layer *l)
{
    activation_state *s = l->state;
    lnn_layer_activation(l, &s->act, &s->alpha);
    s->cols = (size_t)l->in_shape[l->in_ndim - 1];
    l->out_ndim = l->in_ndim;
    memcpy(l->out_shape, l->in_shape, l->in_ndim * sizeof *l->in_shape);
    return LIBNN_OK;
}

static libnn_status activation_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    const activation_state *s = l->state;
    size_t n = e->batch * l->in_size;
    lnn_act_forward((lnn_act)s->act, s->alpha, x, y, n / s->cols, s->cols);
    return LIBNN_OK;
}

static libnn_status activation_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                        const float *dy, float *dx)
{
    const activation_state *s = l->state;
    if (dx) {
        size_t n = e->batch * l->in_size;
        lnn_act_backward((lnn_act)s->act, s->alpha, x, y, dy, dx, n / s->cols, s->cols);
    }
    return LIBNN_OK;
}

static const lnn_layer_ops activation_ops = {
    .kind = LIBNN_LAYER_ACTIVATION,
    .class_name = "Activation",
    .prefix = "activation",
    .params = activation_params,
    .n_params = sizeof activation_params / sizeof activation_params[0],
    .state_size = sizeof(activation_state),
    .build = activation_build,
    /* gelu and swish differentiate through the input, which the owner keeps
     * as the previous layer's output: nothing to cache. */
    .workspace = lnn_layer_no_workspace,
    .forward = activation_forward,
    .backward = activation_backward,
    .mask_mode = lnn_layer_mask_pass,
};

libnn_status libnn_activation_new(libnn_activation activation, libnn_layer **out)
{
    return lnn_layer_new_with(&activation_ops, 1, (const libnn_param[]){LIBNN_PARAM_ACTIVATION},
                              (const lnn_param_value[]){{.i = activation}}, out);
}
