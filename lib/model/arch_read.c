/*
 * Reading the architecture record into a new, uncompiled model. Every key
 * of a layer's config must be an option of the layer's table (grouped as
 * arch_keras.c says) or a Keras key at the one value libnn implements;
 * anything else is an error naming the layer and the key. Values go
 * through the same validating setters a caller uses, so the file can set
 * nothing a program could not.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch_internal.h"
#include "core/error_internal.h"
#include "layers/layer_factory_internal.h"
#include "model_internal.h"

/* Layer context for messages: "architecture: layer 3 (conv2d_1)". */
typedef struct ctx {
    size_t index;
    const char *name;
} ctx;

#define FAIL(st, c, ...) fail_at((st), (c), __VA_ARGS__)

static libnn_status fail_at(libnn_status st, const ctx *c, const char *fmt, ...)
    LNN_PRINTF(3, 4);

static libnn_status fail_at(libnn_status st, const ctx *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lnn_error(st, "architecture: layer %zu (%s): %s", c->index, c->name, msg);
}

/* A setter's refusal as a file error, keeping its message. */
static libnn_status setter_failed(libnn_status st, const ctx *c, const char *key)
{
    if (st == LIBNN_E_NOMEM)
        return st;
    char msg[300];
    snprintf(msg, sizeof msg, "%s", libnn_last_error());
    return FAIL(LIBNN_E_FORMAT, c, "%s: %s", key, msg);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static libnn_status set_int(libnn_layer *l, const ctx *c, const char *key, libnn_param p,
                            int64_t v)
{
    libnn_status st = libnn_layer_set_int(l, p, v);
    return st == LIBNN_OK ? st : setter_failed(st, c, key);
}

static libnn_status set_float(libnn_layer *l, const ctx *c, const char *key, libnn_param p,
                              const json_t *v)
{
    if (!json_is_number(v))
        return FAIL(LIBNN_E_FORMAT, c, "%s must be a number, got %s", key, type_name(v));
    libnn_status st = libnn_layer_set_float(l, p, json_number_value(v));
    return st == LIBNN_OK ? st : setter_failed(st, c, key);
}

static libnn_status read_single(libnn_layer *l, const ctx *c, const lnn_param_def *def,
                                const char *key, const json_t *v)
{
    switch (def->type) {
    case LNN_PT_FLOAT:
        return json_is_null(v) ? LIBNN_OK : set_float(l, c, key, def->key, v);
    case LNN_PT_BOOL:
        if (!json_is_boolean(v))
            return FAIL(LIBNN_E_FORMAT, c, "%s must be true or false, got %s", key, type_name(v));
        return set_int(l, c, key, def->key, json_is_true(v));
    case LNN_PT_ENUM:
        if (!json_is_string(v))
            return FAIL(LIBNN_E_FORMAT, c, "%s must be a name, got %s", key, type_name(v));
        for (int e = 0; e <= (int)def->max; e++) {
            const char *name = def->enum_name(e);
            if (name && strcmp(name, json_string_value(v)) == 0)
                return set_int(l, c, key, def->key, e);
        }
        if (def->key == LIBNN_PARAM_ACTIVATION && strcmp(json_string_value(v), "silu") == 0)
            return set_int(l, c, key, def->key, LIBNN_ACT_SWISH);
        return FAIL(LIBNN_E_UNSUPPORTED, c, "%s \"%.60s\" is not one libnn has", key,
                    json_string_value(v));
    default:
        if (json_is_null(v) && strcmp(def->name, "seed") == 0)
            return LIBNN_OK; /* Keras' "no seed" */
        if (!json_is_integer(v))
            return FAIL(LIBNN_E_FORMAT, c, "%s must be an integer, got %s", key, type_name(v));
        return set_int(l, c, key, def->key, json_integer_value(v));
    }
}

static libnn_status read_pair(libnn_layer *l, const ctx *c, const lnn_param_def *rows,
                              const char *key, const json_t *v)
{
    json_int_t h, w;
    if (json_is_null(v))
        return LIBNN_OK; /* pooling strides: the pool size */
    if (json_is_integer(v)) {
        h = w = json_integer_value(v);
    } else if (json_is_array(v) && json_array_size(v) == 2 &&
               json_is_integer(json_array_get(v, 0)) && json_is_integer(json_array_get(v, 1))) {
        h = json_integer_value(json_array_get(v, 0));
        w = json_integer_value(json_array_get(v, 1));
    } else {
        return FAIL(LIBNN_E_FORMAT, c, "%s must be an integer or a list of two integers", key);
    }
    libnn_status st = set_int(l, c, key, rows[0].key, h);
    return st == LIBNN_OK ? set_int(l, c, key, rows[1].key, w) : st;
}

/* "glorot_uniform" or {"class_name": "RandomUniform", "config": {...}} */
static libnn_status read_initializer(libnn_layer *l, const ctx *c, const lnn_param_def *rows,
                                     const char *key, const json_t *v)
{
    const json_t *cls = json_is_object(v) ? json_object_get(v, "class_name") : v;
    const json_t *cfg = json_is_object(v) ? json_object_get(v, "config") : NULL;
    if (!json_is_string(cls) || (json_is_object(v) && cfg && !json_is_object(cfg)))
        return FAIL(LIBNN_E_FORMAT, c, "%s must be a name or {\"class_name\", \"config\"}", key);
    int kind = lnn_arch_init_kind(json_string_value(cls));
    if (kind < 0)
        return FAIL(LIBNN_E_UNSUPPORTED, c, "%s: initializer \"%.60s\" is not one libnn has", key,
                    json_string_value(cls));
    libnn_status st = set_int(l, c, key, rows[0].key, kind);
    const char *names[2];
    lnn_arch_init_class(kind, &names[0], &names[1]);
    const char *k;
    const json_t *item;
    json_object_foreach((json_t *)cfg, k, item) {
        if (st != LIBNN_OK)
            break;
        if (strcmp(k, "seed") == 0) {
            if (!json_is_null(item))
                return FAIL(LIBNN_E_UNSUPPORTED, c,
                            "%s: a seed of its own is not supported (libnn draws every weight "
                            "from the model's seed)", key);
            continue;
        }
        int which = names[0] && strcmp(k, names[0]) == 0   ? 1
                    : names[1] && strcmp(k, names[1]) == 0 ? 2
                                                           : 0;
        if (!which)
            return FAIL(LIBNN_E_FORMAT, c, "%s: %s has no parameter \"%.60s\"", key,
                        json_string_value(cls), k);
        st = set_float(l, c, key, rows[which].key, item);
    }
    return st;
}

/* null or {"class_name": "L1L2" | "L1" | "L2", "config": {"l1": .., "l2": ..}} */
static libnn_status read_regularizer(libnn_layer *l, const ctx *c, const lnn_param_def *rows,
                                     const char *key, const json_t *v)
{
    if (json_is_null(v))
        return LIBNN_OK;
    const json_t *cls = json_object_get(v, "class_name"), *cfg = json_object_get(v, "config");
    if (!json_is_object(v) || !json_is_string(cls) || !json_is_object(cfg))
        return FAIL(LIBNN_E_FORMAT, c, "%s must be null or {\"class_name\", \"config\"}", key);
    const char *name = json_string_value(cls);
    bool l1 = strcmp(name, "L1L2") == 0 || strcmp(name, "L1") == 0;
    bool l2 = strcmp(name, "L1L2") == 0 || strcmp(name, "L2") == 0;
    if (!l1 && !l2)
        return FAIL(LIBNN_E_UNSUPPORTED, c, "%s: regularizer \"%.60s\" is not one libnn has",
                    key, name);
    const char *k;
    const json_t *item;
    libnn_status st = LIBNN_OK;
    json_object_foreach((json_t *)cfg, k, item) {
        if (st != LIBNN_OK)
            break;
        bool is_l1 = strcmp(k, "l1") == 0, is_l2 = strcmp(k, "l2") == 0;
        if (!(is_l1 && l1) && !(is_l2 && l2))
            return FAIL(LIBNN_E_FORMAT, c, "%s: %s has no parameter \"%.60s\"", key, name, k);
        st = set_float(l, c, key, rows[is_l1 ? 0 : 1].key, item);
    }
    return st;
}

/* Apply config key `key` to the layer through its table. *found is false
 * when no row group has the key. */
static libnn_status read_option(libnn_layer *l, const ctx *c, const char *key, const json_t *v,
                                bool *found)
{
    const lnn_layer_ops *ops = l->ops;
    *found = true;
    if (strcmp(key, "trainable") == 0) {
        if (!json_is_boolean(v))
            return FAIL(LIBNN_E_FORMAT, c, "trainable must be true or false");
        if (lnn_param_has(l, LIBNN_PARAM_TRAINABLE))
            return set_int(l, c, key, LIBNN_PARAM_TRAINABLE, json_is_true(v));
        return LIBNN_OK; /* a layer without weights */
    }
    for (size_t row = 0, rows; row < ops->n_params; row += rows) {
        char name[64];
        const lnn_param_def *def = &ops->params[row];
        lnn_arch_group g = lnn_arch_group_at(ops, row, name, sizeof name, &rows);
        if (strcmp(name, key) != 0)
            continue;
        switch (g) {
        case LNN_ARCH_PAIR: return read_pair(l, c, def, key, v);
        case LNN_ARCH_INITIALIZER: return read_initializer(l, c, def, key, v);
        case LNN_ARCH_REGULARIZER: return read_regularizer(l, c, def, key, v);
        default: return read_single(l, c, def, key, v);
        }
    }
    *found = false;
    return LIBNN_OK;
}

static libnn_status read_layer(const json_t *obj, ctx *c, libnn_layer **out);

/* Reshape's target and Bidirectional's wrapped layer, before the layer
 * exists. */
static libnn_status read_args(const char *cls, const json_t *cfg, ctx *c, lnn_layer_args *args)
{
    if (strcmp(cls, "Reshape") == 0) {
        const json_t *t = json_object_get(cfg, "target_shape");
        size_t n = json_array_size(t);
        if (!json_is_array(t) || n < 1 || n > LIBNN_MAX_RANK - 1)
            return FAIL(LIBNN_E_FORMAT, c, "target_shape must be a list of 1 to %d integers",
                        LIBNN_MAX_RANK - 1);
        for (size_t i = 0; i < n; i++) {
            const json_t *d = json_array_get(t, i);
            if (!json_is_integer(d))
                return FAIL(LIBNN_E_FORMAT, c, "target_shape[%zu] must be an integer", i);
            args->target[i] = json_integer_value(d);
        }
        args->target_ndim = n;
    }
    if (strcmp(cls, "Bidirectional") == 0) {
        const json_t *inner = json_object_get(cfg, "layer");
        if (!json_is_object(inner))
            return FAIL(LIBNN_E_FORMAT, c, "Bidirectional needs the wrapped \"layer\" object");
        ctx ic = {c->index, c->name};
        return read_layer(inner, &ic, &args->inner);
    }
    return LIBNN_OK;
}

static libnn_status read_layer(const json_t *obj, ctx *c, libnn_layer **out)
{
    const json_t *cls = json_object_get(obj, "class_name"), *cfg = json_object_get(obj, "config");
    if (!json_is_object(obj) || !json_is_string(cls) || !json_is_object(cfg))
        return FAIL(LIBNN_E_FORMAT, c, "a layer is {\"class_name\": ..., \"config\": {...}}");
    const json_t *name = json_object_get(cfg, "name");
    if (name && (!json_is_string(name) || json_string_length(name) == 0 ||
                 json_string_length(name) >= LNN_NAME_CAP))
        return FAIL(LIBNN_E_FORMAT, c, "name must be a string of 1 to %d bytes", LNN_NAME_CAP - 1);
    if (name)
        c->name = json_string_value(name);
    lnn_layer_args args = {0};
    libnn_status st = read_args(json_string_value(cls), cfg, c, &args);
    libnn_layer *l = NULL;
    if (st == LIBNN_OK) {
        st = lnn_layer_new_by_class(json_string_value(cls), &args, &l);
        if (st == LIBNN_E_NOTFOUND)
            st = FAIL(LIBNN_E_FORMAT, c, "unknown class_name \"%.60s\"", json_string_value(cls));
        else if (st != LIBNN_OK && st != LIBNN_E_NOMEM)
            st = setter_failed(st, c, json_string_value(cls));
        if (st != LIBNN_OK)
            libnn_layer_free(args.inner);
    }
    if (st == LIBNN_OK && name && (st = libnn_layer_set_name(l, json_string_value(name))) != LIBNN_OK)
        st = setter_failed(st, c, "name");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)cfg, key, v) {
        if (st != LIBNN_OK)
            break;
        bool found, known;
        /* The first layer may carry the input shape (read already); Keras
         * ignores it on the others too. */
        if (strcmp(key, "name") == 0 || strcmp(key, "batch_input_shape") == 0 ||
            (args.target_ndim && strcmp(key, "target_shape") == 0) ||
            (args.inner && strcmp(key, "layer") == 0))
            continue;
        st = read_option(l, c, key, v, &found);
        if (st != LIBNN_OK || found)
            continue;
        if (lnn_arch_ignorable(key, v, &known))
            continue;
        st = known ? FAIL(LIBNN_E_UNSUPPORTED, c, "%s = %s other than Keras' default is not "
                                                  "supported", key, type_name(v))
                   : FAIL(LIBNN_E_FORMAT, c, "unknown option \"%.60s\"", key);
    }
    if (st != LIBNN_OK) {
        libnn_layer_free(l);
        return st;
    }
    *out = l;
    return LIBNN_OK;
}

