/*
 * Streaming metrics: creation (Keras' resolution of "accuracy", which
 * metrics fit which labels), dispatch, and the metrics that are a weighted
 * mean of a per-sample value (the accuracies, MSE, RMSE, MAE) plus R².
 *
 * Sums are double. A metric that has seen no sample is NaN; after that
 * Keras' divide_no_nan conventions hold (a zero denominator gives 0), except
 * where a result is undefined (AUC with one class only, R² of a constant
 * target fitted exactly), which is NaN.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "labels_internal.h"
#include "metric_state_internal.h"

const char *libnn_metric_name(libnn_metric metric)
{
    switch (metric) {
    case LIBNN_METRIC_ACCURACY: return "accuracy";
    case LIBNN_METRIC_BINARY_ACCURACY: return "binary_accuracy";
    case LIBNN_METRIC_CATEGORICAL_ACCURACY: return "categorical_accuracy";
    case LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY: return "sparse_categorical_accuracy";
    case LIBNN_METRIC_PRECISION: return "precision";
    case LIBNN_METRIC_RECALL: return "recall";
    case LIBNN_METRIC_F1: return "f1_score";
    case LIBNN_METRIC_F1_MACRO: return "f1_macro";
    case LIBNN_METRIC_F1_MICRO: return "f1_micro";
    case LIBNN_METRIC_AUC: return "auc";
    case LIBNN_METRIC_MEAN_SQUARED_ERROR: return "mean_squared_error";
    case LIBNN_METRIC_ROOT_MEAN_SQUARED_ERROR: return "root_mean_squared_error";
    case LIBNN_METRIC_MEAN_ABSOLUTE_ERROR: return "mean_absolute_error";
    case LIBNN_METRIC_R2: return "r2_score";
    }
    return NULL;
}

const char *lnn_metric_log_name(const lnn_metric_state *m)
{
    return libnn_metric_name(m->requested);
}

/* "accuracy" as Keras compiles it: from the loss, else from the outputs. */
static libnn_metric resolve(libnn_metric metric, const lnn_loss_cfg *loss, size_t k)
{
    if (metric != LIBNN_METRIC_ACCURACY)
        return metric;
    if (loss && loss->kind == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
        return LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY;
    if (loss && loss->kind == LIBNN_LOSS_CATEGORICAL_CROSSENTROPY)
        return LIBNN_METRIC_CATEGORICAL_ACCURACY;
    if ((loss && loss->kind == LIBNN_LOSS_BINARY_CROSSENTROPY) || k == 1)
        return LIBNN_METRIC_BINARY_ACCURACY;
    return LIBNN_METRIC_CATEGORICAL_ACCURACY;
}

/* Doubles of per-class or per-bucket state a metric needs. */
static size_t extra_count(libnn_metric kind, size_t k)
{
    switch (kind) {
    case LIBNN_METRIC_F1_MACRO:
    case LIBNN_METRIC_F1_MICRO: return k <= SIZE_MAX / 3 ? 3 * k : SIZE_MAX;
    case LIBNN_METRIC_AUC: return 2 * LNN_AUC_THRESHOLDS;
    case LIBNN_METRIC_R2: return k <= SIZE_MAX / 4 ? 4 * k : SIZE_MAX;
    default: return 0;
    }
}

/* Why `kind` cannot run on these labels, or NULL when it can. */
static const char *misfit(libnn_metric kind, bool sparse_loss, size_t k)
{
    bool index_labels = kind == LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY ||
                        kind == LIBNN_METRIC_F1_MACRO || kind == LIBNN_METRIC_F1_MICRO;
    if (sparse_loss && !index_labels)
        return "it needs one label per output, and the loss sparse_categorical_crossentropy "
               "takes class indices";
    if (kind == LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY && !sparse_loss && k > 1)
        return "it needs class-index labels (loss sparse_categorical_crossentropy)";
    if ((kind == LIBNN_METRIC_F1_MACRO || kind == LIBNN_METRIC_F1_MICRO) && k < 2)
        return "it needs at least 2 classes; use f1_score for one output";
    return NULL;
}

libnn_status lnn_metric_new(libnn_metric metric, const lnn_loss_cfg *loss, size_t k,
                            lnn_metric_state **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "metric_new: out is NULL");
    *out = NULL;
    const char *name = libnn_metric_name(metric);
    if (!name)
        return lnn_error(LIBNN_E_INVALID, "metric: unknown metric %d (valid: 1..14)", (int)metric);
    if (k == 0)
        return lnn_error(LIBNN_E_INVALID, "%s: the model has no outputs", name);
    bool sparse_loss = loss && loss->kind == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
    libnn_metric kind = resolve(metric, loss, k);
    const char *why = misfit(kind, sparse_loss, k);
    if (why)
        return lnn_error(LIBNN_E_INVALID, "%s does not fit this model: %s", name, why);

    size_t extra = extra_count(kind, k), bytes;
    if (!lnn_mul_size(extra, sizeof(double), &bytes) ||
        !lnn_add_size(bytes, sizeof(lnn_metric_state), &bytes))
        return lnn_error_nomem(name, SIZE_MAX);
    lnn_metric_state *m = lnn_malloc(bytes);
    if (!m)
        return lnn_error_nomem(name, bytes);
    m->requested = metric;
    m->kind = kind;
    m->k = k;
    m->sparse = sparse_loss || kind == LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY;
    m->probs = LNN_PROB_AS_IS;
    if (loss && loss->from_logits)
        m->probs = loss->kind == LIBNN_LOSS_BINARY_CROSSENTROPY ? LNN_PROB_SIGMOID
                                                                : LNN_PROB_SOFTMAX;
    m->threshold = 0.5f;
    m->n_extra = extra;
    lnn_metric_reset(m);
    *out = m;
    return LIBNN_OK;
}

