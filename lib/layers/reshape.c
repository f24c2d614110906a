/*
 * Flatten and Reshape: the same elements under another per-sample shape.
 * Row-major order makes both a plain copy; only the shapes differ.
 */
#include <string.h>

#include "core/error_internal.h"
#include "layer_factory_internal.h"
#include "layer_internal.h"

typedef struct reshape_state {
    size_t ndim;
    int64_t target[LIBNN_MAX_RANK - 1]; /* may hold one -1 */
} reshape_state;

static libnn_status flatten_build(libnn_layer *l)
{
    l->out_ndim = 1;
    l->out_shape[0] = (int64_t)l->in_size;
    return LIBNN_OK;
}

static libnn_status reshape_build(libnn_layer *l)
{
    const reshape_state *s = l->state;
    size_t known = 1, infer = s->ndim;
    for (size_t i = 0; i < s->ndim; i++) {
        if (s->target[i] == -1)
            infer = i;
        else
            known *= (size_t)s->target[i];
    }
    if (infer == s->ndim ? known != l->in_size : l->in_size % known != 0) {
        char a[200], b[200];
        return lnn_error(LIBNN_E_SHAPE, "%s: cannot reshape input %s (%zu values) to %s",
                         l->name, lnn_format_shape(a, sizeof a, l->in_ndim, l->in_shape),
                         l->in_size, lnn_format_shape(b, sizeof b, s->ndim, s->target));
    }
    l->out_ndim = s->ndim;
    memcpy(l->out_shape, s->target, s->ndim * sizeof *s->target);
    if (infer < s->ndim)
        l->out_shape[infer] = (int64_t)(l->in_size / known);
    return LIBNN_OK;
}

static libnn_status copy_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    memcpy(y, x, e->batch * l->in_size * sizeof(float));
    return LIBNN_OK;
}

static libnn_status copy_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                  const float *dy, float *dx)
{
    if (dx)
        memcpy(dx, dy, e->batch * l->in_size * sizeof(float));
    return LIBNN_OK;
}

static const lnn_layer_ops flatten_ops = {
    .kind = LIBNN_LAYER_FLATTEN,
    .class_name = "Flatten",
    .prefix = "flatten",
    .build = flatten_build,
    .workspace = lnn_layer_no_workspace,
    .forward = copy_forward,
    .backward = copy_backward,
};

static const lnn_layer_ops reshape_ops = {
    .kind = LIBNN_LAYER_RESHAPE,
    .class_name = "Reshape",
    .prefix = "reshape",
    .state_size = sizeof(reshape_state),
    .build = reshape_build,
    .workspace = lnn_layer_no_workspace,
    .forward = copy_forward,
    .backward = copy_backward,
};

libnn_status libnn_flatten_new(libnn_layer **out)
{
    return lnn_layer_new_with(&flatten_ops, 0, NULL, NULL, out);
}

libnn_status libnn_reshape_new(size_t ndim, const int64_t *target, libnn_layer **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "reshape_new: out is NULL");
    *out = NULL;
    if (!target || ndim < 1 || ndim > LIBNN_MAX_RANK - 1)
        return lnn_error(LIBNN_E_INVALID, "reshape: target shape needs 1..%d dimensions, got %zu",
                         LIBNN_MAX_RANK - 1, target ? ndim : 0);
    char buf[200];
    size_t unknown = 0;
    for (size_t i = 0; i < ndim; i++) {
        if (target[i] == -1)
            unknown++;
        if ((target[i] < 1 && target[i] != -1) || unknown > 1 || target[i] > (int64_t)1 << 40)
            return lnn_error(LIBNN_E_INVALID,
                             "reshape: target shape %s needs dimensions >= 1 and at most one -1",
                             lnn_format_shape(buf, sizeof buf, ndim, target));
    }
    libnn_status st = lnn_layer_new_with(&reshape_ops, 0, NULL, NULL, out);
    if (st == LIBNN_OK) {
        reshape_state *s = (*out)->state;
        s->ndim = ndim;
        memcpy(s->target, target, ndim * sizeof *target);
    }
    return st;
}

size_t lnn_reshape_target(const libnn_layer *l, int64_t *shape)
{
    if (l->ops != &reshape_ops)
        return 0;
    const reshape_state *s = l->state;
    memcpy(shape, s->target, s->ndim * sizeof *s->target);
    return s->ndim;
}
