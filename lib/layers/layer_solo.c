/*
 * A layer used on its own: forward and backward over caller tensors, with
 * buffers the layer owns. Inside a model the model owns the buffers and
 * calls the ops directly; this is the same path with one owner less.
 */
#include <math.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "layer_internal.h"

/* Does tensor t have shape [batch, per_sample...]? */
static bool batch_shape_is(const libnn_tensor *t, size_t batch, size_t ndim, const int64_t *shape)
{
    if (t->ndim != ndim + 1 || t->shape[0] != (int64_t)batch)
        return false;
    return memcmp(t->shape + 1, shape, ndim * sizeof *shape) == 0;
}

static libnn_status batch_shape_error(const libnn_layer *l, const char *what,
                                      const libnn_tensor *t, size_t batch, size_t ndim,
                                      const int64_t *shape)
{
    int64_t want[LIBNN_MAX_RANK];
    char a[200], b[200];
    want[0] = (int64_t)batch;
    memcpy(want + 1, shape, ndim * sizeof *shape);
    return lnn_error(LIBNN_E_SHAPE, "%s: %s must have shape %s, got %s", l->name, what,
                     lnn_format_shape(a, sizeof a, ndim + 1, want),
                     lnn_format_shape(b, sizeof b, t->ndim, t->shape));
}

/* Time steps of a mask over the input / the output: their first axis. */
static size_t in_steps(const libnn_layer *l)
{
    return (size_t)l->in_shape[0];
}

static size_t out_steps(const libnn_layer *l)
{
    return (size_t)l->out_shape[0];
}

/* Grow the standalone buffers to hold a batch of `batch`. */
static libnn_status reserve(libnn_layer *l, size_t batch)
{
    if (l->solo.block && l->solo.capacity >= batch)
        return LIBNN_OK;
    size_t cache, scratch, xs, ys, total, mi, mo, mask_floats, width, states;
    size_t n_states = lnn_layer_states(l, &width);
    libnn_status st = l->ops->workspace(l, batch, true, &cache, &scratch);
    if (st != LIBNN_OK)
        return st;
    if (!lnn_mul_size(batch, l->in_size, &xs) || !lnn_mul_size(batch, l->out_size, &ys) ||
        !lnn_mul_size(batch, in_steps(l), &mi) || !lnn_mul_size(batch, out_steps(l), &mo) ||
        !lnn_mul_size(batch, width, &states) || !lnn_mul_size(states, n_states, &states) ||
        !lnn_add_size(mi, mo, &mask_floats) ||
        !lnn_add_size(xs, ys, &total) || !lnn_add_size(total, cache, &total) ||
        !lnn_add_size(total, scratch, &total) || !lnn_add_size(total, states, &total) ||
        !lnn_add_size(total, mask_floats / sizeof(float) + 1, &total))
        return lnn_error(LIBNN_E_NOMEM, "%s: buffers for a batch of %zu are too large", l->name,
                         batch);
    float *block = lnn_malloc_array(total, sizeof(float));
    if (!block)
        return lnn_error_nomem(l->name, total * sizeof(float));
    lnn_free(l->solo.block);
    l->solo.block = block;
    l->solo.capacity = batch;
    l->solo.x = block;
    l->solo.y = block + xs;
    l->solo.exec.cache = block + xs + ys;
    l->solo.exec.scratch = block + xs + ys + cache;
    l->solo.final_state = block + xs + ys + cache + scratch;
    l->solo.mask_in = (uint8_t *)(block + xs + ys + cache + scratch + states);
    l->solo.mask_out = l->solo.mask_in + mi;
    return LIBNN_OK;
}

