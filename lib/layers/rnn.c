/*
 * The recurrent driver shared by SimpleRNN, LSTM and GRU (see rnn_internal.h).
 *
 * Masks become one 0/1 float per processing step and row, cached, so that
 * backward needs nothing from the exec but its buffers. A row's output at
 * step s is its state after the step times a 0/1 weight: with Keras'
 * carried outputs that weight is "some real step at or before s" (the state
 * itself is carried through masked steps, so the carried output is the
 * state, or zeros before the first real step); with zero_output_for_mask it
 * is the step's mask. Backward then needs no separate output carry.
 */
#include <string.h>

#include "core/error_internal.h"
#include "core/alloc_internal.h"
#include "kernels/gemm_internal.h"
#include "kernels/reduce_internal.h"
#include "rnn_internal.h"

float *lnn_carve(lnn_carver *cv, size_t a, size_t b, size_t c)
{
    size_t n, at = cv->used;
    if (!cv->ok || !lnn_mul_size(a, b, &n) || !lnn_mul_size(n, c, &n) ||
        !lnn_add_size(cv->used, n, &cv->used)) {
        cv->ok = false;
        return NULL;
    }
    return cv->base ? cv->base + at : NULL;
}

/* What forward keeps for backward, [step][batch][...] in processing order. */
typedef struct fwd_bufs {
    float *xt;    /* [T, B, in] inputs, dropout applied */
    float *drop;  /* [B, in] dropout scales; NULL without dropout */
    float *z;     /* [T, B, G] gate values */
    float *zr;    /* [T, B, G] recurrent projections (split cells) */
    float *h, *c; /* [T + 1, B, u] states, slot 0 the initial one */
    float *aux;   /* [T, B, u] */
    float *mask;  /* [T, B] 1 real step, 0 masked */
    float *first; /* [B] first real step of each row (T: none) */
} fwd_bufs;

typedef struct bwd_bufs {
    float *dz, *dzr; /* [T, B, G] */
    float *dxt;      /* [T, B, in] */
    float *dh[2], *dc[2], *dhm, *dcm; /* [B, u] */
} bwd_bufs;

static bool uses_dropout(const lnn_rnn *r, bool training)
{
    return training && r->dropout > 0.0f;
}

static void fwd_layout(const lnn_rnn *r, size_t B, bool training, lnn_carver *cv, fwd_bufs *f)
{
    size_t T = r->steps, u = r->units, G = r->gates;
    const lnn_rnn_cell *cell = r->cell;
    f->xt = lnn_carve(cv, T, B, r->in);
    f->drop = uses_dropout(r, training) ? lnn_carve(cv, B, r->in, 1) : NULL;
    f->z = lnn_carve(cv, T, B, G);
    f->zr = cell->split ? lnn_carve(cv, T, B, G) : NULL;
    f->h = lnn_carve(cv, T + 1, B, u);
    f->c = cell->states > 1 ? lnn_carve(cv, T + 1, B, u) : NULL;
    f->aux = cell->aux ? lnn_carve(cv, T, B, u) : NULL;
    f->mask = lnn_carve(cv, T, B, 1);
    f->first = lnn_carve(cv, B, 1, 1);
}

static void bwd_layout(const lnn_rnn *r, size_t B, lnn_carver *cv, bwd_bufs *b)
{
    size_t T = r->steps, u = r->units, G = r->gates;
    bool two = r->cell->states > 1;
    b->dz = lnn_carve(cv, T, B, G);
    b->dzr = r->cell->split ? lnn_carve(cv, T, B, G) : b->dz;
    b->dxt = lnn_carve(cv, T, B, r->in);
    b->dh[0] = lnn_carve(cv, B, u, 1);
    b->dh[1] = lnn_carve(cv, B, u, 1);
    b->dhm = lnn_carve(cv, B, u, 1);
    b->dc[0] = two ? lnn_carve(cv, B, u, 1) : NULL;
    b->dc[1] = two ? lnn_carve(cv, B, u, 1) : NULL;
    b->dcm = two ? lnn_carve(cv, B, u, 1) : NULL;
}

