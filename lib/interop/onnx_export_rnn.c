/*
 * ONNX export of SimpleRNN, LSTM, GRU and Bidirectional as ONNX's RNN,
 * LSTM and GRU nodes. ONNX runs them time-major ([steps, batch, features]),
 * so a Transpose comes before and after. Gate orders: Keras' LSTM i, f, c, o
 * is ONNX's i, o, f, c; GRU (reset_after, linear_before_reset=1) is z, r, h
 * in both. go_backwards: without return_sequences ONNX's "reverse"
 * direction is exactly Keras'; with it, Keras returns the outputs in
 * processing order, so the input is reversed (Slice, step -1) and the
 * forward direction runs.
 */
#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "layers/layer_factory_internal.h"
#include "layers/rnn_internal.h"
#include "onnx_export_internal.h"

/* ONNX's name of an activation its recurrent nodes take without
 * parameters (their defaults are Keras' values); NULL: none. */
static const char *rnn_act_name(lnn_act act)
{
    switch (act) {
    case LNN_ACT_TANH: return "Tanh";
    case LNN_ACT_SIGMOID: return "Sigmoid";
    case LNN_ACT_RELU: return "Relu";
    case LNN_ACT_HARD_SIGMOID: return "HardSigmoid";
    case LNN_ACT_SOFTSIGN: return "Softsign";
    case LNN_ACT_SOFTPLUS: return "Softplus";
    default: return NULL;
    }
}

/* ONNX's gate index of libnn's gate g. */
static size_t onnx_gate(libnn_layer_kind kind, size_t g)
{
    static const size_t lstm[4] = {0, 2, 3, 1}; /* i f c o -> i o f c */
    return kind == LIBNN_LAYER_LSTM ? lstm[g] : g;
}

typedef struct rnn_info {
    libnn_layer_kind kind;
    size_t gates, units, in, dirs;
} rnn_info;

/* W, R and B of all directions from the weights named prefix + kernel,
 * recurrent_kernel, bias. */
static libnn_status rnn_weights(lnn_ox_export *e, const rnn_info *ri, const char **names)
{
    static const char *const prefix[2] = {"", ""};
    static const char *const bprefix[2] = {"forward_", "backward_"};
    size_t G = ri->gates, u = ri->units, in = ri->in, D = ri->dirs;
    float *W = lnn_ox_alloc(&e->g, D * G * u * in * sizeof *W);
    float *R = lnn_ox_alloc(&e->g, D * G * u * u * sizeof *R);
    float *B = lnn_ox_alloc(&e->g, D * 2 * G * u * sizeof *B);
    if (!W || !R || !B)
        return e->g.status;
    bool has_bias = false;
    for (size_t d = 0; d < D; d++) {
        const char *p = D == 2 ? bprefix[d] : prefix[d];
        char name[64];
        snprintf(name, sizeof name, "%skernel", p);
        const lnn_weight *k = lnn_layer_weight((libnn_layer *)e->l, name);
        snprintf(name, sizeof name, "%srecurrent_kernel", p);
        const lnn_weight *r = lnn_layer_weight((libnn_layer *)e->l, name);
        snprintf(name, sizeof name, "%sbias", p);
        const lnn_weight *b = lnn_layer_weight((libnn_layer *)e->l, name);
        if (!k || !r)
            return lnn_error(LIBNN_E_STATE, "model_export_onnx: %s has no %skernel", e->l->name, p);
        has_bias |= b != NULL;
        for (size_t g = 0; g < G; g++) {
            size_t og = onnx_gate(ri->kind, g);
            for (size_t j = 0; j < u; j++) {
                size_t row = (d * G + og) * u + j, col = g * u + j;
                for (size_t i = 0; i < in; i++)
                    W[row * in + i] = k->value[i * G * u + col];
                for (size_t i = 0; i < u; i++)
                    R[row * u + i] = r->value[i * G * u + col];
                float *Bd = B + d * 2 * G * u;
                /* GRU's bias is [input; recurrent]; the others' one row
                 * goes to Wb and Rb stays 0. */
                Bd[og * u + j] = b ? b->value[col] : 0.0f;
                Bd[G * u + og * u + j] = b && b->ndim == 2 ? b->value[G * u + col] : 0.0f;
            }
        }
    }
    int64_t wd[3] = {(int64_t)D, (int64_t)(G * u), (int64_t)in};
    int64_t rd[3] = {(int64_t)D, (int64_t)(G * u), (int64_t)u};
    int64_t bd[2] = {(int64_t)D, (int64_t)(2 * G * u)};
    names[1] = lnn_ox_float_init(&e->g, lnn_ox_vname(e, "W"), 3, wd, W);
    names[2] = lnn_ox_float_init(&e->g, lnn_ox_vname(e, "R"), 3, rd, R);
    names[3] = has_bias ? lnn_ox_float_init(&e->g, lnn_ox_vname(e, "B"), 2, bd, B) : NULL;
    return e->g.status;
}