libnn_status libnn_layer_forward(libnn_layer *layer, const libnn_tensor *x, libnn_tensor *y,
                                 int training)
{
    if (!layer || !x || !y)
        return lnn_error(LIBNN_E_INVALID, "layer_forward: %s is NULL",
                         !layer ? "layer" : !x ? "x" : "y");
    if (!layer->built)
        return lnn_error(LIBNN_E_STATE, "%s: not built yet; call libnn_layer_build", layer->name);
    if (x->ndim < 1 || x->shape[0] < 1)
        return lnn_error(LIBNN_E_SHAPE, "%s: x needs a batch axis of at least 1", layer->name);
    size_t batch = (size_t)x->shape[0];
    if (!batch_shape_is(x, batch, layer->in_ndim, layer->in_shape))
        return batch_shape_error(layer, "x", x, batch, layer->in_ndim, layer->in_shape);
    if (!batch_shape_is(y, batch, layer->out_ndim, layer->out_shape))
        return batch_shape_error(layer, "y", y, batch, layer->out_ndim, layer->out_shape);
    if (layer->solo.batch == 0 && !layer->solo.block)
        lnn_rng_seed(&layer->solo.rng, (uint64_t)lnn_param_int(layer, LIBNN_PARAM_SEED));
    libnn_status st = reserve(layer, batch);
    if (st != LIBNN_OK)
        return st;
    if (layer->solo.has_mask && layer->solo.mask_batch != batch)
        return lnn_error(LIBNN_E_SHAPE, "%s: the mask is for a batch of %zu, x has %zu",
                         layer->name, layer->solo.mask_batch, batch);
    size_t width, n_states = lnn_layer_states(layer, &width);
    for (size_t i = 0; i < n_states; i++)
        if (layer->solo.user_state[i] && layer->solo.user_state_batch[i] != batch)
            return lnn_error(LIBNN_E_SHAPE, "%s: initial state %zu is for a batch of %zu, x has %zu",
                             layer->name, i, layer->solo.user_state_batch[i], batch);
    layer->solo.batch = 0; /* no valid forward pass until this one completes */
    memcpy(layer->solo.x, x->data, batch * layer->in_size * sizeof(float));
    lnn_exec *e = &layer->solo.exec;
    e->batch = batch;
    e->training = training != 0;
    e->rng = &layer->solo.rng;
    e->mask_in = NULL;
    e->mask_out = layer->solo.mask_out;
    if (layer->solo.has_mask) {
        memcpy(layer->solo.mask_in, layer->solo.user_mask, batch * in_steps(layer));
        e->mask_in = layer->solo.mask_in;
    }
    for (size_t i = 0; i < LNN_MAX_STATES; i++) {
        e->state_in[i] = i < n_states ? layer->solo.user_state[i] : NULL;
        e->state_out[i] = i < n_states ? layer->solo.final_state + i * batch * width : NULL;
    }
    st = layer->ops->forward(layer, e, layer->solo.x, layer->solo.y);
    if (st != LIBNN_OK)
        return st;
    memcpy(y->data, layer->solo.y, batch * layer->out_size * sizeof(float));
    lnn_mask_mode mode = lnn_layer_mask_mode(layer);
    layer->solo.out_has_mask = mode == LNN_MASK_PRODUCE || (mode == LNN_MASK_PASS && e->mask_in);
    if (mode == LNN_MASK_PASS && e->mask_in)
        memcpy(e->mask_out, e->mask_in, batch * in_steps(layer));
    layer->solo.batch = batch;
    return LIBNN_OK;
}

libnn_status libnn_layer_backward(libnn_layer *layer, const libnn_tensor *dy, libnn_tensor *dx)
{
    if (!layer || !dy)
        return lnn_error(LIBNN_E_INVALID, "layer_backward: %s is NULL", layer ? "dy" : "layer");
    if (!layer->built || layer->solo.batch == 0)
        return lnn_error(LIBNN_E_STATE, "%s: backward needs a forward pass first", layer->name);
    size_t batch = layer->solo.batch;
    if (!batch_shape_is(dy, batch, layer->out_ndim, layer->out_shape))
        return batch_shape_error(layer, "dy", dy, batch, layer->out_ndim, layer->out_shape);
    if (dx && !batch_shape_is(dx, batch, layer->in_ndim, layer->in_shape))
        return batch_shape_error(layer, "dx", dx, batch, layer->in_ndim, layer->in_shape);
    return layer->ops->backward(layer, &layer->solo.exec, layer->solo.x, layer->solo.y, dy->data,
                                dx ? dx->data : NULL);
}

libnn_status libnn_layer_set_mask(libnn_layer *layer, const libnn_tensor *mask)
{
    if (!layer)
        return lnn_error(LIBNN_E_INVALID, "layer_set_mask: layer is NULL");
    if (!layer->built)
        return lnn_error(LIBNN_E_STATE, "%s: not built yet; call libnn_layer_build", layer->name);
    if (!mask) {
        layer->solo.has_mask = false;
        return LIBNN_OK;
    }
    size_t steps = in_steps(layer);
    if (mask->ndim != 2 || mask->shape[0] < 1 || mask->shape[1] != (int64_t)steps) {
        char buf[200];
        return lnn_error(LIBNN_E_SHAPE, "%s: a mask has shape [batch, %zu], got %s", layer->name,
                         steps, lnn_format_shape(buf, sizeof buf, mask->ndim, mask->shape));
    }
    for (size_t i = 0; i < mask->size; i++)
        if (mask->data[i] != 0.0f && mask->data[i] != 1.0f)
            return lnn_error(LIBNN_E_INVALID, "%s: mask value %zu is %g, not 0 or 1", layer->name,
                             i, (double)mask->data[i]);
    uint8_t *copy = lnn_realloc(layer->solo.user_mask, mask->size);
    if (!copy)
        return lnn_error_nomem(layer->name, mask->size);
    for (size_t i = 0; i < mask->size; i++)
        copy[i] = mask->data[i] != 0.0f;
    layer->solo.user_mask = copy;
    layer->solo.mask_batch = (size_t)mask->shape[0];
    layer->solo.has_mask = true;
    return LIBNN_OK;
}