bool lnn_rnn_is(const libnn_layer *l)
{
    libnn_layer_kind k = l->ops->kind;
    return k == LIBNN_LAYER_SIMPLE_RNN || k == LIBNN_LAYER_LSTM || k == LIBNN_LAYER_GRU;
}

/* alpha of an activation: the ALPHA option when set, else Keras' default. */
static float act_alpha(const libnn_layer *l, lnn_act act)
{
    double a = lnn_param_float(l, LIBNN_PARAM_ALPHA);
    if (isnan(a))
        a = act == LNN_ACT_LEAKY_RELU ? 0.2 : 1.0;
    return (float)a;
}

libnn_status lnn_rnn_build(libnn_layer *l, const lnn_rnn_cell *cell)
{
    /* Filled aside: a failed build must leave a built layer as it was. */
    lnn_rnn rr = {0}, *r = &rr;
    if (l->in_ndim != 2)
        return lnn_layer_shape_error(l, "expects input [steps, features]");
    r->cell = cell;
    r->zero_output_for_mask = ((const lnn_rnn *)l->state)->zero_output_for_mask;
    r->steps = (size_t)l->in_shape[0];
    r->in = (size_t)l->in_shape[1];
    r->units = (size_t)lnn_param_int(l, LIBNN_PARAM_UNITS);
    r->gates = cell->gates * r->units;
    r->use_bias = lnn_param_int(l, LIBNN_PARAM_USE_BIAS) != 0;
    r->return_sequences = lnn_param_int(l, LIBNN_PARAM_RETURN_SEQUENCES) != 0;
    r->go_backwards = lnn_param_int(l, LIBNN_PARAM_GO_BACKWARDS) != 0;
    r->dropout = (float)lnn_param_float(l, LIBNN_PARAM_DROPOUT);
    r->act = (lnn_act)lnn_param_int(l, LIBNN_PARAM_ACTIVATION);
    r->ract = cell->recurrent_activation
                  ? (lnn_act)lnn_param_int(l, LIBNN_PARAM_RECURRENT_ACTIVATION)
                  : r->act;
    r->alpha = act_alpha(l, r->act);
    r->ralpha = act_alpha(l, r->ract);
    /* Gate values are kept after activation only: an activation whose
     * gradient needs its input would need the pre-activations as well. */
    lnn_act acts[2] = {r->act, r->ract};
    for (int i = 0; i < 2; i++)
        if (lnn_act_backward_needs_input(acts[i]))
            return lnn_error(LIBNN_E_UNSUPPORTED,
                             "%s: %s %s is not supported in a recurrent layer (its gradient "
                             "needs the pre-activation)",
                             l->name, i ? "recurrent_activation" : "activation",
                             lnn_act_name(acts[i]));

    l->out_ndim = r->return_sequences ? 2 : 1;
    l->out_shape[0] = r->return_sequences ? (int64_t)r->steps : (int64_t)r->units;
    l->out_shape[1] = (int64_t)r->units;

    int64_t G = (int64_t)r->gates, u = (int64_t)r->units;
    libnn_status st = lnn_layer_add_weight(
        l, "kernel", 2, (const int64_t[]){(int64_t)r->in, G},
        lnn_param_init(l, LIBNN_PARAM_KERNEL_INITIALIZER, LIBNN_PARAM_KERNEL_INIT_A,
                       LIBNN_PARAM_KERNEL_INIT_B),
        LIBNN_PARAM_KERNEL_L1, LIBNN_PARAM_KERNEL_L2);
    if (st == LIBNN_OK)
        st = lnn_layer_add_weight(l, "recurrent_kernel", 2, (const int64_t[]){u, G},
                                  lnn_param_init(l, LIBNN_PARAM_RECURRENT_INITIALIZER,
                                                 LIBNN_PARAM_RECURRENT_INIT_A,
                                                 LIBNN_PARAM_RECURRENT_INIT_B),
                                  LIBNN_PARAM_RECURRENT_L1, LIBNN_PARAM_RECURRENT_L2);
    if (st == LIBNN_OK && r->use_bias) {
        bool two = cell->bias_rows == 2;
        st = lnn_layer_add_weight(l, "bias", two ? 2 : 1,
                                  two ? (const int64_t[]){2, G} : (const int64_t[]){G},
                                  lnn_param_init(l, LIBNN_PARAM_BIAS_INITIALIZER,
                                                 LIBNN_PARAM_BIAS_INIT_A, LIBNN_PARAM_BIAS_INIT_B),
                                  LIBNN_PARAM_BIAS_L1, LIBNN_PARAM_BIAS_L2);
    }
    if (st == LIBNN_OK)
        *(lnn_rnn *)l->state = rr;
    return st;
}

