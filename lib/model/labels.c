/*
 * Class indices, argmax and the batch view of public tensors, shared by the
 * losses, the metrics and the confusion matrix.
 */
#include <math.h>

#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "labels_internal.h"

bool lnn_class_index(float value, size_t k, size_t *index)
{
    /* Written so that NaN fails every test. */
    if (!(value >= 0.0f) || !((double)value < (double)k) || floorf(value) != value)
        return false;
    *index = (size_t)value;
    return true;
}

libnn_status lnn_bad_class_index(const char *who, size_t sample, float value, size_t k)
{
    return lnn_error(LIBNN_E_RANGE, "%s: sample %zu has label %g, not a class index in [0, %zu)",
                     who, sample, (double)value, k);
}

size_t lnn_argmax(const float *x, size_t k)
{
    size_t best = 0;
    if (isnan(x[0]))
        return 0;
    for (size_t j = 1; j < k; j++) {
        if (isnan(x[j]))
            return j;
        if (x[j] > x[best])
            best = j;
    }
    return best;
}

static libnn_status shape_mismatch(const char *who, const libnn_tensor *y_true,
                                   const libnn_tensor *y_pred, const char *why)
{
    char a[LIBNN_MAX_RANK * 24], b[LIBNN_MAX_RANK * 24];
    lnn_format_shape(a, sizeof a, y_true->ndim, y_true->shape);
    lnn_format_shape(b, sizeof b, y_pred->ndim, y_pred->shape);
    return lnn_error(LIBNN_E_SHAPE, "%s: y_true %s does not fit y_pred %s: %s", who, a, b, why);
}

static bool same_shape(const libnn_tensor *a, const libnn_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (size_t i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

/* y_true holds one index per row of y_pred: y_pred's shape minus its last
 * axis, or the same with a trailing 1. */
static bool sparse_shape(const libnn_tensor *y_true, const libnn_tensor *y_pred)
{
    size_t lead = y_pred->ndim - 1;
    if (lead == 0)
        return false;
    if (y_true->ndim != lead && !(y_true->ndim == lead + 1 && y_true->shape[lead] == 1))
        return false;
    for (size_t i = 0; i < lead; i++)
        if (y_true->shape[i] != y_pred->shape[i])
            return false;
    return true;
}

libnn_status lnn_batch_view_of(const char *who, const libnn_tensor *y_true,
                               const libnn_tensor *y_pred, lnn_label_form form,
                               lnn_batch_view *view)
{
    if (!y_true || !y_pred)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, y_true ? "y_pred" : "y_true");
    bool dense = same_shape(y_true, y_pred);
    bool sparse = !dense && sparse_shape(y_true, y_pred);
    if (form == LNN_LABELS_DENSE && !dense)
        return shape_mismatch(who, y_true, y_pred, "the shapes must be equal");
    if (form == LNN_LABELS_SPARSE && !sparse)
        return shape_mismatch(who, y_true, y_pred,
                              "class indices take y_pred's shape without its last axis");
    if (!dense && !sparse)
        return shape_mismatch(who, y_true, y_pred,
                              "y_true must have y_pred's shape, or that shape without its last "
                              "axis for class indices");
    view->sparse = sparse;
    if (y_pred->ndim == 1) {
        view->rows = y_pred->size;
        view->k = 1;
    } else {
        view->k = (size_t)y_pred->shape[y_pred->ndim - 1];
        if (view->k == 0) {
            char b[LIBNN_MAX_RANK * 24];
            return lnn_error(LIBNN_E_SHAPE, "%s: y_pred %s has no values per sample", who,
                             lnn_format_shape(b, sizeof b, y_pred->ndim, y_pred->shape));
        }
        view->rows = y_pred->size / view->k;
    }
    view->weight_rows = view->rows;
    return LIBNN_OK;
}

libnn_status lnn_batch_weights(const char *who, const libnn_tensor *weights,
                               const libnn_tensor *y_pred, lnn_batch_view *view)
{
    view->weight_rows = view->rows;
    if (!weights)
        return LIBNN_OK;
    size_t row_rank = y_pred->ndim == 1 ? 1 : y_pred->ndim - 1;
    bool fits = weights->ndim <= row_rank;
    for (size_t i = 0; fits && i < weights->ndim; i++)
        fits = weights->shape[i] == y_pred->shape[i];
    if (!fits) {
        char a[LIBNN_MAX_RANK * 24], b[LIBNN_MAX_RANK * 24];
        lnn_format_shape(a, sizeof a, weights->ndim, weights->shape);
        lnn_format_shape(b, sizeof b, y_pred->ndim, y_pred->shape);
        return lnn_error(LIBNN_E_SHAPE,
                         "%s: sample_weight %s does not fit y_pred %s: it takes the leading "
                         "axes of y_pred's shape without the last",
                         who, a, b);
    }
    view->weight_rows = weights->size ? view->rows / weights->size : 0;
    return LIBNN_OK;
}
