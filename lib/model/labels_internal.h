/*
 * Private: what losses, metrics and the confusion matrix share about labels
 * and predictions: class indices held as floats, argmax, and the view of a
 * pair of public tensors as a [rows, k] batch.
 */
#ifndef LIBNN_LABELS_INTERNAL_H
#define LIBNN_LABELS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "libnn/tensor.h"

/* The class index held in `value`: true when it is a whole number in [0, k). */
bool lnn_class_index(float value, size_t k, size_t *index);

/* LIBNN_E_RANGE: "<who>: sample <sample> has label <value>, not a class
 * index in [0, k)". */
libnn_status lnn_bad_class_index(const char *who, size_t sample, float value, size_t k);

/* Index of the largest of x[0..k) (k >= 1), the first one on ties; a NaN
 * counts as the largest, as numpy's and torch's argmax have it. */
size_t lnn_argmax(const float *x, size_t k);

/*
 * A pair (y_true, y_pred) of public tensors seen as a batch: y_pred is
 * [rows, k] where k is its last dimension and rows the product of the others
 * (a rank-1 y_pred [n] is n rows of one value). y_true has y_pred's shape,
 * or, for class indices ("sparse"), y_pred's shape without the last axis,
 * optionally with a trailing 1 as Keras accepts.
 */
typedef struct lnn_batch_view {
    size_t rows, k;
    bool sparse;
    size_t weight_rows; /* rows covered by each sample weight (lnn_batch_weights) */
} lnn_batch_view;

typedef enum lnn_label_form {
    LNN_LABELS_DENSE,  /* y_true shaped like y_pred */
    LNN_LABELS_SPARSE, /* class indices */
    LNN_LABELS_EITHER  /* whichever the shapes say */
} lnn_label_form;

/* Errors (messages start with `who`): LIBNN_E_INVALID for NULL tensors,
 * LIBNN_E_SHAPE naming both shapes when they do not fit `form`, or for an
 * y_pred with no values per row. */
libnn_status lnn_batch_view_of(const char *who, const libnn_tensor *y_true,
                               const libnn_tensor *y_pred, lnn_label_form form,
                               lnn_batch_view *view);

/* Check sample weights against y_pred: their shape must be a leading part of
 * the row shape (y_pred's without the last axis; [n] for a rank-1 y_pred),
 * each weight covering the rows below it. Sets view->weight_rows (rows for a
 * NULL tensor, which means all weights 1). Errors: LIBNN_E_SHAPE. */
libnn_status lnn_batch_weights(const char *who, const libnn_tensor *weights,
                               const libnn_tensor *y_pred, lnn_batch_view *view);

#endif
