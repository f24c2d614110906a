/*
 * ONNX import: Gemm and MatMul (+ Add) as Dense, Gather as Embedding or
 * the last step of a sequence, the activations (GELU and swish from their
 * nodes), Softmax, Clip, Dropout.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "onnx_import_internal.h"

/* An Activation spec on the data (elementwise: the layout stays). */
libnn_status lnn_ix_activation(lnn_ix *ix, int act, double alpha)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_ELEMENTWISE, &st);
    if (!x)
        return st;
    lnn_ix_value keep = *x;
    size_t src = (size_t)(x - ix->values);
    lnn_ix_spec *s = lnn_ix_spec_new(ix, LIBNN_LAYER_ACTIVATION, &st);
    if (!s)
        return st;
    s->args[0] = act;
    if (!isnan(alpha))
        lnn_ix_spec_opt(s, LIBNN_PARAM_ALPHA, alpha);
    if ((st = lnn_ix_carry(ix, &keep, false)) == LIBNN_OK)
        ix->values[ix->n_values - 1].src = src; /* for swish: sigmoid(x) of which x */
    return st;
}

/* Dense from a 2-D weight w (transposed: [units, in]) and bias b. */
static libnn_status dense(lnn_ix *ix, lnn_ix_value *x, const lnn_ix_value *w, bool trans,
                          float alpha, const lnn_ix_value *b, float beta, bool pending_bias)
{
    libnn_status st = LIBNN_OK;
    int64_t in = x->form == LNN_IX_PERM ? x->shape[0] : x->shape[x->sndim - 1];
    if (!w->f || w->ndim != 2 || w->dims[trans ? 1 : 0] != in || w->dims[trans ? 0 : 1] < 1)
        return lnn_ix_unsupported(ix, "the weight must be float %s with %lld inputs",
                                  trans ? "[units, in]" : "[in, units]", (long long)in);
    int64_t units = w->dims[trans ? 0 : 1];
    if (b && (!b->f || (b->count != (size_t)units && b->count != 1) || b->ndim > 2))
        return lnn_ix_unsupported(ix, "the bias must be float [%lld]", (long long)units);
    lnn_ix_value keep = *x;
    lnn_ix_spec *sp = lnn_ix_spec_new(ix, LIBNN_LAYER_DENSE, &st);
    if (!sp)
        return st;
    sp->args[0] = units;
    lnn_ix_spec_opt(sp, LIBNN_PARAM_USE_BIAS, b != NULL || pending_bias);
    sp->bias_pending = pending_bias;
    float *k = lnn_ix_spec_weight(sp, "kernel", (size_t)(in * units));
    if (!k)
        return LIBNN_E_NOMEM;
    for (int64_t i = 0; i < in; i++) {
        /* After a Flatten of an NCHW image, ONNX's row (c, h, w) is
         * libnn's (h, w, c). */
        int64_t src = i;
        if (keep.form == LNN_IX_PERM) {
            int64_t C = keep.chw[0], H = keep.chw[1], W = keep.chw[2];
            int64_t c = i % C, hw = i / C;
            src = (c * H + hw / W) * W + hw % W;
            (void)H;
        }
        for (int64_t u = 0; u < units; u++)
            k[i * units + u] = alpha * (trans ? w->f[u * in + src] : w->f[src * units + u]);
    }
    float *bias = b || pending_bias ? lnn_ix_spec_weight(sp, "bias", (size_t)units) : NULL;
    if ((b || pending_bias) && !bias)
        return LIBNN_E_NOMEM;
    for (int64_t u = 0; bias && u < units; u++)
        bias[u] = b ? beta * b->f[b->count == 1 ? 0 : u] : 0.0f;
    int64_t shape[LIBNN_MAX_RANK];
    size_t n = keep.form == LNN_IX_PERM ? 1 : keep.sndim;
    memcpy(shape, keep.shape, n * sizeof *shape);
    shape[n - 1] = units;
    return lnn_ix_data_out(ix, LNN_IX_PLAIN, n, shape, NULL);
}

libnn_status lnn_ix_op_gemm(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(PERM), &st);
    if (!x)
        return st;
    lnn_ix_value *w = lnn_ix_const_input(ix, 1, "B", &st);
    lnn_ix_value *b = lnn_ix_has_input(ix, 2) ? lnn_ix_const_input(ix, 2, "C", &st) : NULL;
    if (!w || (lnn_ix_has_input(ix, 2) && !b))
        return st;
    if (x->sndim != 1 || lnn_ix_attr_int(ix, "transA", 0) != 0)
        return lnn_ix_unsupported(ix, "A must be [batch, features], not transposed");
    return dense(ix, x, w, lnn_ix_attr_int(ix, "transB", 0) != 0, lnn_ix_attr_float(ix, "alpha", 1.0f),
                 b, lnn_ix_attr_float(ix, "beta", 1.0f), false);
}

