/*
 * ONNX import of RNN, LSTM and GRU nodes, and of the nodes that turn their
 * Y and Y_h into a libnn layer's output: the Squeeze of one direction
 * (torch, libnn), Transpose + Reshape for Bidirectional's concat, and
 * ReduceSum/Mean/Prod for its other merge modes. The layer's
 * return_sequences is decided by which output the graph goes on with.
 * Weights: ONNX's W [dirs, gates*u, in] and R [dirs, gates*u, u] in ONNX's
 * gate order become libnn's kernel [in, gates*u] and recurrent_kernel
 * [u, gates*u]; LSTM and SimpleRNN biases are summed, GRU's kept as rows.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "onnx_import_internal.h"

static bool attr_is(const lnn_ix *ix, const char *name, const char *want)
{
    const Onnx__AttributeProto *a = lnn_ix_attr(ix, name);
    const char *s = a && a->has_s ? (const char *)a->s.data : "";
    size_t n = a && a->has_s ? a->s.len : 0;
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

static int act_of(const ProtobufCBinaryData *s)
{
    static const struct {
        const char *name;
        int act;
    } table[] = {{"Tanh", LIBNN_ACT_TANH},         {"Sigmoid", LIBNN_ACT_SIGMOID},
                 {"Relu", LIBNN_ACT_RELU},         {"HardSigmoid", LIBNN_ACT_HARD_SIGMOID},
                 {"Softsign", LIBNN_ACT_SOFTSIGN}, {"Softplus", LIBNN_ACT_SOFTPLUS}};
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (s->len == strlen(table[k].name) && memcmp(s->data, table[k].name, s->len) == 0)
            return table[k].act;
    return -1;
}

static size_t lnn_gate(libnn_layer_kind kind, size_t g)
{
    static const size_t lstm[4] = {0, 2, 3, 1}; /* libnn i f c o in ONNX's i o f c */
    return kind == LIBNN_LAYER_LSTM ? lstm[g] : g;
}