libnn_status lnn_rnn_workspace(const libnn_layer *l, size_t batch, bool training, size_t *cache,
                               size_t *scratch)
{
    const lnn_rnn *r = l->state;
    lnn_carver fwd = {NULL, 0, true}, bwd = {NULL, 0, true};
    fwd_bufs f;
    bwd_bufs b;
    fwd_layout(r, batch, training, &fwd, &f);
    bwd_layout(r, batch, &bwd, &b);
    if (!fwd.ok || !bwd.ok)
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    /* Without training the forward buffers are only needed during the pass. */
    *cache = training ? fwd.used : 0;
    *scratch = training ? bwd.used : fwd.used;
    return LIBNN_OK;
}

lnn_mask_mode lnn_rnn_mask_mode(const libnn_layer *l)
{
    const lnn_rnn *r = l->state;
    return r->return_sequences ? LNN_MASK_PASS : LNN_MASK_CONSUME;
}

size_t lnn_rnn_states(const libnn_layer *l, size_t *width)
{
    const lnn_rnn *r = l->state;
    *width = r->units;
    return r->cell ? r->cell->states : 0;
}

void lnn_rnn_init_weights(const libnn_layer *l, lnn_weight *w)
{
    const lnn_rnn *r = l->state;
    if (r->cell->init_weights)
        r->cell->init_weights(l, w);
}

void lnn_rnn_init_weights_op(libnn_layer *l)
{
    lnn_rnn_init_weights(l, l->weights);
}

/* Input time step of processing step s. */
static size_t time_of(const lnn_rnn *r, size_t s)
{
    return r->go_backwards ? r->steps - 1 - s : s;
}

/* 0/1: does row b's output at step s carry its state? */
static bool output_weight(const lnn_rnn *r, const fwd_bufs *f, size_t B, size_t b, size_t s)
{
    return r->zero_output_for_mask ? f->mask[s * B + b] != 0.0f : (float)s >= f->first[b];
}

static void read_masks(const lnn_rnn *r, const lnn_exec *e, const fwd_bufs *f)
{
    size_t B = e->batch, T = r->steps;
    for (size_t b = 0; b < B; b++) {
        f->first[b] = (float)T;
        for (size_t s = 0; s < T; s++) {
            float m = e->mask_in ? (float)(e->mask_in[b * T + time_of(r, s)] != 0) : 1.0f;
            f->mask[s * B + b] = m;
            if (m != 0.0f && f->first[b] == (float)T)
                f->first[b] = (float)s;
        }
    }
}

/* Rows between the input's layout ([B, T, in], input order) and the
 * time-major processing order ([T, B, in]), through the dropout mask:
 * forward gathers x this way (to_steps), backward scatters dx back. */
