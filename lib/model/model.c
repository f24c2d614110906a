/*
 * The sequential model: building, options, compile.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/params_internal.h"
#include "core/tensor_internal.h"
#include "model_internal.h"

libnn_status libnn_model_new(libnn_model **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "model_new: out is NULL");
    libnn_model *m = lnn_calloc(1, sizeof *m);
    *out = m;
    if (!m)
        return lnn_error_nomem("model_new", sizeof *m);
    m->shuffle = true;
    return LIBNN_OK;
}

static void free_metrics(libnn_model *m)
{
    for (size_t i = 0; i < m->n_metrics; i++)
        lnn_metric_free(m->metrics[i]);
    m->n_metrics = 0;
}

void libnn_model_free(libnn_model *model)
{
    if (!model)
        return;
    for (size_t i = 0; i < model->n_layers; i++)
        libnn_layer_free(model->layers[i]);
    lnn_free(model->layers);
    for (size_t i = 0; i < model->n_callbacks; i++) {
        model->callbacks[i]->owned = false;
        libnn_callback_free(model->callbacks[i]);
    }
    lnn_free(model->callbacks);
    libnn_optimizer_free(model->opt);
    free_metrics(model);
    lnn_free(model->params);
    lnn_free(model->param_names);
    lnn_free(model->class_weights);
    lnn_free(model->order);
    lnn_plan_free(&model->plan);
    lnn_history_free(&model->history);
    lnn_free(model);
}

libnn_status libnn_model_set_input_shape(libnn_model *model, size_t ndim, const int64_t *shape)
{
    if (!model || !shape)
        return lnn_error(LIBNN_E_INVALID, "model_set_input_shape: %s is NULL",
                         model ? "shape" : "model");
    if (model->compiled)
        return lnn_error(LIBNN_E_STATE, "model_set_input_shape: the model is compiled");
    char buf[200];
    if (ndim < 1 || ndim > LIBNN_MAX_RANK - 1)
        return lnn_error(LIBNN_E_INVALID, "model_set_input_shape: rank %zu is outside 1..%d", ndim,
                         LIBNN_MAX_RANK - 1);
    for (size_t i = 0; i < ndim; i++)
        if (shape[i] < 1)
            return lnn_error(LIBNN_E_INVALID,
                             "model_set_input_shape: dimension %zu of %s must be >= 1", i,
                             lnn_format_shape(buf, sizeof buf, ndim, shape));
    model->in_ndim = ndim;
    memcpy(model->in_shape, shape, ndim * sizeof *shape);
    model->has_input = true;
    return LIBNN_OK;
}

libnn_layer *libnn_model_find_layer(libnn_model *model, const char *name)
{
    if (!model || !name)
        return NULL;
    for (size_t i = 0; i < model->n_layers; i++)
        if (strcmp(model->layers[i]->name, name) == 0)
            return model->layers[i];
    return NULL;
}

libnn_status libnn_model_add(libnn_model *model, libnn_layer *layer)
{
    if (!model || !layer)
        return lnn_error(LIBNN_E_INVALID, "model_add: %s is NULL", model ? "layer" : "model");
    if (model->compiled)
        return lnn_error(LIBNN_E_STATE, "model_add: the model is compiled; add layers before");
    if (layer->built)
        return lnn_error(LIBNN_E_STATE,
                         "model_add: %s is built already (or belongs to a model)", layer->name);
    for (size_t i = 0; i < model->n_layers; i++)
        if (model->layers[i] == layer)
            return lnn_error(LIBNN_E_STATE, "model_add: %s was added already", layer->name);
    char name[LNN_NAME_CAP];
    snprintf(name, sizeof name, "%s", layer->name);
    if (libnn_model_find_layer(model, name)) {
        if (strcmp(name, layer->ops->prefix) != 0)
            return lnn_error(LIBNN_E_INVALID, "model_add: a layer named %s exists already", name);
        /* Keras' naming: dense, dense_1, dense_2, ... */
        for (size_t k = 1;; k++) {
            snprintf(name, sizeof name, "%s_%zu", layer->ops->prefix, k);
            if (!libnn_model_find_layer(model, name))
                break;
        }
    }
    if (model->n_layers == model->cap_layers) {
        size_t cap = model->cap_layers ? 2 * model->cap_layers : 8;
        libnn_layer **grown = lnn_realloc(model->layers, cap * sizeof *grown);
        if (!grown)
            return lnn_error_nomem("model_add", cap * sizeof *grown);
        model->layers = grown;
        model->cap_layers = cap;
    }
    memcpy(layer->name, name, sizeof name);
    model->layers[model->n_layers++] = layer;
    return LIBNN_OK;
}

