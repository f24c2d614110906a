/*
 * The layer object: lifecycle, names, build and weights. Kind-specific work
 * is dispatched through layer->ops.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "kernels/gemm_internal.h"
#include "kernels/reduce_internal.h"
#include "layer_internal.h"

libnn_status lnn_layer_create(const lnn_layer_ops *ops, libnn_layer **out)
{
    *out = NULL;
    libnn_layer *l = lnn_calloc(1, sizeof *l);
    if (!l)
        return lnn_error_nomem(ops->prefix, sizeof *l);
    if (ops->state_size) {
        l->state = lnn_calloc(1, ops->state_size);
        if (!l->state) {
            lnn_free(l);
            return lnn_error_nomem(ops->prefix, ops->state_size);
        }
    }
    l->ops = ops;
    snprintf(l->name, sizeof l->name, "%s", ops->prefix);
    for (size_t i = 0; i < ops->n_params; i++)
        l->params[i] = lnn_params_default(&ops->params[i]);
    *out = l;
    return LIBNN_OK;
}

libnn_status lnn_layer_new_with(const lnn_layer_ops *ops, size_t n, const libnn_param *keys,
                                const lnn_param_value *values, libnn_layer **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s_new: out is NULL", ops->prefix);
    libnn_layer *l;
    libnn_status st = lnn_layer_create(ops, &l);
    for (size_t i = 0; st == LIBNN_OK && i < n; i++)
        st = lnn_param_set_value(l, keys[i], values[i]);
    if (st != LIBNN_OK) {
        libnn_layer_free(l);
        l = NULL;
    }
    *out = l;
    return st;
}

static void release_weights(libnn_layer *l)
{
    lnn_free(l->weight_block);
    l->weight_block = NULL;
    l->n_weights = 0;
    memset(l->weights, 0, sizeof l->weights);
}

static void release_solo(libnn_layer *l)
{
    lnn_free(l->solo.block);
    lnn_free(l->solo.user_mask);
    for (size_t i = 0; i < LNN_MAX_STATES; i++)
        lnn_free(l->solo.user_state[i]);
    memset(&l->solo, 0, sizeof l->solo);
}

void libnn_layer_free(libnn_layer *layer)
{
    if (!layer)
        return;
    if (layer->ops->destroy)
        layer->ops->destroy(layer);
    release_weights(layer);
    release_solo(layer);
    lnn_free(layer->state);
    lnn_free(layer);
}

libnn_layer_kind libnn_layer_kind_of(const libnn_layer *layer)
{
    return layer ? layer->ops->kind : (libnn_layer_kind)0;
}

const char *libnn_layer_kind_name(const libnn_layer *layer)
{
    return layer ? layer->ops->class_name : NULL;
}

const char *libnn_layer_name(const libnn_layer *layer)
{
    return layer ? layer->name : NULL;
}

libnn_status libnn_layer_set_name(libnn_layer *layer, const char *name)
{
    if (!layer || !name)
        return lnn_error(LIBNN_E_INVALID, "layer_set_name: %s is NULL", layer ? "name" : "layer");
    size_t n = strlen(name);
    if (n == 0 || n >= LNN_NAME_CAP)
        return lnn_error(LIBNN_E_INVALID, "%s: a name has 1 to %d bytes, got %zu", layer->name,
                         LNN_NAME_CAP - 1, n);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok)
            return lnn_error(LIBNN_E_INVALID,
                             "%s: name character %zu (0x%02x) is not one of [A-Za-z0-9_.-]",
                             layer->name, i, (unsigned char)name[i]);
    }
    memcpy(layer->name, name, n + 1);
    return LIBNN_OK;
}

libnn_status lnn_layer_shape_error(const libnn_layer *l, const char *expect)
{
    char buf[200];
    return lnn_error(LIBNN_E_SHAPE, "%s: %s, got input shape %s", l->name, expect,
                     lnn_format_shape(buf, sizeof buf, l->in_ndim, l->in_shape));
}

libnn_status lnn_layer_add_weight(libnn_layer *l, const char *name, size_t ndim,
                                  const int64_t *shape, lnn_init_spec init, libnn_param l1_key,
                                  libnn_param l2_key)
{
    if (l->n_weights == LNN_MAX_WEIGHTS || ndim > 4)
        return lnn_error(LIBNN_E_INVALID, "%s: too many weights or weight dimensions", l->name);
    lnn_weight *w = &l->weights[l->n_weights];
    memset(w, 0, sizeof *w);
    w->name = name;
    w->ndim = ndim;
    memcpy(w->shape, shape, ndim * sizeof *shape);
    if (!lnn_shape_count(ndim, shape, 2 * sizeof(float), &w->size)) {
        char buf[200];
        return lnn_error(LIBNN_E_NOMEM, "%s: weight %s of shape %s is too large", l->name, name,
                         lnn_format_shape(buf, sizeof buf, ndim, shape));
    }
    w->init = init;
    w->l1_key = l1_key;
    w->l2_key = l2_key;
    /* Kinds without the option are trainable. */
    w->trainable = !lnn_param_has(l, LIBNN_PARAM_TRAINABLE) ||
                   lnn_param_int(l, LIBNN_PARAM_TRAINABLE) != 0;
    l->n_weights++;
    return LIBNN_OK;
}

