/*
 * Execution plans: every buffer one executor needs for batches up to a
 * capacity, sized once and allocated in one block, so that a training step
 * or an inference run allocates nothing.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "model_internal.h"

/* Steps of a mask over an activation of per-sample shape (ndim, shape). */
static size_t mask_steps(size_t ndim, const int64_t *shape)
{
    return ndim >= 2 ? (size_t)shape[0] : 1;
}

/* Accumulates a byte-exact layout: offsets first, then one allocation. */
typedef struct layout {
    size_t floats;
    bool overflow;
} layout;

static size_t take(layout *lo, size_t a, size_t b)
{
    size_t n, at = lo->floats;
    if (!lnn_mul_size(a, b, &n) || !lnn_add_size(lo->floats, n, &lo->floats))
        lo->overflow = true;
    return at;
}

libnn_status lnn_plan_create(const libnn_model *m, size_t capacity, bool training, lnn_plan *p)
{
    memset(p, 0, sizeof *p);
    size_t L = m->n_layers;
    layout lo = {0, false};
    size_t max_grad[2] = {0, 0}, scratch = 0;
    size_t *act_at = NULL, *cache_at = NULL, *mask_at = NULL;
    libnn_status st = LIBNN_OK;

    /* Pointer arrays, then offsets in floats. */
    p->act = lnn_calloc(L + 1, sizeof *p->act);
    p->cache = lnn_calloc(L ? L : 1, sizeof *p->cache);
    p->mask = lnn_calloc(L + 1, sizeof *p->mask);
    p->has_mask = lnn_calloc(L + 1, sizeof *p->has_mask);
    act_at = lnn_calloc(L + 1, sizeof *act_at);
    cache_at = lnn_calloc(L ? L : 1, sizeof *cache_at);
    mask_at = lnn_calloc(L + 1, sizeof *mask_at);
    if (!p->act || !p->cache || !p->mask || !p->has_mask || !act_at || !cache_at || !mask_at) {
        st = lnn_error_nomem("model: plan", (L + 1) * 7 * sizeof(size_t));
        goto out;
    }

    for (size_t i = 0; i <= L; i++) {
        size_t ndim = i ? m->layers[i - 1]->out_ndim : m->in_ndim;
        const int64_t *shape = i ? m->layers[i - 1]->out_shape : m->in_shape;
        size_t size = i ? m->layers[i - 1]->out_size : m->layers[0]->in_size;
        act_at[i] = take(&lo, capacity, size);
        /* Backward ping-pongs: dL/d(act[i]) always lives in grad[(L - i) % 2]
         * (the loss writes grad[0]), so each buffer is sized for its own
         * activations only, not both for the largest. */
        if (i > 0 && size > max_grad[(L - i) % 2])
            max_grad[(L - i) % 2] = size;
        /* Masks are bytes; a float per step is simpler and small. */
        mask_at[i] = take(&lo, capacity, (mask_steps(ndim, shape) + 3) / 4);
    }
    for (size_t i = 0; i < L; i++) {
        size_t cache, scr;
        st = m->layers[i]->ops->workspace(m->layers[i], capacity, training, &cache, &scr);
        if (st != LIBNN_OK)
            goto out;
        /* SIZE_MAX marks "no cache": the layer then gets NULL and keeps
         * nothing (an inference plan). */
        cache_at[i] = cache ? take(&lo, cache, 1) : SIZE_MAX;
        if (scr > scratch)
            scratch = scr;
    }
    size_t scratch_at = take(&lo, scratch, 1);
    size_t grad_at[2] = {0, 0}, y_at = 0, w_at = 0;
    if (training) {
        grad_at[0] = take(&lo, capacity, max_grad[0]);
        grad_at[1] = take(&lo, capacity, max_grad[1]);
    }
    y_at = take(&lo, capacity, m->label_width);
    w_at = take(&lo, capacity, 1);
    if (lo.overflow) {
        st = lnn_error(LIBNN_E_NOMEM, "model: buffers for a batch of %zu are too large", capacity);
        goto out;
    }
    p->block = lnn_malloc_array(lo.floats ? lo.floats : 1, sizeof(float));
    if (!p->block) {
        st = lnn_error_nomem("model: buffers", lo.floats * sizeof(float));
        goto out;
    }
    for (size_t i = 0; i <= L; i++) {
        p->act[i] = p->block + act_at[i];
        p->mask[i] = (uint8_t *)(p->block + mask_at[i]);
    }
    for (size_t i = 0; i < L; i++)
        p->cache[i] = cache_at[i] == SIZE_MAX ? NULL : p->block + cache_at[i];
    p->scratch = p->block + scratch_at;
    if (training) {
        p->grad[0] = p->block + grad_at[0];
        p->grad[1] = p->block + grad_at[1];
    }
    p->y_true = p->block + y_at;
    p->weights = p->block + w_at;
    p->capacity = capacity;
    p->training = training;
out:
    lnn_free(act_at);
    lnn_free(cache_at);
    lnn_free(mask_at);
    if (st != LIBNN_OK)
        lnn_plan_free(p);
    return st;
}

void lnn_plan_free(lnn_plan *p)
{
    lnn_free(p->block);
    lnn_free(p->act);
    lnn_free(p->cache);
    lnn_free(p->mask);
    lnn_free(p->has_mask);
    memset(p, 0, sizeof *p);
}

libnn_status lnn_model_reserve(libnn_model *m, size_t n)
{
    if (m->plan.block && m->plan.capacity >= n)
        return LIBNN_OK;
    lnn_plan fresh;
    libnn_status st = lnn_plan_create(m, n, true, &fresh);
    if (st != LIBNN_OK)
        return st;
    lnn_plan_free(&m->plan);
    m->plan = fresh;
    return LIBNN_OK;
}
