/*
 * The metrics as plain functions on tensors, and the confusion matrix.
 */
#include <math.h>

#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "labels_internal.h"
#include "metric_internal.h"

/* Which y_true shapes a metric takes: class indices, one per output, or
 * either (then the shapes decide). */
static lnn_label_form label_form(libnn_metric metric)
{
    switch (metric) {
    case LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY: return LNN_LABELS_SPARSE;
    case LIBNN_METRIC_ACCURACY:
    case LIBNN_METRIC_F1_MACRO:
    case LIBNN_METRIC_F1_MICRO: return LNN_LABELS_EITHER;
    default: return LNN_LABELS_DENSE;
    }
}

libnn_status libnn_metric_compute(libnn_metric metric, const libnn_tensor *y_true,
                                  const libnn_tensor *y_pred, double *out)
{
    const char *who = libnn_metric_name(metric);
    lnn_batch_view v;
    lnn_metric_state *m = NULL;
    if (!who)
        return lnn_error(LIBNN_E_INVALID, "metric_compute: unknown metric %d (valid: 1..14)",
                         (int)metric);
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    libnn_status st = lnn_batch_view_of(who, y_true, y_pred, label_form(metric), &v);
    if (st != LIBNN_OK)
        return st;
    /* The loss a Keras model with these shapes would have, which is what
     * "accuracy" resolves from. */
    lnn_loss_cfg loss = lnn_loss_default(v.sparse ? LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY
                                         : v.k == 1 ? LIBNN_LOSS_BINARY_CROSSENTROPY
                                                    : LIBNN_LOSS_CATEGORICAL_CROSSENTROPY);
    st = lnn_metric_new(metric, &loss, v.k, &m);
    if (st == LIBNN_OK)
        st = lnn_metric_update(m, v.rows, y_pred->data, y_true->data, NULL);
    if (st == LIBNN_OK)
        *out = lnn_metric_result(m);
    lnn_metric_free(m);
    return st;
}

/* The class of row i of a tensor holding one value per row: an index, or
 * for two classes a probability of class 1 (threshold 0.5; indices 0 and 1
 * give the same). */
static libnn_status one_value_class(float v, int64_t classes, bool predicted, size_t row,
                                    size_t *out)
{
    const char *who = "confusion_matrix";
    if (predicted && isnan(v))
        return lnn_error(LIBNN_E_NONFINITE, "%s: sample %zu has prediction NaN", who, row);
    if (predicted && classes == 2) {
        *out = v > 0.5f;
        return LIBNN_OK;
    }
    if (!lnn_class_index(v, (size_t)classes, out))
        return lnn_error(LIBNN_E_RANGE, "%s: sample %zu has %s %g, not a class index in [0, %lld)",
                         who, row, predicted ? "predicted class" : "label", (double)v,
                         (long long)classes);
    return LIBNN_OK;
}

static libnn_status argmax_class(const float *x, size_t k, size_t row, size_t *out)
{
    size_t c = lnn_argmax(x, k);
    if (isnan(x[c]))
        return lnn_error(LIBNN_E_NONFINITE, "confusion_matrix: sample %zu has a NaN score", row);
    *out = c;
    return LIBNN_OK;
}

libnn_status libnn_confusion_matrix(const libnn_tensor *y_true, const libnn_tensor *y_pred,
                                    int64_t num_classes, libnn_tensor **out)
{
    const char *who = "confusion_matrix";
    lnn_batch_view v;
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (num_classes < 1)
        return lnn_error(LIBNN_E_INVALID, "%s: num_classes must be >= 1, got %lld", who,
                         (long long)num_classes);
    libnn_status st = lnn_batch_view_of(who, y_true, y_pred, LNN_LABELS_EITHER, &v);
    if (st != LIBNN_OK)
        return st;
    if (v.k > 1 && v.k != (uint64_t)num_classes) {
        char b[LIBNN_MAX_RANK * 24];
        return lnn_error(LIBNN_E_SHAPE, "%s: y_pred %s has %zu scores per sample for %lld classes",
                         who, lnn_format_shape(b, sizeof b, y_pred->ndim, y_pred->shape), v.k,
                         (long long)num_classes);
    }
    libnn_tensor *cm = NULL;
    st = libnn_tensor_new(2, (const int64_t[]){num_classes, num_classes}, &cm);
    if (st != LIBNN_OK)
        return st;
    bool true_index = v.sparse || v.k == 1;
    for (size_t i = 0; i < v.rows && st == LIBNN_OK; i++) {
        size_t t, p;
        if (true_index)
            st = one_value_class(y_true->data[i], num_classes, false, i, &t);
        else
            t = lnn_argmax(y_true->data + i * v.k, v.k);
        if (st == LIBNN_OK)
            st = v.k == 1 ? one_value_class(y_pred->data[i], num_classes, true, i, &p)
                          : argmax_class(y_pred->data + i * v.k, v.k, i, &p);
        if (st == LIBNN_OK)
            cm->data[t * (size_t)num_classes + p] += 1.0f;
    }
    if (st != LIBNN_OK) {
        libnn_tensor_free(cm);
        return st;
    }
    *out = cm;
    return LIBNN_OK;
}