static void reorder(const lnn_rnn *r, const fwd_bufs *f, size_t B, const float *src, float *dst,
                    bool to_steps)
{
    size_t T = r->steps, in = r->in;
    for (size_t s = 0; s < T; s++)
        for (size_t b = 0; b < B; b++) {
            size_t by_batch = (b * T + time_of(r, s)) * in, by_step = (s * B + b) * in;
            const float *from = src + (to_steps ? by_batch : by_step);
            float *to = dst + (to_steps ? by_step : by_batch);
            if (!f->drop) {
                memcpy(to, from, in * sizeof *to);
                continue;
            }
            const float *keep = f->drop + b * in;
            for (size_t i = 0; i < in; i++)
                to[i] = from[i] * keep[i];
        }
}

/* Time-major copy of x in processing order, with the dropout mask drawn
 * (once per sequence, as Keras) and applied. */
static void gather_inputs(const lnn_rnn *r, lnn_exec *e, const fwd_bufs *f, const float *x)
{
    if (f->drop) {
        float scale = 1.0f / (1.0f - r->dropout);
        for (size_t i = 0; i < e->batch * r->in; i++)
            f->drop[i] = lnn_rng_uniform(e->rng) >= r->dropout ? scale : 0.0f;
    }
    reorder(r, f, e->batch, x, f->xt, true);
}

/* Rows whose step is masked keep the state they had. */
static void carry_masked(const float *mask, size_t B, size_t u, const float *prev, float *next)
{
    for (size_t b = 0; b < B; b++)
        if (mask[b] == 0.0f)
            memcpy(next + b * u, prev + b * u, u * sizeof *next);
}

static bool step_has_masked(const float *mask, size_t B)
{
    for (size_t b = 0; b < B; b++)
        if (mask[b] == 0.0f)
            return true;
    return false;
}

static void init_state(const float *given, float *slot, size_t n)
{
    if (given)
        memcpy(slot, given, n * sizeof *slot);
    else
        memset(slot, 0, n * sizeof *slot);
}

static void write_outputs(const lnn_rnn *r, const fwd_bufs *f, size_t B, float *y)
{
    size_t T = r->steps, u = r->units;
    for (size_t b = 0; b < B; b++) {
        size_t s0 = r->return_sequences ? 0 : T - 1;
        for (size_t s = s0; s < T; s++) {
            float *dst = y + (b * (r->return_sequences ? T : 1) + (s - s0)) * u;
            if (output_weight(r, f, B, b, s))
                memcpy(dst, f->h + ((s + 1) * B + b) * u, u * sizeof *dst);
            else
                memset(dst, 0, u * sizeof *dst);
        }
    }
}

/* The forward buffers of step s. */
static lnn_rnn_step step_at(const lnn_rnn *r, const fwd_bufs *f, size_t B, size_t s)
{
    size_t u = r->units, G = r->gates;
    lnn_rnn_step step = {
        .batch = B,
        .z = f->z + s * B * G,
        .zr = f->zr ? f->zr + s * B * G : NULL,
        .h_prev = f->h + s * B * u,
        .h = f->h + (s + 1) * B * u,
        .c_prev = f->c ? f->c + s * B * u : NULL,
        .c = f->c ? f->c + (s + 1) * B * u : NULL,
        .aux = f->aux ? f->aux + s * B * u : NULL,
    };
    return step;
}