/* [null, d1, d2, ...] into the model's input shape. */
static libnn_status read_input_shape(const json_t *shape, libnn_model *m)
{
    size_t n = json_array_size(shape);
    int64_t dims[LIBNN_MAX_RANK];
    if (!json_is_array(shape) || n < 2 || n > LIBNN_MAX_RANK)
        return lnn_error(LIBNN_E_FORMAT, "architecture: batch_input_shape must be a list of 2 "
                                         "to %d entries", LIBNN_MAX_RANK);
    for (size_t i = 1; i < n; i++) {
        const json_t *d = json_array_get(shape, i);
        if (json_is_null(d))
            return lnn_error(LIBNN_E_UNSUPPORTED, "architecture: batch_input_shape[%zu] is "
                                                  "null; libnn needs fixed input sizes", i);
        if (!json_is_integer(d) || json_integer_value(d) < 1 ||
            json_integer_value(d) > ((json_int_t)1 << 40))
            return lnn_error(LIBNN_E_FORMAT, "architecture: batch_input_shape[%zu] must be an "
                                             "integer in 1..2^40", i);
        dims[i - 1] = json_integer_value(d);
    }
    libnn_status st = libnn_model_set_input_shape(m, n - 1, dims);
    return st == LIBNN_OK ? st : lnn_error_prefix(LIBNN_E_FORMAT, "architecture");
}

