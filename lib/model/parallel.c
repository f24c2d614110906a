/*
 * The gradient hook and data-parallel fit: what a distributed companion
 * (libnn-mpi) plugs into, with no knowledge of how the workers talk. libnn
 * slices the data, keeps the workers in step and sums what they measured
 * through the caller's reduce function; the companion reduces the
 * gradients in its hook.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "model_internal.h"

/* Values an agreement or a consistency check carries besides the statuses. */
#define LNN_PARALLEL_FEW 16

libnn_status libnn_model_set_gradient_hook(libnn_model *model, libnn_gradient_fn fn, void *user)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "model_set_gradient_hook: model is NULL");
    model->grad_hook = fn;
    model->grad_user = fn ? user : NULL;
    return LIBNN_OK;
}

libnn_status libnn_model_set_data_parallel(libnn_model *model, int64_t rank, int64_t size,
                                           libnn_reduce_fn reduce, void *user)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "model_set_data_parallel: model is NULL");
    if (size < 1 || rank < 0 || rank >= size)
        return lnn_error(LIBNN_E_INVALID,
                         "model_set_data_parallel: rank %lld is not a worker of 0..%lld",
                         (long long)rank, (long long)size - 1);
    if (size > 1 && !reduce)
        return lnn_error(LIBNN_E_INVALID,
                         "model_set_data_parallel: %lld workers need a reduce function",
                         (long long)size);
    lnn_parallel *p = &model->parallel;
    /* The agreements need one status per worker and a few values: room for
     * them now, so that a worker can always tell the others it failed. */
    size_t need = (size_t)size + 1 + LNN_PARALLEL_FEW;
    if (size > 1 && (uint64_t)size > SIZE_MAX / sizeof(double) - 1 - LNN_PARALLEL_FEW)
        return lnn_error_nomem("model_set_data_parallel", SIZE_MAX);
    if (size > 1 && need > p->buf_cap) {
        double *grown = lnn_realloc(p->buf, need * sizeof *grown);
        if (!grown)
            return lnn_error_nomem("model_set_data_parallel", need * sizeof *grown);
        p->buf = grown;
        p->buf_cap = need;
    }
    p->rank = size > 1 ? rank : 0;
    p->size = size > 1 ? size : 0;
    p->reduce = size > 1 ? reduce : NULL;
    p->user = size > 1 ? user : NULL;
    /* Distinct per worker, reproducible per (seed, rank). */
    lnn_rng_seed(&p->rng, model->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(rank + 1)));
    return LIBNN_OK;
}

bool lnn_parallel_on(const libnn_model *m)
{
    return m->parallel.size > 1;
}

bool lnn_model_writes_files(const libnn_model *m)
{
    return !lnn_parallel_on(m) || m->parallel.rank == 0;
}

lnn_rng *lnn_model_step_rng(libnn_model *m)
{
    return lnn_parallel_on(m) ? &m->parallel.rng : &m->rng;
}

void lnn_parallel_shard(const libnn_model *m, size_t first, size_t n, size_t *my_first,
                        size_t *my_n)
{
    if (!lnn_parallel_on(m)) {
        *my_first = first;
        *my_n = n;
        return;
    }
    size_t r = (size_t)m->parallel.rank, k = (size_t)m->parallel.size;
    /* n * r / k without overflow for any size_t n. */
    size_t lo = n / k * r + n % k * r / k, hi = n / k * (r + 1) + n % k * (r + 1) / k;
    *my_first = first + lo;
    *my_n = hi - lo;
}

/* Doubles a reduction of a fit needs: one status per worker, a stop flag,
 * then sums (at most 4) and every metric's accumulator. */
static size_t buffer_need(const libnn_model *m)
{
    size_t n = (size_t)m->parallel.size + 1 + LNN_PARALLEL_FEW;
    for (size_t i = 0; i < m->n_metrics; i++)
        n += lnn_metric_state_size(m->metrics[i]);
    return n;
}

libnn_status lnn_parallel_reserve(libnn_model *m)
{
    if (!lnn_parallel_on(m))
        return LIBNN_OK;
    size_t need = buffer_need(m);
    if (need <= m->parallel.buf_cap)
        return LIBNN_OK;
    if (need > SIZE_MAX / sizeof(double))
        return lnn_error_nomem("fit: data-parallel buffers", SIZE_MAX);
    double *grown = lnn_realloc(m->parallel.buf, need * sizeof *grown);
    if (!grown)
        return lnn_error_nomem("fit: data-parallel buffers", need * sizeof *grown);
    m->parallel.buf = grown;
    m->parallel.buf_cap = need;
    return LIBNN_OK;
}

/* Run the caller's reduction over buf[0..n). */
static libnn_status reduce(libnn_model *m, const char *who, size_t n)
{
    /* The message of a failure this worker reports stays what the user reads. */
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", libnn_last_error());
    libnn_clear_error();
    libnn_status st = m->parallel.reduce(m, m->parallel.buf, n, m->parallel.user);
    if (st == LIBNN_OK)
        return libnn_set_error(LIBNN_OK, saved);
    if (!libnn_last_error()[0])
        return lnn_error(st, "%s: the data-parallel reduction failed (%s)", who,
                         libnn_status_str(st));
    return lnn_error_prefix(st, "%s", who);
}