libnn_status lnn_rnn_forward(const libnn_layer *l, const lnn_weight *w, lnn_exec *e,
                             const float *x, float *y)
{
    const lnn_rnn *r = l->state;
    const lnn_rnn_cell *cell = r->cell;
    size_t B = e->batch, T = r->steps, u = r->units, G = r->gates, in = r->in;
    lnn_carver cv = {e->cache ? e->cache : e->scratch, 0, true};
    fwd_bufs f;
    fwd_layout(r, B, e->training, &cv, &f);
    if (f.drop && !e->rng)
        return lnn_error(LIBNN_E_STATE, "%s: a training pass with dropout needs a generator",
                         l->name);
    const float *kernel = w[0].value, *rec = w[1].value;
    const float *bias = r->use_bias ? w[2].value : NULL;

    read_masks(r, e, &f);
    gather_inputs(r, e, &f, x);
    const float *preset = cell->adds_bias ? NULL : bias;
    if (preset)
        lnn_rows_set(f.z, preset, T * B, G);
    libnn_status st = lnn_sgemm(false, false, T * B, G, in, 1.0f, f.xt, in, kernel, G,
                                preset ? 1.0f : 0.0f, f.z, G);
    init_state(e->state_in[0], f.h, B * u);
    if (f.c)
        init_state(e->state_in[1], f.c, B * u);

    for (size_t s = 0; s < T && st == LIBNN_OK; s++) {
        lnn_rnn_step step = step_at(r, &f, B, s);
        step.bias = cell->adds_bias ? bias : NULL;
        float beta = 1.0f;
        if (cell->split) {
            /* The recurrent bias goes inside the reset gate's product. */
            beta = bias ? 1.0f : 0.0f;
            if (bias)
                lnn_rows_set(step.zr, bias + G, B, G);
        }
        st = lnn_sgemm(false, false, B, G, u, 1.0f, step.h_prev, u, rec, G, beta,
                       cell->split ? step.zr : step.z, G);
        if (st != LIBNN_OK)
            break;
        cell->forward(r, &step);
        const float *m = f.mask + s * B;
        carry_masked(m, B, u, step.h_prev, step.h);
        if (f.c)
            carry_masked(m, B, u, step.c_prev, step.c);
    }
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", l->name);

    write_outputs(r, &f, B, y);
    if (e->state_out[0])
        memcpy(e->state_out[0], f.h + T * B * u, B * u * sizeof(float));
    if (f.c && e->state_out[1])
        memcpy(e->state_out[1], f.c + T * B * u, B * u * sizeof(float));
    return LIBNN_OK;
}

/* dL/d(state after step s) += the output's share of dy. */
static void add_output_grads(const lnn_rnn *r, const fwd_bufs *f, size_t B, size_t s,
                             const float *dy, float *dh)
{
    size_t T = r->steps, u = r->units;
    if (!r->return_sequences && s != T - 1)
        return;
    for (size_t b = 0; b < B; b++) {
        if (!output_weight(r, f, B, b, s))
            continue;
        const float *src = dy + (r->return_sequences ? b * T + s : b) * u;
        float *dst = dh + b * u;
        for (size_t j = 0; j < u; j++)
            dst[j] += src[j];
    }
}

/* Masked rows: the candidate gets no gradient (into `masked`), and the
 * state's gradient passes to the previous state (added to `prev`). */
static void split_masked(const float *mask, size_t B, size_t u, const float *d, float *masked)
{
    for (size_t b = 0; b < B; b++) {
        if (mask[b] != 0.0f)
            memcpy(masked + b * u, d + b * u, u * sizeof *masked);
        else
            memset(masked + b * u, 0, u * sizeof *masked);
    }
}

static void pass_masked(const float *mask, size_t B, size_t u, const float *d, float *prev)
{
    for (size_t b = 0; b < B; b++)
        if (mask[b] == 0.0f)
            for (size_t j = 0; j < u; j++)
                prev[b * u + j] += d[b * u + j];
}

/* The weight gradients of all steps at once, and dx. */
static libnn_status gather_grads(const lnn_rnn *r, lnn_weight *w, const fwd_bufs *f,
                                 const bwd_bufs *g, size_t B, float *dx)
{
    size_t rows = r->steps * B, G = r->gates, u = r->units, in = r->in;
    libnn_status st = LIBNN_OK;
    if (w[0].trainable) {
        st = lnn_sgemm(true, false, in, G, rows, 1.0f, f->xt, in, g->dz, G, 1.0f, w[0].grad, G);
        if (st == LIBNN_OK)
            st = lnn_sgemm(true, false, u, G, rows, 1.0f, f->h, u, g->dzr, G, 1.0f, w[1].grad, G);
        if (st == LIBNN_OK && r->use_bias) {
            lnn_sum_rows(w[2].grad, g->dz, rows, G, true);
            if (r->cell->split)
                lnn_sum_rows(w[2].grad + G, g->dzr, rows, G, true);
        }
    }
    if (st == LIBNN_OK && dx) {
        st = lnn_sgemm(false, true, rows, in, G, 1.0f, g->dz, G, w[0].value, G, 0.0f, g->dxt, in);
        if (st == LIBNN_OK)
            reorder(r, f, B, g->dxt, dx, false);
    }
    return st;
}

