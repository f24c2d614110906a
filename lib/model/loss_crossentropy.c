/*
 * Categorical and sparse categorical cross-entropy, as Keras computes them.
 *
 * From logits the softmax is fused into the loss: lse(z) - z_c through the
 * log-sum-exp of the shifted logits, with the gradient softmax(z) * sum(y) - y
 * written directly (softmax - y for labels that sum to 1), so logits of any
 * magnitude give finite values.
 *
 * From probabilities Keras first rescales each row to sum to 1 (both the
 * dense and the sparse loss), then clips to [eps, 1 - eps]. The gradient goes
 * through the rescaling: with q = p / S, S = sum(p) and g = dL/dq (zero for
 * clipped entries), dL/dp_i = (g_i - sum_j g_j q_j) / S.
 */
#include <math.h>

#include "labels_internal.h"
#include "loss_kinds_internal.h"

/* Log-sum-exp of a row and the shift it used; exp(z_j - max) / se is the
 * softmax. A NaN logit makes everything NaN, which is what callers want. */
static double log_sum_exp(const float *z, size_t k, double *max, double *se)
{
    double m = z[0];
    for (size_t j = 1; j < k; j++)
        if (z[j] > m)
            m = z[j];
    double s = 0;
    for (size_t j = 0; j < k; j++)
        s += exp(z[j] - m);
    *max = m;
    *se = s;
    return m + log(s);
}

static double row_sum(const float *p, size_t k)
{
    double s = 0;
    for (size_t j = 0; j < k; j++)
        s += p[j];
    return s;
}

/* One sample of the dense loss; targets already checked. */
static double dense_row(const lnn_loss_cfg *cfg, const float *p, const float *y, size_t k,
                        float *grad, double scale)
{
    double ls = cfg->label_smoothing, loss = 0;
    if (cfg->from_logits) {
        double m, se, lse = log_sum_exp(p, k, &m, &se), ysum = 0;
        for (size_t j = 0; j < k; j++) {
            double t = lnn_smooth(y[j], ls, (double)k);
            loss += t * (lse - p[j]);
            ysum += t;
        }
        for (size_t j = 0; grad && j < k; j++) {
            double t = lnn_smooth(y[j], ls, (double)k);
            grad[j] = (float)((exp(p[j] - m) / se * ysum - t) * scale);
        }
        return loss;
    }
    double s = row_sum(p, k), dot = 0;
    for (size_t j = 0; j < k; j++) {
        double t = lnn_smooth(y[j], ls, (double)k), q = p[j] / s;
        loss -= t * log(lnn_ce_clip(q));
        if (lnn_ce_unclipped(q))
            dot -= t; /* g_j q_j with g_j = -t / q_j */
    }
    for (size_t j = 0; grad && j < k; j++) {
        double q = p[j] / s;
        double g = lnn_ce_unclipped(q) ? -lnn_smooth(y[j], ls, (double)k) / q : 0.0;
        grad[j] = (float)((g - dot) / s * scale);
    }
    return loss;
}

/* One sample of the sparse loss, class c. */
static double sparse_row(const lnn_loss_cfg *cfg, const float *p, size_t c, size_t k, float *grad,
                         double scale)
{
    if (cfg->from_logits) {
        double m, se, lse = log_sum_exp(p, k, &m, &se);
        for (size_t j = 0; grad && j < k; j++)
            grad[j] = (float)((exp(p[j] - m) / se - (double)(j == c)) * scale);
        return lse - p[c];
    }
    double s = row_sum(p, k), q = p[c] / s;
    /* Unclipped: g_c = -1 / q_c, so sum_j g_j q_j = -1. */
    bool live = lnn_ce_unclipped(q);
    for (size_t j = 0; grad && j < k; j++) {
        double g = live ? (j == c ? 1.0 - 1.0 / q : 1.0) / s : 0.0;
        grad[j] = (float)(g * scale);
    }
    return -log(lnn_ce_clip(q));
}

libnn_status lnn_loss_row_categorical(const lnn_loss_cfg *cfg, size_t k, const float *p,
                                      const float *y, size_t sample, double *loss, float *grad,
                                      double scale)
{
    if (cfg->kind == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
        size_t c;
        if (!lnn_class_index(y[0], k, &c))
            return lnn_bad_class_index(libnn_loss_name(cfg->kind), sample, y[0], k);
        *loss = sparse_row(cfg, p, c, k, grad, scale);
        return LIBNN_OK;
    }
    for (size_t j = 0; j < k; j++)
        if (!(y[j] >= 0.0f && y[j] <= 1.0f))
            return lnn_loss_bad_target(cfg, sample, j, y[j]);
    *loss = dense_row(cfg, p, y, k, grad, scale);
    return LIBNN_OK;
}
