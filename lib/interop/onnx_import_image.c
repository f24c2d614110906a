/*
 * ONNX import: the operators of images and layouts: Conv, the poolings,
 * Flatten, Reshape, Transpose, Squeeze, Slice.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "onnx_import_internal.h"

/* An image input read by an image operator is NCHW: the graph input
 * [batch, c, h, w] becomes the libnn input [h, w, c]. */
static libnn_status want_image(lnn_ix *ix, lnn_ix_value *v)
{
    if (v->form == LNN_IX_NCHW)
        return LIBNN_OK;
    if (v->form == LNN_IX_PLAIN && v->is_input && v->sndim == 3) {
        int64_t c = v->shape[0], h = v->shape[1], w = v->shape[2];
        v->shape[0] = h, v->shape[1] = w, v->shape[2] = c;
        memcpy(ix->in_shape, v->shape, 3 * sizeof *v->shape);
        v->form = LNN_IX_NCHW;
        return LIBNN_OK;
    }
    return lnn_ix_unsupported(ix, "expects an NCHW image");
}

/* Conv and the poolings: pads (ONNX's, begin then end) as libnn's padding. */
static libnn_status padding_of(lnn_ix *ix, const int64_t *in_hw, const int64_t *k,
                               const int64_t *s, const int64_t *d, int *padding)
{
    int64_t pads[4] = {0, 0, 0, 0};
    const Onnx__AttributeProto *ap = lnn_ix_attr(ix, "auto_pad");
    if (ap && ap->has_s && ap->s.len > 0 &&
        !(ap->s.len == 6 && memcmp(ap->s.data, "NOTSET", 6) == 0)) {
        if (ap->s.len == 5 && memcmp(ap->s.data, "VALID", 5) == 0) {
            *padding = LIBNN_PADDING_VALID;
            return LIBNN_OK;
        }
        if (ap->s.len == 10 && memcmp(ap->s.data, "SAME_UPPER", 10) == 0) {
            *padding = LIBNN_PADDING_SAME;
            return LIBNN_OK;
        }
        return lnn_ix_unsupported(ix, "auto_pad %.*s (VALID and SAME_UPPER map to libnn)",
                                  (int)ap->s.len, (const char *)ap->s.data);
    }
    libnn_status st = lnn_ix_attr_ints(ix, "pads", 4, pads, pads);
    if (st != LIBNN_OK)
        return st;
    if (!pads[0] && !pads[1] && !pads[2] && !pads[3]) {
        *padding = LIBNN_PADDING_VALID;
        return LIBNN_OK;
    }
    for (int a = 0; a < 2; a++) { /* TensorFlow's same: the smaller half first */
        int64_t out = (in_hw[a] + s[a] - 1) / s[a];
        int64_t total = (out - 1) * s[a] + (k[a] - 1) * d[a] + 1 - in_hw[a];
        total = total < 0 ? 0 : total;
        if (pads[a] != total / 2 || pads[a + 2] != total - total / 2)
            return lnn_ix_unsupported(ix, "pads [%lld, %lld, %lld, %lld] are neither valid "
                                          "nor TensorFlow's same padding for this input",
                                      (long long)pads[0], (long long)pads[1],
                                      (long long)pads[2], (long long)pads[3]);
    }
    *padding = LIBNN_PADDING_SAME;
    return LIBNN_OK;
}

/* Output size of a window along one axis. */
static int64_t window_out(int64_t in, int64_t k, int64_t s, int64_t d, int padding)
{
    if (padding == LIBNN_PADDING_SAME)
        return (in + s - 1) / s;
    int64_t span = (k - 1) * d + 1;
    return in < span ? 0 : (in - span) / s + 1;
}

static bool positive(const int64_t *v, size_t n, int64_t max)
{
    for (size_t k = 0; k < n; k++)
        if (v[k] < 1 || v[k] > max)
            return false;
    return true;
}