void lnn_metric_free(lnn_metric_state *m)
{
    lnn_free(m);
}

void lnn_metric_reset(lnn_metric_state *m)
{
    m->seen = 0;
    m->total = m->count = 0;
    m->tp = m->fp = m->fn = 0;
    m->saw_nan = false;
    if (m->n_extra)
        memset(m->extra, 0, m->n_extra * sizeof(double));
}

/* The per-sample value of a mean-based metric. */
static double sample_value(const lnn_metric_state *m, const float *p, const float *y)
{
    size_t k = m->k;
    switch (m->kind) {
    case LIBNN_METRIC_CATEGORICAL_ACCURACY:
        /* argmax is unchanged by the softmax or sigmoid of from_logits. */
        return lnn_argmax(y, k) == lnn_argmax(p, k);
    case LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY:
        return (float)lnn_argmax(p, k) == y[0];
    default:
        break;
    }
    lnn_prob_row r;
    lnn_prob_row_init(&r, m->probs, p, k);
    double sum = 0;
    for (size_t j = 0; j < k; j++) {
        double q = lnn_prob_at(&r, j), e = q - y[j];
        switch (m->kind) {
        case LIBNN_METRIC_BINARY_ACCURACY:
            sum += y[j] == (float)(q > m->threshold);
            break;
        case LIBNN_METRIC_MEAN_ABSOLUTE_ERROR:
            sum += fabs(e);
            break;
        default:
            sum += e * e;
            break;
        }
    }
    return sum / (double)k;
}

/* Weighted running mean and variance per output (West's update), which
 * keeps the total sum of squares accurate when the targets' mean is large. */
static void update_r2(lnn_metric_state *m, size_t n, const float *y_pred, const float *y_true,
                      const float *weights)
{
    size_t k = m->k;
    double *wsum = m->extra, *mean = wsum + k, *m2 = mean + k, *res = m2 + k;
    for (size_t i = 0; i < n; i++) {
        double w = weights ? weights[i] : 1.0;
        lnn_prob_row r;
        lnn_prob_row_init(&r, m->probs, y_pred + i * k, k);
        for (size_t j = 0; j < k; j++) {
            double y = y_true[i * k + j], e = y - lnn_prob_at(&r, j);
            res[j] += w * e * e;
            wsum[j] += w;
            if (wsum[j] == 0)
                continue;
            double d = y - mean[j];
            mean[j] += w / wsum[j] * d;
            m2[j] += w * d * (y - mean[j]);
        }
    }
}

/* Keras' R2Score, uniform average over outputs: an infinite score (a
 * constant target not fitted exactly) counts as 0. */
static double result_r2(const lnn_metric_state *m)
{
    size_t k = m->k;
    const double *m2 = m->extra + 2 * k, *res = m2 + k;
    double sum = 0;
    for (size_t j = 0; j < k; j++) {
        double score = 1.0 - res[j] / m2[j];
        sum += isinf(score) ? 0.0 : score;
    }
    return sum / (double)k;
}

/* Sparse labels are checked before anything is added, so a failed update
 * leaves the state as it was. */