static libnn_status rnn_node(lnn_ix *ix, lnn_ix_value *x)
{
    libnn_status st = LIBNN_OK;
    const char *op = ix->node->op_type;
    libnn_layer_kind kind = op[0] == 'R' ? LIBNN_LAYER_SIMPLE_RNN
                            : op[0] == 'L' ? LIBNN_LAYER_LSTM : LIBNN_LAYER_GRU;
    size_t G = kind == LIBNN_LAYER_LSTM ? 4 : kind == LIBNN_LAYER_GRU ? 3 : 1;
    lnn_ix_value *W = NULL, *R = NULL, *B = NULL;
    for (size_t k = 1; k < ix->node->n_input; k++) {
        if (!ix->node->input[k][0])
            continue;
        lnn_ix_value *v = lnn_ix_input(ix, k, &st);
        if (!v)
            return st;
        bool zero_state = (k == 5 || (k == 6 && kind == LIBNN_LAYER_LSTM)) &&
                          v->kind == LNN_IX_ZERO;
        /* libnn's export of a Keras mask: the lengths of its rotated input */
        bool lens = k == 4 && v->kind == LNN_IX_MASK && v->stage == LNN_IX_M_LENS && x->rotated;
        if (k >= 4 && !zero_state && !lens)
            return lnn_ix_unsupported(ix, "input %zu (sequence_lens, initial states other "
                                          "than zeros, peepholes)",
                                      k);
        if (k <= 3 && (v->kind != LNN_IX_CONST || !v->f))
            return lnn_ix_unsupported(ix, "W, R and B must be float constants");
        if (k == 1)
            W = v;
        else if (k == 2)
            R = v;
        else if (k == 3)
            B = v;
    }
    if (!W || !R)
        return lnn_ix_format(ix, "W and R are required");
    int64_t D = W->ndim == 3 ? W->dims[0] : 0, u = lnn_ix_attr_int(ix, "hidden_size", 0);
    int64_t in = x->shape[1];
    bool bidir = attr_is(ix, "direction", "bidirectional");
    bool reverse = attr_is(ix, "direction", "reverse");
    if (!bidir && !reverse && lnn_ix_attr(ix, "direction") && !attr_is(ix, "direction", "forward"))
        return lnn_ix_format(ix, "unknown direction");
    if (u < 1 || u > (1 << 20) || D != (bidir ? 2 : 1) || W->dims[1] != (int64_t)G * u ||
        W->dims[2] != in || R->ndim != 3 || R->dims[0] != D || R->dims[1] != (int64_t)G * u ||
        R->dims[2] != u || (B && (B->ndim != 2 || B->dims[0] != D || B->dims[1] != 2 * (int64_t)G * u)))
        return lnn_ix_format(ix, "W, R, B do not fit hidden_size %lld, %lld inputs and the "
                                 "direction",
                             (long long)u, (long long)in);
    if (lnn_ix_attr(ix, "clip") || lnn_ix_attr_int(ix, "input_forget", 0) ||
        lnn_ix_attr_int(ix, "layout", 0) || lnn_ix_attr(ix, "activation_alpha") ||
        lnn_ix_attr(ix, "activation_beta"))
        return lnn_ix_unsupported(ix, "clip, input_forget, layout and activation parameters "
                                      "must keep their defaults");
    if (kind == LIBNN_LAYER_GRU && lnn_ix_attr_int(ix, "linear_before_reset", 0) != 1)
        return lnn_ix_unsupported(ix, "linear_before_reset=0 (libnn's GRU is reset_after)");
    if (x->reversed && (bidir || reverse))
        return lnn_ix_unsupported(ix, "a reversed input to a %s layer",
                                  bidir ? "bidirectional" : "reverse");
    /* Activations: f (and g, h) per direction, the same in each. */
    int acts[3] = {kind == LIBNN_LAYER_SIMPLE_RNN ? LIBNN_ACT_TANH : LIBNN_ACT_SIGMOID,
                   LIBNN_ACT_TANH, LIBNN_ACT_TANH};
    size_t n_acts = kind == LIBNN_LAYER_LSTM ? 3 : kind == LIBNN_LAYER_GRU ? 2 : 1;
    const Onnx__AttributeProto *aa = lnn_ix_attr(ix, "activations");
    if (aa) {
        if (aa->n_strings != n_acts * (size_t)D)
            return lnn_ix_format(ix, "%zu activations, %zu expected", aa->n_strings,
                                 n_acts * (size_t)D);
        for (size_t k = 0; k < aa->n_strings; k++) {
            int a = act_of(&aa->strings[k]);
            if (a < 0)
                return lnn_ix_unsupported(ix, "activation '%.*s'", (int)aa->strings[k].len,
                                          (const char *)aa->strings[k].data);
            if (k >= n_acts && a != acts[k % n_acts])
                return lnn_ix_unsupported(ix, "different activations per direction");
            if (k < n_acts)
                acts[k] = a;
        }
    }
    if (kind == LIBNN_LAYER_LSTM && acts[1] != acts[2])
        return lnn_ix_unsupported(ix, "LSTM's g and h activations differ");
    lnn_ix_spec *sp = lnn_ix_spec_new(ix, bidir ? LIBNN_LAYER_BIDIRECTIONAL : kind, &st);
    if (!sp)
        return st;
    sp->inner = kind;
    sp->args[0] = u;
    sp->args[1] = LIBNN_MERGE_CONCAT;
    if (kind == LIBNN_LAYER_SIMPLE_RNN) {
        lnn_ix_spec_opt(sp, LIBNN_PARAM_ACTIVATION, acts[0]);
    } else {
        lnn_ix_spec_opt(sp, LIBNN_PARAM_RECURRENT_ACTIVATION, acts[0]);
        lnn_ix_spec_opt(sp, LIBNN_PARAM_ACTIVATION, acts[1]);
    }
    lnn_ix_spec_opt(sp, LIBNN_PARAM_USE_BIAS, B != NULL);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_GO_BACKWARDS, reverse || x->reversed);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_RETURN_SEQUENCES, 0);
    static const char *const names[2][3] = {
        {"forward_kernel", "forward_recurrent_kernel", "forward_bias"},
        {"backward_kernel", "backward_recurrent_kernel", "backward_bias"}};
    static const char *const plain[3] = {"kernel", "recurrent_kernel", "bias"};
    size_t GU = G * (size_t)u;
    for (int64_t d = 0; d < D; d++) {
        const char *const *nm = bidir ? names[d] : plain;
        float *k = lnn_ix_spec_weight(sp, nm[0], (size_t)in * GU);
        float *r = k ? lnn_ix_spec_weight(sp, nm[1], (size_t)u * GU) : NULL;
        size_t bn = kind == LIBNN_LAYER_GRU ? 2 * GU : GU;
        float *b = r && B ? lnn_ix_spec_weight(sp, nm[2], bn) : NULL;
        if (!r || (B && !b))
            return LIBNN_E_NOMEM;
        const float *Wd = W->f + (size_t)d * GU * (size_t)in, *Rd = R->f + (size_t)d * GU * (size_t)u;
        const float *Bd = B ? B->f + (size_t)d * 2 * GU : NULL;
        for (size_t g = 0; g < G; g++) {
            size_t og = lnn_gate(kind, g);
            for (size_t j = 0; j < (size_t)u; j++) {
                size_t row = og * (size_t)u + j, col = g * (size_t)u + j;
                for (size_t i = 0; i < (size_t)in; i++)
                    k[i * GU + col] = Wd[row * (size_t)in + i];
                for (size_t i = 0; i < (size_t)u; i++)
                    r[i * GU + col] = Rd[row * (size_t)u + i];
                if (!b)
                    continue;
                if (kind == LIBNN_LAYER_GRU) {
                    b[col] = Bd[row];
                    b[GU + col] = Bd[GU + row];
                } else {
                    b[col] = Bd[row] + Bd[GU + row];
                }
            }
        }
    }
    int64_t T = x->shape[0];
    size_t index;
    for (size_t k = 0; k < 2 && k < ix->node->n_output; k++) {
        if (!ix->node->output[k][0])
            continue;
        if ((st = lnn_ix_output(ix, k, LNN_IX_DATA, &index)) != LIBNN_OK)
            return st;
        lnn_ix_value *y = &ix->values[index];
        y->form = k == 0 ? LNN_IX_RNN_Y : LNN_IX_RNN_YH;
        y->dirs = (int)D;
        y->sndim = 2;
        y->shape[0] = T;
        y->shape[1] = u;
        y->reversed = reverse; /* Y of "reverse" is in input order, unlike Keras' */
    }
    return lnn_ix_unusable(ix, 2); /* LSTM's Y_c */
}