static libnn_status read_layers(const json_t *layers, libnn_model *m)
{
    size_t n = json_array_size(layers), first = 0;
    if (!json_is_array(layers) || n == 0)
        return lnn_error(LIBNN_E_FORMAT, "architecture: config.layers must be a non-empty list");
    if (n > LNN_ARCH_MAX_LAYERS)
        return lnn_error(LIBNN_E_FORMAT, "architecture: %zu layers, more than the %d allowed", n,
                         LNN_ARCH_MAX_LAYERS);
    const json_t *head = json_array_get(layers, 0);
    const json_t *head_cfg = json_object_get(head, "config");
    const json_t *cls = json_object_get(head, "class_name");
    if (json_is_string(cls) && strcmp(json_string_value(cls), "InputLayer") == 0) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)head_cfg, key, v) {
            bool known;
            if (strcmp(key, "batch_input_shape") == 0 || strcmp(key, "name") == 0 ||
                lnn_arch_ignorable(key, v, &known))
                continue;
            return lnn_error(LIBNN_E_FORMAT, "architecture: InputLayer: unknown option "
                                             "\"%.60s\"", key);
        }
        first = 1;
    }
    const json_t *shape = json_object_get(head_cfg, "batch_input_shape");
    if (!shape)
        return lnn_error(LIBNN_E_FORMAT, "architecture: no batch_input_shape in the first layer");
    libnn_status st = read_input_shape(shape, m);
    if (st != LIBNN_OK)
        return st;
    if (first == n)
        return lnn_error(LIBNN_E_FORMAT, "architecture: no layers after the InputLayer");
    for (size_t i = first; i < n; i++) {
        ctx c = {i - first, "?"};
        libnn_layer *l;
        const json_t *obj = json_array_get(layers, i);
        st = read_layer(obj, &c, &l);
        if (st != LIBNN_OK)
            return st;
        if (libnn_model_find_layer(m, libnn_layer_name(l))) {
            libnn_layer_free(l);
            return lnn_error(LIBNN_E_FORMAT, "architecture: layer %zu: the name %s is used twice",
                             c.index, c.name);
        }
        st = libnn_model_add(m, l);
        if (st != LIBNN_OK) {
            libnn_layer_free(l);
            return st == LIBNN_E_NOMEM ? st : lnn_error_prefix(LIBNN_E_FORMAT, "architecture");
        }
    }
    return LIBNN_OK;
}