size_t libnn_model_layer_count(const libnn_model *model)
{
    return model ? model->n_layers : 0;
}

libnn_layer *libnn_model_layer(libnn_model *model, size_t index)
{
    return (model && index < model->n_layers) ? model->layers[index] : NULL;
}

libnn_optimizer *libnn_model_optimizer(libnn_model *model)
{
    return model ? model->opt : NULL;
}

/* ---- options ---- */

static const lnn_param_def model_options[] = {
    LNN_PARAM_INT(LIBNN_MODEL_SEED, "seed", 0, 0, LNN_INT_NO_MAX),
    LNN_PARAM_INT(LIBNN_MODEL_VERBOSE, "verbose", 0, 0, 2),
    LNN_PARAM_BOOL(LIBNN_MODEL_SHUFFLE, "shuffle", 1),
    LNN_PARAM_FRACTION_OPEN(LIBNN_MODEL_VALIDATION_SPLIT, "validation_split", 0),
    LNN_PARAM_INT(LIBNN_MODEL_INITIAL_EPOCH, "initial_epoch", 0, 0, LNN_INT_NO_MAX),
    LNN_PARAM_BOOL(LIBNN_MODEL_CHECK_NUMERICS, "check_numerics", 0),
};

/* The model's row for key (NULL and a message when there is none). */
static const lnn_param_def *model_option(const libnn_model *m, libnn_model_option key,
                                         const void *value, const char *who)
{
    if (!m || !value) {
        lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, m ? "value" : "model");
        return NULL;
    }
    int i = lnn_params_find(model_options, sizeof model_options / sizeof model_options[0],
                            (int)key);
    if (i < 0)
        lnn_error(LIBNN_E_INVALID, "model: unknown option key %d", (int)key);
    return i < 0 ? NULL : &model_options[i];
}

/* The options live in the model's fields, typed as fit reads them. */
static void store_option(libnn_model *m, libnn_model_option key, lnn_param_value v)
{
    switch (key) {
    case LIBNN_MODEL_SEED: m->seed = (uint64_t)v.i; break;
    case LIBNN_MODEL_VERBOSE: m->verbose = (int)v.i; break;
    case LIBNN_MODEL_SHUFFLE: m->shuffle = v.i != 0; break;
    case LIBNN_MODEL_VALIDATION_SPLIT: m->validation_split = v.f; break;
    case LIBNN_MODEL_INITIAL_EPOCH: m->initial_epoch = v.i; break;
    case LIBNN_MODEL_CHECK_NUMERICS: m->check_numerics = v.i != 0; break;
    }
}

static lnn_param_value load_option(const libnn_model *m, libnn_model_option key)
{
    lnn_param_value v = {.i = 0};
    switch (key) {
    case LIBNN_MODEL_SEED: v.i = (int64_t)m->seed; break; /* set_int keeps it <= INT64_MAX */
    case LIBNN_MODEL_VERBOSE: v.i = m->verbose; break;
    case LIBNN_MODEL_SHUFFLE: v.i = m->shuffle; break;
    case LIBNN_MODEL_VALIDATION_SPLIT: v.f = m->validation_split; break;
    case LIBNN_MODEL_INITIAL_EPOCH: v.i = m->initial_epoch; break;
    case LIBNN_MODEL_CHECK_NUMERICS: v.i = m->check_numerics; break;
    }
    return v;
}

/* Integer options take whole doubles from set_float too, as it was their
 * only setter once: exactly, inside int64_t and the bounds, or not at all. */
static libnn_status set_option(libnn_model *m, libnn_model_option key, const char *who,
                               bool from_int, lnn_param_value in)
{
    const lnn_param_def *def = model_option(m, key, &in, who);
    if (!def)
        return LIBNN_E_INVALID;
    lnn_param_value v;
    libnn_status st = lnn_params_from("model", def, from_int, in, true, "libnn_model_set_int", &v);
    if (st == LIBNN_OK)
        store_option(m, key, v);
    return st;
}