/* The layer's output: a returned sequence (time-major) or the last state. */
static libnn_status finish(lnn_ix *ix, lnn_ix_value *y, bool sequence, int merge)
{
    lnn_ix_spec *sp = &ix->specs[ix->n_specs - 1];
    if (sequence && y->reversed)
        return lnn_ix_unsupported(ix, "the sequence of a reverse-direction layer comes in "
                                      "input order, which Keras' go_backwards does not give");
    lnn_ix_spec_opt(sp, LIBNN_PARAM_RETURN_SEQUENCES, sequence);
    sp->args[1] = merge;
    int64_t shape[2] = {y->shape[0], y->shape[1] * (merge == LIBNN_MERGE_CONCAT && y->dirs == 2 ? 2 : 1)};
    size_t index;
    libnn_status st = lnn_ix_output(ix, 0, LNN_IX_DATA, &index);
    if (st != LIBNN_OK)
        return st;
    lnn_ix_value *o = &ix->values[index];
    o->form = sequence ? LNN_IX_SEQ_TM : LNN_IX_PLAIN;
    o->sndim = sequence ? 2 : 1;
    memcpy(o->shape, sequence ? shape : shape + 1, o->sndim * sizeof *shape);
    return LIBNN_OK;
}

static libnn_status axes_are(lnn_ix *ix, int64_t want, int64_t rank)
{
    int64_t axes[4] = {0};
    size_t n = 0;
    const Onnx__AttributeProto *a = lnn_ix_attr(ix, "axes");
    if (ix->node->n_input > 1 && ix->node->input[1][0]) {
        libnn_status st = LIBNN_OK;
        lnn_ix_value *v = lnn_ix_input(ix, 1, &st);
        if (!v)
            return st;
        if (v->kind != LNN_IX_CONST || !v->i || v->count > 4)
            return lnn_ix_unsupported(ix, "axes must be constant");
        n = v->count;
        memcpy(axes, v->i, n * sizeof *axes);
    } else if (a && a->n_ints <= 4) {
        n = a->n_ints;
        lnn_ix_copy_ints(axes, a->ints, n);
    }
    if (n != 1 || (axes[0] != want && axes[0] != want - rank))
        return lnn_ix_unsupported(ix, "only axis %lld here", (long long)want);
    return LIBNN_OK;
}