libnn_status lnn_ix_op_matmul(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(PERM), &st);
    lnn_ix_value *w = x ? lnn_ix_const_input(ix, 1, "the weight", &st) : NULL;
    if (!w)
        return st;
    return dense(ix, x, w, false, 1.0f, NULL, 1.0f, true);
}

/* Output 0 as stage `stage` of the GELU pattern begun at value src. */
static libnn_status gelu_stage(lnn_ix *ix, int stage, size_t src)
{
    size_t index;
    libnn_status st = lnn_ix_output(ix, 0, LNN_IX_GELU, &index);
    if (st == LIBNN_OK) {
        ix->values[index].stage = stage;
        ix->values[index].src = src;
    }
    return st;
}

/* Add: the bias of the Dense a MatMul just made, else unsupported. */
libnn_status lnn_ix_op_add(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *a = lnn_ix_input(ix, 0, &st), *b = a ? lnn_ix_input(ix, 1, &st) : NULL;
    if (!b)
        return st;
    if (a->kind == LNN_IX_GELU && a->stage == 2 && lnn_ix_const_is(b, 1.0, 1e-6)) {
        return gelu_stage(ix, 3, a->src);
    }
    lnn_ix_value *x = a->kind == LNN_IX_DATA ? a : b, *c = a->kind == LNN_IX_DATA ? b : a;
    lnn_ix_spec *last = ix->n_specs ? &ix->specs[ix->n_specs - 1] : NULL;
    if (x->kind != LNN_IX_DATA || !lnn_ix_current(ix, x) || c->kind != LNN_IX_CONST || !c->f ||
        !last || !last->bias_pending || (c->count != (size_t)last->args[0] && c->count != 1))
        return lnn_ix_unsupported(ix, "Add is imported only as the bias after a MatMul");
    float *bias = last->w[1];
    for (int64_t u = 0; u < last->args[0]; u++)
        bias[u] = c->f[c->count == 1 ? 0 : u];
    last->bias_pending = false;
    return lnn_ix_carry(ix, x, true); /* the same data, renamed */
}

/* Gather: an Embedding (constant table, data indices), the last step of a
 * returned sequence, or an entry of a shape. */
libnn_status lnn_ix_op_gather(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *d = lnn_ix_input(ix, 0, &st), *idx = d ? lnn_ix_input(ix, 1, &st) : NULL;
    if (!idx)
        return st;
    int64_t axis = lnn_ix_attr_int(ix, "axis", 0);
    if (d->kind == LNN_IX_SHAPE && idx->kind == LNN_IX_CONST && idx->i && idx->count == 1 &&
        axis == 0) {
        int64_t k = idx->i[0] < 0 ? idx->i[0] + (int64_t)d->count : idx->i[0];
        if (k < 0 || k >= (int64_t)d->count)
            return lnn_ix_format(ix, "index %lld out of the shape", (long long)idx->i[0]);
        int64_t v = d->i[k];
        return lnn_ix_ints_out(ix, LNN_IX_SHAPE, &v, 1, idx->ndim);
    }
    if (d->kind == LNN_IX_CONST && idx->kind == LNN_IX_DATA) {
        if (!lnn_ix_current(ix, idx) || idx->form != LNN_IX_PLAIN || axis != 0 || !d->f ||
            d->ndim != 2 || d->dims[0] < 1 || d->dims[1] < 1)
            return lnn_ix_unsupported(ix, "an Embedding needs a float table [vocab, dim] and "
                                          "the model's token ids");
        lnn_ix_value keep = *idx;
        lnn_ix_spec *sp = lnn_ix_spec_new(ix, LIBNN_LAYER_EMBEDDING, &st);
        if (!sp)
            return st;
        sp->args[0] = d->dims[0], sp->args[1] = d->dims[1];
        float *e = lnn_ix_spec_weight(sp, "embeddings", d->count);
        if (!e)
            return LIBNN_E_NOMEM;
        memcpy(e, d->f, d->count * sizeof *e);
        if (keep.sndim + 1 > LIBNN_MAX_RANK - 1)
            return lnn_ix_unsupported(ix, "ids of rank %zu", keep.sndim);
        keep.shape[keep.sndim] = d->dims[1];
        return lnn_ix_data_out(ix, LNN_IX_PLAIN, keep.sndim + 1, keep.shape, NULL);
    }
    /* y[:, -1] of a returned sequence: the layer returns its last step. */
    lnn_ix_spec *last = ix->n_specs ? &ix->specs[ix->n_specs - 1] : NULL;
    if (d->kind == LNN_IX_DATA && lnn_ix_current(ix, d) && d->form == LNN_IX_PLAIN &&
        d->seq && d->sndim == 2 && axis == 1 && idx->kind == LNN_IX_CONST && idx->i &&
        idx->count == 1 && idx->ndim == 0 &&
        (idx->i[0] == -1 || idx->i[0] == d->shape[0] - 1) && last &&
        (last->kind == LIBNN_LAYER_SIMPLE_RNN || last->kind == LIBNN_LAYER_LSTM ||
         last->kind == LIBNN_LAYER_GRU)) {
        bool backwards = false;
        for (size_t k = 0; k < last->n_opts; k++)
            backwards |= last->keys[k] == LIBNN_PARAM_GO_BACKWARDS && last->values[k] != 0;
        if (!backwards) {
            lnn_ix_value keep = *d;
            lnn_ix_spec_opt(last, LIBNN_PARAM_RETURN_SEQUENCES, 0);
            lnn_ix_value *y;
            st = lnn_ix_data_out(ix, LNN_IX_PLAIN, 1, &keep.shape[1], &y);
            if (st == LIBNN_OK)
                y->version = keep.version;
            return st;
        }
    }
    return lnn_ix_unsupported(ix, "this Gather has no libnn layer (Embedding tables, the "
                                  "last step of a forward recurrent layer's sequence)");
}

