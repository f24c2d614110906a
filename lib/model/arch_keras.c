/*
 * How libnn's option rows meet Keras' config keys: the groupings of rows
 * into lists and objects, initializer classes, and the Keras keys that have
 * one accepted value because libnn does only that (dtype float32,
 * channels_last, no constraints...).
 */
#include <stdio.h>
#include <string.h>

#include "arch_internal.h"
#include "kernels/init_internal.h"

static bool ends_with(const char *s, const char *tail, size_t *stem)
{
    size_t n = strlen(s), t = strlen(tail);
    if (n <= t || strcmp(s + n - t, tail) != 0)
        return false;
    *stem = n - t;
    return true;
}

/* Row `row + k` exists and is named <stem of name><tail>. */
static bool row_named(const lnn_layer_ops *ops, size_t row, const char *name, size_t stem,
                      const char *tail)
{
    if (row >= ops->n_params)
        return false;
    const char *other = ops->params[row].name;
    return strncmp(other, name, stem) == 0 && strcmp(other + stem, tail) == 0;
}

/* Keras' list names of the pairs libnn keeps as two rows. */
static const char *pair_key(const char *stem, size_t n)
{
    static const struct {
        const char *stem, *key;
    } keys[] = {{"kernel", "kernel_size"}, {"stride", "strides"}, {"dilation", "dilation_rate"},
                {"pool", "pool_size"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i].stem) == n && strncmp(keys[i].stem, stem, n) == 0)
            return keys[i].key;
    return NULL;
}

lnn_arch_group lnn_arch_group_at(const lnn_layer_ops *ops, size_t row, char *key, size_t cap,
                                 size_t *rows)
{
    const char *name = ops->params[row].name;
    size_t stem;
    const char *pair;
    if (ends_with(name, "_h", &stem) && row_named(ops, row + 1, name, stem, "_w") &&
        (pair = pair_key(name, stem))) {
        snprintf(key, cap, "%s", pair);
        *rows = 2;
        return LNN_ARCH_PAIR;
    }
    if (ends_with(name, "_initializer", &stem) && row_named(ops, row + 1, name, stem, "_init_a") &&
        row_named(ops, row + 2, name, stem, "_init_b")) {
        snprintf(key, cap, "%s", name);
        *rows = 3;
        return LNN_ARCH_INITIALIZER;
    }
    if (ends_with(name, "_l1", &stem) && row_named(ops, row + 1, name, stem, "_l2")) {
        snprintf(key, cap, "%.*s_regularizer", (int)stem, name);
        *rows = 2;
        return LNN_ARCH_REGULARIZER;
    }
    snprintf(key, cap, "%s", name);
    *rows = 1;
    return LNN_ARCH_SINGLE;
}

static const struct {
    const char *class_name, *a, *b;
    double a_def, b_def;
} inits[LNN_INIT_COUNT] = {
    [LNN_INIT_ZEROS] = {"Zeros", NULL, NULL, 0, 0},
    [LNN_INIT_ONES] = {"Ones", NULL, NULL, 0, 0},
    [LNN_INIT_CONSTANT] = {"Constant", "value", NULL, 0, 0},
    [LNN_INIT_RANDOM_UNIFORM] = {"RandomUniform", "minval", "maxval", -0.05, 0.05},
    [LNN_INIT_RANDOM_NORMAL] = {"RandomNormal", "mean", "stddev", 0, 0.05},
    [LNN_INIT_TRUNCATED_NORMAL] = {"TruncatedNormal", "mean", "stddev", 0, 0.05},
    [LNN_INIT_GLOROT_UNIFORM] = {"GlorotUniform", NULL, NULL, 0, 0},
    [LNN_INIT_GLOROT_NORMAL] = {"GlorotNormal", NULL, NULL, 0, 0},
    [LNN_INIT_HE_UNIFORM] = {"HeUniform", NULL, NULL, 0, 0},
    [LNN_INIT_HE_NORMAL] = {"HeNormal", NULL, NULL, 0, 0},
    [LNN_INIT_LECUN_UNIFORM] = {"LecunUniform", NULL, NULL, 0, 0},
    [LNN_INIT_LECUN_NORMAL] = {"LecunNormal", NULL, NULL, 0, 0},
    [LNN_INIT_ORTHOGONAL] = {"Orthogonal", "gain", NULL, 1, 0},
};

const char *lnn_arch_init_class(int kind, const char **a_name, const char **b_name)
{
    if (kind < 0 || kind >= LNN_INIT_COUNT)
        return NULL;
    *a_name = inits[kind].a;
    *b_name = inits[kind].b;
    return inits[kind].class_name;
}

int lnn_arch_init_kind(const char *name)
{
    lnn_init_kind kind;
    if (lnn_init_from_name(name, &kind))
        return (int)kind;
    for (int k = 0; k < LNN_INIT_COUNT; k++)
        if (strcmp(inits[k].class_name, name) == 0)
            return k;
    return -1;
}

double lnn_arch_init_default(int kind, int which)
{
    return which == 0 ? inits[kind].a_def : inits[kind].b_def;
}

/* Keras keys without a libnn option, each with the one value libnn's
 * behaviour matches. */
typedef enum accepted {
    NULL_ONLY,
    NULL_OR_INT,
    FALSE_ONLY,
    ONE_ONLY,
    FLOAT32,
    CHANNELS_LAST,
    ANY_INT
} accepted;

static const struct {
    const char *key;
    accepted value;
} ignorable[] = {
    {"dtype", FLOAT32},
    {"data_format", CHANNELS_LAST},
    {"activity_regularizer", NULL_ONLY},
    {"kernel_constraint", NULL_ONLY},
    {"bias_constraint", NULL_ONLY},
    {"recurrent_constraint", NULL_ONLY},
    {"embeddings_constraint", NULL_ONLY},
    {"noise_shape", NULL_ONLY},
    {"input_length", NULL_OR_INT}, /* libnn takes the length from the input shape */
    {"backward_layer", NULL_ONLY},
    {"groups", ONE_ONLY},
    {"stateful", FALSE_ONLY},
    {"unroll", FALSE_ONLY},
    {"time_major", FALSE_ONLY},
    {"keepdims", FALSE_ONLY},
    {"sparse", FALSE_ONLY},
    {"ragged", FALSE_ONLY},
    {"implementation", ANY_INT}, /* Keras' kernel choice; the results are the same */
};

bool lnn_arch_ignorable(const char *key, const json_t *v, bool *known)
{
    for (size_t i = 0; i < sizeof ignorable / sizeof ignorable[0]; i++) {
        if (strcmp(ignorable[i].key, key) != 0)
            continue;
        *known = true;
        switch (ignorable[i].value) {
        case NULL_ONLY: return json_is_null(v);
        case FALSE_ONLY: return json_is_false(v);
        case ONE_ONLY: return json_is_integer(v) && json_integer_value(v) == 1;
        case ANY_INT: return json_is_integer(v);
        case NULL_OR_INT: return json_is_null(v) || json_is_integer(v);
        case FLOAT32:
            return json_is_string(v) && strcmp(json_string_value(v), "float32") == 0;
        case CHANNELS_LAST:
            return json_is_null(v) ||
                   (json_is_string(v) && strcmp(json_string_value(v), "channels_last") == 0);
        }
    }
    *known = false;
    return false;
}
