/*
 * Bidirectional(inner): the inner recurrent layer forwards, a copy of it
 * with go_backwards flipped, and the two outputs merged.
 *
 * The wrapper owns both inner layers but not their weights: the inner
 * layers are built only for their shapes and options, and the weights are
 * the wrapper's own ("forward_kernel", ...), passed to the recurrent driver
 * explicitly. So the usual weight machinery (get/set, gradients,
 * initialisation, a model's optimiser) sees one layer with six weights;
 * each weight still reads its regulariser from its inner layer's options.
 *
 * The backward copy returns its sequence in processing order; it is put
 * back in input order before the merge, as Keras does.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "layer_factory_internal.h"
#include "rnn_internal.h"

static const char *merge_name(int value)
{
    static const char *const names[] = {"concat", "sum", "ave", "mul"};
    return value >= 0 && value < 4 ? names[value] : NULL;
}

static const lnn_param_def bidirectional_params[] = {
    LNN_PARAM_ENUM(LIBNN_PARAM_MERGE_MODE, "merge_mode", LIBNN_MERGE_CONCAT, 4, merge_name),
};

#define WEIGHT_NAME_CAP 48

typedef struct bidir_state {
    libnn_layer *inner[2]; /* forward, backward */
    size_t n;              /* weights per direction */
    char names[LNN_MAX_WEIGHTS][WEIGHT_NAME_CAP];
} bidir_state;

/* Build one inner layer for the wrapper's input shape, without weights. */
static libnn_status build_inner(libnn_layer *l, libnn_layer *in)
{
    in->in_ndim = l->in_ndim;
    memcpy(in->in_shape, l->in_shape, sizeof in->in_shape);
    in->in_size = l->in_size;
    in->n_weights = 0;
    libnn_status st = in->ops->build(in);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", l->name);
    if (!lnn_shape_count(in->out_ndim, in->out_shape, sizeof(float), &in->out_size))
        return lnn_error(LIBNN_E_SHAPE, "%s: output shape too large", l->name);
    lnn_rnn *r = in->state;
    r->zero_output_for_mask = r->return_sequences;
    in->built = true;
    return LIBNN_OK;
}

static libnn_status bidir_build(libnn_layer *l)
{
    bidir_state *s = l->state;
    static const char *const prefix[2] = {"forward_", "backward_"};
    for (int d = 0; d < 2; d++) {
        libnn_status st = build_inner(l, s->inner[d]);
        if (st != LIBNN_OK)
            return st;
    }
    const libnn_layer *f = s->inner[0];
    l->out_ndim = f->out_ndim;
    memcpy(l->out_shape, f->out_shape, sizeof l->out_shape);
    if (lnn_param_int(l, LIBNN_PARAM_MERGE_MODE) == LIBNN_MERGE_CONCAT)
        l->out_shape[l->out_ndim - 1] *= 2;
    s->n = f->n_weights;
    for (int d = 0; d < 2; d++) {
        libnn_layer *in = s->inner[d];
        for (size_t k = 0; k < s->n; k++) {
            const lnn_weight *w = &in->weights[k];
            char *name = s->names[(size_t)d * s->n + k];
            snprintf(name, WEIGHT_NAME_CAP, "%s%s", prefix[d], w->name);
            libnn_status st = lnn_layer_add_weight(l, name, w->ndim, w->shape, w->init,
                                                   w->l1_key, w->l2_key);
            if (st != LIBNN_OK)
                return st;
            l->weights[l->n_weights - 1].options = in;
            l->weights[l->n_weights - 1].trainable = w->trainable;
        }
    }
    return LIBNN_OK;
}

static void bidir_init_weights(libnn_layer *l)
{
    bidir_state *s = l->state;
    for (size_t d = 0; d < 2; d++)
        lnn_rnn_init_weights(s->inner[d], l->weights + d * s->n);
}

/* Where one pass keeps what: each inner layer's cache, the two inner
 * outputs, and (backward) their gradients and the backward layer's dx. */
typedef struct bidir_plan {
    size_t cache[2], scratch; /* inner cache sizes; inner scratch (shared) */
    size_t out;               /* floats of one inner output */
} bidir_plan;

static libnn_status plan(const libnn_layer *l, size_t batch, bool training, bidir_plan *p)
{
    const bidir_state *s = l->state;
    size_t sc[2], unused;
    for (int d = 0; d < 2; d++) {
        /* A cache, when there is one, is a training one (an inference pass
         * may run in it): its split must not depend on this pass's mode. */
        const libnn_layer *in = s->inner[d];
        libnn_status st = in->ops->workspace(in, batch, true, &p->cache[d], &unused);
        if (st == LIBNN_OK)
            st = in->ops->workspace(in, batch, training, &unused, &sc[d]);
        if (st != LIBNN_OK)
            return st;
    }
    p->scratch = sc[0] > sc[1] ? sc[0] : sc[1];
    if (!lnn_mul_size(batch, s->inner[0]->out_size, &p->out))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    return LIBNN_OK;
}