libnn_status lnn_ix_op_conv(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(NCHW), &st);
    if (!x || (st = want_image(ix, x)) != LIBNN_OK)
        return st;
    lnn_ix_value *w = lnn_ix_const_input(ix, 1, "the weight", &st);
    lnn_ix_value *b = lnn_ix_has_input(ix, 2) ? lnn_ix_const_input(ix, 2, "the bias", &st) : NULL;
    if (!w || (lnn_ix_has_input(ix, 2) && !b))
        return st;
    if (lnn_ix_attr_int(ix, "group", 1) != 1)
        return lnn_ix_unsupported(ix, "group %lld (libnn's Conv2D has group 1)",
                                  (long long)lnn_ix_attr_int(ix, "group", 1));
    int64_t C = x->shape[2];
    if (!w->f || w->ndim != 4 || w->dims[1] != C || !positive(w->dims, 4, 1 << 20))
        return lnn_ix_unsupported(ix, "weight must be float [filters, %lld, kh, kw]",
                                  (long long)C);
    int64_t F_ = w->dims[0], kh = w->dims[2], kw = w->dims[3];
    if (b && (!b->f || b->ndim != 1 || b->dims[0] != F_))
        return lnn_ix_format(ix, "bias must be float [%lld]", (long long)F_);
    int64_t k[2] = {kh, kw}, s[2], d[2], ks[2];
    if ((st = lnn_ix_attr_ints(ix, "strides", 2, (const int64_t[]){1, 1}, s)) != LIBNN_OK ||
        (st = lnn_ix_attr_ints(ix, "dilations", 2, (const int64_t[]){1, 1}, d)) != LIBNN_OK ||
        (st = lnn_ix_attr_ints(ix, "kernel_shape", 2, k, ks)) != LIBNN_OK)
        return st;
    if (ks[0] != kh || ks[1] != kw || !positive(s, 2, 1 << 20) || !positive(d, 2, 1 << 20))
        return lnn_ix_format(ix, "kernel_shape, strides or dilations out of range");
    int padding = LIBNN_PADDING_VALID;
    if ((st = padding_of(ix, x->shape, k, s, d, &padding)) != LIBNN_OK)
        return st;
    int64_t oh = window_out(x->shape[0], kh, s[0], d[0], padding);
    int64_t ow = window_out(x->shape[1], kw, s[1], d[1], padding);
    if (oh < 1 || ow < 1)
        return lnn_ix_format(ix, "the kernel does not fit the %lldx%lld input",
                             (long long)x->shape[0], (long long)x->shape[1]);
    lnn_ix_spec *sp = lnn_ix_spec_new(ix, LIBNN_LAYER_CONV2D, &st);
    if (!sp)
        return st;
    sp->args[0] = F_, sp->args[1] = kh, sp->args[2] = kw;
    lnn_ix_spec_opt(sp, LIBNN_PARAM_STRIDE_H, (double)s[0]);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_STRIDE_W, (double)s[1]);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_DILATION_H, (double)d[0]);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_DILATION_W, (double)d[1]);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_PADDING, padding);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_USE_BIAS, b != NULL);
    float *kern = lnn_ix_spec_weight(sp, "kernel", w->count);
    if (!kern)
        return LIBNN_E_NOMEM;
    /* [f, c, kh, kw] -> [kh, kw, c, f] */
    for (int64_t f = 0; f < F_; f++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < kh; i++)
                for (int64_t j = 0; j < kw; j++)
                    kern[((i * kw + j) * C + c) * F_ + f] = w->f[((f * C + c) * kh + i) * kw + j];
    if (b) {
        float *bias = lnn_ix_spec_weight(sp, "bias", b->count);
        if (!bias)
            return LIBNN_E_NOMEM;
        memcpy(bias, b->f, b->count * sizeof *bias);
    }
    return lnn_ix_data_out(ix, LNN_IX_NCHW, 3, (const int64_t[]){oh, ow, F_}, NULL);
}

