/*
 * The layer specs of an ONNX import as a libnn model: built with the
 * public builder, compiled (SGD and mean squared error: something to
 * predict with; compile again to train), then given the weights.
 * An activation right after a Dense or Conv2D without one is folded into it.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "libnn.h"
#include "onnx_import_internal.h"

void lnn_ix_free_specs(lnn_ix *ix)
{
    for (size_t k = 0; k < ix->n_specs; k++)
        for (size_t w = 0; w < ix->specs[k].n_weights; w++)
            lnn_free(ix->specs[k].w[w]);
    ix->n_specs = 0;
}

static double opt_of(const lnn_ix_spec *s, libnn_param key, double def)
{
    for (size_t k = 0; k < s->n_opts; k++)
        if (s->keys[k] == key)
            return s->values[k];
    return def;
}

/* Fold Activation specs into the Dense/Conv2D before them. */
static void fold_activations(lnn_ix *ix)
{
    size_t out = 0;
    for (size_t k = 0; k < ix->n_specs; k++) {
        lnn_ix_spec *s = &ix->specs[k];
        lnn_ix_spec *prev = out ? &ix->specs[out - 1] : NULL;
        if (s->kind == LIBNN_LAYER_ACTIVATION && prev &&
            (prev->kind == LIBNN_LAYER_DENSE || prev->kind == LIBNN_LAYER_CONV2D) &&
            opt_of(prev, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_LINEAR) == LIBNN_ACT_LINEAR) {
            lnn_ix_spec_opt(prev, LIBNN_PARAM_ACTIVATION, (double)s->args[0]);
            double alpha = opt_of(s, LIBNN_PARAM_ALPHA, NAN);
            if (!isnan(alpha))
                lnn_ix_spec_opt(prev, LIBNN_PARAM_ALPHA, alpha);
            continue;
        }
        if (out != k)
            ix->specs[out] = *s;
        out++;
    }
    for (size_t k = out; k < ix->n_specs; k++)
        ix->specs[k].n_weights = 0; /* moved */
    ix->n_specs = out;
}

