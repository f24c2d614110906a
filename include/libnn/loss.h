/*
 * libnn: losses and metrics, for models and as plain functions on tensors.
 */
#ifndef LIBNN_LOSS_H
#define LIBNN_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/status.h"
#include "libnn/tensor.h"

LIBNN_BEGIN_DECLS

/* Losses; values pinned (they appear in model files). */
typedef enum libnn_loss {
    LIBNN_LOSS_MEAN_SQUARED_ERROR = 1,
    LIBNN_LOSS_MEAN_ABSOLUTE_ERROR = 2,
    LIBNN_LOSS_HUBER = 3,                    /* delta: LIBNN_LOSS_OPT_DELTA, default 1 */
    LIBNN_LOSS_BINARY_CROSSENTROPY = 4,
    LIBNN_LOSS_CATEGORICAL_CROSSENTROPY = 5,
    LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY = 6
} libnn_loss;

/* Loss options (floats; booleans as 0/1). */
typedef enum libnn_loss_option {
    LIBNN_LOSS_OPT_FROM_LOGITS = 1,     /* predictions are logits: the softmax/sigmoid is fused */
    LIBNN_LOSS_OPT_LABEL_SMOOTHING = 2, /* in [0, 1]: cross-entropies (not sparse, as Keras) */
    LIBNN_LOSS_OPT_DELTA = 3            /* huber's delta > 0 */
} libnn_loss_option;

/* Metrics; values pinned. */
typedef enum libnn_metric {
    LIBNN_METRIC_ACCURACY = 1,                    /* picks one of the next three from the loss, as Keras */
    LIBNN_METRIC_BINARY_ACCURACY = 2,             /* threshold 0.5 */
    LIBNN_METRIC_CATEGORICAL_ACCURACY = 3,
    LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY = 4,
    LIBNN_METRIC_PRECISION = 5,                   /* binary, threshold 0.5 */
    LIBNN_METRIC_RECALL = 6,                      /* binary, threshold 0.5 */
    LIBNN_METRIC_F1 = 7,                          /* binary, threshold 0.5 */
    LIBNN_METRIC_F1_MACRO = 8,                    /* multi-class (one-hot or sparse labels) */
    LIBNN_METRIC_F1_MICRO = 9,
    LIBNN_METRIC_AUC = 10,                        /* ROC AUC, binary */
    LIBNN_METRIC_MEAN_SQUARED_ERROR = 11,
    LIBNN_METRIC_ROOT_MEAN_SQUARED_ERROR = 12,
    LIBNN_METRIC_MEAN_ABSOLUTE_ERROR = 13,
    LIBNN_METRIC_R2 = 14
} libnn_metric;

/* Keras' name of a metric ("accuracy", "auc", ...); static, NULL if unknown. */
LIBNN_API const char *libnn_metric_name(libnn_metric metric);

/* Keras' name of a loss ("sparse_categorical_crossentropy"); static, NULL if unknown. */
LIBNN_API const char *libnn_loss_name(libnn_loss loss);

/*
 * Batch shapes, for the functions below. y_pred's last axis holds the
 * values of one sample (the classes, for the cross-entropies) and every
 * other axis counts samples, so [n, k] is n samples of k values and [n, t, k]
 * is n * t samples; a rank-1 y_pred [n] is n samples of one value. y_true
 * has y_pred's shape, except for class indices (sparse categorical
 * cross-entropy and accuracy; F1 macro/micro and "accuracy" accept both):
 * whole numbers in [0, k) stored as floats, shaped as y_pred without its
 * last axis, optionally with a trailing 1 ([n] or [n, 1] for [n, k]).
 */

/*
 * The mean loss of a batch as Keras' loss objects give it (reduction
 * "sum_over_batch_size"): the loss of each sample (the mean over its k
 * values for mean squared/absolute error, huber and binary cross-entropy,
 * the sum over classes for the categorical ones), averaged over the samples.
 * Options keep Keras' defaults; from_logits (0 or 1) is allowed only for the
 * three cross-entropies. An empty batch gives NaN. The caller keeps both
 * tensors. Cross-entropies of probabilities clip them to [1e-7, 1 - 1e-7]
 * (the categorical ones first rescale each sample to sum to 1, as Keras);
 * NaN predictions give a NaN loss.
 * Errors: LIBNN_E_INVALID (NULL argument, unknown loss, from_logits for a
 * loss without it, a cross-entropy target outside [0, 1]), LIBNN_E_SHAPE
 * (shapes that do not fit, named in the message), LIBNN_E_RANGE (a class
 * index that is negative, not whole, NaN or >= k, naming the sample).
 */