libnn_status lnn_ix_op_pool(lnn_ix *ix, bool max)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(NCHW), &st);
    if (!x || (st = want_image(ix, x)) != LIBNN_OK)
        return st;
    int64_t k[2], s[2], d[2];
    const Onnx__AttributeProto *ka = lnn_ix_attr(ix, "kernel_shape");
    if (!ka || ka->n_ints != 2)
        return lnn_ix_format(ix, "kernel_shape must have 2 values");
    memcpy(k, ka->ints, sizeof k);
    if ((st = lnn_ix_attr_ints(ix, "strides", 2, (const int64_t[]){1, 1}, s)) != LIBNN_OK ||
        (st = lnn_ix_attr_ints(ix, "dilations", 2, (const int64_t[]){1, 1}, d)) != LIBNN_OK)
        return st;
    if (!positive(k, 2, 1 << 20) || !positive(s, 2, 1 << 20))
        return lnn_ix_format(ix, "kernel_shape or strides out of range");
    if (d[0] != 1 || d[1] != 1 || lnn_ix_attr_int(ix, "ceil_mode", 0) != 0 ||
        lnn_ix_attr_int(ix, "storage_order", 0) != 0)
        return lnn_ix_unsupported(ix, "dilations, ceil_mode and storage_order must keep "
                                      "their defaults");
    int padding = LIBNN_PADDING_VALID;
    if ((st = padding_of(ix, x->shape, k, s, d, &padding)) != LIBNN_OK)
        return st;
    if (!max && padding == LIBNN_PADDING_SAME && lnn_ix_attr_int(ix, "count_include_pad", 0))
        return lnn_ix_unsupported(ix, "count_include_pad=1 with padding (libnn divides by "
                                      "the real cells, as Keras)");
    int64_t oh = window_out(x->shape[0], k[0], s[0], 1, padding);
    int64_t ow = window_out(x->shape[1], k[1], s[1], 1, padding);
    if (oh < 1 || ow < 1)
        return lnn_ix_format(ix, "the window does not fit the input");
    int64_t c = x->shape[2];
    lnn_ix_spec *sp = lnn_ix_spec_new(ix, max ? LIBNN_LAYER_MAX_POOLING2D
                                              : LIBNN_LAYER_AVERAGE_POOLING2D, &st);
    if (!sp)
        return st;
    sp->args[0] = k[0], sp->args[1] = k[1];
    lnn_ix_spec_opt(sp, LIBNN_PARAM_STRIDE_H, (double)s[0]);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_STRIDE_W, (double)s[1]);
    lnn_ix_spec_opt(sp, LIBNN_PARAM_PADDING, padding);
    if ((st = lnn_ix_unusable(ix, 1)) != LIBNN_OK) /* MaxPool's Indices */
        return st;
    return lnn_ix_data_out(ix, LNN_IX_NCHW, 3, (const int64_t[]){oh, ow, c}, NULL);
}

libnn_status lnn_ix_op_global_pool(lnn_ix *ix, bool max)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(NCHW), &st);
    if (!x || (st = want_image(ix, x)) != LIBNN_OK)
        return st;
    int64_t c = x->shape[2];
    if (!lnn_ix_spec_new(ix, max ? LIBNN_LAYER_GLOBAL_MAX_POOLING2D
                                 : LIBNN_LAYER_GLOBAL_AVERAGE_POOLING2D, &st))
        return st;
    return lnn_ix_data_out(ix, LNN_IX_POOLED, 1, &c, NULL);
}

#define LARGEST ((int64_t)1 << 50) /* values per sample, far above any real model */

/* The product of n dims into *out; false beyond LARGEST. */
static bool product(const int64_t *d, size_t n, int64_t *out)
{
    int64_t p = 1;
    for (size_t k = 0; k < n; k++) {
        if (d[k] < 0 || (d[k] > 0 && p > LARGEST / d[k]))
            return false;
        p *= d[k];
    }
    *out = p;
    return true;
}

libnn_status lnn_ix_op_flatten(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(NCHW) | LNN_IX_F(POOLED) | LNN_IX_F(PERM), &st);
    if (!x)
        return st;
    if (lnn_ix_attr_int(ix, "axis", 1) != 1)
        return lnn_ix_unsupported(ix, "axis %lld (1 keeps the batch)",
                                  (long long)lnn_ix_attr_int(ix, "axis", 1));
    lnn_ix_value keep = *x;
    int64_t n;
    if (!product(keep.shape, keep.sndim, &n))
        return lnn_ix_unsupported(ix, "the input has too many values");
    if (keep.form == LNN_IX_POOLED || keep.form == LNN_IX_PERM ||
        (keep.form == LNN_IX_PLAIN && keep.sndim == 1)) {
        st = lnn_ix_data_out(ix, keep.form == LNN_IX_PERM ? LNN_IX_PERM : LNN_IX_PLAIN, 1, &n, &x);
        if (st == LIBNN_OK) {
            memcpy(x->chw, keep.chw, sizeof x->chw);
            x->version = keep.version;
        }
        return st;
    }
    if (!lnn_ix_spec_new(ix, LIBNN_LAYER_FLATTEN, &st))
        return st;
    st = lnn_ix_data_out(ix, keep.form == LNN_IX_NCHW ? LNN_IX_PERM : LNN_IX_PLAIN, 1, &n, &x);
    if (st == LIBNN_OK && keep.form == LNN_IX_NCHW) {
        x->chw[0] = keep.shape[2], x->chw[1] = keep.shape[0], x->chw[2] = keep.shape[1];
    }
    return st;
}

