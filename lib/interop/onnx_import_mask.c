/*
 * ONNX import of the Keras masks libnn exports (onnx_export.c,
 * onnx_export_rnn.c): an Embedding's mask_zero (Equal(ids, 0), Not, Cast)
 * or a Masking layer (Equal(x, v), Cast, ReduceMin, Sub(1, .), and
 * Mul(x, Unsqueeze(mask))), then, before a recurrent layer, the rotation
 * of each sequence (ReduceSum + Cast for sequence_lens; ArgMax, Add, Mod,
 * Unsqueeze, Expand, GatherElements). Each node must be the next step of
 * that pattern exactly; anything else is left to the other operators
 * (which refuse what they cannot map).
 */
#include <math.h>
#include <string.h>

#include "core/error_internal.h"
#include "onnx_import_internal.h"

/* Output 0 as mask stage `stage`, inheriting the pattern's data. */
static libnn_status stage_out(lnn_ix *ix, int stage, const lnn_ix_value *from)
{
    double mv = from ? from->mask_value : 0;
    size_t src = from ? from->src : 0, index;
    libnn_status st = lnn_ix_output(ix, 0, LNN_IX_MASK, &index);
    if (st == LIBNN_OK) {
        ix->values[index].stage = stage;
        ix->values[index].src = src;
        ix->values[index].mask_value = mv;
    }
    return st;
}

/* Input k if it is a mask value at `stage`, else NULL. */
static lnn_ix_value *mask_in(lnn_ix *ix, size_t k, int stage)
{
    if (k >= ix->node->n_input || !ix->node->input[k][0])
        return NULL;
    lnn_ix_value *v = lnn_ix_find(ix, ix->node->input[k]);
    return v && v->kind == LNN_IX_MASK && v->stage == stage ? v : NULL;
}

static bool op_is(const lnn_ix *ix, const char *op)
{
    return strcmp(ix->node->op_type, op) == 0;
}

/* Whether the node's constant int input k (or attribute) is exactly v[0..n). */
static bool ints_are(lnn_ix *ix, size_t k, const char *attr, size_t n, const int64_t *v)
{
    int64_t got[4];
    size_t m = 0;
    libnn_status st = lnn_ix_ints_of(ix, k, attr, 4, got, &m);
    return st == LIBNN_OK && m == n && memcmp(got, v, n * sizeof *v) == 0;
}

/* Equal(ids, 0) on the token ids the last Embedding read, or Equal(x, v)
 * on the current data (a Masking layer's test). */
static libnn_status equal(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_input(ix, 0, &st), *c = x ? lnn_ix_input(ix, 1, &st) : NULL;
    if (!c)
        return st;
    if (x->kind != LNN_IX_DATA || c->kind != LNN_IX_CONST || c->count != 1 || c->ndim != 0)
        return LIBNN_E_NOTFOUND;
    lnn_ix_spec *last = ix->n_specs ? &ix->specs[ix->n_specs - 1] : NULL;
    if (c->i && c->i[0] == 0 && last && last->kind == LIBNN_LAYER_EMBEDDING &&
        x->version + 1 == ix->n_specs && x->sndim == 1) {
        lnn_ix_spec_opt(last, LIBNN_PARAM_MASK_ZERO, 1);
        return stage_out(ix, LNN_IX_M_PAD, NULL);
    }
    if (c->f && lnn_ix_current(ix, x) && x->form == LNN_IX_PLAIN && x->sndim == 2) {
        size_t src = (size_t)(x - ix->values);
        double mv = c->f[0];
        st = stage_out(ix, LNN_IX_M_EQ, NULL);
        if (st == LIBNN_OK) {
            ix->values[ix->n_values - 1].src = src;
            ix->values[ix->n_values - 1].mask_value = mv;
        }
        return st;
    }
    return LIBNN_E_NOTFOUND;
}

/* Mul(x, mask over features): the Masking layer itself. */
static libnn_status masking(lnn_ix *ix, lnn_ix_value *m)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN), &st);
    if (!x)
        return st;
    if ((size_t)(x - ix->values) != m->src)
        return lnn_ix_unsupported(ix, "a mask applied to other data than it was made from");
    lnn_ix_value keep = *x;
    lnn_ix_spec *sp = lnn_ix_spec_new(ix, LIBNN_LAYER_MASKING, &st);
    if (!sp)
        return st;
    sp->args[0] = 0;
    lnn_ix_spec_opt(sp, LIBNN_PARAM_MASK_VALUE, m->mask_value);
    return lnn_ix_carry(ix, &keep, false);
}

