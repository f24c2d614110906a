/*
 * Inference contexts: a plan of their own on a shared, read-only model, so
 * that many threads can predict at once without locks or allocation.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "model_internal.h"

struct libnn_infer {
    const libnn_model *model;
    lnn_plan plan;
};

libnn_status libnn_infer_new(libnn_model *model, int64_t max_batch, libnn_infer **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "infer_new: out is NULL");
    *out = NULL;
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "infer_new: model is NULL");
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE, "infer_new: the model is not compiled");
    if (max_batch < 1)
        return lnn_error(LIBNN_E_INVALID, "infer_new: max_batch must be >= 1, got %lld",
                         (long long)max_batch);
    libnn_infer *ctx = lnn_calloc(1, sizeof *ctx);
    if (!ctx)
        return lnn_error_nomem("infer_new", sizeof *ctx);
    libnn_status st = lnn_plan_create(model, (size_t)max_batch, false, &ctx->plan);
    if (st != LIBNN_OK) {
        lnn_free(ctx);
        return st;
    }
    ctx->model = model;
    *out = ctx;
    return LIBNN_OK;
}

libnn_status libnn_infer_run(libnn_infer *ctx, const libnn_tensor *x, libnn_tensor *y)
{
    if (!ctx || !x || !y)
        return lnn_error(LIBNN_E_INVALID, "infer_run: %s is NULL", !ctx ? "context" : !x ? "x" : "y");
    const libnn_model *m = ctx->model;
    libnn_status st = lnn_model_check_data(m, "infer_run", x, NULL);
    if (st != LIBNN_OK)
        return st;
    size_t n = (size_t)x->shape[0];
    if (n > ctx->plan.capacity)
        return lnn_error(LIBNN_E_SHAPE, "infer_run: %zu samples, the context takes at most %zu", n,
                         ctx->plan.capacity);
    const libnn_layer *last = m->layers[m->n_layers - 1];
    if (y->ndim != last->out_ndim + 1 || y->shape[0] != (int64_t)n ||
        memcmp(y->shape + 1, last->out_shape, last->out_ndim * sizeof *y->shape) != 0) {
        char a[200], b[200];
        int64_t want[LIBNN_MAX_RANK];
        want[0] = (int64_t)n;
        memcpy(want + 1, last->out_shape, last->out_ndim * sizeof *want);
        return lnn_error(LIBNN_E_SHAPE, "infer_run: y must have shape %s, got %s",
                         lnn_format_shape(a, sizeof a, last->out_ndim + 1, want),
                         lnn_format_shape(b, sizeof b, y->ndim, y->shape));
    }
    memcpy(ctx->plan.act[0], x->data, n * m->layers[0]->in_size * sizeof(float));
    st = lnn_model_forward(m, &ctx->plan, n, false, NULL);
    if (st == LIBNN_OK)
        memcpy(y->data, ctx->plan.act[m->n_layers], n * m->out_size * sizeof(float));
    return st;
}

void libnn_infer_free(libnn_infer *ctx)
{
    if (!ctx)
        return;
    lnn_plan_free(&ctx->plan);
    lnn_free(ctx);
}
