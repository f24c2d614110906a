/*
 * Learning-rate schedules: Keras' keras.optimizers.schedules, evaluated at
 * the optimizer's iteration count with initial_learning_rate = the
 * learning_rate option. Computed in double; the step rounds to float once.
 */
#include <inttypes.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "optim_kind_internal.h"

const char *lnn_schedule_name(int schedule)
{
    static const char *const names[] = {
        [LIBNN_LR_CONSTANT] = "constant",
        [LIBNN_LR_EXPONENTIAL_DECAY] = "exponential_decay",
        [LIBNN_LR_PIECEWISE_CONSTANT] = "piecewise_constant",
        [LIBNN_LR_COSINE_DECAY] = "cosine_decay",
        [LIBNN_LR_INVERSE_TIME_DECAY] = "inverse_time_decay",
    };
    return schedule >= 0 && (size_t)schedule < sizeof names / sizeof names[0] ? names[schedule]
                                                                               : NULL;
}

/* What the selected schedule lacks: the missing option's name, or NULL.
 * Keras makes these constructor arguments; here they are options that may
 * be set in any order, so the check waits until the schedule is used. */
static const char *missing_option(const libnn_optimizer *o)
{
    const lnn_param_value *v = o->opt;
    switch ((int)v[LIBNN_OPT_SCHEDULE].i) {
    case LIBNN_LR_EXPONENTIAL_DECAY:
    case LIBNN_LR_INVERSE_TIME_DECAY:
        if (v[LIBNN_OPT_DECAY_STEPS].i < 1)
            return "decay_steps";
        return isnan(v[LIBNN_OPT_DECAY_RATE].f) ? "decay_rate" : NULL;
    case LIBNN_LR_COSINE_DECAY:
        return v[LIBNN_OPT_DECAY_STEPS].i < 1 ? "decay_steps" : NULL;
    case LIBNN_LR_PIECEWISE_CONSTANT:
        return o->pw_values ? NULL : "boundaries and values (libnn_optimizer_set_piecewise)";
    default:
        return NULL;
    }
}

libnn_status lnn_schedule_check(const libnn_optimizer *o)
{
    const char *missing = missing_option(o);
    if (!missing)
        return LIBNN_OK;
    return lnn_error(LIBNN_E_INVALID, "%s: schedule %s needs %s", o->ops->prefix,
                     lnn_schedule_name((int)o->opt[LIBNN_OPT_SCHEDULE].i), missing);
}

static double cosine_decay(const lnn_param_value *v, double step, double decay_steps, double from_lr)
{
    const double pi = 3.14159265358979323846, alpha = v[LIBNN_OPT_ALPHA].f;
    double cosine = 0.5 * (1.0 + cos(pi * (step / decay_steps)));
    return from_lr * ((1.0 - alpha) * cosine + alpha);
}

/* Keras' CosineDecay: an unset warmup_target (NaN, Keras' None) means no
 * warmup, whatever warmup_steps says. */
static double cosine_schedule(const lnn_param_value *v, double step)
{
    const double lr = v[LIBNN_OPT_LEARNING_RATE].f, target = v[LIBNN_OPT_WARMUP_TARGET].f;
    const double decay_steps = (double)v[LIBNN_OPT_DECAY_STEPS].i;
    const double warmup = (double)v[LIBNN_OPT_WARMUP_STEPS].i;
    if (isnan(target))
        return cosine_decay(v, fmin(step, decay_steps), decay_steps, lr);
    step = fmin(step, decay_steps + warmup);
    if (step < warmup)
        return (target - lr) * (step / warmup) + lr;
    return cosine_decay(v, step - warmup, decay_steps, target);
}

static double piecewise(const libnn_optimizer *o, int64_t step)
{
    size_t i = 0;
    while (i < o->pw_n && step > o->pw_boundaries[i])
        i++;
    return o->pw_values[i];
}

/* ExponentialDecay's and InverseTimeDecay's exponent: step / decay_steps,
 * floored with staircase. */
static double decay_progress(const lnn_param_value *v, int64_t step)
{
    double p = (double)step / (double)v[LIBNN_OPT_DECAY_STEPS].i;
    return v[LIBNN_OPT_STAIRCASE].i != 0 ? floor(p) : p;
}

