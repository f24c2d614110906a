/*
 * Private: streaming metrics. A metric accumulates over the batches of an
 * epoch (or of evaluate()) and gives its value at the end, as Keras'
 * stateful metrics do; accumulating allocates nothing.
 */
#ifndef LIBNN_METRIC_INTERNAL_H
#define LIBNN_METRIC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "libnn/loss.h"
#include "loss_internal.h"

typedef struct lnn_metric_state lnn_metric_state;

/*
 * New accumulator for `metric` on a model with k outputs per sample, trained
 * with `loss` (LIBNN_METRIC_ACCURACY resolves to binary, categorical or
 * sparse accuracy from it, as Keras does). Errors: LIBNN_E_INVALID (unknown
 * metric, or one that does not fit k/the loss, with the reason),
 * LIBNN_E_NOMEM.
 */
libnn_status lnn_metric_new(libnn_metric metric, const lnn_loss_cfg *loss, size_t k,
                            lnn_metric_state **out);
void lnn_metric_free(lnn_metric_state *m);

/* Forget what was accumulated. */
void lnn_metric_reset(lnn_metric_state *m);

/* Add a batch: y_pred [n, k]; y_true as for the loss ([n] for sparse labels);
 * weights [n] or NULL. from_logits predictions are turned into
 * probabilities first. Errors: LIBNN_E_RANGE for labels out of range. */
libnn_status lnn_metric_update(lnn_metric_state *m, size_t n, const float *y_pred,
                               const float *y_true, const float *weights);

/* The value over everything accumulated since the reset (NaN when nothing
 * was, or it is undefined, as AUC with one class only). */
double lnn_metric_result(const lnn_metric_state *m);

/* Summing over data-parallel workers: the accumulator as `size` doubles
 * that add up (pack), and the accumulator from the sum of every worker's
 * pack (unpack). */
size_t lnn_metric_state_size(const lnn_metric_state *m);
void lnn_metric_pack(const lnn_metric_state *m, double *out);
void lnn_metric_unpack(lnn_metric_state *m, const double *in);

/* Keras' log name of this accumulator: "accuracy", "precision", "auc", ... */
const char *lnn_metric_log_name(const lnn_metric_state *m);

#endif
