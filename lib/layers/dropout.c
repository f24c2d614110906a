/*
 * Dropout(rate): inverted dropout. In training each element is kept with
 * probability 1 - rate and scaled by 1 / (1 - rate), so inference is the
 * identity and needs no rescaling. The kept/dropped scale of every element
 * is cached for backward.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "layer_internal.h"

static const lnn_param_def dropout_params[] = {
    LNN_PARAM_FRACTION_OPEN(LIBNN_PARAM_RATE, "rate", 0),
    LNN_PARAM_INT(LIBNN_PARAM_SEED, "seed", 0, 0, LNN_INT_NO_MAX),
};

static libnn_status dropout_build(libnn_layer *l)
{
    l->out_ndim = l->in_ndim;
    memcpy(l->out_shape, l->in_shape, l->in_ndim * sizeof *l->in_shape);
    return LIBNN_OK;
}

static libnn_status dropout_workspace(const libnn_layer *l, size_t batch, bool training,
                                      size_t *cache, size_t *scratch)
{
    *scratch = 0;
    *cache = 0;
    if (training && !lnn_mul_size(batch, l->in_size, cache))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    return LIBNN_OK;
}

static libnn_status dropout_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    size_t n = e->batch * l->in_size;
    float rate = (float)lnn_param_float(l, LIBNN_PARAM_RATE);
    if (!e->training || rate == 0.0f) {
        memcpy(y, x, n * sizeof(float));
        return LIBNN_OK;
    }
    if (!e->cache || !e->rng)
        return lnn_error(LIBNN_E_STATE, "%s: training pass without a cache or generator", l->name);
    float scale = 1.0f / (1.0f - rate);
    for (size_t i = 0; i < n; i++) {
        float keep = lnn_rng_uniform(e->rng) >= rate ? scale : 0.0f;
        e->cache[i] = keep;
        y[i] = x[i] * keep;
    }
    return LIBNN_OK;
}

static libnn_status dropout_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                     const float *dy, float *dx)
{
    if (!dx)
        return LIBNN_OK;
    size_t n = e->batch * l->in_size;
    if (!e->training || lnn_param_float(l, LIBNN_PARAM_RATE) == 0.0) {
        memcpy(dx, dy, n * sizeof(float));
        return LIBNN_OK;
    }
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * e->cache[i];
    return LIBNN_OK;
}

static const lnn_layer_ops dropout_ops = {
    .kind = LIBNN_LAYER_DROPOUT,
    .class_name = "Dropout",
    .prefix = "dropout",
    .params = dropout_params,
    .n_params = sizeof dropout_params / sizeof dropout_params[0],
    .build = dropout_build,
    .workspace = dropout_workspace,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .mask_mode = lnn_layer_mask_pass,
};

libnn_status libnn_dropout_new(float rate, libnn_layer **out)
{
    return lnn_layer_new_with(&dropout_ops, 1, (const libnn_param[]){LIBNN_PARAM_RATE},
                              (const lnn_param_value[]){{.f = rate}}, out);
}