libnn_status lnn_ix_mask_op(lnn_ix *ix)
{
    lnn_ix_value *m;
    if (op_is(ix, "Equal"))
        return equal(ix);
    if (op_is(ix, "Not") && (m = mask_in(ix, 0, LNN_IX_M_PAD)))
        return stage_out(ix, LNN_IX_M_REAL, m);
    if (op_is(ix, "Cast")) {
        int64_t to = lnn_ix_attr_int(ix, "to", 0);
        if ((m = mask_in(ix, 0, LNN_IX_M_REAL)) && to == LNN_IX_FLOAT)
            return stage_out(ix, LNN_IX_M_FLOAT, m);
        if ((m = mask_in(ix, 0, LNN_IX_M_EQ)) && to == LNN_IX_FLOAT)
            return stage_out(ix, LNN_IX_M_EQF, m);
        if ((m = mask_in(ix, 0, LNN_IX_M_COUNT)) && to == LNN_IX_INT32)
            return stage_out(ix, LNN_IX_M_LENS, m);
    }
    if (op_is(ix, "ReduceMin") && (m = mask_in(ix, 0, LNN_IX_M_EQF)) &&
        ints_are(ix, 99, "axes", 1, (const int64_t[]){-1}) &&
        lnn_ix_attr_int(ix, "keepdims", 1) == 0)
        return stage_out(ix, LNN_IX_M_ALL, m);
    if (op_is(ix, "Sub") && (m = mask_in(ix, 1, LNN_IX_M_ALL))) {
        libnn_status st = LIBNN_OK;
        lnn_ix_value *one = lnn_ix_input(ix, 0, &st);
        if (one && lnn_ix_const_is(one, 1.0, 0.0) && one->count == 1)
            return stage_out(ix, LNN_IX_M_FLOAT, m);
    }
    if (op_is(ix, "Unsqueeze") && ints_are(ix, 1, "axes", 1, (const int64_t[]){2})) {
        if ((m = mask_in(ix, 0, LNN_IX_M_FLOAT)))
            return stage_out(ix, LNN_IX_M_3D, m);
        if ((m = mask_in(ix, 0, LNN_IX_M_ROT)))
            return stage_out(ix, LNN_IX_M_ROT3, m);
    }
    if (op_is(ix, "Mul") && (m = mask_in(ix, 1, LNN_IX_M_3D)))
        return masking(ix, m);
    if (op_is(ix, "ReduceSum") && (m = mask_in(ix, 0, LNN_IX_M_FLOAT)) &&
        ints_are(ix, 1, NULL, 1, (const int64_t[]){1}) && lnn_ix_attr_int(ix, "keepdims", 1) == 0)
        return stage_out(ix, LNN_IX_M_COUNT, m);
    if (op_is(ix, "ArgMax") && (m = mask_in(ix, 0, LNN_IX_M_FLOAT)) &&
        lnn_ix_attr_int(ix, "axis", 0) == 1 && lnn_ix_attr_int(ix, "keepdims", 1) == 1 &&
        lnn_ix_attr_int(ix, "select_last_index", 0) == 0)
        return stage_out(ix, LNN_IX_M_FIRST, m);
    if (op_is(ix, "Add") && (m = mask_in(ix, 0, LNN_IX_M_FIRST))) {
        libnn_status st = LIBNN_OK;
        lnn_ix_value *r = lnn_ix_input(ix, 1, &st);
        bool range = r && r->kind == LNN_IX_CONST && r->i && r->ndim == 2 && r->dims[0] == 1;
        for (size_t t = 0; range && t < r->count; t++)
            range = r->i[t] == (int64_t)t;
        if (range)
            return stage_out(ix, LNN_IX_M_SHIFT, m);
    }
    if (op_is(ix, "Mod") && (m = mask_in(ix, 0, LNN_IX_M_SHIFT)) &&
        lnn_ix_attr_int(ix, "fmod", 0) == 0) {
        libnn_status st = LIBNN_OK;
        lnn_ix_value *T = lnn_ix_input(ix, 1, &st);
        if (T && T->kind == LNN_IX_CONST && T->i && T->count == 1 && T->i[0] >= 1)
            return stage_out(ix, LNN_IX_M_ROT, m);
    }
    if (op_is(ix, "Expand") && (m = mask_in(ix, 0, LNN_IX_M_ROT3)))
        return stage_out(ix, LNN_IX_M_ROTX, m);
    if (op_is(ix, "GatherElements") && mask_in(ix, 1, LNN_IX_M_ROTX) &&
        lnn_ix_attr_int(ix, "axis", 0) == 1) {
        libnn_status st = LIBNN_OK;
        lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN), &st);
        if (!x)
            return st;
        if (x->sndim != 2)
            return lnn_ix_unsupported(ix, "a rotation of other data than sequences");
        st = lnn_ix_carry(ix, x, true);
        if (st == LIBNN_OK)
            ix->values[ix->n_values - 1].rotated = true;
        return st;
    }
    return LIBNN_E_NOTFOUND;
}
