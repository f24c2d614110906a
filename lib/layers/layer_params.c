/*
 * Layer options: one table per kind drives validation, getters, messages
 * and (later) the model file and summary().
 */
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
    return lnn_params_find(l->ops->params, l->ops->n_params, (int)key);
}

static libnn_status no_such_param(const libnn_layer *l, libnn_param key)
{
    const char *name = key_name(key);
    if (name)
        return lnn_error(LIBNN_E_INVALID, "%s has no parameter %s", l->ops->prefix, name);
    return lnn_error(LIBNN_E_INVALID, "%s: unknown parameter key %d", l->ops->prefix, (int)key);
}

/* How a value reaches the table. */
typedef enum origin {
    FROM_INT,    /* libnn_layer_set_int */
    FROM_FLOAT,  /* libnn_layer_set_float: integer rows refuse it */
    FROM_NUMBER, /* lnn_param_set: a whole double is taken for an integer row */
    FROM_VALUE   /* lnn_param_set_value: already in the row's type */
} origin;

static libnn_status convert(const libnn_layer *l, const lnn_param_def *def, origin from,
                            lnn_param_value in, lnn_param_value *out)
{
    bool from_int = from == FROM_INT || (from == FROM_VALUE && lnn_params_is_int(def));
    return lnn_params_from(l->name, def, from_int, in, from != FROM_FLOAT, "libnn_layer_set_int",
                           out);
}

/* The rows `key` sets: one, or both halves of a pair key (STRIDES). */
static int find_rows(const libnn_layer *l, libnn_param key, int *a, int *b, const char **name)
{
    *a = *b = find_param(l, key);
    *name = *a >= 0 ? l->ops->params[*a].name : NULL;
    for (size_t p = 0; *a < 0 && p < sizeof pairs / sizeof pairs[0]; p++)
        if (pairs[p].key == key && (*a = find_param(l, pairs[p].first)) >= 0) {
            *b = find_param(l, pairs[p].second);
            *name = key_name(key);
        }
    return *a;
}

static libnn_status set_param(libnn_layer *l, libnn_param key, origin from, lnn_param_value in)
{
    if (!l)
        return lnn_error(LIBNN_E_INVALID, "layer_set: layer is NULL");
    if (l->built)
        return lnn_error(LIBNN_E_STATE, "%s: options are fixed once the layer is built", l->name);
    int a, b;
    const char *name;
    if (find_rows(l, key, &a, &b, &name) < 0)
        return no_such_param(l, key);
    /* A pair is validated against its first half's row (both agree). */
    lnn_param_def def = l->ops->params[a];
    def.name = name;
    lnn_param_value v;
    libnn_status st = convert(l, &def, from, in, &v);
    if (st == LIBNN_OK)
        l->params[a] = l->params[b] = v;
    return st;
}

libnn_status lnn_param_set(libnn_layer *l, libnn_param key, double value)
{
    return set_param(l, key, FROM_NUMBER, (lnn_param_value){.f = value});
}

libnn_status lnn_param_set_int(libnn_layer *l, libnn_param key, int64_t value)
{
    return set_param(l, key, FROM_INT, (lnn_param_value){.i = value});
}

libnn_status lnn_param_set_value(libnn_layer *l, libnn_param key, lnn_param_value value)
{
    return set_param(l, key, FROM_VALUE, value);
}

libnn_status libnn_layer_set_int(libnn_layer *layer, libnn_param key, int64_t value)
{
    return set_param(layer, key, FROM_INT, (lnn_param_value){.i = value});
}

libnn_status libnn_layer_set_float(libnn_layer *layer, libnn_param key, double value)
{
    return set_param(layer, key, FROM_FLOAT, (lnn_param_value){.f = value});
}

/* The row a getter reads (a pair key reads its first half), as *def with
 * the key's name. */
static libnn_status get_row(const libnn_layer *l, libnn_param key, const void *value,
                            const char *who, int *row, lnn_param_def *def)
{
    if (!l || !value)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, l ? "value" : "layer");
    int b;
    const char *name;
    if (find_rows(l, key, row, &b, &name) < 0)
        return no_such_param(l, key);
    *def = l->ops->params[*row];
    def->name = name;
    return LIBNN_OK;
}

libnn_status libnn_layer_get_int(const libnn_layer *layer, libnn_param key, int64_t *value)
{
    int i;
    lnn_param_def def;
    libnn_status st = get_row(layer, key, value, "layer_get_int", &i, &def);
    return st != LIBNN_OK ? st
                          : lnn_params_to_int(layer->name, &def, layer->params[i],
                                              "libnn_layer_get_float", value);
}

libnn_status libnn_layer_get_float(const libnn_layer *layer, libnn_param key, double *value)
{
    int i;
    lnn_param_def def;
    libnn_status st = get_row(layer, key, value, "layer_get_float", &i, &def);
    return st != LIBNN_OK ? st
                          : lnn_params_to_double(layer->name, &def, layer->params[i],
                                                 "libnn_layer_get_int", value);
}

bool lnn_param_has(const libnn_layer *l, libnn_param key)
{
    return find_param(l, key) >= 0;
}

int64_t lnn_param_int(const libnn_layer *l, libnn_param key)
{
    int i = find_param(l, key);
    if (i < 0)
        return 0;
    int64_t v = 0;
    if (lnn_params_is_int(&l->ops->params[i]))
        v = l->params[i].i;
    else
        lnn_double_to_int64(l->params[i].f, &v); /* NaN ("unset") and fractions read 0 */
    return v;
}

double lnn_param_float(const libnn_layer *l, libnn_param key)
{
    int i = find_param(l, key);
    if (i < 0)
        return 0.0;
    /* Integer rows read as doubles for callers that want a number either
     * way (the model file); the tables' integer options are all small but
     * the seed, which is read with lnn_param_int. */
    return lnn_params_is_int(&l->ops->params[i]) ? (double)l->params[i].i : l->params[i].f;
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
