/*
 * Layers by Keras class name and layers like another one. Each kind is made
 * through its public constructor with placeholder required values, which
 * the options then overwrite through the same validating setters a caller
 * uses: the parameter tables stay the one place that knows the options.
 */
#include <math.h>
#include <string.h>

#include "core/error_internal.h"
#include "layer_factory_internal.h"

static libnn_status make_dense(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_dense_new(1, out);
}

static libnn_status make_conv2d(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_conv2d_new(1, 1, 1, out);
}

static libnn_status make_max_pool(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_max_pooling2d_new(2, 2, out);
}

static libnn_status make_avg_pool(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_average_pooling2d_new(2, 2, out);
}

static libnn_status make_global_max(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_global_max_pooling2d_new(out);
}

static libnn_status make_global_avg(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_global_average_pooling2d_new(out);
}

static libnn_status make_flatten(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_flatten_new(out);
}

static libnn_status make_reshape(const lnn_layer_args *a, libnn_layer **out)
{
    if (!a)
        return lnn_error(LIBNN_E_INVALID, "reshape: no target shape");
    return libnn_reshape_new(a->target_ndim, a->target, out);
}

static libnn_status make_dropout(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_dropout_new(0.0f, out);
}

static libnn_status make_activation(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_activation_new(LIBNN_ACT_LINEAR, out);
}

static libnn_status make_embedding(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_embedding_new(1, 1, out);
}

static libnn_status make_masking(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_masking_new(0.0f, out);
}

static libnn_status make_simple_rnn(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_simple_rnn_new(1, out);
}

static libnn_status make_lstm(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_lstm_new(1, out);
}

static libnn_status make_gru(const lnn_layer_args *a, libnn_layer **out)
{
    return libnn_gru_new(1, out);
}

static libnn_status make_bidirectional(const lnn_layer_args *a, libnn_layer **out)
{
    if (!a || !a->inner)
        return lnn_error(LIBNN_E_INVALID, "bidirectional: no layer to wrap");
    return libnn_bidirectional_new(a->inner, out);
}

static const struct {
    const char *class_name;
    libnn_status (*make)(const lnn_layer_args *a, libnn_layer **out);
} makers[] = {
    {"Dense", make_dense},
    {"Conv2D", make_conv2d},
    {"MaxPooling2D", make_max_pool},
    {"AveragePooling2D", make_avg_pool},
    {"GlobalMaxPooling2D", make_global_max},
    {"GlobalAveragePooling2D", make_global_avg},
    {"Flatten", make_flatten},
    {"Reshape", make_reshape},
    {"Dropout", make_dropout},
    {"Activation", make_activation},
    {"Embedding", make_embedding},
    {"Masking", make_masking},
    {"SimpleRNN", make_simple_rnn},
    {"LSTM", make_lstm},
    {"GRU", make_gru},
    {"Bidirectional", make_bidirectional},
};

libnn_status lnn_layer_new_by_class(const char *class_name, const lnn_layer_args *args,
                                    libnn_layer **out)
{
    *out = NULL;
    for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++)
        if (strcmp(makers[i].class_name, class_name) == 0)
            return makers[i].make(args, out);
    return LIBNN_E_NOTFOUND;
}

/* Two option values are the same (NaN, the "unset" marker, equals itself). */
static bool same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

libnn_status lnn_layer_copy_options(libnn_layer *dst, const libnn_layer *src)
{
    for (size_t i = 0; i < src->ops->n_params; i++) {
        const lnn_param_def *def = &src->ops->params[i];
        libnn_status st;
        if (def->type == LNN_PT_FLOAT) {
            double v, now;
            st = libnn_layer_get_float(src, def->key, &v);
            if (st == LIBNN_OK)
                st = libnn_layer_get_float(dst, def->key, &now);
            if (st == LIBNN_OK && !same_value(v, now))
                st = libnn_layer_set_float(dst, def->key, v);
        } else {
            int64_t v, now;
            st = libnn_layer_get_int(src, def->key, &v);
            if (st == LIBNN_OK)
                st = libnn_layer_get_int(dst, def->key, &now);
            if (st == LIBNN_OK && v != now)
                st = libnn_layer_set_int(dst, def->key, v);
        }
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

libnn_status lnn_layer_new_like(const libnn_layer *src, libnn_layer **out)
{
    lnn_layer_args args = {0};
    libnn_layer *inner = NULL;
    *out = NULL;
    args.target_ndim = lnn_reshape_target(src, args.target);
    const libnn_layer *src_inner = lnn_bidirectional_inner(src);
    if (src_inner) {
        libnn_status st = lnn_layer_new_like(src_inner, &inner);
        if (st != LIBNN_OK)
            return st;
        /* The wrapper names its copies forward_<name> and backward_<name>. */
        const char *name = src_inner->name;
        if (strncmp(name, "forward_", 8) == 0)
            name += 8;
        memmove(inner->name, name, strlen(name) + 1);
        args.inner = inner;
    }
    libnn_layer *l;
    libnn_status st = lnn_layer_new_by_class(src->ops->class_name, &args, &l);
    if (st != LIBNN_OK) {
        libnn_layer_free(inner);
        return st == LIBNN_E_NOTFOUND
                   ? lnn_error(LIBNN_E_INVALID, "%s: kind %s cannot be copied", src->name,
                               src->ops->class_name)
                   : st;
    }
    st = lnn_layer_copy_options(l, src);
    if (st != LIBNN_OK) {
        libnn_layer_free(l);
        return st;
    }
    memcpy(l->name, src->name, sizeof l->name);
    *out = l;
    return LIBNN_OK;
}
