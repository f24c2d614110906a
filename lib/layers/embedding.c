/*
 * Embedding(input_dim, output_dim): y[..., :] = embeddings[id, :].
 *
 * Ids arrive as floats; every one is checked before any row is read, so a
 * bad id is an error with its position, never an out-of-bounds read.
 * Backward adds dy into the rows that were looked up and touches no other:
 * the cost is the batch's positions, not the vocabulary.
 */
#include <math.h>
#include <string.h>

#include "core/error_internal.h"
#include "layer_internal.h"

static const lnn_param_def embedding_params[] = {
    LNN_PARAM_INT(LIBNN_PARAM_INPUT_DIM, "input_dim", 1, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_OUTPUT_DIM, "output_dim", 1, 1, 1e9),
    LNN_PARAM_INIT_ROWS(EMBEDDINGS, embeddings, LNN_INIT_RANDOM_UNIFORM),
    LNN_PARAM_REG_ROWS(EMBEDDINGS, embeddings),
    LNN_PARAM_BOOL(LIBNN_PARAM_MASK_ZERO, "mask_zero", 0),
    LNN_PARAM_TRAINABLE_ROW,
};

static libnn_status embedding_build(libnn_layer *l)
{
    if (l->in_ndim > LIBNN_MAX_RANK - 2)
        return lnn_layer_shape_error(l, "expects input of rank <= 6 (the output adds one)");
    if (lnn_param_int(l, LIBNN_PARAM_MASK_ZERO) && l->in_ndim != 1)
        return lnn_layer_shape_error(l, "with mask_zero expects input [steps]");
    int64_t vocab = lnn_param_int(l, LIBNN_PARAM_INPUT_DIM);
    int64_t dim = lnn_param_int(l, LIBNN_PARAM_OUTPUT_DIM);
    l->out_ndim = l->in_ndim + 1;
    memcpy(l->out_shape, l->in_shape, l->in_ndim * sizeof *l->in_shape);
    l->out_shape[l->in_ndim] = dim;
    return lnn_layer_add_weight(l, "embeddings", 2, (const int64_t[]){vocab, dim},
                                lnn_param_init(l, LIBNN_PARAM_EMBEDDINGS_INITIALIZER,
                                               LIBNN_PARAM_EMBEDDINGS_INIT_A,
                                               LIBNN_PARAM_EMBEDDINGS_INIT_B),
                                LIBNN_PARAM_EMBEDDINGS_L1, LIBNN_PARAM_EMBEDDINGS_L2);
}

/* Every id a whole number in [0, vocab). */
static libnn_status check_ids(const libnn_layer *l, const float *x, size_t batch)
{
    size_t per = l->in_size, vocab = (size_t)lnn_param_int(l, LIBNN_PARAM_INPUT_DIM);
    for (size_t i = 0; i < batch * per; i++) {
        float v = x[i];
        if (v >= 0.0f && (double)v < (double)vocab && v == floorf(v))
            continue;
        if (isnan(v) || v != floorf(v))
            return lnn_error(LIBNN_E_INVALID,
                             "%s: token id %g at sample %zu, position %zu is not a whole number",
                             l->name, (double)v, i / per, i % per);
        return lnn_error(LIBNN_E_RANGE,
                         "%s: token id %.0f at sample %zu, position %zu is outside [0, %zu)",
                         l->name, (double)v, i / per, i % per, vocab);
    }
    return LIBNN_OK;
}

static libnn_status embedding_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    libnn_status st = check_ids(l, x, e->batch);
    if (st != LIBNN_OK)
        return st;
    size_t n = e->batch * l->in_size, dim = (size_t)lnn_param_int(l, LIBNN_PARAM_OUTPUT_DIM);
    const float *table = l->weights[0].value;
    for (size_t i = 0; i < n; i++)
        memcpy(y + i * dim, table + (size_t)x[i] * dim, dim * sizeof *y);
    if (lnn_param_int(l, LIBNN_PARAM_MASK_ZERO) && e->mask_out)
        for (size_t i = 0; i < n; i++)
            e->mask_out[i] = x[i] != 0.0f;
    return LIBNN_OK;
}

static libnn_status embedding_backward(libnn_layer *l, lnn_exec *e, const float *x,
                                       const float *y, const float *dy, float *dx)
{
    size_t n = e->batch * l->in_size, dim = (size_t)lnn_param_int(l, LIBNN_PARAM_OUTPUT_DIM);
    lnn_weight *w = &l->weights[0];
    if (dx)
        memset(dx, 0, n * sizeof *dx);
    if (!w->trainable)
        return LIBNN_OK;
    for (size_t i = 0; i < n; i++) {
        float *row = w->grad + (size_t)x[i] * dim;
        const float *g = dy + i * dim;
        for (size_t j = 0; j < dim; j++)
            row[j] += g[j];
    }
    return LIBNN_OK;
}

static lnn_mask_mode embedding_mask_mode(const libnn_layer *l)
{
    return lnn_param_int(l, LIBNN_PARAM_MASK_ZERO) ? LNN_MASK_PRODUCE : LNN_MASK_DROP;
}

static const lnn_layer_ops embedding_ops = {
    .kind = LIBNN_LAYER_EMBEDDING,
    .class_name = "Embedding",
    .prefix = "embedding",
    .params = embedding_params,
    .n_params = sizeof embedding_params / sizeof embedding_params[0],
    .build = embedding_build,
    .workspace = lnn_layer_no_workspace,
    .forward = embedding_forward,
    .backward = embedding_backward,
    .mask_mode = embedding_mask_mode,
};

libnn_status libnn_embedding_new(int64_t input_dim, int64_t output_dim, libnn_layer **out)
{
    return lnn_layer_new_with(&embedding_ops, 2,
                              (const libnn_param[]){LIBNN_PARAM_INPUT_DIM, LIBNN_PARAM_OUTPUT_DIM},
                              (const lnn_param_value[]){{.i = input_dim}, {.i = output_dim}}, out);
}
