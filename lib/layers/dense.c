/*
 * Dense(units): y = act(x . kernel + bias) on the last axis of x.
 *
 * Rows of the GEMM are every position but the last axis (batch and, for
 * rank > 1 samples, the leading sample axes), so [batch, t, in] works as in
 * Keras. The bias is written into y first and the GEMM adds onto it (beta =
 * 1), so there is no separate bias pass.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "kernels/activation_internal.h"
#include "kernels/gemm_internal.h"
#include "layer_internal.h"

static const lnn_param_def dense_params[] = {
    LNN_PARAM_INT(LIBNN_PARAM_UNITS, "units", 1, 1, 1e9),
    LNN_PARAM_AFFINE_ROWS,
};

typedef struct dense_state {
    size_t in, units;
    bool use_bias;
    int act;
    float alpha;
} dense_state;

static libnn_status dense_build(libnn_layer *l)
{
    dense_state *s = l->state;
    s->units = (size_t)lnn_param_int(l, LIBNN_PARAM_UNITS);
    s->in = (size_t)l->in_shape[l->in_ndim - 1];
    s->use_bias = lnn_param_int(l, LIBNN_PARAM_USE_BIAS) != 0;
    lnn_layer_activation(l, &s->act, &s->alpha);
    l->out_ndim = l->in_ndim;
    memcpy(l->out_shape, l->in_shape, l->in_ndim * sizeof *l->in_shape);
    l->out_shape[l->out_ndim - 1] = (int64_t)s->units;

    libnn_status st = lnn_layer_add_weight(
        l, "kernel", 2, (const int64_t[]){(int64_t)s->in, (int64_t)s->units},
        lnn_param_init(l, LIBNN_PARAM_KERNEL_INITIALIZER, LIBNN_PARAM_KERNEL_INIT_A,
                       LIBNN_PARAM_KERNEL_INIT_B),
        LIBNN_PARAM_KERNEL_L1, LIBNN_PARAM_KERNEL_L2);
    if (st == LIBNN_OK && s->use_bias)
        st = lnn_layer_add_weight(l, "bias", 1, (const int64_t[]){(int64_t)s->units},
                                  lnn_param_init(l, LIBNN_PARAM_BIAS_INITIALIZER,
                                                 LIBNN_PARAM_BIAS_INIT_A, LIBNN_PARAM_BIAS_INIT_B),
                                  LIBNN_PARAM_BIAS_L1, LIBNN_PARAM_BIAS_L2);
    return st;
}

/* Rows of the GEMM for a batch. */
static size_t dense_rows(const libnn_layer *l, size_t batch)
{
    return batch * (l->in_size / ((const dense_state *)l->state)->in);
}

static libnn_status dense_workspace(const libnn_layer *l, size_t batch, bool training,
                                    size_t *cache, size_t *scratch)
{
    const dense_state *s = l->state;
    size_t n;
    if (!lnn_mul_size(dense_rows(l, batch), s->units, &n))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    /* gelu and swish differentiate through their input: keep it. */
    *cache = (training && lnn_act_backward_needs_input(s->act)) ? n : 0;
    *scratch = (s->act != LNN_ACT_LINEAR) ? n : 0;
    return LIBNN_OK;
}

static libnn_status dense_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    const dense_state *s = l->state;
    size_t rows = dense_rows(l, e->batch);
    const lnn_weight *kernel = &l->weights[0];
    if (s->use_bias)
        lnn_rows_set(y, l->weights[1].value, rows, s->units);
    libnn_status st = lnn_sgemm(false, false, rows, s->units, s->in, 1.0f, x, s->in,
                                kernel->value, s->units, s->use_bias ? 1.0f : 0.0f, y, s->units);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", l->name);
    if (e->cache && lnn_act_backward_needs_input((lnn_act)s->act))
        memcpy(e->cache, y, rows * s->units * sizeof(float));
    lnn_act_forward((lnn_act)s->act, s->alpha, y, y, rows, s->units);
    return LIBNN_OK;
}

static libnn_status dense_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                   const float *dy, float *dx)
{
    const dense_state *s = l->state;
    size_t rows = dense_rows(l, e->batch);
    const float *dz = dy;
    if (s->act != LNN_ACT_LINEAR) {
        lnn_act_backward((lnn_act)s->act, s->alpha, e->cache, y, dy, e->scratch, rows, s->units);
        dz = e->scratch;
    }
    return lnn_layer_affine_backward(l, s->use_bias, rows, s->in, s->units, x, dz, dx);
}

static const lnn_layer_ops dense_ops = {
    .kind = LIBNN_LAYER_DENSE,
    .class_name = "Dense",
    .prefix = "dense",
    .params = dense_params,
    .n_params = sizeof dense_params / sizeof dense_params[0],
    .state_size = sizeof(dense_state),
    .build = dense_build,
    .workspace = dense_workspace,
    .forward = dense_forward,
    .backward = dense_backward,
    .mask_mode = lnn_layer_mask_pass,
};

libnn_status libnn_dense_new(int64_t units, libnn_layer **out)
{
    return lnn_layer_new_with(&dense_ops, 1, (const libnn_param[]){LIBNN_PARAM_UNITS},
                              (const lnn_param_value[]){{.i = units}}, out);
}