/* Allocate the declared weights in one block and initialise them. */
static libnn_status alloc_weights(libnn_layer *l, uint64_t seed)
{
    size_t total = 0, work = 0;
    for (size_t i = 0; i < l->n_weights; i++) {
        size_t need;
        if (!lnn_add_size(total, l->weights[i].size, &total))
            return lnn_error(LIBNN_E_NOMEM, "%s: weights too large", l->name);
        libnn_status st = lnn_init_workspace(&l->weights[i].init, l->weights[i].ndim,
                                             l->weights[i].shape, &need);
        if (st != LIBNN_OK)
            return lnn_error_prefix(st, "%s: %s", l->name, l->weights[i].name);
        if (need > work)
            work = need;
    }
    size_t floats;
    if (!lnn_mul_size(total, 2, &floats) || !lnn_add_size(floats, work, &floats))
        return lnn_error(LIBNN_E_NOMEM, "%s: weights too large", l->name);
    float *block = lnn_malloc_array(floats, sizeof(float));
    if (!block)
        return lnn_error_nomem(l->name, floats * sizeof(float));
    lnn_rng rng;
    lnn_rng_seed(&rng, seed);
    float *values = block, *grads = block + total, *ws = block + 2 * total;
    for (size_t i = 0; i < l->n_weights; i++) {
        lnn_weight *w = &l->weights[i];
        w->value = values;
        w->grad = grads;
        values += w->size;
        grads += w->size;
        memset(w->grad, 0, w->size * sizeof(float));
        libnn_status st = lnn_init_fill(&w->init, &rng, w->value, w->ndim, w->shape,
                                        work ? ws : NULL, work);
        if (st != LIBNN_OK) {
            lnn_free(block);
            return lnn_error_prefix(st, "%s: %s", l->name, w->name);
        }
    }
    /* The orthogonal workspace at the end is no longer needed but stays
     * part of the block: shrinking it would be one more failure point. */
    l->weight_block = block;
    return LIBNN_OK;
}

libnn_status libnn_layer_build(libnn_layer *layer, size_t ndim, const int64_t *input_shape,
                               uint64_t seed)
{
    if (!layer || !input_shape)
        return lnn_error(LIBNN_E_INVALID, "layer_build: %s is NULL",
                         layer ? "input_shape" : "layer");
    if (ndim < 1 || ndim > LIBNN_MAX_RANK - 1)
        return lnn_error(LIBNN_E_SHAPE,
                         "%s: an input shape (without the batch axis) has rank 1..%d, got %zu",
                         layer->name, LIBNN_MAX_RANK - 1, ndim);
    size_t in_size;
    char buf[200];
    if (!lnn_shape_count(ndim, input_shape, sizeof(float), &in_size))
        return lnn_error(LIBNN_E_SHAPE, "%s: input shape %s is invalid", layer->name,
                         lnn_format_shape(buf, sizeof buf, ndim, input_shape));
    for (size_t i = 0; i < ndim; i++)
        if (input_shape[i] < 1)
            return lnn_error(LIBNN_E_SHAPE, "%s: input shape %s has an empty dimension",
                             layer->name, lnn_format_shape(buf, sizeof buf, ndim, input_shape));

    /* Build into a scratch copy so that a failure leaves the layer as it was. */
    libnn_layer saved = *layer;
    layer->built = false;
    layer->n_weights = 0;
    layer->weight_block = NULL;
    layer->in_ndim = ndim;
    memset(layer->in_shape, 0, sizeof layer->in_shape);
    memcpy(layer->in_shape, input_shape, ndim * sizeof *input_shape);
    layer->in_size = in_size;
    libnn_status st = layer->ops->build(layer);
    if (st == LIBNN_OK && !lnn_shape_count(layer->out_ndim, layer->out_shape, sizeof(float),
                                           &layer->out_size))
        st = lnn_error(LIBNN_E_SHAPE, "%s: output shape too large", layer->name);
    if (st == LIBNN_OK)
        st = alloc_weights(layer, seed);
    if (st == LIBNN_OK && layer->ops->init_weights)
        layer->ops->init_weights(layer);
    if (st != LIBNN_OK) {
        *layer = saved;
        /* The kind's private state (a wrapper's inner layers too) followed
         * the failed shape. Building for the old shape again succeeded before
         * and allocates nothing; the copy then puts the weights back. */
        if (saved.built) {
            layer->n_weights = 0;
            (void)layer->ops->build(layer);
            *layer = saved;
        }
        return st;
    }
    lnn_free(saved.weight_block);
    release_solo(layer);
    layer->built = true;
    return LIBNN_OK;
}