libnn_status lnn_ix_rnn(lnn_ix *ix, lnn_ix_value *x)
{
    const char *op = ix->node->op_type;
    libnn_status st;
    if (x->form == LNN_IX_TM)
        return rnn_node(ix, x);
    lnn_ix_value keep = *x;
    if (strcmp(op, "Squeeze") == 0 && keep.dirs == 1) {
        bool seq = keep.form == LNN_IX_RNN_Y;
        if ((st = axes_are(ix, seq ? 1 : 0, seq ? 4 : 3)) != LIBNN_OK)
            return st;
        return finish(ix, &keep, seq, LIBNN_MERGE_CONCAT);
    }
    if (strcmp(op, "Transpose") == 0 && keep.dirs == 2) {
        const Onnx__AttributeProto *p = lnn_ix_attr(ix, "perm");
        bool seq = keep.form == LNN_IX_RNN_Y;
        static const int64_t p4[4] = {0, 2, 1, 3}, p3[3] = {1, 0, 2};
        if (!p || p->n_ints != (seq ? 4u : 3u) ||
            memcmp(p->ints, seq ? p4 : p3, p->n_ints * sizeof *p->ints) != 0)
            return lnn_ix_unsupported(ix, "this permutation of a bidirectional output");
        size_t index;
        if ((st = lnn_ix_output(ix, 0, LNN_IX_DATA, &index)) != LIBNN_OK)
            return st;
        lnn_ix_value *o = &ix->values[index];
        const char *name = o->name;
        *o = keep;
        o->name = name;
        o->form = seq ? LNN_IX_Y_TBDH : LNN_IX_YH_BDH;
        return LIBNN_OK;
    }
    bool seq = keep.form == LNN_IX_Y_TBDH;
    if (strcmp(op, "Reshape") == 0 && (seq || keep.form == LNN_IX_YH_BDH)) {
        lnn_ix_value *s = lnn_ix_input(ix, 1, &st);
        if (!s)
            return st;
        int64_t last = s->i && s->count ? s->i[s->count - 1] : 0;
        if ((s->kind != LNN_IX_CONST && s->kind != LNN_IX_SHAPE) || !s->i ||
            s->count != (seq ? 3u : 2u) || (last != -1 && last != 2 * keep.shape[1]))
            return lnn_ix_unsupported(ix, "only the two directions concatenated");
        return finish(ix, &keep, seq, LIBNN_MERGE_CONCAT);
    }
    if (strncmp(op, "Reduce", 6) == 0) {
        int merge = strcmp(op, "ReduceSum") == 0    ? LIBNN_MERGE_SUM
                    : strcmp(op, "ReduceMean") == 0 ? LIBNN_MERGE_AVE
                                                    : LIBNN_MERGE_MUL;
        if (lnn_ix_attr_int(ix, "keepdims", 1) != 0)
            return lnn_ix_unsupported(ix, "keepdims=1");
        if ((st = axes_are(ix, seq ? 2 : 1, seq ? 4 : 3)) != LIBNN_OK)
            return st;
        return finish(ix, &keep, seq, merge);
    }
    return lnn_ix_unsupported(ix, "this use of a recurrent node's output has no libnn layer");
}
