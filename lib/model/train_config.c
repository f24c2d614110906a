/*
 * The compiled state of a model as JSON, for model files: the training
 * configuration (loss and its options, metrics, optimizer kind and
 * settings, model options) that every model file holds, and the checkpoint
 * state (iterations, epoch reached, random generator) that checkpoints add.
 * Reading goes through the public setters, so a file can configure nothing
 * a program could not.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "metric_state_internal.h"
#include "model_internal.h"
#include "train_config_internal.h"

#define WHO "training_config"

static bool put(json_t *obj, const char *key, json_t *value)
{
    return obj && value && json_object_set_new(obj, key, value) == 0;
}

/* ---- writing ---- */

static json_t *loss_json(const lnn_loss_cfg *cfg)
{
    /* Only options off their defaults: each loss kind has its own. */
    lnn_loss_cfg def = lnn_loss_default(cfg->kind);
    json_t *o = json_object();
    if (put(o, "class_name", json_string(libnn_loss_name(cfg->kind))) &&
        (cfg->from_logits == def.from_logits ||
         put(o, "from_logits", json_boolean(cfg->from_logits))) &&
        (cfg->label_smoothing == def.label_smoothing ||
         put(o, "label_smoothing", json_real(cfg->label_smoothing))) &&
        (cfg->delta == def.delta || put(o, "delta", json_real(cfg->delta))))
        return o;
    json_decref(o);
    return NULL;
}

static json_t *optimizer_json(const libnn_optimizer *opt)
{
    json_t *o = json_object(), *cfg = json_object();
    if (!put(o, "class_name", json_string(libnn_optimizer_kind_name(opt))) ||
        !put(o, "config", cfg)) {
        json_decref(o);
        return NULL;
    }
    libnn_opt_param key;
    const char *name;
    double value;
    bool ok = true;
    for (size_t i = 0; ok && lnn_optimizer_option(opt, i, &key, &name, &value); i++) {
        bool is_int;
        int64_t exact;
        lnn_optimizer_option_int(opt, i, &is_int, &exact);
        ok = put(cfg, name, is_int ? json_integer(exact) : isnan(value) ? json_null()
                                                                        : json_real(value));
    }
    const int64_t *bounds;
    const float *values;
    size_t n = lnn_optimizer_piecewise(opt, &bounds, &values);
    if (ok && n > 0) {
        json_t *pw = json_object(), *b = json_array(), *v = json_array();
        ok = put(o, "piecewise", pw) && put(pw, "boundaries", b) && put(pw, "values", v);
        for (size_t i = 0; ok && i <= n; i++)
            ok = (i == n || json_array_append_new(b, json_integer(bounds[i])) == 0) &&
                 json_array_append_new(v, json_real(values[i])) == 0;
    }
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

json_t *lnn_train_config_write(const libnn_model *m)
{
    json_t *root = json_object(), *metrics = json_array(), *opts = json_object();
    bool ok = put(root, "loss", loss_json(&m->loss)) && put(root, "metrics", metrics);
    for (size_t i = 0; ok && i < m->n_metrics; i++)
        ok = json_array_append_new(metrics,
                                   json_string(libnn_metric_name(m->metrics[i]->requested))) == 0;
    ok = ok && put(root, "optimizer", optimizer_json(m->opt)) && put(root, "options", opts) &&
         put(opts, "seed", json_integer((json_int_t)m->seed)) &&
         put(opts, "shuffle", json_boolean(m->shuffle)) &&
         put(opts, "validation_split", json_real(m->validation_split)) &&
         put(opts, "check_numerics", json_boolean(m->check_numerics));
    if (!ok) {
        if (!json_object_get(root, "metrics"))
            json_decref(metrics);
        if (!json_object_get(root, "options"))
            json_decref(opts);
        json_decref(root);
        return NULL;
    }
    return root;
}

json_t *lnn_checkpoint_state_write(const libnn_model *m)
{
    json_t *root = json_object(), *rng = json_array();
    bool ok = put(root, "iterations", json_integer(libnn_optimizer_iterations(m->opt))) &&
              put(root, "epoch", json_integer(m->epoch_reached)) && put(root, "rng", rng);
    for (int i = 0; ok && i < 4; i++) {
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, m->rng.s[i]);
        ok = json_array_append_new(rng, json_string(hex)) == 0;
    }
    if (!ok) {
        if (!json_object_get(root, "rng"))
            json_decref(rng);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- reading ---- */

static libnn_status bad(const char *field, const char *what)
{
    return lnn_error(LIBNN_E_FORMAT, WHO ": %s %s", field, what);
}

/* A setter's refusal as a file error naming the field. */
static libnn_status refused(libnn_status st, const char *field)
{
    if (st == LIBNN_OK || st == LIBNN_E_NOMEM)
        return st;
    return lnn_error_prefix(LIBNN_E_FORMAT, WHO ": %s", field);
}

static libnn_status check_keys(const json_t *obj, const char *field, const char *const *keys)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], key) != 0)
            i++;
        if (!keys[i])
            return lnn_error(LIBNN_E_FORMAT, WHO ": %s: unknown key \"%.60s\"", field, key);
    }
    return LIBNN_OK;
}