LIBNN_API libnn_status libnn_loss_compute(libnn_loss loss, const libnn_tensor *y_true,
                                          const libnn_tensor *y_pred, int from_logits,
                                          double *out);

/*
 * libnn_loss_compute with keyed options, sample weights and the gradient.
 *   options, values  n_options pairs (LIBNN_LOSS_OPT_*; both may be NULL
 *                    when n_options is 0), applied in order
 *   sample_weight    NULL (all 1), or weights shaped as the leading axes of
 *                    y_pred without its last ([n] for [n, k] or [n, t, k]),
 *                    each scaling the loss of the samples below it; the mean
 *                    still divides by the number of samples, as Keras
 *   grad             NULL, or out: a new tensor shaped as y_pred holding
 *                    d(mean loss)/d(y_pred), owned by the caller (NULL on
 *                    failure). Clipped probabilities get a zero gradient.
 * Errors: those of libnn_loss_compute, plus LIBNN_E_INVALID for an option
 * the loss does not have or a value out of bounds (label_smoothing in
 * [0, 1], delta > 0), LIBNN_E_SHAPE for weights that do not fit,
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_loss_compute_ex(libnn_loss loss, const libnn_tensor *y_true,
                                             const libnn_tensor *y_pred,
                                             const libnn_tensor *sample_weight, size_t n_options,
                                             const libnn_loss_option *options,
                                             const double *values, double *out,
                                             libnn_tensor **grad);

/*
 * A metric over one batch of probabilities (no logits), as the streaming
 * metric of a model would give after this batch alone. "accuracy" resolves
 * as Keras compiles it: class-index labels give sparse categorical
 * accuracy, one output binary accuracy, else categorical accuracy.
 * Binary decisions use prediction > 0.5 and count a non-zero label as
 * positive (precision, recall, f1); F1 macro/micro take the argmax of the
 * scores against one-hot or index labels; AUC is Keras' ROC AUC over 200
 * thresholds (labels and predictions in [0, 1]); R² averages the scores of
 * the outputs (columns). Precision, recall and F1 with nothing to score are
 * 0, as in Keras; AUC without both classes is NaN (Keras: 0); an empty batch
 * gives NaN. The caller keeps both tensors.
 * Errors: LIBNN_E_INVALID (NULL argument, unknown metric, F1 macro/micro
 * with fewer than 2 classes), LIBNN_E_SHAPE (shapes that do not fit the
 * metric, named in the message), LIBNN_E_RANGE (bad class index; AUC label
 * or prediction outside [0, 1]), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_metric_compute(libnn_metric metric, const libnn_tensor *y_true,
                                            const libnn_tensor *y_pred, double *out);

/*
 * The confusion matrix: *out is a new [num_classes, num_classes] tensor
 * owned by the caller, element [t, p] counting the samples of true class t
 * predicted as p (exact up to 2^24 per cell). y_pred is either scores
 * [n, num_classes] (the argmax is the prediction) or one value per sample
 * ([n] or [n, 1]): a class index, or with num_classes 2 a probability of
 * class 1 (> 0.5; the indices 0 and 1 give the same). y_true is class
 * indices ([n] or [n, 1]) or one-hot rows [n, num_classes] (argmax).
 * Errors: LIBNN_E_INVALID (NULL argument, num_classes < 1), LIBNN_E_SHAPE
 * (shapes that do not fit), LIBNN_E_RANGE (a class index out of range),
 * LIBNN_E_NONFINITE (a NaN prediction), LIBNN_E_NOMEM. *out is NULL on
 * failure.
 */
LIBNN_API libnn_status libnn_confusion_matrix(const libnn_tensor *y_true,
                                              const libnn_tensor *y_pred, int64_t num_classes,
                                              libnn_tensor **out);

LIBNN_END_DECLS

#endif /* LIBNN_LOSS_H */
