/*
 * Classification metrics from confusion counts: binary precision, recall
 * and F1 at a threshold; multi-class F1 (macro and micro) on argmax
 * decisions; ROC AUC over Keras' 200 evenly spaced thresholds.
 */
#include "core/error_internal.h"
#include "labels_internal.h"
#include "metric_state_internal.h"

/* Keras' Precision and Recall: a label is positive when it is non-zero (a
 * cast to bool), a prediction when it exceeds the threshold; every output
 * of a sample is one decision, weighted by the sample's weight. */
void lnn_metric_update_binary(lnn_metric_state *m, size_t n, const float *y_pred,
                              const float *y_true, const float *weights)
{
    size_t k = m->k;
    for (size_t i = 0; i < n; i++) {
        double w = weights ? weights[i] : 1.0;
        lnn_prob_row r;
        lnn_prob_row_init(&r, m->probs, y_pred + i * k, k);
        for (size_t j = 0; j < k; j++) {
            bool pred = lnn_prob_at(&r, j) > m->threshold, label = y_true[i * k + j] != 0.0f;
            m->tp += pred && label ? w : 0.0;
            m->fp += pred && !label ? w : 0.0;
            m->fn += !pred && label ? w : 0.0;
        }
    }
}

/* F1 = 2PR / (P + R) = 2tp / (2tp + fp + fn), 0 when there is nothing to
 * score (as precision and recall are then). */
static double f1_of(double tp, double fp, double fn)
{
    return lnn_div0(2.0 * tp, 2.0 * tp + fp + fn);
}

double lnn_metric_result_binary(const lnn_metric_state *m)
{
    switch (m->kind) {
    case LIBNN_METRIC_PRECISION: return lnn_div0(m->tp, m->tp + m->fp);
    case LIBNN_METRIC_RECALL: return lnn_div0(m->tp, m->tp + m->fn);
    default: return f1_of(m->tp, m->fp, m->fn);
    }
}

/* Keras' F1Score with threshold None: the prediction is one-hot at its
 * argmax, and per class tp += w y p, fp += w (1 - y) p, fn += w y (1 - p),
 * which for one-hot or index labels is counting. */
void lnn_metric_update_f1_multi(lnn_metric_state *m, size_t n, const float *y_pred,
                                const float *y_true, const float *weights)
{
    size_t k = m->k;
    double *tp = m->extra, *fp = tp + k, *fn = fp + k;
    for (size_t i = 0; i < n; i++) {
        double w = weights ? weights[i] : 1.0;
        size_t guess = lnn_argmax(y_pred + i * k, k);
        if (m->sparse) {
            size_t label = (size_t)y_true[i];
            if (label == guess) {
                tp[label] += w;
            } else {
                fp[guess] += w;
                fn[label] += w;
            }
            continue;
        }
        const float *y = y_true + i * k;
        for (size_t j = 0; j < k; j++) {
            double hit = j == guess;
            tp[j] += w * y[j] * hit;
            fp[j] += w * (1.0 - y[j]) * hit;
            fn[j] += w * y[j] * (1.0 - hit);
        }
    }
}

double lnn_metric_result_f1_multi(const lnn_metric_state *m)
{
    size_t k = m->k;
    const double *tp = m->extra, *fp = tp + k, *fn = fp + k;
    double sum = 0, all_tp = 0, all_fp = 0, all_fn = 0;
    for (size_t j = 0; j < k; j++) {
        sum += f1_of(tp[j], fp[j], fn[j]);
        all_tp += tp[j];
        all_fp += fp[j];
        all_fn += fn[j];
    }
    if (m->kind == LIBNN_METRIC_F1_MICRO)
        return f1_of(all_tp, all_fp, all_fn);
    return sum / (double)k;
}