libnn_status libnn_layer_get_mask(const libnn_layer *layer, libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "layer_get_mask: out is NULL");
    *out = NULL;
    if (!layer)
        return lnn_error(LIBNN_E_INVALID, "layer_get_mask: layer is NULL");
    if (layer->solo.batch == 0)
        return lnn_error(LIBNN_E_STATE, "%s: no forward pass yet", layer->name);
    if (!layer->solo.out_has_mask)
        return lnn_error(LIBNN_E_NOTFOUND, "%s: the last output has no mask", layer->name);
    size_t batch = layer->solo.batch, steps = out_steps(layer);
    libnn_status st = libnn_tensor_new(2, (const int64_t[]){(int64_t)batch, (int64_t)steps}, out);
    if (st == LIBNN_OK)
        for (size_t i = 0; i < batch * steps; i++)
            (*out)->data[i] = layer->solo.mask_out[i];
    return st;
}

/* The recurrent state `index` of a built layer, checked for the state calls. */
static libnn_status check_state_index(const libnn_layer *layer, size_t index, const char *who,
                                      size_t *width)
{
    if (!layer)
        return lnn_error(LIBNN_E_INVALID, "%s: layer is NULL", who);
    if (!layer->built)
        return lnn_error(LIBNN_E_STATE, "%s: not built yet; call libnn_layer_build", layer->name);
    size_t n = lnn_layer_states(layer, width);
    if (n == 0)
        return lnn_error(LIBNN_E_INVALID, "%s: a %s layer has no recurrent state", layer->name,
                         layer->ops->class_name);
    if (index >= n)
        return lnn_error(LIBNN_E_RANGE, "%s: state %zu does not exist (the layer has %zu)",
                         layer->name, index, n);
    return LIBNN_OK;
}

libnn_status libnn_layer_set_initial_state(libnn_layer *layer, size_t index,
                                           const libnn_tensor *state)
{
    size_t width;
    libnn_status st = check_state_index(layer, index, "layer_set_initial_state", &width);
    if (st != LIBNN_OK)
        return st;
    if (!state) {
        lnn_free(layer->solo.user_state[index]);
        layer->solo.user_state[index] = NULL;
        return LIBNN_OK;
    }
    if (state->ndim != 2 || state->shape[0] < 1 || state->shape[1] != (int64_t)width) {
        char buf[200];
        return lnn_error(LIBNN_E_SHAPE, "%s: state %zu has shape [batch, %zu], got %s",
                         layer->name, index, width,
                         lnn_format_shape(buf, sizeof buf, state->ndim, state->shape));
    }
    for (size_t i = 0; i < state->size; i++)
        if (!isfinite(state->data[i]))
            return lnn_error(LIBNN_E_NONFINITE, "%s: state %zu value %zu is %g", layer->name,
                             index, i, (double)state->data[i]);
    float *copy = lnn_realloc(layer->solo.user_state[index], state->size * sizeof(float));
    if (!copy)
        return lnn_error_nomem(layer->name, state->size * sizeof(float));
    memcpy(copy, state->data, state->size * sizeof(float));
    layer->solo.user_state[index] = copy;
    layer->solo.user_state_batch[index] = (size_t)state->shape[0];
    return LIBNN_OK;
}

libnn_status libnn_layer_get_final_state(const libnn_layer *layer, size_t index,
                                         libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "layer_get_final_state: out is NULL");
    *out = NULL;
    size_t width;
    libnn_status st = check_state_index(layer, index, "layer_get_final_state", &width);
    if (st != LIBNN_OK)
        return st;
    size_t batch = layer->solo.batch;
    if (batch == 0)
        return lnn_error(LIBNN_E_STATE, "%s: no forward pass yet", layer->name);
    return libnn_tensor_new_from_data(2, (const int64_t[]){(int64_t)batch, (int64_t)width},
                                      layer->solo.final_state + index * batch * width,
                                      batch * width, out);
}
