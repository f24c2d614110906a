/*
 * Optimizer options: one table per kind drives validation, the getters and
 * the messages, as the layers' tables do.
 */
#include <inttypes.h>
#include <string.h>

#include "core/error_internal.h"
#include "optim_kind_internal.h"

const char *lnn_opt_key_name(libnn_opt_param key)
{
    static const char *const names[LNN_OPT_KEY_END] = {
        [LIBNN_OPT_LEARNING_RATE] = "learning_rate", [LIBNN_OPT_BETA_1] = "beta_1",
        [LIBNN_OPT_BETA_2] = "beta_2", [LIBNN_OPT_EPSILON] = "epsilon",
        [LIBNN_OPT_AMSGRAD] = "amsgrad", [LIBNN_OPT_MOMENTUM] = "momentum",
        [LIBNN_OPT_NESTEROV] = "nesterov", [LIBNN_OPT_RHO] = "rho",
        [LIBNN_OPT_CENTERED] = "centered",
        [LIBNN_OPT_INITIAL_ACCUMULATOR_VALUE] = "initial_accumulator_value",
        [LIBNN_OPT_WEIGHT_DECAY] = "weight_decay", [LIBNN_OPT_CLIPNORM] = "clipnorm",
        [LIBNN_OPT_CLIPVALUE] = "clipvalue", [LIBNN_OPT_GLOBAL_CLIPNORM] = "global_clipnorm",
        [LIBNN_OPT_SCHEDULE] = "schedule", [LIBNN_OPT_DECAY_STEPS] = "decay_steps",
        [LIBNN_OPT_DECAY_RATE] = "decay_rate", [LIBNN_OPT_STAIRCASE] = "staircase",
        [LIBNN_OPT_ALPHA] = "alpha", [LIBNN_OPT_WARMUP_STEPS] = "warmup_steps",
        [LIBNN_OPT_WARMUP_TARGET] = "warmup_target",
    };
    return (int)key > 0 && (int)key < LNN_OPT_KEY_END ? names[key] : NULL;
}

const lnn_opt_def *lnn_opt_find(const lnn_optim_ops *ops, libnn_opt_param key)
{
    for (size_t i = 0; i < ops->n_params; i++)
        if (ops->params[i].key == key)
            return &ops->params[i];
    return NULL;
}

static libnn_status no_such_option(const libnn_optimizer *o, libnn_opt_param key)
{
    const char *name = lnn_opt_key_name(key);
    if (name)
        return lnn_error(LIBNN_E_INVALID, "%s has no option %s", o->ops->prefix, name);
    return lnn_error(LIBNN_E_INVALID, "%s: unknown option key %d", o->ops->prefix, (int)key);
}

/* Check `value` against its row (is_int: it came through set_int). */
static libnn_status check_value(const libnn_optimizer *o, const lnn_opt_def *def, double value,
                                bool is_int)
{
    const char *who = o->ops->prefix, *name = lnn_opt_key_name(def->key);
    if (def->type != LNN_OT_FLOAT && !is_int)
        return lnn_error(LIBNN_E_INVALID, "%s: %s takes an integer; use libnn_optimizer_set_int",
                         who, name);
    if (!isfinite(value))
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be a finite number, got %g", who, name,
                         value);
    if (def->type == LNN_OT_SCHEDULE) {
        if (value < def->min || value > def->max)
            return lnn_error(LIBNN_E_INVALID, "%s: schedule has no value %" PRId64
                             " (valid: 0..%d)", who, (int64_t)value, (int)def->max);
        return LIBNN_OK;
    }
    if (def->type == LNN_OT_BOOL && value != 0 && value != 1)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a boolean (0 or 1), got %" PRId64, who, name,
                         (int64_t)value);
    if (value < def->min)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be >= %g, got %g", who, name, def->min,
                         value);
    if (def->max_open ? value >= def->max : value > def->max)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be %s %g, got %g", who, name,
                         def->max_open ? "<" : "<=", def->max, value);
    return LIBNN_OK;
}

/* Keras refuses more than one clipping mode; 0 is "not set" here so that a
 * mode can be switched off again while training. */