/*
 * Keras' AUC with its defaults (num_thresholds 200, curve ROC, summation
 * "interpolation", multi_label off): thresholds -eps, 1/199, ..., 198/199,
 * 1 + eps; a prediction p counts as positive at every threshold below it,
 * which Keras buckets as ceil(p * 199) - 1 (at least 0), computed in
 * float32 as Keras does. extra[b] and extra[200 + b] hold the weight of
 * positive (w y) and negative (w (1 - y)) labels in bucket b; the counts at
 * threshold i are the sums over buckets b >= i.
 */
libnn_status lnn_metric_update_auc(lnn_metric_state *m, size_t n, const float *y_pred,
                                   const float *y_true, const float *weights)
{
    size_t k = m->k, total = n * k;
    /* Check the whole batch first, so a failed update adds nothing. */
    for (size_t i = 0; i < total; i++)
        if (!(y_true[i] >= 0.0f && y_true[i] <= 1.0f))
            return lnn_error(LIBNN_E_RANGE, "auc: sample %zu has label %g at position %zu; "
                             "labels lie in [0, 1]", i / k, (double)y_true[i], i % k);
    for (size_t i = 0; i < n && m->probs == LNN_PROB_AS_IS; i++)
        for (size_t j = 0; j < k; j++) {
            float p = y_pred[i * k + j];
            if (p < 0.0f || p > 1.0f)
                return lnn_error(LIBNN_E_RANGE,
                                 "auc: sample %zu has prediction %g at position %zu; predictions "
                                 "are probabilities in [0, 1] (use a from_logits loss for logits)",
                                 i, (double)p, j);
        }
    double *pos = m->extra, *neg = pos + LNN_AUC_THRESHOLDS;
    for (size_t i = 0; i < n; i++) {
        double w = weights ? weights[i] : 1.0;
        lnn_prob_row r;
        lnn_prob_row_init(&r, m->probs, y_pred + i * k, k);
        for (size_t j = 0; j < k; j++) {
            float p = (float)lnn_prob_at(&r, j);
            if (isnan(p)) {
                m->saw_nan = true;
                continue;
            }
            float scaled = ceilf(p * (float)(LNN_AUC_THRESHOLDS - 1)) - 1.0f;
            size_t b = scaled > 0 ? (size_t)scaled : 0;
            if (b > LNN_AUC_THRESHOLDS - 2) /* p <= 1 gives 198 at most */
                b = LNN_AUC_THRESHOLDS - 2;
            double y = y_true[i * k + j];
            pos[b] += w * y;
            neg[b] += w * (1.0 - y);
        }
    }
    return LIBNN_OK;
}

/* Trapezoids between successive thresholds of the ROC curve (Keras'
 * "interpolation" for ROC): sum over i of (fpr_i - fpr_i+1) (tpr_i +
 * tpr_i+1) / 2. Keras returns 0 when one class is absent (its
 * divide_no_nan); the curve does not exist then, so this gives NaN. */
double lnn_metric_result_auc(const lnn_metric_state *m)
{
    const double *pos = m->extra, *neg = pos + LNN_AUC_THRESHOLDS;
    double all_pos = 0, all_neg = 0;
    for (size_t b = 0; b < LNN_AUC_THRESHOLDS; b++) {
        all_pos += pos[b];
        all_neg += neg[b];
    }
    if (m->saw_nan || !(all_pos > 0) || !(all_neg > 0))
        return NAN;
    /* Walk from the highest threshold down, the counts growing. */
    double tp = 0, fp = 0, area = 0;
    double tpr_next = 0, fpr_next = 0;
    for (size_t i = LNN_AUC_THRESHOLDS; i-- > 0;) {
        tp += pos[i];
        fp += neg[i];
        double tpr = tp / all_pos, fpr = fp / all_neg;
        if (i + 1 < LNN_AUC_THRESHOLDS)
            area += (fpr - fpr_next) * (tpr + tpr_next) / 2.0;
        tpr_next = tpr;
        fpr_next = fpr;
    }
    return area;
}