static libnn_status read_loss(const json_t *o, libnn_loss *kind, lnn_loss_cfg *cfg)
{
    static const char *const keys[] = {"class_name", "from_logits", "label_smoothing", "delta",
                                       NULL};
    const json_t *cls = json_object_get(o, "class_name");
    if (!json_is_object(o) || !json_is_string(cls))
        return bad("loss", "must be {\"class_name\": ..., options}");
    libnn_status st = check_keys(o, "loss", keys);
    if (st != LIBNN_OK)
        return st;
    for (int k = 1; k < 64; k++) {
        const char *name = libnn_loss_name((libnn_loss)k);
        if (name && strcmp(name, json_string_value(cls)) == 0) {
            *kind = (libnn_loss)k;
            *cfg = lnn_loss_default(*kind);
            const json_t *fl = json_object_get(o, "from_logits");
            const json_t *ls = json_object_get(o, "label_smoothing");
            const json_t *de = json_object_get(o, "delta");
            if ((fl && !json_is_boolean(fl)) || (ls && !json_is_number(ls)) ||
                (de && !json_is_number(de)))
                return bad("loss", "options must be a boolean and numbers");
            if (fl)
                st = lnn_loss_set_option(cfg, LIBNN_LOSS_OPT_FROM_LOGITS, json_is_true(fl));
            if (st == LIBNN_OK && ls && json_number_value(ls) != cfg->label_smoothing)
                st = lnn_loss_set_option(cfg, LIBNN_LOSS_OPT_LABEL_SMOOTHING,
                                         json_number_value(ls));
            if (st == LIBNN_OK && de && json_number_value(de) != cfg->delta)
                st = lnn_loss_set_option(cfg, LIBNN_LOSS_OPT_DELTA, json_number_value(de));
            return refused(st, "loss");
        }
    }
    return lnn_error(LIBNN_E_FORMAT, WHO ": unknown loss \"%.60s\"", json_string_value(cls));
}

static libnn_status read_piecewise(const json_t *pw, libnn_optimizer *opt)
{
    const json_t *b = json_object_get(pw, "boundaries"), *v = json_object_get(pw, "values");
    size_t n = json_array_size(b);
    if (!json_is_object(pw) || !json_is_array(b) || !json_is_array(v) || n == 0 ||
        json_array_size(v) != n + 1 || n > 4096)
        return bad("optimizer.piecewise", "must hold n boundaries and n + 1 values (n <= 4096)");
    int64_t bounds[4096];
    float values[4097];
    for (size_t i = 0; i <= n; i++) {
        const json_t *bi = json_array_get(b, i), *vi = json_array_get(v, i);
        if ((i < n && !json_is_integer(bi)) || !json_is_number(vi))
            return bad("optimizer.piecewise", "holds a value of the wrong type");
        if (i < n)
            bounds[i] = json_integer_value(bi);
        values[i] = (float)json_number_value(vi);
    }
    return refused(libnn_optimizer_set_piecewise(opt, n, bounds, values),
                   "optimizer.piecewise");
}