/* Elementwise activations, and the stages of GELU and swish. */
libnn_status lnn_ix_op_mul_div(lnn_ix *ix, bool div)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *a = lnn_ix_input(ix, 0, &st), *b = a ? lnn_ix_input(ix, 1, &st) : NULL;
    if (!b)
        return st;
    if (div && a->kind == LNN_IX_DATA && lnn_ix_current(ix, a) &&
        lnn_ix_const_is(b, 1.41421356, 1e-5)) {
        return gelu_stage(ix, 1, (size_t)(a - ix->values));
    }
    if (!div) {
        lnn_ix_value *g = a->kind == LNN_IX_GELU ? a : b, *x = a->kind == LNN_IX_GELU ? b : a;
        if (g->kind == LNN_IX_GELU && g->stage == 3 && x == &ix->values[g->src]) {
            return gelu_stage(ix, 4, g->src);
        }
        if (g->kind == LNN_IX_GELU && g->stage == 4 && lnn_ix_const_is(x, 0.5, 1e-7)) {
            /* The data is the value the pattern started from. */
            lnn_ix_value *src = &ix->values[g->src];
            if (!lnn_ix_current(ix, src))
                return lnn_ix_unsupported(ix, "GELU over a branching graph");
            lnn_ix_value keep = *src;
            lnn_ix_spec *sp = lnn_ix_spec_new(ix, LIBNN_LAYER_ACTIVATION, &st);
            if (!sp)
                return st;
            sp->args[0] = LIBNN_ACT_GELU;
            return lnn_ix_carry(ix, &keep, false);
        }
        /* swish: x * sigmoid(x), the sigmoid just imported from x */
        lnn_ix_spec *last = ix->n_specs ? &ix->specs[ix->n_specs - 1] : NULL;
        lnn_ix_value *s = a->kind == LNN_IX_DATA && lnn_ix_current(ix, a) ? a : b;
        lnn_ix_value *o = s == a ? b : a;
        if (last && last->kind == LIBNN_LAYER_ACTIVATION && last->args[0] == LIBNN_ACT_SIGMOID &&
            s->kind == LNN_IX_DATA && lnn_ix_current(ix, s) && o->kind == LNN_IX_DATA &&
            o->version + 1 == ix->n_specs && s->src == (size_t)(o - ix->values)) {
            last->args[0] = LIBNN_ACT_SWISH;
            return lnn_ix_carry(ix, s, true);
        }
    }
    return lnn_ix_unsupported(ix, "only as part of GELU (x * (1 + erf(x / sqrt 2)) * 0.5) or "
                                  "swish (x * sigmoid(x))");
}

libnn_status lnn_ix_op_erf(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *a = lnn_ix_input(ix, 0, &st);
    if (!a)
        return st;
    if (a->kind != LNN_IX_GELU || a->stage != 1)
        return lnn_ix_unsupported(ix, "only as part of GELU");
    return gelu_stage(ix, 2, a->src);
}