libnn_status lnn_rnn_backward(const libnn_layer *l, lnn_weight *w, lnn_exec *e, const float *dy,
                              float *dx)
{
    const lnn_rnn *r = l->state;
    const lnn_rnn_cell *cell = r->cell;
    size_t B = e->batch, T = r->steps, u = r->units, G = r->gates;
    if (!e->cache || !e->scratch)
        return lnn_error(LIBNN_E_STATE, "%s: backward needs a training forward pass", l->name);
    lnn_carver fc = {e->cache, 0, true}, bc = {e->scratch, 0, true};
    fwd_bufs f;
    bwd_bufs g;
    fwd_layout(r, B, e->training, &fc, &f);
    bwd_layout(r, B, &bc, &g);
    const float *rec = w[1].value;

    float *dh = g.dh[0], *dh_prev = g.dh[1], *dc = g.dc[0], *dc_prev = g.dc[1];
    memset(dh, 0, B * u * sizeof *dh);
    if (dc)
        memset(dc, 0, B * u * sizeof *dc);
    libnn_status st = LIBNN_OK;
    for (size_t s = T; s-- > 0 && st == LIBNN_OK;) {
        add_output_grads(r, &f, B, s, dy, dh);
        const float *m = f.mask + s * B;
        bool masked = step_has_masked(m, B);
        if (masked) {
            split_masked(m, B, u, dh, g.dhm);
            if (dc)
                split_masked(m, B, u, dc, g.dcm);
        }
        lnn_rnn_step step = step_at(r, &f, B, s);
        step.dh = masked ? g.dhm : dh;
        step.dc = masked ? g.dcm : dc;
        step.dz = g.dz + s * B * G;
        step.dzr = cell->split ? g.dzr + s * B * G : NULL;
        step.dh_prev = dh_prev;
        step.dc_prev = dc_prev;
        cell->backward(r, &step);
        if (s == 0)
            break; /* the initial state gets no gradient */
        bool direct = cell->writes_dh_prev;
        if (masked) {
            if (!direct)
                memset(dh_prev, 0, B * u * sizeof *dh_prev);
            pass_masked(m, B, u, dh, dh_prev);
            if (dc)
                pass_masked(m, B, u, dc, dc_prev);
        }
        st = lnn_sgemm(false, true, B, u, G, 1.0f, g.dzr + s * B * G, G, rec, G,
                       direct || masked ? 1.0f : 0.0f, dh_prev, u);
        float *t = dh;
        dh = dh_prev;
        dh_prev = t;
        t = dc;
        dc = dc_prev;
        dc_prev = t;
    }
    if (st == LIBNN_OK)
        st = gather_grads(r, w, &f, &g, B, dx);
    return st == LIBNN_OK ? st : lnn_error_prefix(st, "%s", l->name);
}

libnn_status lnn_rnn_new(const lnn_layer_ops *ops, int64_t units, libnn_layer **out)
{
    return lnn_layer_new_with(ops, 1, (const libnn_param[]){LIBNN_PARAM_UNITS},
                              (const lnn_param_value[]){{.i = units}}, out);
}

libnn_status lnn_rnn_forward_op(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    return lnn_rnn_forward(l, l->weights, e, x, y);
}

libnn_status lnn_rnn_backward_op(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                 const float *dy, float *dx)
{
    return lnn_rnn_backward(l, l->weights, e, dy, dx);
}