libnn_status libnn_model_set_int(libnn_model *model, libnn_model_option key, int64_t value)
{
    return set_option(model, key, "model_set_int", true, (lnn_param_value){.i = value});
}

libnn_status libnn_model_set_float(libnn_model *model, libnn_model_option key, double value)
{
    return set_option(model, key, "model_set_float", false, (lnn_param_value){.f = value});
}

libnn_status libnn_model_get_int(const libnn_model *model, libnn_model_option key, int64_t *value)
{
    const lnn_param_def *def = model_option(model, key, value, "model_get_int");
    if (!def)
        return LIBNN_E_INVALID;
    return lnn_params_to_int("model", def, load_option(model, key), "libnn_model_get_float",
                             value);
}

libnn_status libnn_model_get_float(const libnn_model *model, libnn_model_option key, double *value)
{
    const lnn_param_def *def = model_option(model, key, value, "model_get_float");
    if (!def)
        return LIBNN_E_INVALID;
    return lnn_params_to_double("model", def, load_option(model, key), "libnn_model_get_int",
                                value);
}

/* ---- compile ---- */

/* Build the layers in order for the shapes flowing through them. */
static libnn_status build_layers(libnn_model *m)
{
    size_t ndim = m->in_ndim;
    const int64_t *shape = m->in_shape;
    lnn_rng seeds;
    lnn_rng_seed(&seeds, m->seed);
    for (size_t i = 0; i < m->n_layers; i++) {
        libnn_layer *l = m->layers[i];
        uint64_t seed = lnn_rng_next(&seeds);
        bool same = l->built && l->in_ndim == ndim &&
                    memcmp(l->in_shape, shape, ndim * sizeof *shape) == 0;
        if (!same) {
            libnn_status st = libnn_layer_build(l, ndim, shape, seed);
            if (st != LIBNN_OK)
                return lnn_error_prefix(st, "layer %zu (%s)", i, l->name);
        }
        ndim = l->out_ndim;
        shape = l->out_shape;
    }
    return LIBNN_OK;
}

/* The optimizer's view of the trainable weights, named "layer/weight". */
static libnn_status collect_params(libnn_model *m, lnn_param_ref **out_refs, char **out_names,
                                   size_t *out_n)
{
    size_t n = 0, chars = 0;
    for (size_t i = 0; i < m->n_layers; i++)
        for (size_t w = 0; w < m->layers[i]->n_weights; w++)
            if (m->layers[i]->weights[w].trainable) {
                n++;
                chars += strlen(m->layers[i]->name) + strlen(m->layers[i]->weights[w].name) + 2;
            }
    lnn_param_ref *refs = lnn_calloc(n ? n : 1, sizeof *refs);
    char *names = lnn_malloc(chars ? chars : 1);
    if (!refs || !names) {
        lnn_free(refs);
        lnn_free(names);
        return lnn_error_nomem("model_compile", n * sizeof *refs + chars);
    }
    char *at = names;
    size_t k = 0;
    for (size_t i = 0; i < m->n_layers; i++)
        for (size_t w = 0; w < m->layers[i]->n_weights; w++) {
            lnn_weight *wt = &m->layers[i]->weights[w];
            if (!wt->trainable)
                continue;
            refs[k].value = wt->value;
            refs[k].grad = wt->grad;
            refs[k].size = wt->size;
            refs[k].name = at;
            at += sprintf(at, "%s/%s", m->layers[i]->name, wt->name) + 1;
            k++;
        }
    *out_refs = refs;
    *out_names = names;
    *out_n = n;
    return LIBNN_OK;
}