libnn_status lnn_ix_op_softmax(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(NCHW) | LNN_IX_F(PERM), &st);
    if (!x)
        return st;
    int64_t rank = x->form == LNN_IX_NCHW ? 4 : (int64_t)x->sndim + 1;
    int64_t axis = lnn_ix_attr_int(ix, "axis", -1);
    if (axis < 0)
        axis += rank;
    if (axis != (x->form == LNN_IX_NCHW ? 1 : rank - 1))
        return lnn_ix_unsupported(ix, "axis %lld (libnn's softmax runs over the features)",
                                  (long long)lnn_ix_attr_int(ix, "axis", -1));
    return lnn_ix_activation(ix, LIBNN_ACT_SOFTMAX, NAN);
}

libnn_status lnn_ix_op_clip(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *lo = lnn_ix_has_input(ix, 1) ? lnn_ix_const_input(ix, 1, "min", &st) : NULL;
    lnn_ix_value *hi = lnn_ix_has_input(ix, 2) ? lnn_ix_const_input(ix, 2, "max", &st) : NULL;
    if (!lo || !hi || !lnn_ix_const_is(lo, 0.0, 0.0) || !lnn_ix_const_is(hi, 6.0, 0.0))
        return st != LIBNN_OK ? st : lnn_ix_unsupported(ix, "only Clip(0, 6), relu6");
    return lnn_ix_activation(ix, LIBNN_ACT_RELU6, NAN);
}

/* Dropout: libnn's Dropout (identity at inference) with the ratio given. */
libnn_status lnn_ix_op_dropout(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_ELEMENTWISE, &st);
    if (!x)
        return st;
    double rate = 0.5;
    if (lnn_ix_has_input(ix, 1)) {
        lnn_ix_value *r = lnn_ix_const_input(ix, 1, "ratio", &st);
        if (!r || !r->f || r->count != 1)
            return st != LIBNN_OK ? st : lnn_ix_unsupported(ix, "ratio must be one float");
        rate = r->f[0];
    }
    if (!(rate >= 0 && rate < 1))
        return lnn_ix_format(ix, "ratio %g is outside [0, 1)", rate);
    lnn_ix_value keep = *x;
    lnn_ix_spec *sp = lnn_ix_spec_new(ix, LIBNN_LAYER_DROPOUT, &st);
    if (!sp)
        return st;
    sp->args[0] = (int64_t)(rate * 1e9);
    if ((st = lnn_ix_unusable(ix, 1)) != LIBNN_OK) /* the mask */
        return st;
    return lnn_ix_carry(ix, &keep, false);
}

libnn_status lnn_ix_simple_activation(lnn_ix *ix, const char *op)
{
    static const struct {
        const char *op;
        int act;
    } table[] = {{"Relu", LIBNN_ACT_RELU},         {"Sigmoid", LIBNN_ACT_SIGMOID},
                 {"Tanh", LIBNN_ACT_TANH},         {"Softplus", LIBNN_ACT_SOFTPLUS},
                 {"Softsign", LIBNN_ACT_SOFTSIGN}, {"Exp", LIBNN_ACT_EXPONENTIAL}};
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (strcmp(op, table[k].op) == 0)
            return lnn_ix_activation(ix, table[k].act, NAN);
    if (strcmp(op, "LeakyRelu") == 0)
        return lnn_ix_activation(ix, LIBNN_ACT_LEAKY_RELU, lnn_ix_attr_float(ix, "alpha", 0.01f));
    if (strcmp(op, "Elu") == 0)
        return lnn_ix_activation(ix, LIBNN_ACT_ELU, lnn_ix_attr_float(ix, "alpha", 1.0f));
    if (strcmp(op, "Selu") == 0) {
        if (fabsf(lnn_ix_attr_float(ix, "alpha", 1.67326319f) - 1.67326319f) > 1e-5f ||
            fabsf(lnn_ix_attr_float(ix, "gamma", 1.05070102f) - 1.05070102f) > 1e-5f)
            return lnn_ix_unsupported(ix, "alpha and gamma other than SELU's constants");
        return lnn_ix_activation(ix, LIBNN_ACT_SELU, NAN);
    }
    if (strcmp(op, "HardSigmoid") == 0) {
        if (lnn_ix_attr_float(ix, "alpha", 0.2f) != 0.2f || lnn_ix_attr_float(ix, "beta", 0.5f) != 0.5f)
            return lnn_ix_unsupported(ix, "alpha and beta other than 0.2 and 0.5 (Keras')");
        return lnn_ix_activation(ix, LIBNN_ACT_HARD_SIGMOID, NAN);
    }
    return LIBNN_E_NOTFOUND;
}