static libnn_status check_labels(const lnn_metric_state *m, size_t n, const float *y_true)
{
    size_t c;
    for (size_t i = 0; m->sparse && i < n; i++)
        if (!lnn_class_index(y_true[i], m->k, &c))
            return lnn_bad_class_index(lnn_metric_log_name(m), i, y_true[i], m->k);
    return LIBNN_OK;
}

libnn_status lnn_metric_update(lnn_metric_state *m, size_t n, const float *y_pred,
                               const float *y_true, const float *weights)
{
    libnn_status st = check_labels(m, n, y_true);
    if (st != LIBNN_OK)
        return st;
    size_t width = m->sparse ? 1 : m->k;
    switch (m->kind) {
    case LIBNN_METRIC_PRECISION:
    case LIBNN_METRIC_RECALL:
    case LIBNN_METRIC_F1:
        lnn_metric_update_binary(m, n, y_pred, y_true, weights);
        break;
    case LIBNN_METRIC_F1_MACRO:
    case LIBNN_METRIC_F1_MICRO:
        lnn_metric_update_f1_multi(m, n, y_pred, y_true, weights);
        break;
    case LIBNN_METRIC_AUC:
        st = lnn_metric_update_auc(m, n, y_pred, y_true, weights);
        break;
    case LIBNN_METRIC_R2:
        update_r2(m, n, y_pred, y_true, weights);
        break;
    default:
        for (size_t i = 0; i < n; i++) {
            double w = weights ? weights[i] : 1.0;
            m->total += w * sample_value(m, y_pred + i * m->k, y_true + i * width);
            m->count += w;
        }
        break;
    }
    if (st == LIBNN_OK)
        m->seen += n;
    return st;
}

double lnn_metric_result(const lnn_metric_state *m)
{
    if (m->seen == 0)
        return NAN;
    switch (m->kind) {
    case LIBNN_METRIC_PRECISION:
    case LIBNN_METRIC_RECALL:
    case LIBNN_METRIC_F1:
        return lnn_metric_result_binary(m);
    case LIBNN_METRIC_F1_MACRO:
    case LIBNN_METRIC_F1_MICRO:
        return lnn_metric_result_f1_multi(m);
    case LIBNN_METRIC_AUC:
        return lnn_metric_result_auc(m);
    case LIBNN_METRIC_R2:
        return result_r2(m);
    case LIBNN_METRIC_ROOT_MEAN_SQUARED_ERROR:
        return sqrt(lnn_div0(m->total, m->count));
    default:
        return lnn_div0(m->total, m->count);
    }
}

/* The fixed fields, then the extra ones; R2's running mean and M2 become
 * the sums of w*y and w*y^2 (which add up), and back. */
#define LNN_METRIC_FIXED 7

size_t lnn_metric_state_size(const lnn_metric_state *m)
{
    return LNN_METRIC_FIXED + m->n_extra;
}

void lnn_metric_pack(const lnn_metric_state *m, double *out)
{
    const double fixed[LNN_METRIC_FIXED] = {(double)m->seen, m->total, m->count, m->tp,
                                            m->fp,           m->fn,    m->saw_nan};
    memcpy(out, fixed, sizeof fixed);
    memcpy(out + LNN_METRIC_FIXED, m->extra, m->n_extra * sizeof(double));
    if (m->kind != LIBNN_METRIC_R2)
        return;
    size_t k = m->k;
    double *wsum = out + LNN_METRIC_FIXED, *s1 = wsum + k, *s2 = s1 + k;
    for (size_t j = 0; j < k; j++) {
        double mean = s1[j];
        s1[j] = wsum[j] * mean;
        s2[j] = s2[j] + wsum[j] * mean * mean;
    }
}

void lnn_metric_unpack(lnn_metric_state *m, const double *in)
{
    m->seen = (size_t)in[0];
    m->total = in[1];
    m->count = in[2];
    m->tp = in[3];
    m->fp = in[4];
    m->fn = in[5];
    m->saw_nan = in[6] != 0;
    memcpy(m->extra, in + LNN_METRIC_FIXED, m->n_extra * sizeof(double));
    if (m->kind != LIBNN_METRIC_R2)
        return;
    size_t k = m->k;
    double *wsum = m->extra, *mean = wsum + k, *m2 = mean + k;
    for (size_t j = 0; j < k; j++) {
        double s1 = mean[j];
        mean[j] = lnn_div0(s1, wsum[j]);
        m2[j] -= s1 * mean[j];
    }
}
