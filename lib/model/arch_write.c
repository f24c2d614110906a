/*
 * Writing the architecture record: every layer's options from its table,
 * in Keras' config shape. Options only libnn has ("alpha" of an activation,
 * "seed" of a recurrent layer) are written when they differ from their
 * default, so that a model using only what Keras has reads in Keras too.
 */
#include <math.h>
#include <string.h>

#include "arch_internal.h"
#include "core/error_internal.h"
#include "layers/layer_factory_internal.h"
#include "model_internal.h"

/* Set obj[key] = value, taking value; false on failure (value released).
 * Objects are attached to their parent before they are filled, so that on
 * any failure releasing the root releases everything. */
static bool put(json_t *obj, const char *key, json_t *value)
{
    return obj && value && json_object_set_new(obj, key, value) == 0;
}

/* A new {"class_name": cls, "config": {}} in *obj, its config in *cfg
 * (borrowed). */
static bool class_object(const char *cls, json_t **obj, json_t **cfg)
{
    *obj = json_object();
    *cfg = json_object();
    if (!put(*obj, "class_name", json_string(cls)) || !put(*obj, "config", *cfg)) {
        json_decref(*obj);
        *obj = NULL;
        return false;
    }
    return true;
}

static bool append(json_t *arr, json_t *value)
{
    return arr && value && json_array_append_new(arr, value) == 0;
}

static json_t *real_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static int64_t get_int(const libnn_layer *l, libnn_param key)
{
    int64_t v = 0;
    libnn_layer_get_int(l, key, &v);
    return v;
}

static double get_float(const libnn_layer *l, libnn_param key)
{
    double v = NAN;
    libnn_layer_get_float(l, key, &v);
    return v;
}

/* {"class_name": "RandomUniform", "config": {"minval": .., "maxval": .., "seed": null}} */
static json_t *initializer(const libnn_layer *l, const lnn_param_def *rows)
{
    int kind = (int)get_int(l, rows[0].key);
    const char *a_name, *b_name;
    const char *cls = lnn_arch_init_class(kind, &a_name, &b_name);
    json_t *obj, *cfg;
    bool ok = cls && class_object(cls, &obj, &cfg);
    if (!ok)
        return NULL;
    const char *names[2] = {a_name, b_name};
    for (int k = 0; ok && k < 2; k++) {
        if (!names[k])
            continue;
        double v = get_float(l, rows[1 + k].key);
        ok = put(cfg, names[k], json_real(isnan(v) ? lnn_arch_init_default(kind, k) : v));
    }
    if (ok && kind != LNN_INIT_ZEROS && kind != LNN_INIT_ONES && kind != LNN_INIT_CONSTANT)
        ok = put(cfg, "seed", json_null());
    if (ok)
        return obj;
    json_decref(obj);
    return NULL;
}

/* null, or {"class_name": "L1L2", "config": {"l1": .., "l2": ..}} */
static json_t *regularizer(const libnn_layer *l, const lnn_param_def *rows)
{
    double l1 = get_float(l, rows[0].key), l2 = get_float(l, rows[1].key);
    if (l1 == 0 && l2 == 0)
        return json_null();
    json_t *obj, *cfg;
    if (!class_object("L1L2", &obj, &cfg))
        return NULL;
    if (put(cfg, "l1", json_real(l1)) && put(cfg, "l2", json_real(l2)))
        return obj;
    json_decref(obj);
    return NULL;
}

static json_t *pair(const libnn_layer *l, const lnn_param_def *rows)
{
    int64_t h = get_int(l, rows[0].key), w = get_int(l, rows[1].key);
    if (h < rows[0].min) /* pooling strides left unset: the pool size */
        return json_null();
    return json_pack("[II]", (json_int_t)h, (json_int_t)w);
}

static json_t *single(const libnn_layer *l, const lnn_param_def *def)
{
    switch (def->type) {
    case LNN_PT_FLOAT: return real_or_null(get_float(l, def->key));
    case LNN_PT_BOOL: return json_boolean(get_int(l, def->key) != 0);
    case LNN_PT_ENUM: {
        const char *name = def->enum_name((int)get_int(l, def->key));
        return name ? json_string(name) : NULL;
    }
    default: return json_integer((json_int_t)get_int(l, def->key));
    }
}

/* Options only libnn has, written when set. */
static bool libnn_only_at_default(const libnn_layer *l, const lnn_param_def *def)
{
    if (strcmp(def->name, "alpha") == 0)
        return isnan(get_float(l, def->key));
    if (strcmp(def->name, "seed") == 0)
        return get_int(l, def->key) == 0;
    return false;
}