static void reduce(lnn_ox_export *e, int merge, int64_t axis)
{
    static const char *const ops[4] = {NULL, "ReduceSum", "ReduceMean", "ReduceProd"};
    const char *in[2] = {e->cur, NULL};
    size_t n_in = 1;
    if (merge == LIBNN_MERGE_SUM) { /* opset 13: ReduceSum's axes are an input */
        in[1] = lnn_ox_ints(e, "merge_axes", 1, &axis);
        n_in = 2;
    }
    const char *out = lnn_ox_op(&e->g, ops[merge], lnn_ox_vname(e, "merge"), n_in, in);
    Onnx__NodeProto *n = lnn_ox_last(&e->g);
    if (merge != LIBNN_MERGE_SUM)
        lnn_ox_attr_ints(&e->g, n, "axes", 1, &axis);
    lnn_ox_attr_int(&e->g, n, "keepdims", 0);
    if (out)
        e->cur = out;
}

static void squeeze(lnn_ox_export *e, const char *value, int64_t axis)
{
    const char *in[2] = {value, lnn_ox_ints(e, "squeeze_axes", 1, &axis)};
    const char *out = lnn_ox_op(&e->g, "Squeeze", lnn_ox_vname(e, "squeeze"), 2, in);
    if (out)
        e->cur = out;
}

/*
 * A Keras mask whose real steps are contiguous (pre- or post-padding) as
 * ONNX's sequence_lens: each sequence is rotated so that its real steps
 * come first (GatherElements over time with (t + first real step) mod T),
 * and their count is the length. Keras' result without return_sequences is
 * the state after the last real step, which this gives in both directions.
 * Returns the lengths (int32 [batch]); cur becomes the rotated input.
 */
static const char *masked_steps_first(lnn_ox_export *e, size_t steps)
{
    int64_t T = (int64_t)steps;
    int64_t *range = lnn_ox_alloc(&e->g, steps * sizeof *range);
    if (!range)
        return NULL;
    for (size_t t = 0; t < steps; t++)
        range[t] = (int64_t)t;
    const char *sum[2] = {e->mask, lnn_ox_ints(e, "time_axis", 1, (const int64_t[]){1})};
    const char *count = lnn_ox_apply(e, "ReduceSum", "real_steps", 2, sum);
    lnn_ox_attr_int(&e->g, lnn_ox_last(&e->g), "keepdims", 0);
    const char *lens = lnn_ox_apply(e, "Cast", "sequence_lens", 1, &count);
    lnn_ox_attr_int(&e->g, lnn_ox_last(&e->g), "to", ONNX__TENSOR_PROTO__DATA_TYPE__INT32);
    const char *first = lnn_ox_apply(e, "ArgMax", "first_real", 1, &e->mask);
    lnn_ox_attr_int(&e->g, lnn_ox_last(&e->g), "axis", 1);
    lnn_ox_attr_int(&e->g, lnn_ox_last(&e->g), "keepdims", 1); /* [batch, 1] */
    const char *add[2] = {first, lnn_ox_int64_init(&e->g, lnn_ox_vname(e, "steps_range"), 2,
                                                   (const int64_t[]){1, T}, range)};
    const char *mod[2] = {lnn_ox_apply(e, "Add", "shifted", 2, add),
                          lnn_ox_ints(e, "steps", 1, &T)};
    const char *idx = lnn_ox_apply(e, "Mod", "rotation", 2, mod);
    const char *un[2] = {idx, lnn_ox_ints(e, "feature_axis", 1, (const int64_t[]){2})};
    const char *shape = lnn_ox_apply(e, "Shape", "input_shape", 1, &e->cur);
    const char *ex[2] = {lnn_ox_apply(e, "Unsqueeze", "rotation_3d", 2, un), shape};
    const char *gather[2] = {e->cur, lnn_ox_apply(e, "Expand", "rotation_full", 2, ex)};
    const char *out = lnn_ox_apply(e, "GatherElements", "real_first", 2, gather);
    lnn_ox_attr_int(&e->g, lnn_ox_last(&e->g), "axis", 1);
    if (out)
        e->cur = out;
    return lens;
}