libnn_status lnn_arch_read(const json_t *root, libnn_model **out)
{
    *out = NULL;
    const json_t *cls = json_object_get(root, "class_name"), *cfg = json_object_get(root, "config");
    if (!json_is_object(root) || !json_is_string(cls) || !json_is_object(cfg))
        return lnn_error(LIBNN_E_FORMAT,
                         "architecture: expected {\"class_name\": \"Sequential\", \"config\": ...}");
    if (strcmp(json_string_value(cls), "Sequential") != 0)
        return lnn_error(LIBNN_E_UNSUPPORTED, "architecture: class_name \"%.60s\": only "
                                              "Sequential models are supported",
                         json_string_value(cls));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)root, key, v)
        if (strcmp(key, "class_name") && strcmp(key, "config") && strcmp(key, "keras_version") &&
            strcmp(key, "backend"))
            return lnn_error(LIBNN_E_FORMAT, "architecture: unknown key \"%.60s\"", key);
    json_object_foreach((json_t *)cfg, key, v)
        if (strcmp(key, "name") && strcmp(key, "layers"))
            return lnn_error(LIBNN_E_FORMAT, "architecture: config: unknown key \"%.60s\"", key);
    libnn_model *m;
    libnn_status st = libnn_model_new(&m);
    if (st == LIBNN_OK)
        st = read_layers(json_object_get(cfg, "layers"), m);
    if (st != LIBNN_OK) {
        libnn_model_free(m);
        return st;
    }
    *out = m;
    return LIBNN_OK;
}
