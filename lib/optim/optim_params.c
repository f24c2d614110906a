/*
 * Optimizer options: one table per kind drives validation, the getters and
 * the messages, as the layers' tables do.
 */
#include <string.h>

#include "core/error_internal.h"
#include "optim_kind_internal.h"

const char *lnn_opt_key_name(libnn_opt_param key)
{
    /* A key means the same for every kind, and some kind's table has it. */
    static const lnn_optim_ops *const kinds[] = {&lnn_sgd_ops, &lnn_adam_ops, &lnn_rmsprop_ops,
                                                 &lnn_adagrad_ops};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const lnn_param_def *def = lnn_opt_find(kinds[k], key);
        if (def)
            return def->name;
    }
    return NULL;
}

const lnn_param_def *lnn_opt_find(const lnn_optim_ops *ops, libnn_opt_param key)
{
    int i = lnn_params_find(ops->params, ops->n_params, (int)key);
    return i < 0 ? NULL : &ops->params[i];
}

static libnn_status no_such_option(const libnn_optimizer *o, libnn_opt_param key)
{
    const char *name = lnn_opt_key_name(key);
    if (name)
        return lnn_error(LIBNN_E_INVALID, "%s has no option %s", o->ops->prefix, name);
    return lnn_error(LIBNN_E_INVALID, "%s: unknown option key %d", o->ops->prefix, (int)key);
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
        if (clips[i] != key && o->opt[clips[i]].f != 0)
            return lnn_error(LIBNN_E_INVALID,
                             "%s: only one of clipnorm, clipvalue and global_clipnorm can be set; "
                             "%s is %g (set it to 0 first)",
                             o->ops->prefix, lnn_opt_key_name(clips[i]), o->opt[clips[i]].f);
    return LIBNN_OK;
}

/* The slots were allocated for the options at bind time. */
static libnn_status check_slots(const libnn_optimizer *o, const lnn_param_def *def,
                                lnn_param_value value)
{
    if (!o->bound)
        return LIBNN_OK;
    lnn_param_value next[LNN_OPT_KEY_END];
    memcpy(next, o->opt, sizeof next);
    next[def->key] = value;
    if (o->ops->slot_mask(next) == o->slot_mask)
        return LIBNN_OK;
    char from[32], to[32];
    lnn_params_format(def, o->opt[def->key], from, sizeof from);
    lnn_params_format(def, value, to, sizeof to);
    return lnn_error(LIBNN_E_STATE,
                     "%s: %s cannot change from %s to %s once bound to a model: it decides "
                     "which state the optimizer keeps (set it before compile)",
                     o->ops->prefix, def->name, from, to);
}

static libnn_status set_option(libnn_optimizer *o, libnn_opt_param key, bool from_int,
                               lnn_param_value in)
{
    if (!o)
        return lnn_error(LIBNN_E_INVALID, "optimizer_set: optimizer is NULL");
    const lnn_param_def *def = lnn_opt_find(o->ops, key);
    if (!def)
        return no_such_option(o, key);
    lnn_param_value v;
    libnn_status st = lnn_params_from(o->ops->prefix, def, from_int, in, false,
                                      "libnn_optimizer_set_int", &v);
    if (st == LIBNN_OK && !lnn_params_is_int(def))
        st = check_clip_exclusive(o, key, v.f);
    if (st == LIBNN_OK)
        st = check_slots(o, def, v);
    if (st == LIBNN_OK)
        o->opt[key] = v;
    return st;
}

libnn_status libnn_optimizer_set_int(libnn_optimizer *opt, libnn_opt_param key, int64_t value)
{
    return set_option(opt, key, true, (lnn_param_value){.i = value});
}

libnn_status libnn_optimizer_set_float(libnn_optimizer *opt, libnn_opt_param key, double value)
{
    return set_option(opt, key, false, (lnn_param_value){.f = value});
}

static libnn_status get_option(const libnn_optimizer *o, libnn_opt_param key, const void *value,
                               const lnn_param_def **def)
{
    if (!o || !value)
        return lnn_error(LIBNN_E_INVALID, "optimizer_get: %s is NULL", o ? "value" : "optimizer");
    *def = lnn_opt_find(o->ops, key);
    if (!*def)
        return no_such_option(o, key);
    return LIBNN_OK;
}

libnn_status libnn_optimizer_get_int(const libnn_optimizer *opt, libnn_opt_param key,
                                     int64_t *value)
{
    const lnn_param_def *def;
    libnn_status st = get_option(opt, key, value, &def);
    if (st == LIBNN_OK)
        st = lnn_params_to_int(opt->ops->prefix, def, opt->opt[key],
                               "libnn_optimizer_get_float", value);
    return st;
}

libnn_status libnn_optimizer_get_float(const libnn_optimizer *opt, libnn_opt_param key,
                                       double *value)
{
    const lnn_param_def *def;
    libnn_status st = get_option(opt, key, value, &def);
    if (st == LIBNN_OK)
        st = lnn_params_to_double(opt->ops->prefix, def, opt->opt[key],
                                  "libnn_optimizer_get_int", value);
    return st;
}

bool lnn_optimizer_option(const libnn_optimizer *opt, size_t i, libnn_opt_param *key,
                          const char **name, double *value)
{
    if (!opt || i >= opt->ops->n_params)
        return false;
    const lnn_param_def *def = &opt->ops->params[i];
    *key = (libnn_opt_param)def->key;
    *name = def->name;
    /* The integer options are steps, booleans and the schedule; a record
     * that needs a step count beyond 2^53 exactly reads it with
     * lnn_optimizer_option_int. */
    *value = lnn_params_is_int(def) ? (double)opt->opt[*key].i : opt->opt[*key].f;
    return true;
}

bool lnn_optimizer_option_int(const libnn_optimizer *opt, size_t i, bool *is_int,
                              int64_t *int_value)
{
    if (!opt || i >= opt->ops->n_params)
        return false;
    const lnn_param_def *def = &opt->ops->params[i];
    *is_int = lnn_params_is_int(def);
    *int_value = *is_int ? opt->opt[def->key].i : 0;
    return true;
}
