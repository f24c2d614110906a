/*
 * An optimizer's configuration as data: copying it into a fresh optimizer
 * (model clones) and telling integer options from float ones (model files).
 * Everything goes through the validating setters, so a copy is checked
 * exactly as a caller's settings are.
 */
#include "core/error_internal.h"
#include "optim_internal.h"
#include "optim_kind_internal.h"

bool lnn_optimizer_option_is_int(const libnn_optimizer *opt, libnn_opt_param key)
{
    const lnn_opt_def *def = lnn_opt_find(opt->ops, key);
    return def && def->type != LNN_OT_FLOAT;
}

libnn_status lnn_optimizer_set_option_value(libnn_optimizer *opt, libnn_opt_param key,
                                            double value)
{
    if (lnn_optimizer_option_is_int(opt, key))
        return libnn_optimizer_set_int(opt, key, (int64_t)value);
    return libnn_optimizer_set_float(opt, key, value);
}

libnn_status lnn_optimizer_clone(const libnn_optimizer *src, libnn_optimizer **out)
{
    libnn_optimizer *o;
    libnn_status st = lnn_optimizer_new_named(src->ops->class_name,
                                              (float)src->opt[LIBNN_OPT_LEARNING_RATE], &o);
    if (st != LIBNN_OK)
        return st;
    libnn_opt_param key;
    const char *name;
    double value;
    /* Options at the fresh optimizer's value are skipped: "unset" markers lie
     * outside the bounds, and the clip options exclude one another. */
    for (size_t i = 0; st == LIBNN_OK && lnn_optimizer_option(src, i, &key, &name, &value); i++)
        if (value != o->opt[key] && !(value != value && o->opt[key] != o->opt[key]))
            st = lnn_optimizer_set_option_value(o, key, value);
    if (st == LIBNN_OK && src->pw_n > 0) {
        int64_t schedule = (int64_t)src->opt[LIBNN_OPT_SCHEDULE];
        st = libnn_optimizer_set_piecewise(o, src->pw_n, src->pw_boundaries, src->pw_values);
        if (st == LIBNN_OK)
            st = libnn_optimizer_set_int(o, LIBNN_OPT_SCHEDULE, schedule);
    }
    if (st != LIBNN_OK) {
        libnn_optimizer_free(o);
        return st;
    }
    *out = o;
    return LIBNN_OK;
}