int libnn_layer_is_built(const libnn_layer *layer)
{
    return layer && layer->built;
}

libnn_status libnn_layer_output_shape(const libnn_layer *layer, size_t capacity, int64_t *shape,
                                      size_t *ndim)
{
    if (!layer || !shape || !ndim)
        return lnn_error(LIBNN_E_INVALID, "layer_output_shape: an argument is NULL");
    if (!layer->built)
        return lnn_error(LIBNN_E_STATE, "%s: not built yet; call libnn_layer_build", layer->name);
    if (capacity < layer->out_ndim)
        return lnn_error(LIBNN_E_RANGE, "%s: output has %zu dimensions, room for %zu",
                         layer->name, layer->out_ndim, capacity);
    memcpy(shape, layer->out_shape, layer->out_ndim * sizeof *shape);
    *ndim = layer->out_ndim;
    return LIBNN_OK;
}

size_t libnn_layer_param_count(const libnn_layer *layer)
{
    size_t n = 0;
    if (layer && layer->built)
        for (size_t i = 0; i < layer->n_weights; i++)
            n += layer->weights[i].size;
    return n;
}

size_t libnn_layer_weight_count(const libnn_layer *layer)
{
    return (layer && layer->built) ? layer->n_weights : 0;
}

const char *libnn_layer_weight_name(const libnn_layer *layer, size_t index)
{
    return index < libnn_layer_weight_count(layer) ? layer->weights[index].name : NULL;
}

lnn_weight *lnn_layer_weight(libnn_layer *l, const char *name)
{
    for (size_t i = 0; i < l->n_weights; i++)
        if (strcmp(l->weights[i].name, name) == 0)
            return &l->weights[i];
    return NULL;
}

static libnn_status find_weight(const libnn_layer *layer, const char *name, const char *who,
                                lnn_weight **out)
{
    if (!layer || !name)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, layer ? "name" : "layer");
    if (!layer->built)
        return lnn_error(LIBNN_E_STATE, "%s: not built yet; call libnn_layer_build", layer->name);
    *out = lnn_layer_weight((libnn_layer *)layer, name);
    if (*out)
        return LIBNN_OK;
    char list[200] = "";
    size_t used = 0;
    for (size_t i = 0; i < layer->n_weights && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 layer->weights[i].name);
    return lnn_error(LIBNN_E_NOTFOUND, "%s has no weight \"%s\" (it has: %s)", layer->name, name,
                     layer->n_weights ? list : "none");
}

static libnn_status copy_out(const libnn_layer *layer, const char *name, bool grad,
                             libnn_tensor **out)
{
    const char *who = grad ? "layer_get_gradient" : "layer_get_weight";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    lnn_weight *w;
    libnn_status st = find_weight(layer, name, who, &w);
    if (st != LIBNN_OK)
        return st;
    return libnn_tensor_new_from_data(w->ndim, w->shape, grad ? w->grad : w->value, w->size, out);
}

libnn_status libnn_layer_get_weight(const libnn_layer *layer, const char *name, libnn_tensor **out)
{
    return copy_out(layer, name, false, out);
}

libnn_status libnn_layer_get_gradient(const libnn_layer *layer, const char *name,
                                      libnn_tensor **out)
{
    return copy_out(layer, name, true, out);
}

