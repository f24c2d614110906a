/*
 * libnn_model_clone: the same architecture, options and compile settings in
 * a new model, with fresh or copied weights. Cross-validation makes one per
 * fold; a server can make one per thread.
 */
#include <string.h>

#include "core/error_internal.h"
#include "layers/layer_factory_internal.h"
#include "metric_state_internal.h"
#include "model_clone_internal.h"
#include "libnn/model_file.h"
#include "model_internal.h"

libnn_status lnn_model_new_like(const libnn_model *src, libnn_model **out)
{
    libnn_model *c;
    libnn_status st = libnn_model_new(&c);
    if (st != LIBNN_OK)
        return st;
    c->seed = src->seed;
    c->verbose = src->verbose;
    c->shuffle = src->shuffle;
    c->validation_split = src->validation_split;
    c->check_numerics = src->check_numerics;
    if (src->has_input)
        st = libnn_model_set_input_shape(c, src->in_ndim, src->in_shape);
    for (size_t i = 0; st == LIBNN_OK && i < src->n_layers; i++) {
        libnn_layer *l;
        st = lnn_layer_new_like(src->layers[i], &l);
        if (st == LIBNN_OK && (st = libnn_model_add(c, l)) != LIBNN_OK)
            libnn_layer_free(l);
    }
    if (st != LIBNN_OK) {
        libnn_model_free(c);
        return st;
    }
    *out = c;
    return LIBNN_OK;
}

libnn_status lnn_model_compile_like(libnn_model *dst, const libnn_model *src)
{
    libnn_optimizer *opt;
    libnn_status st = lnn_optimizer_clone(src->opt, &opt);
    if (st != LIBNN_OK)
        return st;
    st = libnn_model_compile(dst, opt, src->loss.kind);
    if (st != LIBNN_OK) {
        libnn_optimizer_free(opt);
        return st;
    }
    dst->loss = src->loss;
    for (size_t i = 0; st == LIBNN_OK && i < src->n_metrics; i++)
        st = libnn_model_add_metric(dst, src->metrics[i]->requested);
    return st;
}

void lnn_model_copy_weights(libnn_model *dst, const libnn_model *src)
{
    for (size_t i = 0; i < src->n_layers; i++) {
        const libnn_layer *a = src->layers[i];
        libnn_layer *b = dst->layers[i];
        for (size_t w = 0; w < a->n_weights; w++)
            memcpy(b->weights[w].value, a->weights[w].value, a->weights[w].size * sizeof(float));
    }
}

libnn_status libnn_model_clone(const libnn_model *model, int64_t seed, unsigned flags,
                               libnn_model **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "model_clone: out is NULL");
    *out = NULL;
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "model_clone: model is NULL");
    if (seed < 0)
        return lnn_error(LIBNN_E_INVALID, "model_clone: seed must be >= 0, got %lld",
                         (long long)seed);
    if (flags & ~(unsigned)LIBNN_CLONE_WEIGHTS)
        return lnn_error(LIBNN_E_INVALID, "model_clone: unknown flags 0x%x",
                         flags & ~(unsigned)LIBNN_CLONE_WEIGHTS);
    if (!model->has_input)
        return lnn_error(LIBNN_E_STATE, "model_clone: the model has no input shape");
    libnn_model *c;
    libnn_status st = lnn_model_new_like(model, &c);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "model_clone");
    c->seed = (uint64_t)seed;
    if (model->compiled) {
        st = lnn_model_compile_like(c, model);
        if (st != LIBNN_OK) {
            libnn_model_free(c);
            return lnn_error_prefix(st, "model_clone");
        }
        if (flags & LIBNN_CLONE_WEIGHTS)
            lnn_model_copy_weights(c, model);
    }
    *out = c;
    return LIBNN_OK;
}
