/*
 * Private: the accumulator behind lnn_metric_state, shared by metrics.c
 * (creation, dispatch, mean-based metrics, R²) and metrics_classify.c
 * (precision, recall, F1, AUC).
 */
#ifndef LIBNN_METRIC_STATE_INTERNAL_H
#define LIBNN_METRIC_STATE_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "metric_internal.h"

/* How the model's outputs become probabilities (from_logits losses). */
typedef enum lnn_prob_mode {
    LNN_PROB_AS_IS,
    LNN_PROB_SIGMOID,
    LNN_PROB_SOFTMAX
} lnn_prob_mode;

/* Keras AUC's default number of thresholds. */
#define LNN_AUC_THRESHOLDS 200

struct lnn_metric_state {
    libnn_metric requested; /* what the user asked for: the log name */
    libnn_metric kind;      /* what is computed (accuracy resolved) */
    size_t k;               /* outputs per sample */
    bool sparse;            /* y_true holds one class index per sample */
    lnn_prob_mode probs;
    float threshold;        /* binary decisions: prediction > threshold */
    size_t seen;            /* samples since the reset */
    double total, count;    /* mean-based metrics: sum of w * value, sum of w */
    double tp, fp, fn;      /* precision, recall, f1 (weighted) */
    bool saw_nan;           /* auc: a NaN prediction makes the result NaN */
    size_t n_extra;
    /* f1 macro/micro: tp[k], fp[k], fn[k]; auc: positive and negative
     * weight per threshold bucket; r2: weight[k], mean[k], m2[k],
     * residual[k]. Allocated with the state, so updates allocate nothing. */
    double extra[];
};

/* A row of predictions read as probabilities without a buffer: the softmax
 * needs the row's max and sum of exponentials, computed once per row. */
typedef struct lnn_prob_row {
    const float *z;
    lnn_prob_mode mode;
    double max, sum;
} lnn_prob_row;

static inline void lnn_prob_row_init(lnn_prob_row *r, lnn_prob_mode mode, const float *z, size_t k)
{
    r->z = z;
    r->mode = mode;
    r->max = r->sum = 0;
    if (mode != LNN_PROB_SOFTMAX)
        return;
    double m = z[0];
    for (size_t j = 1; j < k; j++)
        if (z[j] > m)
            m = z[j];
    for (size_t j = 0; j < k; j++)
        r->sum += exp(z[j] - m);
    r->max = m;
}

static inline double lnn_prob_at(const lnn_prob_row *r, size_t j)
{
    double z = r->z[j];
    switch (r->mode) {
    case LNN_PROB_SIGMOID:
        return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
    case LNN_PROB_SOFTMAX:
        return exp(z - r->max) / r->sum;
    default:
        return z;
    }
}

/* Keras' divide_no_nan: 0 where the denominator is 0. */
static inline double lnn_div0(double a, double b)
{
    return b == 0 ? 0.0 : a / b;
}

/* The families in metrics_classify.c; labels are already validated. */
void lnn_metric_update_binary(lnn_metric_state *m, size_t n, const float *y_pred,
                              const float *y_true, const float *weights);
double lnn_metric_result_binary(const lnn_metric_state *m);
void lnn_metric_update_f1_multi(lnn_metric_state *m, size_t n, const float *y_pred,
                                const float *y_true, const float *weights);
double lnn_metric_result_f1_multi(const lnn_metric_state *m);
/* auc checks its own inputs: labels and probabilities in [0, 1]. */
libnn_status lnn_metric_update_auc(lnn_metric_state *m, size_t n, const float *y_pred,
                                   const float *y_true, const float *weights);
double lnn_metric_result_auc(const lnn_metric_state *m);

#endif