static libnn_status read_optimizer(const json_t *o, libnn_optimizer **out)
{
    static const char *const keys[] = {"class_name", "config", "piecewise", NULL};
    const json_t *cls = json_object_get(o, "class_name"), *cfg = json_object_get(o, "config");
    *out = NULL;
    if (!json_is_object(o) || !json_is_string(cls) || !json_is_object(cfg))
        return bad("optimizer", "must be {\"class_name\": ..., \"config\": {...}}");
    libnn_status st = check_keys(o, "optimizer", keys);
    if (st != LIBNN_OK)
        return st;
    libnn_optimizer *opt;
    st = lnn_optimizer_new_named(json_string_value(cls), 0.001f, &opt);
    if (st != LIBNN_OK)
        return st == LIBNN_E_NOMEM ? st : lnn_error_prefix(LIBNN_E_FORMAT, WHO);
    /* Clip options exclude one another: a zero one must not be refused for
     * a non-zero one set before it, so zeros at their default are skipped. */
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)cfg, key, v) {
        libnn_opt_param k = 0;
        const char *name;
        double cur;
        size_t i = 0;
        while (lnn_optimizer_option(opt, i, &k, &name, &cur) && strcmp(name, key) != 0)
            i++;
        if (!lnn_optimizer_option(opt, i, &k, &name, &cur)) {
            st = lnn_error(LIBNN_E_FORMAT, WHO ": optimizer %s has no option \"%.60s\"",
                           json_string_value(cls), key);
            break;
        }
        bool is_int = lnn_optimizer_option_is_int(opt, k);
        if (json_is_null(v) && isnan(cur))
            continue;
        if (is_int ? !json_is_integer(v) : !json_is_number(v)) {
            st = lnn_error(LIBNN_E_FORMAT, WHO ": optimizer.%s must be %s", key,
                           is_int ? "an integer" : "a number");
            break;
        }
        double value = json_number_value(v);
        if (value == cur)
            continue;
        st = is_int ? libnn_optimizer_set_int(opt, k, json_integer_value(v))
                    : libnn_optimizer_set_float(opt, k, value);
        if ((st = refused(st, "optimizer")) != LIBNN_OK)
            break;
    }
    const json_t *pw = json_object_get(o, "piecewise");
    if (st == LIBNN_OK && pw) {
        int64_t schedule;
        libnn_optimizer_get_int(opt, LIBNN_OPT_SCHEDULE, &schedule);
        st = read_piecewise(pw, opt);
        if (st == LIBNN_OK) /* set_piecewise switches the schedule; the file says which */
            st = refused(libnn_optimizer_set_int(opt, LIBNN_OPT_SCHEDULE, schedule), "optimizer");
    }
    if (st != LIBNN_OK) {
        libnn_optimizer_free(opt);
        return st;
    }
    *out = opt;
    return LIBNN_OK;
}

static libnn_status read_options(const json_t *o, libnn_model *m)
{
    static const char *const keys[] = {"seed", "shuffle", "validation_split", "check_numerics",
                                       NULL};
    if (!json_is_object(o))
        return bad("options", "must be an object");
    libnn_status st = check_keys(o, "options", keys);
    const json_t *seed = json_object_get(o, "seed"), *sh = json_object_get(o, "shuffle");
    const json_t *vs = json_object_get(o, "validation_split");
    const json_t *cn = json_object_get(o, "check_numerics");
    if (st == LIBNN_OK && ((seed && !json_is_integer(seed)) || (sh && !json_is_boolean(sh)) ||
                           (vs && !json_is_number(vs)) || (cn && !json_is_boolean(cn))))
        return bad("options", "hold a value of the wrong type");
    if (st == LIBNN_OK && seed)
        st = refused(libnn_model_set_int(m, LIBNN_MODEL_SEED, json_integer_value(seed)),
                     "options.seed");
    if (st == LIBNN_OK && sh)
        st = refused(libnn_model_set_int(m, LIBNN_MODEL_SHUFFLE, json_is_true(sh)),
                     "options.shuffle");
    if (st == LIBNN_OK && vs)
        st = refused(libnn_model_set_float(m, LIBNN_MODEL_VALIDATION_SPLIT, json_number_value(vs)),
                     "options.validation_split");
    if (st == LIBNN_OK && cn)
        st = refused(libnn_model_set_int(m, LIBNN_MODEL_CHECK_NUMERICS, json_is_true(cn)),
                     "options.check_numerics");
    return st;
}