libnn_status libnn_model_compile(libnn_model *model, libnn_optimizer *optimizer, libnn_loss loss)
{
    if (!model || !optimizer)
        return lnn_error(LIBNN_E_INVALID, "model_compile: %s is NULL",
                         model ? "optimizer" : "model");
    if (!model->has_input)
        return lnn_error(LIBNN_E_STATE,
                         "model_compile: no input shape; call libnn_model_set_input_shape");
    if (model->n_layers == 0)
        return lnn_error(LIBNN_E_STATE, "model_compile: the model has no layers");
    if (optimizer == model->opt)
        return lnn_error(LIBNN_E_INVALID, "model_compile: the model owns this optimizer already");
    if (!libnn_loss_name(loss))
        return lnn_error(LIBNN_E_INVALID, "model_compile: unknown loss %d", (int)loss);
    /* An incomplete learning-rate schedule fails here, not at the first step. */
    libnn_status st = lnn_optimizer_validate(optimizer);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "model_compile");

    st = build_layers(model);
    if (st != LIBNN_OK)
        return st;
    const libnn_layer *last = model->layers[model->n_layers - 1];
    lnn_loss_cfg cfg = lnn_loss_default(loss);
    if (loss == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY && last->out_size < 2)
        return lnn_error(LIBNN_E_INVALID,
                         "model_compile: sparse_categorical_crossentropy needs an output of at "
                         "least 2 classes, the last layer (%s) gives %zu",
                         last->name, last->out_size);

    if ((loss == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ||
         loss == LIBNN_LOSS_CATEGORICAL_CROSSENTROPY) &&
        last->out_ndim > 1)
        /* Keras averages these over the time steps of a sequence output;
         * the training step treats each sample as one row of classes. */
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_compile: %s on an output of rank %zu per sample (%s) is not "
                         "supported yet; end the model with a rank-1 output",
                         libnn_loss_name(loss), last->out_ndim, last->name);

    lnn_param_ref *refs = NULL;
    char *names = NULL;
    size_t n = 0;
    st = collect_params(model, &refs, &names, &n);
    if (st != LIBNN_OK)
        return st;
    st = lnn_optimizer_bind(optimizer, n, refs);
    if (st != LIBNN_OK) {
        lnn_free(refs);
        lnn_free(names);
        return st;
    }
    libnn_optimizer_free(model->opt);
    lnn_free(model->params);
    lnn_free(model->param_names);
    lnn_plan_free(&model->plan);
    free_metrics(model);
    model->opt = optimizer;
    model->params = refs;
    model->param_names = names;
    model->n_params = n;
    model->loss = cfg;
    model->out_size = last->out_size;
    model->label_width = lnn_loss_label_width(&cfg, last->out_size);
    model->regularized = false;
    for (size_t i = 0; i < model->n_layers; i++)
        model->regularized |= lnn_layer_has_regularization(model->layers[i]);
    lnn_rng_seed(&model->rng, model->seed ^ 0x5eed5eed5eedULL);
    model->compiled = true;
    return LIBNN_OK;
}

libnn_status libnn_model_set_loss_option(libnn_model *model, libnn_loss_option option, double value)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "model_set_loss_option: model is NULL");
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE, "model_set_loss_option: compile the model first");
    return lnn_loss_set_option(&model->loss, option, value);
}

libnn_status libnn_model_add_metric(libnn_model *model, libnn_metric metric)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "model_add_metric: model is NULL");
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE, "model_add_metric: compile the model first");
    if (model->n_metrics == LNN_MAX_METRICS)
        return lnn_error(LIBNN_E_INVALID, "model_add_metric: at most %d metrics",
                         LNN_MAX_METRICS);
    lnn_metric_state *ms;
    libnn_status st = lnn_metric_new(metric, &model->loss, model->out_size, &ms);
    if (st != LIBNN_OK)
        return st;
    for (size_t i = 0; i < model->n_metrics; i++)
        if (strcmp(lnn_metric_log_name(model->metrics[i]), lnn_metric_log_name(ms)) == 0) {
            lnn_metric_free(ms);
            return lnn_error(LIBNN_E_INVALID, "model_add_metric: %s is tracked already",
                             lnn_metric_log_name(model->metrics[i]));
        }
    model->metrics[model->n_metrics++] = ms;
    return LIBNN_OK;
}

size_t libnn_model_param_count(const libnn_model *model)
{
    size_t n = 0;
    if (model && model->compiled)
        for (size_t i = 0; i < model->n_layers; i++)
            n += libnn_layer_param_count(model->layers[i]);
    return n;
}

size_t libnn_model_trainable_param_count(const libnn_model *model)
{
    size_t n = 0;
    if (model && model->compiled)
        for (size_t i = 0; i < model->n_params; i++)
            n += model->params[i].size;
    return n;
}