double lnn_schedule_lr(const libnn_optimizer *o, int64_t step)
{
    const lnn_param_value *v = o->opt;
    const double lr = v[LIBNN_OPT_LEARNING_RATE].f;
    if (missing_option(o))
        return lr;
    switch ((int)v[LIBNN_OPT_SCHEDULE].i) {
    case LIBNN_LR_EXPONENTIAL_DECAY:
        return lr * pow(v[LIBNN_OPT_DECAY_RATE].f, decay_progress(v, step));
    case LIBNN_LR_INVERSE_TIME_DECAY:
        return lr / (1.0 + v[LIBNN_OPT_DECAY_RATE].f * decay_progress(v, step));
    case LIBNN_LR_COSINE_DECAY:
        return cosine_schedule(v, (double)step);
    case LIBNN_LR_PIECEWISE_CONSTANT:
        return piecewise(o, step);
    default:
        return lr;
    }
}

void lnn_schedule_free(libnn_optimizer *o)
{
    lnn_free(o->pw_boundaries);
    o->pw_boundaries = NULL;
    o->pw_values = NULL;
    o->pw_n = 0;
}

static libnn_status check_piecewise(const libnn_optimizer *o, size_t n, const int64_t *b,
                                    const float *values)
{
    const char *who = o->ops->prefix;
    if ((n && !b) || !values)
        return lnn_error(LIBNN_E_INVALID, "%s: piecewise %s is NULL", who,
                         !values ? "values" : "boundaries");
    for (size_t i = 1; i < n; i++)
        if (b[i] <= b[i - 1])
            return lnn_error(LIBNN_E_INVALID,
                             "%s: piecewise boundaries must increase, got %" PRId64
                             " after %" PRId64 " at index %zu",
                             who, b[i], b[i - 1], i);
    for (size_t i = 0; i <= n; i++)
        if (!isfinite(values[i]) || values[i] < 0)
            return lnn_error(LIBNN_E_INVALID,
                             "%s: piecewise values must be finite and >= 0, got %g at index %zu",
                             who, values[i], i);
    return LIBNN_OK;
}

libnn_status libnn_optimizer_set_piecewise(libnn_optimizer *opt, size_t n_boundaries,
                                           const int64_t *boundaries, const float *values)
{
    if (!opt)
        return lnn_error(LIBNN_E_INVALID, "optimizer_set_piecewise: optimizer is NULL");
    libnn_status st = check_piecewise(opt, n_boundaries, boundaries, values);
    if (st != LIBNN_OK)
        return st;
    /* One block: the int64 boundaries first keep both arrays aligned. */
    size_t head, tail, bytes;
    if (!lnn_mul_size(n_boundaries, sizeof(int64_t), &head) ||
        !lnn_mul_size(n_boundaries, sizeof(float), &tail) ||
        !lnn_add_size(tail, sizeof(float), &tail) || !lnn_add_size(head, tail, &bytes))
        return lnn_error(LIBNN_E_NOMEM, "%s: %zu piecewise boundaries overflow", opt->ops->prefix,
                         n_boundaries);
    int64_t *block = lnn_malloc(bytes);
    if (!block)
        return lnn_error_nomem(opt->ops->prefix, bytes);
    float *vals = (float *)((char *)block + head);
    for (size_t i = 0; i < n_boundaries; i++)
        block[i] = boundaries[i];
    for (size_t i = 0; i <= n_boundaries; i++)
        vals[i] = values[i];
    lnn_schedule_free(opt);
    opt->pw_boundaries = block;
    opt->pw_values = vals;
    opt->pw_n = n_boundaries;
    opt->opt[LIBNN_OPT_SCHEDULE].i = LIBNN_LR_PIECEWISE_CONSTANT;
    return LIBNN_OK;
}

size_t lnn_optimizer_piecewise(const libnn_optimizer *opt, const int64_t **boundaries,
                               const float **values)
{
    *boundaries = opt->pw_boundaries;
    *values = opt->pw_values;
    return opt->pw_n;
}