static libnn_status read_metrics(const json_t *list, libnn_model *m)
{
    if (!json_is_array(list) || json_array_size(list) > LNN_MAX_METRICS)
        return bad("metrics", "must be a list of at most 16 names");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *name = json_array_get(list, i);
        if (!json_is_string(name))
            return bad("metrics", "must hold names");
        int found = 0;
        for (int k = 1; k < 64 && !found; k++) {
            const char *n = libnn_metric_name((libnn_metric)k);
            if (n && strcmp(n, json_string_value(name)) == 0)
                found = k;
        }
        if (!found)
            return lnn_error(LIBNN_E_FORMAT, WHO ": unknown metric \"%.60s\"",
                             json_string_value(name));
        libnn_status st = refused(libnn_model_add_metric(m, (libnn_metric)found), "metrics");
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

libnn_status lnn_train_config_read(const json_t *root, libnn_model *m)
{
    static const char *const keys[] = {"loss", "metrics", "optimizer", "options", NULL};
    if (!json_is_object(root))
        return bad("", "must be an object");
    libnn_status st = check_keys(root, "", keys);
    libnn_loss kind = LIBNN_LOSS_MEAN_SQUARED_ERROR;
    lnn_loss_cfg cfg;
    if (st == LIBNN_OK)
        st = read_loss(json_object_get(root, "loss"), &kind, &cfg);
    if (st == LIBNN_OK)
        st = read_options(json_object_get(root, "options"), m);
    libnn_optimizer *opt = NULL;
    if (st == LIBNN_OK)
        st = read_optimizer(json_object_get(root, "optimizer"), &opt);
    if (st == LIBNN_OK) {
        st = libnn_model_compile(m, opt, kind);
        if (st != LIBNN_OK) {
            libnn_optimizer_free(opt);
            return st == LIBNN_E_NOMEM ? st : lnn_error_prefix(LIBNN_E_FORMAT, "model file");
        }
        m->loss = cfg;
        st = read_metrics(json_object_get(root, "metrics"), m);
    }
    return st;
}

libnn_status lnn_checkpoint_state_read(const json_t *root, libnn_model *m)
{
    static const char *const keys[] = {"iterations", "epoch", "rng", NULL};
    const json_t *it = json_object_get(root, "iterations"), *ep = json_object_get(root, "epoch");
    const json_t *rng = json_object_get(root, "rng");
    if (!json_is_object(root) || !json_is_integer(it) || !json_is_integer(ep) ||
        json_integer_value(it) < 0 || json_integer_value(ep) < 0 ||
        json_integer_value(ep) > ((json_int_t)1 << 40) || !json_is_array(rng) ||
        json_array_size(rng) != 4)
        return lnn_error(LIBNN_E_FORMAT, "checkpoint: needs iterations >= 0, epoch in 0..2^40 "
                                         "and rng, a list of 4 hex strings");
    libnn_status st = check_keys(root, "checkpoint", keys);
    if (st != LIBNN_OK)
        return st;
    lnn_rng state;
    for (size_t i = 0; i < 4; i++) {
        const char *hex = json_string_value(json_array_get(rng, i));
        int used = 0;
        if (!hex || strlen(hex) != 16 || strspn(hex, "0123456789abcdef") != 16 ||
            sscanf(hex, "%16" SCNx64 "%n", &state.s[i], &used) != 1 || used != 16)
            return lnn_error(LIBNN_E_FORMAT, "checkpoint: rng[%zu] is not 16 hex digits", i);
    }
    if (!(state.s[0] | state.s[1] | state.s[2] | state.s[3]))
        return lnn_error(LIBNN_E_FORMAT, "checkpoint: rng is all zero, which xoshiro never "
                                         "reaches");
    st = lnn_optimizer_set_iterations(m->opt, json_integer_value(it));
    if (st != LIBNN_OK)
        return st;
    m->rng = state;
    m->epoch_reached = json_integer_value(ep);
    m->initial_epoch = m->epoch_reached;
    return LIBNN_OK;
}
