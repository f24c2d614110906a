/*
 * The losses as plain functions on tensors: the batch loss Keras' loss
 * objects return (reduction "sum_over_batch_size"), and its gradient.
 */
#include <math.h>

#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "labels_internal.h"
#include "loss_internal.h"

libnn_status libnn_loss_compute(libnn_loss loss, const libnn_tensor *y_true,
                                const libnn_tensor *y_pred, int from_logits, double *out)
{
    libnn_loss_option key = LIBNN_LOSS_OPT_FROM_LOGITS;
    double value = from_logits ? 1 : 0;
    /* A loss without the option is fine when it is not asked for. */
    return libnn_loss_compute_ex(loss, y_true, y_pred, NULL, from_logits ? 1 : 0, &key, &value,
                                 out, NULL);
}

static libnn_status configure(libnn_loss loss, size_t n_options, const libnn_loss_option *options,
                              const double *values, lnn_loss_cfg *cfg)
{
    const char *who = libnn_loss_name(loss);
    if (!who)
        return lnn_error(LIBNN_E_INVALID, "loss_compute: unknown loss %d (valid: 1..6)",
                         (int)loss);
    if (n_options && (!options || !values))
        return lnn_error(LIBNN_E_INVALID, "%s: %zu options but %s is NULL", who, n_options,
                         options ? "values" : "options");
    *cfg = lnn_loss_default(loss);
    for (size_t i = 0; i < n_options; i++) {
        libnn_status st = lnn_loss_set_option(cfg, options[i], values[i]);
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

libnn_status libnn_loss_compute_ex(libnn_loss loss, const libnn_tensor *y_true,
                                   const libnn_tensor *y_pred, const libnn_tensor *sample_weight,
                                   size_t n_options, const libnn_loss_option *options,
                                   const double *values, double *out, libnn_tensor **grad)
{
    lnn_loss_cfg cfg;
    lnn_batch_view v;
    libnn_tensor *g = NULL;
    if (grad)
        *grad = NULL;
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "loss_compute: out is NULL");
    libnn_status st = configure(loss, n_options, options, values, &cfg);
    if (st != LIBNN_OK)
        return st;
    const char *who = libnn_loss_name(loss);
    bool sparse = loss == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
    st = lnn_batch_view_of(who, y_true, y_pred, sparse ? LNN_LABELS_SPARSE : LNN_LABELS_DENSE, &v);
    if (st == LIBNN_OK)
        st = lnn_batch_weights(who, sample_weight, y_pred, &v);
    if (st == LIBNN_OK && grad)
        st = libnn_tensor_new(y_pred->ndim, y_pred->shape, &g);
    if (st != LIBNN_OK)
        return st;

    size_t width = lnn_loss_label_width(&cfg, v.k);
    size_t blocks = sample_weight ? sample_weight->size : 1;
    float inv_rows = 1.0f / (float)v.rows;
    double total = 0;
    /* One call per sample weight (each covers weight_rows rows), or one call
     * with the weights when each covers a single row. */
    bool per_row = sample_weight && v.weight_rows == 1;
    for (size_t b = 0; b < (per_row ? 1 : blocks) && st == LIBNN_OK; b++) {
        size_t first = b * v.weight_rows, count = per_row ? v.rows : v.weight_rows;
        float w = sample_weight && !per_row ? sample_weight->data[b] : 1.0f;
        double part = 0;
        st = lnn_loss_eval(&cfg, count, v.k, y_pred->data + first * v.k,
                           y_true->data + first * width, per_row ? sample_weight->data : NULL,
                           first, &part, g ? g->data + first * v.k : NULL, w * inv_rows);
        total += w * part;
    }
    if (st != LIBNN_OK) {
        libnn_tensor_free(g);
        return st;
    }
    /* Keras divides by the batch size whatever the weights; an empty batch
     * has no mean. */
    *out = v.rows ? total / (double)v.rows : NAN;
    if (grad)
        *grad = g;
    return LIBNN_OK;
}