libnn_status libnn_layer_set_weight(libnn_layer *layer, const char *name, const libnn_tensor *value)
{
    lnn_weight *w;
    libnn_status st = find_weight(layer, name, "layer_set_weight", &w);
    if (st != LIBNN_OK)
        return st;
    if (!value)
        return lnn_error(LIBNN_E_INVALID, "%s: value for %s is NULL", layer->name, name);
    if (value->ndim != w->ndim || memcmp(value->shape, w->shape, w->ndim * sizeof *w->shape) != 0) {
        char a[200], b[200];
        return lnn_error(LIBNN_E_SHAPE, "%s: %s has shape %s, value has %s", layer->name, name,
                         lnn_format_shape(a, sizeof a, w->ndim, w->shape),
                         lnn_format_shape(b, sizeof b, value->ndim, value->shape));
    }
    for (size_t i = 0; i < w->size; i++)
        if (!isfinite(value->data[i]))
            return lnn_error(LIBNN_E_NONFINITE, "%s: %s value %zu is %g", layer->name, name, i,
                             (double)value->data[i]);
    memcpy(w->value, value->data, w->size * sizeof(float));
    return LIBNN_OK;
}

libnn_status libnn_layer_zero_grad(libnn_layer *layer)
{
    if (!layer)
        return lnn_error(LIBNN_E_INVALID, "layer_zero_grad: layer is NULL");
    for (size_t i = 0; i < layer->n_weights; i++)
        memset(layer->weights[i].grad, 0, layer->weights[i].size * sizeof(float));
    return LIBNN_OK;
}

/* The L1 and L2 factors of a weight; false when it has none (or is frozen). */
static bool weight_factors(const libnn_layer *l, const lnn_weight *w, float *l1, float *l2)
{
    const libnn_layer *opts = w->options ? w->options : l;
    *l1 = w->l1_key ? (float)lnn_param_float(opts, w->l1_key) : 0.0f;
    *l2 = w->l2_key ? (float)lnn_param_float(opts, w->l2_key) : 0.0f;
    return (*l1 != 0 || *l2 != 0) && w->trainable;
}

bool lnn_layer_has_regularization(const libnn_layer *l)
{
    float l1, l2;
    for (size_t i = 0; i < l->n_weights; i++)
        if (weight_factors(l, &l->weights[i], &l1, &l2))
            return true;
    return false;
}

double lnn_layer_regularization(libnn_layer *l, bool add_grad)
{
    double loss = 0;
    for (size_t i = 0; i < l->n_weights; i++) {
        lnn_weight *w = &l->weights[i];
        float l1, l2;
        if (!weight_factors(l, w, &l1, &l2))
            continue;
        double s1 = 0, s2 = 0;
        for (size_t j = 0; j < w->size; j++) {
            float v = w->value[j];
            s1 += fabsf(v);
            s2 += (double)v * v;
            if (add_grad)
                w->grad[j] += l1 * (float)((v > 0) - (v < 0)) + 2.0f * l2 * v;
        }
        loss += l1 * s1 + l2 * s2;
    }
    return loss;
}

libnn_status lnn_layer_no_workspace(const libnn_layer *l, size_t batch, bool training,
                                    size_t *cache, size_t *scratch)
{
    *cache = *scratch = 0;
    return LIBNN_OK;
}

size_t lnn_layer_states(const libnn_layer *l, size_t *width)
{
    *width = 0;
    return l->ops->states ? l->ops->states(l, width) : 0;
}

lnn_mask_mode lnn_layer_mask_mode(const libnn_layer *l)
{
    return l->ops->mask_mode ? l->ops->mask_mode(l) : LNN_MASK_DROP;
}

lnn_mask_mode lnn_layer_mask_pass(const libnn_layer *l)
{
    /* Only while the first axis (the time steps) survives. */
    return l->out_ndim >= 1 && l->in_ndim >= 2 && l->out_ndim >= 2 &&
                   l->out_shape[0] == l->in_shape[0]
               ? LNN_MASK_PASS
               : LNN_MASK_DROP;
}

libnn_status lnn_layer_affine_backward(libnn_layer *l, bool use_bias, size_t rows, size_t in,
                                       size_t out, const float *x, const float *dz, float *dx)
{
    lnn_weight *kernel = &l->weights[0];
    libnn_status st = LIBNN_OK;
    if (kernel->trainable)
        st = lnn_sgemm(true, false, in, out, rows, 1.0f, x, in, dz, out, 1.0f, kernel->grad, out);
    if (st == LIBNN_OK && use_bias && l->weights[1].trainable)
        lnn_sum_rows(l->weights[1].grad, dz, rows, out, true);
    if (st == LIBNN_OK && dx)
        st = lnn_sgemm(false, true, rows, in, out, 1.0f, dz, out, kernel->value, out, 0.0f, dx, in);
    return st == LIBNN_OK ? st : lnn_error_prefix(st, "%s", l->name);
}