/* Reshape of plain data to [batch, target...] (or a flatten of an image). */
static libnn_status reshape_data(lnn_ix *ix, lnn_ix_value *x, const int64_t *t, size_t n)
{
    libnn_status st = LIBNN_OK;
    if (n < 2 || (t[0] != 0 && t[0] != -1 && t[0] != LNN_IX_BATCH))
        return lnn_ix_unsupported(ix, "the new shape must keep the batch axis first");
    lnn_ix_value keep = *x;
    int64_t total, known = 1, check;
    if (!product(keep.shape, keep.sndim, &total))
        return lnn_ix_unsupported(ix, "the input has too many values");
    int64_t target[LIBNN_MAX_RANK];
    size_t m = n - 1, unknown = m;
    if (m > LIBNN_MAX_RANK - 1)
        return lnn_ix_unsupported(ix, "rank %zu", n);
    for (size_t k = 0; k < m; k++) {
        target[k] = t[k + 1];
        if (target[k] == 0 && k < keep.sndim)
            target[k] = keep.shape[k]; /* ONNX: 0 copies the input's dim (off by the batch) */
        if (target[k] == -1 && unknown == m)
            unknown = k;
        else if (target[k] < 1)
            return lnn_ix_unsupported(ix, "the new shape has entry %lld", (long long)t[k + 1]);
        else if (target[k] > LARGEST / known)
            return lnn_ix_unsupported(ix, "the new shape has too many values");
        else
            known *= target[k];
    }
    if (t[0] == -1 && unknown != m)
        return lnn_ix_unsupported(ix, "two unknown dimensions");
    if (unknown != m)
        target[unknown] = known > 0 ? total / known : 0;
    if (!product(target, m, &check) || check != total)
        return lnn_ix_format(ix, "the new shape does not hold the %lld values", (long long)total);
    if (keep.form == LNN_IX_POOLED && m == 1) { /* [b, c, 1, 1] -> [b, c] */
        st = lnn_ix_data_out(ix, LNN_IX_PLAIN, 1, target, &x);
        if (st == LIBNN_OK)
            x->version = keep.version;
        return st;
    }
    if (keep.form == LNN_IX_NCHW) {
        if (m != 1)
            return lnn_ix_unsupported(ix, "an NCHW image reshaped other than flattened");
        if (!lnn_ix_spec_new(ix, LIBNN_LAYER_FLATTEN, &st))
            return st;
        st = lnn_ix_data_out(ix, LNN_IX_PERM, 1, target, &x);
        if (st == LIBNN_OK)
            x->chw[0] = keep.shape[2], x->chw[1] = keep.shape[0], x->chw[2] = keep.shape[1];
        return st;
    }
    lnn_ix_spec *sp = lnn_ix_spec_new(ix, LIBNN_LAYER_RESHAPE, &st);
    if (!sp)
        return st;
    sp->n_target = m;
    memcpy(sp->target, target, m * sizeof *target);
    return lnn_ix_data_out(ix, LNN_IX_PLAIN, m, target, NULL);
}

libnn_status lnn_ix_op_reshape(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_input(ix, 0, &st);
    if (!x)
        return st;
    int64_t t[LIBNN_MAX_RANK + 1];
    size_t n = 0;
    if ((st = lnn_ix_ints_of(ix, 1, NULL, LIBNN_MAX_RANK + 1, t, &n)) != LIBNN_OK)
        return st;
    if (lnn_ix_attr_int(ix, "allowzero", 0))
        return lnn_ix_unsupported(ix, "allowzero=1");
    if (x->kind == LNN_IX_DATA && lnn_ix_current(ix, x) &&
        (x->form == LNN_IX_Y_TBDH || x->form == LNN_IX_YH_BDH))
        return lnn_ix_rnn(ix, x);
    x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(NCHW) | LNN_IX_F(POOLED), &st);
    if (!x)
        return st;
    return reshape_data(ix, x, t, n);
}