libnn_status lnn_parallel_agree(libnn_model *m, const char *who, libnn_status local, bool *stop)
{
    if (!lnn_parallel_on(m))
        return local;
    size_t k = (size_t)m->parallel.size;
    double *b = m->parallel.buf;
    memset(b, 0, (k + 1) * sizeof *b);
    b[m->parallel.rank] = (double)local;
    b[k] = stop && *stop;
    libnn_status st = reduce(m, who, k + 1);
    if (st != LIBNN_OK)
        return local != LIBNN_OK ? local : st;
    if (local != LIBNN_OK)
        return local; /* this worker's own message stands */
    for (size_t r = 0; r < k; r++)
        if (b[r] != 0) {
            libnn_status theirs = (libnn_status)(int)b[r];
            return lnn_error(theirs, "%s: worker %zu of %zu failed (%s); its own message says why",
                             who, r, k, libnn_status_str(theirs));
        }
    if (stop)
        *stop = b[k] != 0;
    return LIBNN_OK;
}

libnn_status lnn_parallel_same(libnn_model *m, const char *who, libnn_status local,
                               const double *values, size_t n)
{
    if (!lnn_parallel_on(m))
        return local;
    /* Worker 0's values reach everyone as a sum the others add zeros to. */
    double *b = m->parallel.buf;
    for (size_t i = 0; i < n; i++)
        b[i] = m->parallel.rank == 0 && local == LIBNN_OK ? values[i] : 0.0;
    b[n] = m->parallel.rank == 0 ? (double)local : 0.0;
    libnn_status st = reduce(m, who, n + 1);
    if (st != LIBNN_OK && local == LIBNN_OK)
        local = st;
    for (size_t i = 0; local == LIBNN_OK && b[n] == 0 && i < n; i++)
        if (b[i] != values[i])
            local = lnn_error(LIBNN_E_INVALID,
                              "%s: data-parallel workers must be called alike: value %zu of the "
                              "call (samples, validation samples, epochs, initial epoch, ...) is "
                              "%.17g on worker %lld but %.17g on worker 0",
                              who, i, values[i], (long long)m->parallel.rank, b[i]);
    return lnn_parallel_agree(m, who, local, NULL);
}

libnn_status lnn_parallel_share_rng(libnn_model *m, const char *who)
{
    if (!lnn_parallel_on(m))
        return LIBNN_OK;
    /* 256 bits as 16 exact doubles of 16 bits each, from worker 0 alone. */
    double *b = m->parallel.buf;
    for (size_t i = 0; i < 16; i++)
        b[i] = m->parallel.rank == 0 ? (double)((m->rng.s[i / 4] >> (16 * (i % 4))) & 0xffff) : 0;
    libnn_status st = reduce(m, who, 16);
    if (st != LIBNN_OK)
        return st;
    for (size_t w = 0; w < 4; w++) {
        uint64_t v = 0;
        for (size_t k = 0; k < 4; k++)
            v |= (uint64_t)b[4 * w + k] << (16 * k);
        m->rng.s[w] = v;
    }
    return LIBNN_OK;
}

libnn_status lnn_parallel_sum(libnn_model *m, const char *who, double *sums, size_t n)
{
    if (!lnn_parallel_on(m))
        return LIBNN_OK;
    double *b = m->parallel.buf;
    size_t at = n;
    memcpy(b, sums, n * sizeof *b);
    for (size_t i = 0; i < m->n_metrics; i++) {
        lnn_metric_pack(m->metrics[i], b + at);
        at += lnn_metric_state_size(m->metrics[i]);
    }
    libnn_status st = reduce(m, who, at);
    if (st != LIBNN_OK)
        return st;
    memcpy(sums, b, n * sizeof *b);
    at = n;
    for (size_t i = 0; i < m->n_metrics; i++) {
        lnn_metric_unpack(m->metrics[i], b + at);
        at += lnn_metric_state_size(m->metrics[i]);
    }
    return LIBNN_OK;
}

/* ---- the model's state as buffers ---- */

size_t libnn_model_state_count(const libnn_model *model)
{
    if (!model || !model->compiled)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < model->n_layers; i++)
        n += model->layers[i]->n_weights;
    return n + lnn_optimizer_slot_count(model->opt) * model->n_params;
}

/* The layer and weight of trainable weight `k` (params order). */
static void param_at(const libnn_model *m, size_t k, size_t *layer, size_t *weight)
{
    for (size_t i = 0; i < m->n_layers; i++)
        for (size_t w = 0; w < m->layers[i]->n_weights; w++)
            if (m->layers[i]->weights[w].trainable && k-- == 0) {
                *layer = i;
                *weight = w;
                return;
            }
}

libnn_status libnn_model_state_buffer(libnn_model *model, size_t index, char *name,
                                      size_t name_capacity, float **data, size_t *count)
{
    if (data)
        *data = NULL;
    if (count)
        *count = 0;
    if (name && name_capacity)
        name[0] = '\0';
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "model_state_buffer: model is NULL");
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE, "model_state_buffer: the model is not compiled");
    size_t total = libnn_model_state_count(model), k = index;
    if (index >= total)
        return lnn_error(LIBNN_E_RANGE, "model_state_buffer: index %zu, the model has %zu buffers",
                         index, total);
    for (size_t i = 0; i < model->n_layers; i++) {
        libnn_layer *l = model->layers[i];
        if (k < l->n_weights) {
            if (name && name_capacity)
                snprintf(name, name_capacity, "layers.%zu.%s", i, l->weights[k].name);
            if (data)
                *data = l->weights[k].value;
            if (count)
                *count = l->weights[k].size;
            return LIBNN_OK;
        }
        k -= l->n_weights;
    }
    size_t slot = k / model->n_params, p = k % model->n_params, layer = 0, weight = 0;
    param_at(model, p, &layer, &weight);
    if (name && name_capacity)
        snprintf(name, name_capacity, "optimizer.%s.layers.%zu.%s",
                 lnn_optimizer_slot_name(model->opt, slot), layer,
                 model->layers[layer]->weights[weight].name);
    if (data)
        *data = lnn_optimizer_slot(model->opt, slot, p);
    if (count)
        *count = model->params[p].size;
    return LIBNN_OK;
}
