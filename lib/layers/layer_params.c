/*
 * Layer options: one table per kind drives validation, getters, messages
 * and (later) the model file and summary().
 */
#include <inttypes.h>
#include <math.h>

#include "core/error_internal.h"
#include "kernels/activation_internal.h"
#include "kernels/init_internal.h"
#include "layer_internal.h"

const char *lnn_act_name_of(int value)
{
    return value < 0 ? NULL : lnn_act_name((lnn_act)value);
}

const char *lnn_init_name_of(int value)
{
    return value < 0 ? NULL : lnn_init_name((lnn_init_kind)value);
}

const char *lnn_padding_name_of(int value)
{
    return value == LIBNN_PADDING_VALID ? "valid" : value == LIBNN_PADDING_SAME ? "same" : NULL;
}

/* Keys that set a pair of options, as Keras' tuple arguments do. */
static const struct {
    libnn_param key, first, second;
} pairs[] = {
    {LIBNN_PARAM_STRIDES, LIBNN_PARAM_STRIDE_H, LIBNN_PARAM_STRIDE_W},
    {LIBNN_PARAM_DILATION_RATE, LIBNN_PARAM_DILATION_H, LIBNN_PARAM_DILATION_W},
    {LIBNN_PARAM_POOL_SIZE, LIBNN_PARAM_POOL_H, LIBNN_PARAM_POOL_W},
};

/* Names of keys for messages about keys a kind does not have. */
static const char *key_name(libnn_param key)
{
    static const char *const names[] = {
        [LIBNN_PARAM_UNITS] = "units", [LIBNN_PARAM_FILTERS] = "filters",
        [LIBNN_PARAM_KERNEL_H] = "kernel_h", [LIBNN_PARAM_KERNEL_W] = "kernel_w",
        [LIBNN_PARAM_STRIDES] = "strides", [LIBNN_PARAM_STRIDE_H] = "stride_h",
        [LIBNN_PARAM_STRIDE_W] = "stride_w", [LIBNN_PARAM_PADDING] = "padding",
        [LIBNN_PARAM_DILATION_RATE] = "dilation_rate", [LIBNN_PARAM_DILATION_H] = "dilation_h",
        [LIBNN_PARAM_DILATION_W] = "dilation_w", [LIBNN_PARAM_ACTIVATION] = "activation",
        [LIBNN_PARAM_ALPHA] = "alpha", [LIBNN_PARAM_USE_BIAS] = "use_bias",
        [LIBNN_PARAM_KERNEL_INITIALIZER] = "kernel_initializer",
        [LIBNN_PARAM_BIAS_INITIALIZER] = "bias_initializer",
        [LIBNN_PARAM_RECURRENT_INITIALIZER] = "recurrent_initializer",
        [LIBNN_PARAM_EMBEDDINGS_INITIALIZER] = "embeddings_initializer",
        [LIBNN_PARAM_KERNEL_INIT_A] = "kernel_init_a", [LIBNN_PARAM_KERNEL_INIT_B] = "kernel_init_b",
        [LIBNN_PARAM_BIAS_INIT_A] = "bias_init_a", [LIBNN_PARAM_BIAS_INIT_B] = "bias_init_b",
        [LIBNN_PARAM_RECURRENT_INIT_A] = "recurrent_init_a",
        [LIBNN_PARAM_RECURRENT_INIT_B] = "recurrent_init_b",
        [LIBNN_PARAM_EMBEDDINGS_INIT_A] = "embeddings_init_a",
        [LIBNN_PARAM_EMBEDDINGS_INIT_B] = "embeddings_init_b",
        [LIBNN_PARAM_KERNEL_L1] = "kernel_l1", [LIBNN_PARAM_KERNEL_L2] = "kernel_l2",
        [LIBNN_PARAM_BIAS_L1] = "bias_l1", [LIBNN_PARAM_BIAS_L2] = "bias_l2",
        [LIBNN_PARAM_RECURRENT_L1] = "recurrent_l1", [LIBNN_PARAM_RECURRENT_L2] = "recurrent_l2",
        [LIBNN_PARAM_EMBEDDINGS_L1] = "embeddings_l1", [LIBNN_PARAM_EMBEDDINGS_L2] = "embeddings_l2",
        [LIBNN_PARAM_POOL_SIZE] = "pool_size", [LIBNN_PARAM_POOL_H] = "pool_h",
        [LIBNN_PARAM_POOL_W] = "pool_w", [LIBNN_PARAM_RATE] = "rate", [LIBNN_PARAM_SEED] = "seed",
        [LIBNN_PARAM_INPUT_DIM] = "input_dim", [LIBNN_PARAM_OUTPUT_DIM] = "output_dim",
        [LIBNN_PARAM_MASK_ZERO] = "mask_zero", [LIBNN_PARAM_RETURN_SEQUENCES] = "return_sequences",
        [LIBNN_PARAM_RETURN_STATE] = "return_state", [LIBNN_PARAM_GO_BACKWARDS] = "go_backwards",
        [LIBNN_PARAM_RECURRENT_ACTIVATION] = "recurrent_activation",
        [LIBNN_PARAM_UNIT_FORGET_BIAS] = "unit_forget_bias", [LIBNN_PARAM_DROPOUT] = "dropout",
        [LIBNN_PARAM_RECURRENT_DROPOUT] = "recurrent_dropout",
        [LIBNN_PARAM_RESET_AFTER] = "reset_after", [LIBNN_PARAM_MERGE_MODE] = "merge_mode",
        [LIBNN_PARAM_MASK_VALUE] = "mask_value", [LIBNN_PARAM_TRAINABLE] = "trainable",
    };
    if ((int)key > 0 && (size_t)key < sizeof names / sizeof names[0] && names[key])
        return names[key];
    return NULL;
}

