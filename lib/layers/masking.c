/*
 * Masking(mask_value) over [steps, features]: a step whose features all
 * equal mask_value is masked, and its features become 0 as in Keras
 * (inputs * mask), so layers that ignore masks see zeros there.
 */
#include <string.h>

#include "core/error_internal.h"
#include "layer_internal.h"

static const lnn_param_def masking_params[] = {
    LNN_PARAM_FLOAT(LIBNN_PARAM_MASK_VALUE, "mask_value", 0, -1e30, 1e30),
};

static libnn_status masking_build(libnn_layer *l)
{
    if (l->in_ndim != 2)
        return lnn_layer_shape_error(l, "expects input [steps, features]");
    l->out_ndim = l->in_ndim;
    memcpy(l->out_shape, l->in_shape, l->in_ndim * sizeof *l->in_shape);
    return LIBNN_OK;
}

/* Whether a step of `n` features has one that differs from the mask value. */
static bool step_is_real(const float *x, size_t n, float value)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != value)
            return true;
    return false;
}

/* out = in on real steps, 0 on masked ones; the forward x decides. */
static void apply(const libnn_layer *l, size_t batch, const float *x, const float *in, float *out,
                  uint8_t *mask)
{
    size_t steps = (size_t)l->in_shape[0], n = (size_t)l->in_shape[1];
    float value = (float)lnn_param_float(l, LIBNN_PARAM_MASK_VALUE);
    for (size_t i = 0; i < batch * steps; i++) {
        bool real = step_is_real(x + i * n, n, value);
        if (mask)
            mask[i] = real;
        if (real)
            memcpy(out + i * n, in + i * n, n * sizeof *out);
        else
            memset(out + i * n, 0, n * sizeof *out);
    }
}

static libnn_status masking_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    apply(l, e->batch, x, x, y, e->mask_out);
    return LIBNN_OK;
}

static libnn_status masking_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                     const float *dy, float *dx)
{
    if (dx)
        apply(l, e->batch, x, dy, dx, NULL);
    return LIBNN_OK;
}

static lnn_mask_mode masking_mask_mode(const libnn_layer *l)
{
    return LNN_MASK_PRODUCE;
}

static const lnn_layer_ops masking_ops = {
    .kind = LIBNN_LAYER_MASKING,
    .class_name = "Masking",
    .prefix = "masking",
    .params = masking_params,
    .n_params = sizeof masking_params / sizeof masking_params[0],
    .build = masking_build,
    .workspace = lnn_layer_no_workspace,
    .forward = masking_forward,
    .backward = masking_backward,
    .mask_mode = masking_mask_mode,
};

libnn_status libnn_masking_new(float mask_value, libnn_layer **out)
{
    return lnn_layer_new_with(&masking_ops, 1, (const libnn_param[]){LIBNN_PARAM_MASK_VALUE},
                              (const lnn_param_value[]){{.f = mask_value}}, out);
}