libnn_status lnn_ix_op_transpose(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(PLAIN) | LNN_IX_F(NCHW) | LNN_IX_F(TM) | LNN_IX_F(SEQ_TM) | LNN_IX_F(RNN_Y) | LNN_IX_F(RNN_YH),
                              &st);
    if (!x)
        return st;
    int64_t p[LIBNN_MAX_RANK];
    size_t n = 0;
    const Onnx__AttributeProto *a = lnn_ix_attr(ix, "perm");
    if (!a || a->n_ints > LIBNN_MAX_RANK)
        return lnn_ix_unsupported(ix, "perm must be given");
    n = a->n_ints;
    lnn_ix_copy_ints(p, a->ints, n);
#define PERM_IS(...) (n == sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t) && \
                      memcmp(p, (const int64_t[]){__VA_ARGS__}, sizeof((const int64_t[]){__VA_ARGS__})) == 0)
    lnn_ix_value keep = *x;
    lnn_ix_form form = 0;
    if (keep.form == LNN_IX_NCHW && PERM_IS(0, 2, 3, 1))
        form = LNN_IX_PLAIN;
    else if (keep.form == LNN_IX_PLAIN && keep.sndim == 3 && PERM_IS(0, 3, 1, 2))
        form = LNN_IX_NCHW;
    else if (keep.form == LNN_IX_PLAIN && keep.sndim == 2 && PERM_IS(1, 0, 2))
        form = LNN_IX_TM;
    else if ((keep.form == LNN_IX_TM && !keep.reversed) || keep.form == LNN_IX_SEQ_TM) {
        if (PERM_IS(1, 0, 2))
            form = LNN_IX_PLAIN;
    } else if (keep.form == LNN_IX_RNN_Y || keep.form == LNN_IX_RNN_YH) {
        return lnn_ix_rnn(ix, x);
    }
#undef PERM_IS
    if (!form)
        return lnn_ix_unsupported(ix, "this permutation has no libnn layer");
    st = lnn_ix_data_out(ix, form, keep.sndim, keep.shape, &x);
    if (st == LIBNN_OK) {
        x->version = keep.version;
        x->seq = keep.form == LNN_IX_SEQ_TM;
        x->rotated = keep.rotated;
    }
    return st;
}

libnn_status lnn_ix_op_squeeze(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(RNN_Y) | LNN_IX_F(RNN_YH) | LNN_IX_F(POOLED), &st);
    if (!x)
        return st;
    if (x->form != LNN_IX_POOLED)
        return lnn_ix_rnn(ix, x);
    int64_t axes[4];
    size_t n = 0;
    if ((st = lnn_ix_ints_of(ix, 1, "axes", 4, axes, &n)) != LIBNN_OK)
        return st;
    if (n != 2 || !((axes[0] == 2 && axes[1] == 3) || (axes[0] == -2 && axes[1] == -1)))
        return lnn_ix_unsupported(ix, "only the two unit axes of a global pooling");
    lnn_ix_value keep = *x;
    st = lnn_ix_data_out(ix, LNN_IX_PLAIN, 1, keep.shape, &x);
    if (st == LIBNN_OK)
        x->version = keep.version;
    return st;
}

libnn_status lnn_ix_op_slice(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(TM), &st);
    if (!x)
        return st;
    int64_t starts[2], ends[2], axes[2] = {0}, steps[2] = {1};
    size_t n1 = 0, n2 = 0, n3 = 1, n4 = 1;
    if ((st = lnn_ix_ints_of(ix, 1, NULL, 2, starts, &n1)) != LIBNN_OK ||
        (st = lnn_ix_ints_of(ix, 2, NULL, 2, ends, &n2)) != LIBNN_OK ||
        (lnn_ix_has_input(ix, 3) && (st = lnn_ix_ints_of(ix, 3, NULL, 2, axes, &n3)) != LIBNN_OK) ||
        (lnn_ix_has_input(ix, 4) && (st = lnn_ix_ints_of(ix, 4, NULL, 2, steps, &n4)) != LIBNN_OK))
        return st;
    int64_t T = x->shape[0];
    if (n1 != 1 || n2 != 1 || n3 != 1 || n4 != 1 || axes[0] != 0 || steps[0] != -1 ||
        !(starts[0] == -1 || starts[0] >= T - 1) || ends[0] > -T - 1 || x->reversed)
        return lnn_ix_unsupported(ix, "only the whole time axis reversed (go_backwards)");
    lnn_ix_value keep = *x;
    st = lnn_ix_data_out(ix, LNN_IX_TM, keep.sndim, keep.shape, &x);
    if (st == LIBNN_OK) {
        x->reversed = true;
        x->version = keep.version;
    }
    return st;
}