static int find_param(const libnn_layer *l, libnn_param key)
{
    for (size_t i = 0; i < l->ops->n_params; i++)
        if (l->ops->params[i].key == key)
            return (int)i;
    return -1;
}

static libnn_status no_such_param(const libnn_layer *l, libnn_param key)
{
    const char *name = key_name(key);
    if (name)
        return lnn_error(LIBNN_E_INVALID, "%s has no parameter %s", l->ops->prefix, name);
    return lnn_error(LIBNN_E_INVALID, "%s: unknown parameter key %d", l->ops->prefix, (int)key);
}

/* Check `value` against row `def` (is_int: it came through set_int). */
static libnn_status check_value(const libnn_layer *l, const lnn_param_def *def, double value,
                                bool is_int)
{
    const char *who = l->name;
    if (def->type != LNN_PT_FLOAT && !is_int)
        return lnn_error(LIBNN_E_INVALID, "%s: %s takes an integer; use libnn_layer_set_int", who,
                         def->name);
    if (isnan(value))
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be a number, got NaN", who, def->name);
    if (def->type == LNN_PT_ENUM) {
        if (value < def->min || value > def->max || !def->enum_name((int)value))
            return lnn_error(LIBNN_E_INVALID, "%s: %s has no value %" PRId64 " (valid: 0..%d)",
                             who, def->name, (int64_t)value, (int)def->max);
        return LIBNN_OK;
    }
    if (def->type == LNN_PT_BOOL && value != 0 && value != 1)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a boolean (0 or 1), got %" PRId64, who,
                         def->name, (int64_t)value);
    if (value < def->min)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be >= %g, got %g", who, def->name,
                         def->min, value);
    if (def->max_open ? value >= def->max : value > def->max)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be %s %g, got %g", who, def->name,
                         def->max_open ? "<" : "<=", def->max, value);
    return LIBNN_OK;
}

