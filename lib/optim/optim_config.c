/*
 * An optimizer's configuration as data: copying it into a fresh optimizer
 * (model clones) and telling integer options from float ones (model files).
 * Everything goes through the validating setters, so a copy is checked
 * exactly as a caller's settings are, and integers stay integers.
 */
#include <string.h>

#include "core/error_internal.h"
#include "optim_internal.h"
#include "optim_kind_internal.h"

bool lnn_optimizer_option_is_int(const libnn_optimizer *opt, libnn_opt_param key)
{
    int i = lnn_params_find(opt->ops->params, opt->ops->n_params, (int)key);
    return i >= 0 && lnn_params_is_int(&opt->ops->params[i]);
}

libnn_status lnn_optimizer_clone(const libnn_optimizer *src, libnn_optimizer **out)
{
    libnn_optimizer *o;
    libnn_status st = lnn_optimizer_new_named(src->ops->class_name,
                                              (float)src->opt[LIBNN_OPT_LEARNING_RATE].f, &o);
    if (st != LIBNN_OK)
        return st;
    /* Options at the fresh optimizer's value are skipped: "unset" markers lie
     * outside the bounds, and the clip options exclude one another. */
    for (size_t i = 0; st == LIBNN_OK && i < src->ops->n_params; i++) {
        const lnn_param_def *def = &src->ops->params[i];
        lnn_param_value a = src->opt[def->key], b = o->opt[def->key];
        if (memcmp(&a, &b, sizeof a) == 0)
            continue;
        st = lnn_params_is_int(def) ? libnn_optimizer_set_int(o, (libnn_opt_param)def->key, a.i)
                                    : libnn_optimizer_set_float(o, (libnn_opt_param)def->key, a.f);
    }
    if (st == LIBNN_OK && src->pw_n > 0) {
        int64_t schedule = src->opt[LIBNN_OPT_SCHEDULE].i;
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