static libnn_status bidir_workspace(const libnn_layer *l, size_t batch, bool training,
                                    size_t *cache, size_t *scratch)
{
    bidir_plan p;
    libnn_status st = plan(l, batch, training, &p);
    if (st != LIBNN_OK)
        return st;
    lnn_carver c = {NULL, 0, true}, sc = {NULL, 0, true};
    lnn_carve(&sc, p.scratch, 1, 1);
    if (training) {
        lnn_carve(&c, p.cache[0], 1, 1);
        lnn_carve(&c, p.cache[1], 1, 1);
        lnn_carve(&c, p.out, 2, 1);
        lnn_carve(&sc, p.out, 2, 1);          /* dy of each direction */
        lnn_carve(&sc, batch, l->in_size, 1); /* the backward layer's dx */
    } else {
        lnn_carve(&sc, p.out, 2, 1);
    }
    if (!c.ok || !sc.ok)
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    *cache = c.used;
    *scratch = sc.used;
    return LIBNN_OK;
}

/* The exec of inner layer d. */
static lnn_exec inner_exec(const libnn_layer *l, const lnn_exec *e, const bidir_plan *p, int d)
{
    const bidir_state *s = l->state;
    size_t width, n = lnn_layer_states(s->inner[0], &width);
    lnn_exec x = *e;
    x.cache = e->cache ? e->cache + (d ? p->cache[0] : 0) : NULL;
    x.mask_out = NULL;
    for (size_t i = 0; i < LNN_MAX_STATES; i++) {
        x.state_in[i] = i < n ? e->state_in[(size_t)d * n + i] : NULL;
        x.state_out[i] = i < n ? e->state_out[(size_t)d * n + i] : NULL;
    }
    return x;
}

/* The two inner outputs: kept in the cache for backward, else in scratch. */
static float *inner_outputs(const lnn_exec *e, const bidir_plan *p)
{
    return e->cache ? e->cache + p->cache[0] + p->cache[1] : e->scratch + p->scratch;
}

/* Row v of the backward layer's output that lines up with row v of the
 * forward layer's: sequences are reversed in time. */
static size_t mirror(const libnn_layer *l, size_t v)
{
    const lnn_rnn *r = ((const bidir_state *)l->state)->inner[0]->state;
    if (!r->return_sequences)
        return v;
    size_t T = r->steps;
    return (v / T) * T + (T - 1 - v % T);
}

static libnn_status bidir_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    const bidir_state *s = l->state;
    bidir_plan p;
    libnn_status st = plan(l, e->batch, e->training, &p);
    float *out = inner_outputs(e, &p);
    for (int d = 0; d < 2 && st == LIBNN_OK; d++) {
        lnn_exec x_d = inner_exec(l, e, &p, d);
        st = lnn_rnn_forward(s->inner[d], l->weights + (size_t)d * s->n, &x_d, x,
                             out + (size_t)d * p.out);
    }
    if (st != LIBNN_OK)
        return st;
    const lnn_rnn *r = s->inner[0]->state;
    size_t u = r->units, rows = p.out / u;
    int mode = (int)lnn_param_int(l, LIBNN_PARAM_MERGE_MODE);
    for (size_t v = 0; v < rows; v++) {
        const float *fw = out + v * u, *bw = out + p.out + mirror(l, v) * u;
        float *dst = y + v * u * (mode == LIBNN_MERGE_CONCAT ? 2 : 1);
        for (size_t j = 0; j < u; j++) {
            switch (mode) {
            case LIBNN_MERGE_CONCAT:
                dst[j] = fw[j];
                dst[u + j] = bw[j];
                break;
            case LIBNN_MERGE_SUM:
                dst[j] = fw[j] + bw[j];
                break;
            case LIBNN_MERGE_AVE:
                dst[j] = 0.5f * (fw[j] + bw[j]);
                break;
            default:
                dst[j] = fw[j] * bw[j];
                break;
            }
        }
    }
    return LIBNN_OK;
}