static libnn_status check_clip_exclusive(const libnn_optimizer *o, libnn_opt_param key,
                                         double value)
{
    static const libnn_opt_param clips[] = {LIBNN_OPT_CLIPNORM, LIBNN_OPT_CLIPVALUE,
                                            LIBNN_OPT_GLOBAL_CLIPNORM};
    bool is_clip = false;
    for (size_t i = 0; i < 3; i++)
        is_clip |= clips[i] == key;
    if (!is_clip || value == 0)
        return LIBNN_OK;
    for (size_t i = 0; i < 3; i++)
        if (clips[i] != key && o->opt[clips[i]] != 0)
            return lnn_error(LIBNN_E_INVALID,
                             "%s: only one of clipnorm, clipvalue and global_clipnorm can be set; "
                             "%s is %g (set it to 0 first)",
                             o->ops->prefix, lnn_opt_key_name(clips[i]), o->opt[clips[i]]);
    return LIBNN_OK;
}

/* The slots were allocated for the options at bind time. */
static libnn_status check_slots(const libnn_optimizer *o, libnn_opt_param key, double value)
{
    if (!o->bound)
        return LIBNN_OK;
    double next[LNN_OPT_KEY_END];
    memcpy(next, o->opt, sizeof next);
    next[key] = value;
    if (o->ops->slot_mask(next) == o->slot_mask)
        return LIBNN_OK;
    return lnn_error(LIBNN_E_STATE,
                     "%s: %s cannot change from %g to %g once bound to a model: it decides "
                     "which state the optimizer keeps (set it before compile)",
                     o->ops->prefix, lnn_opt_key_name(key), o->opt[key], value);
}

static libnn_status set_option(libnn_optimizer *o, libnn_opt_param key, double value,
                               bool is_int)
{
    if (!o)
        return lnn_error(LIBNN_E_INVALID, "optimizer_set: optimizer is NULL");
    const lnn_opt_def *def = lnn_opt_find(o->ops, key);
    if (!def)
        return no_such_option(o, key);
    libnn_status st = check_value(o, def, value, is_int);
    if (st == LIBNN_OK)
        st = check_clip_exclusive(o, key, value);
    if (st == LIBNN_OK)
        st = check_slots(o, key, value);
    if (st == LIBNN_OK)
        o->opt[key] = value;
    return st;
}

libnn_status libnn_optimizer_set_int(libnn_optimizer *opt, libnn_opt_param key, int64_t value)
{
    return set_option(opt, key, (double)value, true);
}

libnn_status libnn_optimizer_set_float(libnn_optimizer *opt, libnn_opt_param key, double value)
{
    return set_option(opt, key, value, false);
}

static libnn_status get_option(const libnn_optimizer *o, libnn_opt_param key, double *value,
                               const lnn_opt_def **def)
{
    if (!o || !value)
        return lnn_error(LIBNN_E_INVALID, "optimizer_get: %s is NULL", o ? "value" : "optimizer");
    *def = lnn_opt_find(o->ops, key);
    if (!*def)
        return no_such_option(o, key);
    *value = o->opt[key];
    return LIBNN_OK;
}

libnn_status libnn_optimizer_get_int(const libnn_optimizer *opt, libnn_opt_param key,
                                     int64_t *value)
{
    const lnn_opt_def *def;
    double v;
    libnn_status st = get_option(opt, key, value ? &v : NULL, &def);
    if (st != LIBNN_OK)
        return st;
    if (def->type == LNN_OT_FLOAT)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a float option; use libnn_optimizer_get_float",
                         opt->ops->prefix, lnn_opt_key_name(key));
    *value = (int64_t)v;
    return LIBNN_OK;
}

libnn_status libnn_optimizer_get_float(const libnn_optimizer *opt, libnn_opt_param key,
                                       double *value)
{
    const lnn_opt_def *def;
    return get_option(opt, key, value, &def);
}

bool lnn_optimizer_option(const libnn_optimizer *opt, size_t i, libnn_opt_param *key,
                          const char **name, double *value)
{
    if (!opt || i >= opt->ops->n_params)
        return false;
    *key = opt->ops->params[i].key;
    *name = lnn_opt_key_name(*key);
    *value = opt->opt[*key];
    return true;
}