static json_t *layer_config(const libnn_layer *l, const char *name);

/* The class-specific keys that are not options: Reshape's target and
 * Bidirectional's wrapped layer. */
static bool extras(const libnn_layer *l, json_t *cfg)
{
    int64_t target[LIBNN_MAX_RANK - 1];
    size_t n = lnn_reshape_target(l, target);
    if (n > 0) {
        json_t *arr = json_array();
        if (!put(cfg, "target_shape", arr))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!append(arr, json_integer((json_int_t)target[i])))
                return false;
    }
    const libnn_layer *inner = lnn_bidirectional_inner(l);
    if (inner) {
        const char *name = inner->name;
        if (strncmp(name, "forward_", 8) == 0)
            name += 8;
        json_t *obj = json_object();
        if (!put(cfg, "layer", obj) ||
            !put(obj, "class_name", json_string(inner->ops->class_name)) ||
            !put(obj, "config", layer_config(inner, name)))
            return false;
    }
    return true;
}

static json_t *layer_config(const libnn_layer *l, const char *name)
{
    json_t *cfg = json_object();
    bool trainable = !lnn_param_has(l, LIBNN_PARAM_TRAINABLE) ||
                     get_int(l, LIBNN_PARAM_TRAINABLE) != 0;
    bool ok = cfg && put(cfg, "name", json_string(name)) &&
              put(cfg, "trainable", json_boolean(trainable)) &&
              put(cfg, "dtype", json_string("float32")) && extras(l, cfg);
    const lnn_layer_ops *ops = l->ops;
    for (size_t row = 0, rows; ok && row < ops->n_params; row += rows) {
        char key[64];
        const lnn_param_def *def = &ops->params[row];
        json_t *v;
        switch (lnn_arch_group_at(ops, row, key, sizeof key, &rows)) {
        case LNN_ARCH_PAIR: v = pair(l, def); break;
        case LNN_ARCH_INITIALIZER: v = initializer(l, def); break;
        case LNN_ARCH_REGULARIZER: v = regularizer(l, def); break;
        default:
            if (def->key == LIBNN_PARAM_TRAINABLE || libnn_only_at_default(l, def))
                continue;
            v = single(l, def);
            break;
        }
        ok = put(cfg, key, v);
    }
    if (ok && (ops->kind == LIBNN_LAYER_FLATTEN || ops->kind == LIBNN_LAYER_GLOBAL_MAX_POOLING2D ||
               ops->kind == LIBNN_LAYER_GLOBAL_AVERAGE_POOLING2D || ops->kind == LIBNN_LAYER_CONV2D ||
               ops->kind == LIBNN_LAYER_MAX_POOLING2D ||
               ops->kind == LIBNN_LAYER_AVERAGE_POOLING2D))
        ok = put(cfg, "data_format", json_string("channels_last"));
    if (ok)
        return cfg;
    json_decref(cfg);
    return NULL;
}

static json_t *input_layer(const libnn_model *m)
{
    json_t *obj, *cfg, *shape = json_array();
    if (!class_object("InputLayer", &obj, &cfg)) {
        json_decref(shape);
        return NULL;
    }
    bool ok = put(cfg, "batch_input_shape", shape) && append(shape, json_null());
    for (size_t i = 0; ok && i < m->in_ndim; i++)
        ok = append(shape, json_integer((json_int_t)m->in_shape[i]));
    ok = ok && put(cfg, "dtype", json_string("float32")) && put(cfg, "sparse", json_false()) &&
         put(cfg, "ragged", json_false()) && put(cfg, "name", json_string("input_1"));
    if (ok)
        return obj;
    json_decref(obj);
    return NULL;
}

json_t *lnn_arch_write(const libnn_model *m)
{
    json_t *root, *cfg, *layers = json_array();
    if (!class_object("Sequential", &root, &cfg)) {
        json_decref(layers);
        return NULL;
    }
    bool ok = put(cfg, "name", json_string("sequential")) && put(cfg, "layers", layers) &&
              append(layers, input_layer(m));
    for (size_t i = 0; ok && i < m->n_layers; i++) {
        const libnn_layer *l = m->layers[i];
        json_t *obj, *lcfg;
        ok = class_object(l->ops->class_name, &obj, &lcfg) && append(layers, obj);
        /* The config is built on its own and put in place whole. */
        ok = ok && json_object_set_new(obj, "config", layer_config(l, l->name)) == 0 &&
             json_object_size(json_object_get(obj, "config")) > 0;
    }
    if (ok)
        return root;
    json_decref(root);
    return NULL;
}