static libnn_status bidir_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                   const float *dy, float *dx)
{
    bidir_state *s = l->state;
    bidir_plan p;
    /* Backward always runs in a training workspace, whatever the forward's mode. */
    libnn_status st = plan(l, e->batch, true, &p);
    if (st != LIBNN_OK)
        return st;
    if (!e->cache)
        return lnn_error(LIBNN_E_STATE, "%s: backward needs a training forward pass", l->name);
    const float *out = inner_outputs(e, &p);
    float *d_out = e->scratch + p.scratch, *dx_back = d_out + 2 * p.out;
    const lnn_rnn *r = s->inner[0]->state;
    size_t u = r->units, rows = p.out / u;
    int mode = (int)lnn_param_int(l, LIBNN_PARAM_MERGE_MODE);
    for (size_t v = 0; v < rows; v++) {
        size_t vb = mirror(l, v);
        const float *fw = out + v * u, *bw = out + p.out + vb * u;
        const float *g = dy + v * u * (mode == LIBNN_MERGE_CONCAT ? 2 : 1);
        float *df = d_out + v * u, *db = d_out + p.out + vb * u;
        for (size_t j = 0; j < u; j++) {
            switch (mode) {
            case LIBNN_MERGE_CONCAT:
                df[j] = g[j];
                db[j] = g[u + j];
                break;
            case LIBNN_MERGE_SUM:
                df[j] = db[j] = g[j];
                break;
            case LIBNN_MERGE_AVE:
                df[j] = db[j] = 0.5f * g[j];
                break;
            default:
                df[j] = g[j] * bw[j];
                db[j] = g[j] * fw[j];
                break;
            }
        }
    }
    for (int d = 0; d < 2 && st == LIBNN_OK; d++) {
        lnn_exec x_d = inner_exec(l, e, &p, d);
        st = lnn_rnn_backward(s->inner[d], l->weights + (size_t)d * s->n, &x_d,
                              d_out + (size_t)d * p.out, dx ? (d ? dx_back : dx) : NULL);
    }
    if (st == LIBNN_OK && dx)
        for (size_t i = 0; i < e->batch * l->in_size; i++)
            dx[i] += dx_back[i];
    return st;
}

static lnn_mask_mode bidir_mask_mode(const libnn_layer *l)
{
    return lnn_rnn_mask_mode(((const bidir_state *)l->state)->inner[0]);
}

static size_t bidir_states(const libnn_layer *l, size_t *width)
{
    return 2 * lnn_rnn_states(((const bidir_state *)l->state)->inner[0], width);
}

static void bidir_destroy(libnn_layer *l)
{
    bidir_state *s = l->state;
    libnn_layer_free(s->inner[0]);
    libnn_layer_free(s->inner[1]);
}

static const lnn_layer_ops bidirectional_ops = {
    .kind = LIBNN_LAYER_BIDIRECTIONAL,
    .class_name = "Bidirectional",
    .prefix = "bidirectional",
    .params = bidirectional_params,
    .n_params = sizeof bidirectional_params / sizeof bidirectional_params[0],
    .state_size = sizeof(bidir_state),
    .build = bidir_build,
    .workspace = bidir_workspace,
    .forward = bidir_forward,
    .backward = bidir_backward,
    .destroy = bidir_destroy,
    .mask_mode = bidir_mask_mode,
    .init_weights = bidir_init_weights,
    .states = bidir_states,
};

/* A second, unbuilt layer with the options of `in` and go_backwards flipped. */
static libnn_status backward_copy(const libnn_layer *in, libnn_layer **out)
{
    libnn_status st = lnn_layer_create(in->ops, out);
    if (st != LIBNN_OK)
        return st;
    memcpy((*out)->params, in->params, sizeof in->params);
    return lnn_param_set(*out, LIBNN_PARAM_GO_BACKWARDS,
                         lnn_param_int(in, LIBNN_PARAM_GO_BACKWARDS) ? 0 : 1);
}

libnn_status libnn_bidirectional_new(libnn_layer *inner, libnn_layer **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "bidirectional_new: out is NULL");
    *out = NULL;
    if (!inner)
        return lnn_error(LIBNN_E_INVALID, "bidirectional_new: the layer to wrap is NULL");
    if (!lnn_rnn_is(inner))
        return lnn_error(LIBNN_E_INVALID,
                         "bidirectional: wraps a SimpleRNN, LSTM or GRU, got %s (%s)",
                         inner->ops->class_name, inner->name);
    if (inner->built)
        return lnn_error(LIBNN_E_STATE, "bidirectional: %s is built; wrap it before building",
                         inner->name);
    libnn_layer *l, *back = NULL;
    libnn_status st = lnn_layer_create(&bidirectional_ops, &l);
    if (st == LIBNN_OK)
        st = backward_copy(inner, &back);
    if (st != LIBNN_OK) {
        libnn_layer_free(back);
        libnn_layer_free(l);
        return st;
    }
    /* Keras' names; a long inner name is cut to fit. */
    char name[LNN_NAME_CAP];
    snprintf(name, sizeof name, "%s", inner->name);
    snprintf(back->name, sizeof back->name, "backward_%.54s", name);
    snprintf(inner->name, sizeof inner->name, "forward_%.55s", name);
    bidir_state *s = l->state;
    s->inner[0] = inner;
    s->inner[1] = back;
    *out = l;
    return LIBNN_OK;
}

const libnn_layer *lnn_bidirectional_inner(const libnn_layer *l)
{
    if (l->ops != &bidirectional_ops)
        return NULL;
    const bidir_state *s = l->state;
    return s->inner[0];
}