static libnn_status set_opts(libnn_layer *l, const lnn_ix_spec *s)
{
    for (size_t k = 0; k < s->n_opts; k++) {
        libnn_status st = s->keys[k] == LIBNN_PARAM_ALPHA
                              ? libnn_layer_set_float(l, s->keys[k], s->values[k])
                              : libnn_layer_set_int(l, s->keys[k], (int64_t)s->values[k]);
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

static libnn_status make_layer(const lnn_ix_spec *s, libnn_layer **out)
{
    libnn_status st;
    *out = NULL;
    switch (s->kind) {
    case LIBNN_LAYER_DENSE: st = libnn_dense_new(s->args[0], out); break;
    case LIBNN_LAYER_CONV2D: st = libnn_conv2d_new(s->args[0], s->args[1], s->args[2], out); break;
    case LIBNN_LAYER_MAX_POOLING2D: st = libnn_max_pooling2d_new(s->args[0], s->args[1], out); break;
    case LIBNN_LAYER_AVERAGE_POOLING2D:
        st = libnn_average_pooling2d_new(s->args[0], s->args[1], out);
        break;
    case LIBNN_LAYER_GLOBAL_MAX_POOLING2D: st = libnn_global_max_pooling2d_new(out); break;
    case LIBNN_LAYER_GLOBAL_AVERAGE_POOLING2D: st = libnn_global_average_pooling2d_new(out); break;
    case LIBNN_LAYER_FLATTEN: st = libnn_flatten_new(out); break;
    case LIBNN_LAYER_RESHAPE: st = libnn_reshape_new(s->n_target, s->target, out); break;
    case LIBNN_LAYER_DROPOUT: st = libnn_dropout_new((float)((double)s->args[0] / 1e9), out); break;
    case LIBNN_LAYER_ACTIVATION: st = libnn_activation_new((libnn_activation)s->args[0], out); break;
    case LIBNN_LAYER_EMBEDDING: st = libnn_embedding_new(s->args[0], s->args[1], out); break;
    case LIBNN_LAYER_MASKING: /* its one option is the constructor's argument */
        return libnn_masking_new((float)opt_of(s, LIBNN_PARAM_MASK_VALUE, 0.0), out);
    case LIBNN_LAYER_SIMPLE_RNN: st = libnn_simple_rnn_new(s->args[0], out); break;
    case LIBNN_LAYER_LSTM: st = libnn_lstm_new(s->args[0], out); break;
    case LIBNN_LAYER_GRU: st = libnn_gru_new(s->args[0], out); break;
    case LIBNN_LAYER_BIDIRECTIONAL: {
        libnn_layer *inner = NULL;
        lnn_ix_spec in = *s;
        in.kind = s->inner;
        st = make_layer(&in, &inner);
        if (st == LIBNN_OK && (st = libnn_bidirectional_new(inner, out)) != LIBNN_OK)
            libnn_layer_free(inner);
        if (st == LIBNN_OK &&
            (st = libnn_layer_set_int(*out, LIBNN_PARAM_MERGE_MODE, s->args[1])) != LIBNN_OK) {
            libnn_layer_free(*out);
            *out = NULL;
        }
        return st;
    }
    default: return lnn_error(LIBNN_E_UNSUPPORTED, "model_import_onnx: layer kind %d", s->kind);
    }
    if (st == LIBNN_OK && (st = set_opts(*out, s)) != LIBNN_OK) {
        libnn_layer_free(*out);
        *out = NULL;
    }
    return st;
}

static libnn_status set_weights(libnn_layer *l, const lnn_ix_spec *s)
{
    for (size_t k = 0; k < s->n_weights; k++) {
        lnn_weight *w = lnn_layer_weight(l, s->wnames[k]);
        if (!w || w->size != s->wcount[k])
            return lnn_error(LIBNN_E_FORMAT,
                             "model_import_onnx: node '%s': weight %s does not fit the layer",
                             s->node, s->wnames[k]);
        libnn_tensor *t;
        libnn_status st = libnn_tensor_new_from_data(w->ndim, w->shape, s->w[k], s->wcount[k], &t);
        if (st != LIBNN_OK)
            return st;
        st = libnn_layer_set_weight(l, s->wnames[k], t);
        libnn_tensor_free(t);
        if (st == LIBNN_E_NONFINITE)
            return lnn_error_prefix(LIBNN_E_FORMAT, "model_import_onnx: node '%s'", s->node);
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

libnn_status lnn_ix_build_model(lnn_ix *ix, libnn_model **out)
{
    fold_activations(ix);
    libnn_model *m = NULL;
    libnn_optimizer *opt = NULL;
    libnn_status st = libnn_model_new(&m);
    if (st == LIBNN_OK)
        st = libnn_model_set_input_shape(m, ix->in_ndim, ix->in_shape);
    for (size_t k = 0; st == LIBNN_OK && k < ix->n_specs; k++) {
        libnn_layer *l;
        st = make_layer(&ix->specs[k], &l);
        if (st == LIBNN_OK && (st = libnn_model_add(m, l)) != LIBNN_OK)
            libnn_layer_free(l);
        if (st != LIBNN_OK && st != LIBNN_E_NOMEM)
            st = lnn_error_prefix(LIBNN_E_UNSUPPORTED, "model_import_onnx: node '%s'",
                                  ix->specs[k].node);
    }
    if (st == LIBNN_OK)
        st = libnn_sgd_new(0.01f, &opt);
    if (st == LIBNN_OK) {
        st = libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR);
        if (st != LIBNN_OK) {
            libnn_optimizer_free(opt);
            if (st != LIBNN_E_NOMEM)
                st = lnn_error_prefix(LIBNN_E_FORMAT, "model_import_onnx: the layers do not fit "
                                                      "together");
        }
    }
    for (size_t k = 0; st == LIBNN_OK && k < ix->n_specs; k++)
        st = set_weights(libnn_model_layer(m, k), &ix->specs[k]);
    if (st != LIBNN_OK) {
        libnn_model_free(m);
        return st;
    }
    *out = m;
    return LIBNN_OK;
}
