/*
 * Losses: names, options, the dispatcher, and the losses that are a value
 * per element (mean squared and absolute error, huber, binary
 * cross-entropy). Per-element values are computed and summed in double; the
 * gradient is rounded to float once.
 */
#include <math.h>

#include "core/error_internal.h"
#include "loss_kinds_internal.h"

const char *libnn_loss_name(libnn_loss loss)
{
    switch (loss) {
    case LIBNN_LOSS_MEAN_SQUARED_ERROR: return "mean_squared_error";
    case LIBNN_LOSS_MEAN_ABSOLUTE_ERROR: return "mean_absolute_error";
    case LIBNN_LOSS_HUBER: return "huber";
    case LIBNN_LOSS_BINARY_CROSSENTROPY: return "binary_crossentropy";
    case LIBNN_LOSS_CATEGORICAL_CROSSENTROPY: return "categorical_crossentropy";
    case LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY: return "sparse_categorical_crossentropy";
    }
    return NULL;
}

lnn_loss_cfg lnn_loss_default(libnn_loss kind)
{
    lnn_loss_cfg cfg = {kind, false, 0.0f, 1.0f};
    return cfg;
}

static bool is_crossentropy(libnn_loss kind)
{
    return kind == LIBNN_LOSS_BINARY_CROSSENTROPY || kind == LIBNN_LOSS_CATEGORICAL_CROSSENTROPY ||
           kind == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
}

static const char *option_name(libnn_loss_option option)
{
    switch (option) {
    case LIBNN_LOSS_OPT_FROM_LOGITS: return "from_logits";
    case LIBNN_LOSS_OPT_LABEL_SMOOTHING: return "label_smoothing";
    case LIBNN_LOSS_OPT_DELTA: return "delta";
    }
    return NULL;
}

static libnn_status unknown_loss(libnn_loss kind)
{
    return lnn_error(LIBNN_E_INVALID, "loss: unknown loss %d (valid: 1..6)", (int)kind);
}

libnn_status lnn_loss_set_option(lnn_loss_cfg *cfg, libnn_loss_option option, double value)
{
    const char *who = libnn_loss_name(cfg->kind);
    const char *name = option_name(option);
    if (!who)
        return unknown_loss(cfg->kind);
    if (!name)
        return lnn_error(LIBNN_E_INVALID, "%s: unknown option key %d", who, (int)option);
    /* Which loss has which option, as Keras' constructors have them. */
    bool smoothable = cfg->kind == LIBNN_LOSS_BINARY_CROSSENTROPY ||
                      cfg->kind == LIBNN_LOSS_CATEGORICAL_CROSSENTROPY;
    bool has = option == LIBNN_LOSS_OPT_FROM_LOGITS      ? is_crossentropy(cfg->kind)
               : option == LIBNN_LOSS_OPT_LABEL_SMOOTHING ? smoothable
                                                         : cfg->kind == LIBNN_LOSS_HUBER;
    if (!has)
        return lnn_error(LIBNN_E_INVALID, "%s has no option %s", who, name);
    if (isnan(value))
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be a number, got NaN", who, name);
    switch (option) {
    case LIBNN_LOSS_OPT_FROM_LOGITS:
        if (value != 0 && value != 1)
            return lnn_error(LIBNN_E_INVALID, "%s: from_logits is a boolean (0 or 1), got %g",
                             who, value);
        cfg->from_logits = value != 0;
        break;
    case LIBNN_LOSS_OPT_LABEL_SMOOTHING:
        if (value < 0 || value > 1)
            return lnn_error(LIBNN_E_INVALID, "%s: label_smoothing must be in [0, 1], got %g", who,
                             value);
        cfg->label_smoothing = (float)value;
        break;
    case LIBNN_LOSS_OPT_DELTA:
        if (!(value > 0) || !isfinite((float)value))
            return lnn_error(LIBNN_E_INVALID, "%s: delta must be finite and > 0, got %g", who,
                             value);
        cfg->delta = (float)value;
        break;
    }
    return LIBNN_OK;
}

size_t lnn_loss_label_width(const lnn_loss_cfg *cfg, size_t k)
{
    return cfg->kind == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ? 1 : k;
}

