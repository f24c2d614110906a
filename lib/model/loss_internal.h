/*
 * Private: losses as the model's training step and evaluate() use them.
 *
 * Shapes: y_pred is [n, k] (any sample shape flattened to k values). y_true
 * is [n, k] as well, except for sparse categorical cross-entropy where it is
 * [n] class indices held as whole floats. Reduction is Keras'
 * "sum_over_batch_size": the per-sample loss is the mean over its k values
 * (for MSE/MAE/huber/binary CE) or the sum over classes (categorical CE), a
 * sample weight multiplies it, and the batch loss is the weighted sum
 * divided by n.
 */
#ifndef LIBNN_LOSS_INTERNAL_H
#define LIBNN_LOSS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "libnn/loss.h"

typedef struct lnn_loss_cfg {
    libnn_loss kind;
    bool from_logits;
    float label_smoothing;
    float delta;
} lnn_loss_cfg;

/* Keras' defaults for a loss kind (from_logits off, smoothing 0, delta 1). */
lnn_loss_cfg lnn_loss_default(libnn_loss kind);

/* Check an option value; on success store it in *cfg. Errors:
 * LIBNN_E_INVALID naming the option and the bound. */
libnn_status lnn_loss_set_option(lnn_loss_cfg *cfg, libnn_loss_option option, double value);

/*
 * The loss of a batch and its gradient.
 *   n, k        samples and values per sample of y_pred
 *   y_pred      [n, k] predictions (probabilities, or logits with from_logits)
 *   y_true      [n, k], or [n] class indices for sparse categorical CE
 *   weights     [n] sample weights, or NULL for all 1
 *   base        index of the batch's first sample in the data set (messages)
 *   sum         out: sum over samples of weight * per-sample loss (divide by
 *               n for the batch loss)
 *   grad        out, may be NULL: [n, k] gradient of (sum * grad_scale) with
 *               respect to y_pred; the model passes grad_scale = 1/n
 * Errors: LIBNN_E_RANGE for a class index outside [0, k) or non-integral,
 * naming the sample (base + i) and the value; LIBNN_E_INVALID for a target
 * outside [0, 1] where probabilities are required.
 */
libnn_status lnn_loss_eval(const lnn_loss_cfg *cfg, size_t n, size_t k, const float *y_pred,
                           const float *y_true, const float *weights, size_t base, double *sum,
                           float *grad, float grad_scale);

/* Values of y_true per sample for a loss with k outputs: 1 for sparse CE, k otherwise. */
size_t lnn_loss_label_width(const lnn_loss_cfg *cfg, size_t k);

#endif