static libnn_status set_param(libnn_layer *l, libnn_param key, double value, bool is_int)
{
    if (!l)
        return lnn_error(LIBNN_E_INVALID, "layer_set: layer is NULL");
    if (l->built)
        return lnn_error(LIBNN_E_STATE, "%s: options are fixed once the layer is built", l->name);
    int i = find_param(l, key);
    if (i < 0) {
        for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
            if (pairs[p].key != key || find_param(l, pairs[p].first) < 0)
                continue;
            /* Validate against the first half's row (both rows agree), then set both. */
            int a = find_param(l, pairs[p].first), b = find_param(l, pairs[p].second);
            lnn_param_def def = l->ops->params[a];
            def.name = key_name(key);
            libnn_status st = check_value(l, &def, value, is_int);
            if (st != LIBNN_OK)
                return st;
            l->params[a] = l->params[b] = value;
            return LIBNN_OK;
        }
        return no_such_param(l, key);
    }
    libnn_status st = check_value(l, &l->ops->params[i], value, is_int);
    if (st == LIBNN_OK)
        l->params[i] = value;
    return st;
}

libnn_status lnn_param_set(libnn_layer *l, libnn_param key, double value)
{
    int i = find_param(l, key);
    bool is_int = i >= 0 && l->ops->params[i].type != LNN_PT_FLOAT;
    return set_param(l, key, value, is_int);
}

libnn_status libnn_layer_set_int(libnn_layer *layer, libnn_param key, int64_t value)
{
    return set_param(layer, key, (double)value, true);
}

libnn_status libnn_layer_set_float(libnn_layer *layer, libnn_param key, double value)
{
    return set_param(layer, key, value, false);
}

static libnn_status get_param(const libnn_layer *l, libnn_param key, double *value)
{
    if (!l || !value)
        return lnn_error(LIBNN_E_INVALID, "layer_get: %s is NULL", l ? "value" : "layer");
    int i = find_param(l, key);
    if (i < 0) {
        for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
            if (pairs[p].key == key && (i = find_param(l, pairs[p].first)) >= 0)
                break;
        if (i < 0)
            return no_such_param(l, key);
    }
    *value = l->params[i];
    return LIBNN_OK;
}

libnn_status libnn_layer_get_int(const libnn_layer *layer, libnn_param key, int64_t *value)
{
    double v;
    if (!value)
        return lnn_error(LIBNN_E_INVALID, "layer_get_int: value is NULL");
    libnn_status st = get_param(layer, key, &v);
    if (st != LIBNN_OK)
        return st;
    int i = find_param(layer, key);
    if (i >= 0 && layer->ops->params[i].type == LNN_PT_FLOAT)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a float option; use libnn_layer_get_float",
                         layer->name, layer->ops->params[i].name);
    *value = (int64_t)v;
    return LIBNN_OK;
}

libnn_status libnn_layer_get_float(const libnn_layer *layer, libnn_param key, double *value)
{
    return get_param(layer, key, value);
}

bool lnn_param_has(const libnn_layer *l, libnn_param key)
{
    return find_param(l, key) >= 0;
}

int64_t lnn_param_int(const libnn_layer *l, libnn_param key)
{
    int i = find_param(l, key);
    return i < 0 ? 0 : (int64_t)l->params[i];
}

double lnn_param_float(const libnn_layer *l, libnn_param key)
{
    int i = find_param(l, key);
    return i < 0 ? 0.0 : l->params[i];
}

lnn_init_spec lnn_param_init(const libnn_layer *l, libnn_param kind_key, libnn_param a_key,
                             libnn_param b_key)
{
    lnn_init_spec spec = lnn_init_default((lnn_init_kind)lnn_param_int(l, kind_key));
    double a = lnn_param_float(l, a_key), b = lnn_param_float(l, b_key);
    if (!isnan(a))
        spec.a = (float)a;
    if (!isnan(b))
        spec.b = (float)b;
    return spec;
}

void lnn_layer_activation(const libnn_layer *l, int *act, float *alpha)
{
    *act = (int)lnn_param_int(l, LIBNN_PARAM_ACTIVATION);
    double a = lnn_param_float(l, LIBNN_PARAM_ALPHA);
    if (isnan(a))
        a = *act == LNN_ACT_LEAKY_RELU ? 0.2 : 1.0; /* Keras' activation defaults */
    *alpha = (float)a;
}