libnn_status lnn_loss_bad_target(const lnn_loss_cfg *cfg, size_t sample, size_t index,
                                 float value)
{
    return lnn_error(LIBNN_E_INVALID,
                     "%s: sample %zu has target %g at position %zu; probabilities lie in [0, 1]",
                     libnn_loss_name(cfg->kind), sample, (double)value, index);
}

libnn_status lnn_loss_eval(const lnn_loss_cfg *cfg, size_t n, size_t k, const float *y_pred,
                           const float *y_true, const float *weights, size_t base, double *sum,
                           float *grad, float grad_scale)
{
    lnn_loss_row_fn row;
    switch (cfg->kind) {
    case LIBNN_LOSS_MEAN_SQUARED_ERROR:
    case LIBNN_LOSS_MEAN_ABSOLUTE_ERROR:
    case LIBNN_LOSS_HUBER:
    case LIBNN_LOSS_BINARY_CROSSENTROPY:
        row = lnn_loss_row_elementwise;
        break;
    case LIBNN_LOSS_CATEGORICAL_CROSSENTROPY:
    case LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
        row = lnn_loss_row_categorical;
        break;
    default:
        return unknown_loss(cfg->kind);
    }
    size_t width = lnn_loss_label_width(cfg, k);
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        double w = weights ? weights[i] : 1.0, loss;
        libnn_status st = row(cfg, k, y_pred + i * k, y_true + i * width, base + i, &loss,
                              grad ? grad + i * k : NULL, w * grad_scale);
        if (st != LIBNN_OK)
            return st;
        total += w * loss;
    }
    *sum = total;
    return LIBNN_OK;
}

/* --- Element losses: the value at (p, y) and its derivative in p. --- */

static double sign_of(double x)
{
    return (double)(x > 0) - (double)(x < 0);
}

static double huber(double e, double delta, double *d)
{
    double a = fabs(e);
    if (a <= delta) {
        *d = e;
        return 0.5 * e * e;
    }
    *d = delta * sign_of(e);
    return delta * (a - 0.5 * delta);
}

static double bce_probability(double p, double y, double *d)
{
    double c = lnn_ce_clip(p);
    *d = lnn_ce_unclipped(p) ? -y / p + (1.0 - y) / (1.0 - p) : 0.0;
    return -(y * log(c) + (1.0 - y) * log(1.0 - c));
}

/* max(z, 0) - z y + log(1 + e^-|z|): never exponentiates a positive number. */
static double bce_logit(double z, double y, double *d)
{
    double s = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
    *d = s - y;
    return fmax(z, 0.0) - z * y + log1p(exp(-fabs(z)));
}

static double element(const lnn_loss_cfg *cfg, double p, double y, double *d)
{
    switch (cfg->kind) {
    case LIBNN_LOSS_MEAN_SQUARED_ERROR:
        *d = 2.0 * (p - y);
        return (p - y) * (p - y);
    case LIBNN_LOSS_MEAN_ABSOLUTE_ERROR:
        *d = sign_of(p - y);
        return fabs(p - y);
    case LIBNN_LOSS_HUBER:
        return huber(p - y, cfg->delta, d);
    default:
        y = lnn_smooth(y, cfg->label_smoothing, 2.0);
        return cfg->from_logits ? bce_logit(p, y, d) : bce_probability(p, y, d);
    }
}

libnn_status lnn_loss_row_elementwise(const lnn_loss_cfg *cfg, size_t k, const float *p,
                                      const float *y, size_t sample, double *loss, float *grad,
                                      double scale)
{
    bool probability_target = cfg->kind == LIBNN_LOSS_BINARY_CROSSENTROPY;
    double sum = 0;
    scale /= (double)k;
    for (size_t j = 0; j < k; j++) {
        if (probability_target && !(y[j] >= 0.0f && y[j] <= 1.0f))
            return lnn_loss_bad_target(cfg, sample, j, y[j]);
        double d;
        sum += element(cfg, p[j], y[j], &d);
        if (grad)
            grad[j] = (float)(d * scale);
    }
    *loss = sum / (double)k;
    return LIBNN_OK;
}