libnn_status lnn_ox_export_rnn(lnn_ox_export *e)
{
    const libnn_layer *l = e->l;
    bool bidir = l->ops->kind == LIBNN_LAYER_BIDIRECTIONAL;
    const libnn_layer *cell = bidir ? lnn_bidirectional_inner(l) : l;
    const lnn_rnn *r = cell->state;
    rnn_info ri = {cell->ops->kind, r->cell->gates, r->units, r->in, bidir ? 2 : 1};
    if (e->mask && r->return_sequences)
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_export_onnx: %s returns sequences over a Keras mask (mask_zero "
                         "or Masking before it): ONNX's outputs past a sequence's length are "
                         "zeros, Keras repeats the last output there",
                         l->name);
    if (bidir && r->go_backwards)
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_export_onnx: %s wraps a layer with go_backwards", l->name);
    const char *acts[3];
    size_t n_acts = 0;
    if (r->cell->recurrent_activation)
        acts[n_acts++] = rnn_act_name(r->ract);
    acts[n_acts++] = rnn_act_name(r->act);
    if (ri.kind == LIBNN_LAYER_LSTM)
        acts[n_acts++] = rnn_act_name(r->act); /* LSTM: the cell and the output */
    for (size_t i = 0; i < n_acts; i++)
        if (!acts[i])
            return lnn_error(LIBNN_E_UNSUPPORTED,
                             "model_export_onnx: %s: ONNX's %s takes the activations tanh, "
                             "sigmoid, relu, hard_sigmoid, softsign and softplus, not %s",
                             l->name, ri.kind == LIBNN_LAYER_LSTM ? "LSTM"
                                      : ri.kind == LIBNN_LAYER_GRU ? "GRU" : "RNN",
                             lnn_act_name(i + 1 == n_acts ? r->act : r->ract));

    const char *in[4] = {NULL, NULL, NULL, NULL};
    libnn_status st = rnn_weights(e, &ri, in);
    if (st != LIBNN_OK)
        return st;
    const char *lens = e->mask ? masked_steps_first(e, r->steps) : NULL;
    lnn_ox_transpose(e, "time_major", 3, (const int64_t[]){1, 0, 2});
    const char *direction = bidir ? "bidirectional" : "forward";
    if (r->go_backwards && r->return_sequences) {
        const char *sl[5] = {e->cur, lnn_ox_ints(e, "rev_starts", 1, (const int64_t[]){-1}),
                             lnn_ox_ints(e, "rev_ends", 1, (const int64_t[]){INT64_MIN}),
                             lnn_ox_ints(e, "rev_axes", 1, (const int64_t[]){0}),
                             lnn_ox_ints(e, "rev_steps", 1, (const int64_t[]){-1})};
        const char *out = lnn_ox_op(&e->g, "Slice", lnn_ox_vname(e, "reversed"), 5, sl);
        if (out)
            e->cur = out;
    } else if (r->go_backwards) {
        direction = "reverse";
    }
    in[0] = e->cur;
    const char *node_in[5] = {in[0], in[1], in[2], in[3], lens};
    const char *outs[2] = {lnn_ox_vname(e, "Y"), lnn_ox_vname(e, "Y_h")};
    static const char *const ops[3] = {"RNN", "LSTM", "GRU"};
    Onnx__NodeProto *n = lnn_ox_node(&e->g, ops[ri.kind - LIBNN_LAYER_SIMPLE_RNN],
                                     lens ? 5 : in[3] ? 4 : 3, node_in, 2, outs);
    lnn_ox_attr_int(&e->g, n, "hidden_size", (int64_t)ri.units);
    if (strcmp(direction, "forward") != 0)
        lnn_ox_attr_string(&e->g, n, "direction", direction);
    if (ri.kind == LIBNN_LAYER_GRU)
        lnn_ox_attr_int(&e->g, n, "linear_before_reset", 1);
    /* Repeated per direction. */
    const char *all_acts[6];
    for (size_t d = 0; d < ri.dirs; d++)
        memcpy(all_acts + d * n_acts, acts, n_acts * sizeof *acts);
    lnn_ox_attr_strings(&e->g, n, "activations", n_acts * ri.dirs, all_acts);
    if (e->g.status != LIBNN_OK)
        return e->g.status;

    int merge = bidir ? (int)lnn_param_int(l, LIBNN_PARAM_MERGE_MODE) : 0;
    if (!bidir) {
        if (r->return_sequences) {
            squeeze(e, n->output[0], 1);
            lnn_ox_transpose(e, "batch_major", 3, (const int64_t[]){1, 0, 2});
        } else {
            squeeze(e, n->output[1], 0);
        }
    } else if (r->return_sequences) {
        e->cur = n->output[0]; /* [T, 2, B, H] */
        lnn_ox_transpose(e, "dirs_inner", 4, (const int64_t[]){0, 2, 1, 3});
        if (merge == LIBNN_MERGE_CONCAT) {
            const char *rs[2] = {e->cur, lnn_ox_ints(e, "concat_shape", 3, (const int64_t[]){0, 0, -1})};
            const char *out = lnn_ox_op(&e->g, "Reshape", lnn_ox_vname(e, "concat"), 2, rs);
            if (out)
                e->cur = out;
        } else {
            reduce(e, merge, 2);
        }
        lnn_ox_transpose(e, "batch_major", 3, (const int64_t[]){1, 0, 2});
    } else {
        e->cur = n->output[1]; /* [2, B, H] */
        lnn_ox_transpose(e, "dirs_inner", 3, (const int64_t[]){1, 0, 2});
        if (merge == LIBNN_MERGE_CONCAT) {
            const char *rs[2] = {e->cur, lnn_ox_ints(e, "concat_shape", 2, (const int64_t[]){0, -1})};
            const char *out = lnn_ox_op(&e->g, "Reshape", lnn_ox_vname(e, "concat"), 2, rs);
            if (out)
                e->cur = out;
        } else {
            reduce(e, merge, 1);
        }
    }
    return e->g.status;
}
