/*
 * ONNX export: each layer of a compiled model becomes a few ONNX nodes
 * (opset 13) over the previous layer's value; weights become initializers
 * in ONNX's layouts. Recurrent layers are in onnx_export_rnn.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "io/atomic_file_internal.h"
#include "libnn/onnx.h"
#include "model/model_internal.h"
#include "onnx_export_internal.h"

int libnn_onnx_available(void)
{
    return 1;
}

const char *lnn_ox_vname(lnn_ox_export *e, const char *what)
{
    return lnn_ox_name(&e->g, "%s/%s", e->l ? e->l->name : "input", what);
}

const char *lnn_ox_ints(lnn_ox_export *e, const char *what, size_t n, const int64_t *v)
{
    int64_t dims[1] = {(int64_t)n};
    return lnn_ox_int64_init(&e->g, lnn_ox_vname(e, what), 1, dims, v);
}

static const char *floats(lnn_ox_export *e, const char *what, size_t ndim, const int64_t *dims,
                          const float *v)
{
    return lnn_ox_float_init(&e->g, lnn_ox_vname(e, what), ndim, dims, v);
}

const char *lnn_ox_scalar(lnn_ox_export *e, const char *what, float v)
{
    return floats(e, what, 0, NULL, &v);
}

const char *lnn_ox_apply(lnn_ox_export *e, const char *op, const char *what, size_t n_in,
                         const char *const *in)
{
    return lnn_ox_op(&e->g, op, lnn_ox_vname(e, what), n_in, in);
}

Onnx__NodeProto *lnn_ox_step(lnn_ox_export *e, const char *op, const char *what, const char *b)
{
    const char *in[2] = {e->cur, b};
    const char *out = lnn_ox_apply(e, op, what, b ? 2 : 1, in);
    if (out)
        e->cur = out;
    return lnn_ox_last(&e->g);
}

void lnn_ox_transpose(lnn_ox_export *e, const char *what, size_t rank, const int64_t *perm)
{
    lnn_ox_attr_ints(&e->g, lnn_ox_step(e, "Transpose", what, NULL), "perm", rank, perm);
}

static void to_nchw(lnn_ox_export *e)
{
    if (e->nchw || e->ndim != 3)
        return;
    lnn_ox_transpose(e, "to_nchw", 4, (const int64_t[]){0, 3, 1, 2});
    e->nchw = true;
}

static void to_nhwc(lnn_ox_export *e)
{
    if (!e->nchw)
        return;
    lnn_ox_transpose(e, "to_nhwc", 4, (const int64_t[]){0, 2, 3, 1});
    e->nchw = false;
}

void lnn_ox_activation(lnn_ox_export *e, int act, float alpha)
{
    lnn_ox_graph *g = &e->g;
    const char *x = e->cur;
    switch ((lnn_act)act) {
    case LNN_ACT_LINEAR:
    case LNN_ACT_COUNT:
        return;
    case LNN_ACT_RELU: lnn_ox_step(e, "Relu", "relu", NULL); return;
    case LNN_ACT_SIGMOID: lnn_ox_step(e, "Sigmoid", "sigmoid", NULL); return;
    case LNN_ACT_TANH: lnn_ox_step(e, "Tanh", "tanh", NULL); return;
    case LNN_ACT_SOFTPLUS: lnn_ox_step(e, "Softplus", "softplus", NULL); return;
    case LNN_ACT_SOFTSIGN: lnn_ox_step(e, "Softsign", "softsign", NULL); return;
    case LNN_ACT_EXPONENTIAL: lnn_ox_step(e, "Exp", "exp", NULL); return;
    case LNN_ACT_SOFTMAX:
        to_nhwc(e);
        lnn_ox_attr_int(g, lnn_ox_step(e, "Softmax", "softmax", NULL), "axis", -1);
        return;
    case LNN_ACT_LEAKY_RELU:
        lnn_ox_attr_float(g, lnn_ox_step(e, "LeakyRelu", "leaky_relu", NULL), "alpha", alpha);
        return;
    case LNN_ACT_ELU: lnn_ox_attr_float(g, lnn_ox_step(e, "Elu", "elu", NULL), "alpha", alpha); return;
    case LNN_ACT_SELU: {
        Onnx__NodeProto *n = lnn_ox_step(e, "Selu", "selu", NULL);
        lnn_ox_attr_float(g, n, "alpha", 1.67326324f);
        lnn_ox_attr_float(g, n, "gamma", 1.05070098f);
        return;
    }
    case LNN_ACT_HARD_SIGMOID: {
        Onnx__NodeProto *n = lnn_ox_step(e, "HardSigmoid", "hard_sigmoid", NULL);
        lnn_ox_attr_float(g, n, "alpha", 0.2f);
        lnn_ox_attr_float(g, n, "beta", 0.5f);
        return;
    }
    case LNN_ACT_RELU6: {
        const char *in[3] = {x, lnn_ox_scalar(e, "relu6_min", 0.0f), lnn_ox_scalar(e, "relu6_max", 6.0f)};
        const char *out = lnn_ox_op(g, "Clip", lnn_ox_vname(e, "relu6"), 3, in);
        if (out)
            e->cur = out;
        return;
    }
    case LNN_ACT_SWISH:
        lnn_ox_step(e, "Sigmoid", "swish_sigmoid", NULL);
        lnn_ox_step(e, "Mul", "swish", x);
        return;
    case LNN_ACT_GELU:
        /* x * (1 + erf(x / sqrt 2)) * 0.5, the nodes PyTorch writes. */
        lnn_ox_step(e, "Div", "gelu_div", lnn_ox_scalar(e, "gelu_sqrt2", 1.41421354f));
        lnn_ox_step(e, "Erf", "gelu_erf", NULL);
        lnn_ox_step(e, "Add", "gelu_add", lnn_ox_scalar(e, "gelu_one", 1.0f));
        {
            const char *in[2] = {x, e->cur};
            const char *out = lnn_ox_op(g, "Mul", lnn_ox_vname(e, "gelu_mul"), 2, in);
            if (out)
                e->cur = out;
        }
        lnn_ox_step(e, "Mul", "gelu", lnn_ox_scalar(e, "gelu_half", 0.5f));
        return;
    }
}

static void layer_activation(lnn_ox_export *e)
{
    int act;
    float alpha;
    lnn_layer_activation(e->l, &act, &alpha);
    lnn_ox_activation(e, act, alpha);
}

static const lnn_weight *weight(const libnn_layer *l, const char *name)
{
    return lnn_layer_weight((libnn_layer *)l, name);
}

static void dense(lnn_ox_export *e)
{
    const libnn_layer *l = e->l;
    const lnn_weight *k = weight(l, "kernel"), *b = weight(l, "bias");
    to_nhwc(e);
    const char *kn = floats(e, "kernel", 2, k->shape, k->value);
    const char *bn = b ? floats(e, "bias", 1, b->shape, b->value) : NULL;
    if (e->ndim == 1) {
        const char *in[3] = {e->cur, kn, bn};
        const char *out = lnn_ox_op(&e->g, "Gemm", lnn_ox_vname(e, "gemm"), b ? 3 : 2, in);
        if (out)
            e->cur = out;
    } else {
        lnn_ox_step(e, "MatMul", "matmul", kn);
        if (b)
            lnn_ox_step(e, "Add", "bias_add", bn);
    }
    layer_activation(e);
}

/* TensorFlow's same padding of one axis: the smaller half first. */
static void same_pads(int64_t in, int64_t k, int64_t s, int64_t d, int64_t *before,
                      int64_t *after)
{
    int64_t out = (in + s - 1) / s;
    int64_t total = (out - 1) * s + (k - 1) * d + 1 - in;
    if (total < 0)
        total = 0;
    *before = total / 2;
    *after = total - *before;
}

/* kernel_shape, strides, dilations (when given) and pads of Conv and the
 * poolings; the input is e->shape [h, w, c]. */
static void window_attrs(lnn_ox_export *e, Onnx__NodeProto *n, int64_t kh, int64_t kw,
                         bool dilations)
{
    const libnn_layer *l = e->l;
    int64_t sh = lnn_param_int(l, LIBNN_PARAM_STRIDE_H), sw = lnn_param_int(l, LIBNN_PARAM_STRIDE_W);
    int64_t dh = dilations ? lnn_param_int(l, LIBNN_PARAM_DILATION_H) : 1;
    int64_t dw = dilations ? lnn_param_int(l, LIBNN_PARAM_DILATION_W) : 1;
    if (sh < 1) /* pooling strides default to the pool size */
        sh = kh;
    if (sw < 1)
        sw = kw;
    int64_t pads[4] = {0, 0, 0, 0};
    if (lnn_param_int(l, LIBNN_PARAM_PADDING) == LIBNN_PADDING_SAME) {
        same_pads(l->in_shape[0], kh, sh, dh, &pads[0], &pads[2]);
        same_pads(l->in_shape[1], kw, sw, dw, &pads[1], &pads[3]);
    }
    lnn_ox_attr_ints(&e->g, n, "kernel_shape", 2, (const int64_t[]){kh, kw});
    lnn_ox_attr_ints(&e->g, n, "strides", 2, (const int64_t[]){sh, sw});
    if (dilations)
        lnn_ox_attr_ints(&e->g, n, "dilations", 2, (const int64_t[]){dh, dw});
    lnn_ox_attr_ints(&e->g, n, "pads", 4, pads);
}

static libnn_status conv2d(lnn_ox_export *e)
{
    const libnn_layer *l = e->l;
    const lnn_weight *k = weight(l, "kernel"), *b = weight(l, "bias");
    int64_t kh = k->shape[0], kw = k->shape[1], c = k->shape[2], f = k->shape[3];
    /* [kh, kw, c, f] -> [f, c, kh, kw] */
    float *w = lnn_ox_alloc(&e->g, k->size * sizeof *w);
    if (!w)
        return e->g.status;
    for (int64_t i = 0; i < kh; i++)
        for (int64_t j = 0; j < kw; j++)
            for (int64_t ci = 0; ci < c; ci++)
                for (int64_t fi = 0; fi < f; fi++)
                    w[((fi * c + ci) * kh + i) * kw + j] = k->value[((i * kw + j) * c + ci) * f + fi];
    to_nchw(e);
    const char *in[3] = {e->cur, floats(e, "kernel", 4, (const int64_t[]){f, c, kh, kw}, w),
                         b ? floats(e, "bias", 1, b->shape, b->value) : NULL};
    const char *out = lnn_ox_op(&e->g, "Conv", lnn_ox_vname(e, "conv"), b ? 3 : 2, in);
    if (out)
        e->cur = out;
    Onnx__NodeProto *n = lnn_ox_last(&e->g);
    window_attrs(e, n, kh, kw, true);
    lnn_ox_attr_int(&e->g, n, "group", 1);
    layer_activation(e);
    return LIBNN_OK;
}

static void pool2d(lnn_ox_export *e, bool max)
{
    const libnn_layer *l = e->l;
    to_nchw(e);
    Onnx__NodeProto *n = lnn_ox_step(e, max ? "MaxPool" : "AveragePool", max ? "max_pool" : "avg_pool",
                              NULL);
    window_attrs(e, n, lnn_param_int(l, LIBNN_PARAM_POOL_H), lnn_param_int(l, LIBNN_PARAM_POOL_W),
                 false);
    if (!max) /* Keras divides by the real cells of a padded window */
        lnn_ox_attr_int(&e->g, n, "count_include_pad", 0);
}

static void global_pool2d(lnn_ox_export *e, bool max)
{
    to_nchw(e);
    lnn_ox_step(e, max ? "GlobalMaxPool" : "GlobalAveragePool", "global_pool", NULL);
    lnn_ox_attr_int(&e->g, lnn_ox_step(e, "Flatten", "flatten", NULL), "axis", 1);
    e->nchw = false;
}

static void reshape(lnn_ox_export *e)
{
    const libnn_layer *l = e->l;
    int64_t shape[LIBNN_MAX_RANK + 1] = {0};
    memcpy(shape + 1, l->out_shape, l->out_ndim * sizeof *shape);
    to_nhwc(e);
    lnn_ox_step(e, "Reshape", "reshape", lnn_ox_ints(e, "shape", l->out_ndim + 1, shape));
}

static void embedding(lnn_ox_export *e)
{
    const lnn_weight *w = weight(e->l, "embeddings");
    /* libnn's ids are whole numbers in floats; Gather takes integers. */
    const char *ids = lnn_ox_op(&e->g, "Cast", lnn_ox_vname(e, "ids"), 1, &e->cur);
    lnn_ox_attr_int(&e->g, lnn_ox_last(&e->g), "to", ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
    const char *in[2] = {floats(e, "embeddings", 2, w->shape, w->value), ids};
    const char *out = lnn_ox_op(&e->g, "Gather", lnn_ox_vname(e, "gather"), 2, in);
    if (out)
        e->cur = out;
    if (lnn_param_int(e->l, LIBNN_PARAM_MASK_ZERO)) { /* mask = float(ids != 0) */
        const char *eq[2] = {ids, lnn_ox_int64_init(&e->g, lnn_ox_vname(e, "zero_id"), 0, NULL,
                                                        (const int64_t[]){0})};
        const char *is_pad = lnn_ox_apply(e, "Equal", "is_pad", 2, eq);
        const char *real = lnn_ox_apply(e, "Not", "is_real", 1, &is_pad);
        e->mask = lnn_ox_apply(e, "Cast", "mask", 1, &real);
        lnn_ox_attr_int(&e->g, lnn_ox_last(&e->g), "to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    }
}

/* Masking: a step whose features all equal mask_value is masked, and its
 * features become 0. */
static void masking(lnn_ox_export *e)
{
    const char *x = e->cur;
    lnn_ox_step(e, "Equal", "equal", lnn_ox_scalar(e, "mask_value",
                                                   (float)lnn_param_float(e->l,
                                                                          LIBNN_PARAM_MASK_VALUE)));
    lnn_ox_attr_int(&e->g, lnn_ox_step(e, "Cast", "equal_f", NULL), "to",
                    ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    Onnx__NodeProto *n = lnn_ox_step(e, "ReduceMin", "all_equal", NULL);
    lnn_ox_attr_ints(&e->g, n, "axes", 1, (const int64_t[]){-1});
    lnn_ox_attr_int(&e->g, n, "keepdims", 0);
    const char *sub[2] = {lnn_ox_scalar(e, "one", 1.0f), e->cur};
    e->mask = lnn_ox_apply(e, "Sub", "mask", 2, sub);
    const char *un[2] = {e->mask, lnn_ox_ints(e, "feature_axis", 1, (const int64_t[]){2})};
    const char *in[2] = {x, lnn_ox_apply(e, "Unsqueeze", "mask_3d", 2, un)};
    e->cur = lnn_ox_apply(e, "Mul", "masked", 2, in);
}

static libnn_status export_layer(lnn_ox_export *e)
{
    const libnn_layer *l = e->l;
    const char *mask = e->mask;
    switch (l->ops->kind) {
    case LIBNN_LAYER_DENSE: dense(e); break;
    case LIBNN_LAYER_CONV2D: {
        libnn_status st = conv2d(e);
        if (st != LIBNN_OK)
            return st;
        break;
    }
    case LIBNN_LAYER_MAX_POOLING2D: pool2d(e, true); break;
    case LIBNN_LAYER_AVERAGE_POOLING2D: pool2d(e, false); break;
    case LIBNN_LAYER_GLOBAL_MAX_POOLING2D: global_pool2d(e, true); break;
    case LIBNN_LAYER_GLOBAL_AVERAGE_POOLING2D: global_pool2d(e, false); break;
    case LIBNN_LAYER_FLATTEN:
        to_nhwc(e);
        lnn_ox_attr_int(&e->g, lnn_ox_step(e, "Flatten", "flatten", NULL), "axis", 1);
        break;
    case LIBNN_LAYER_RESHAPE: reshape(e); break;
    case LIBNN_LAYER_DROPOUT: break; /* identity at inference */
    case LIBNN_LAYER_ACTIVATION: layer_activation(e); break;
    case LIBNN_LAYER_EMBEDDING: embedding(e); break;
    case LIBNN_LAYER_SIMPLE_RNN:
    case LIBNN_LAYER_LSTM:
    case LIBNN_LAYER_GRU:
    case LIBNN_LAYER_BIDIRECTIONAL: {
        libnn_status st = lnn_ox_export_rnn(e);
        if (st != LIBNN_OK)
            return st;
        break;
    }
    case LIBNN_LAYER_MASKING: masking(e); break;
    }
    /* A mask lives on through the layers that pass it on. */
    if (l->ops->kind != LIBNN_LAYER_EMBEDDING && l->ops->kind != LIBNN_LAYER_MASKING)
        e->mask = lnn_layer_mask_mode(l) == LNN_MASK_PASS ? mask : NULL;
    e->ndim = l->out_ndim;
    memcpy(e->shape, l->out_shape, l->out_ndim * sizeof *e->shape);
    return e->g.status;
}

/* The whole graph into e->g; the output value is named "output". */
static libnn_status export_model(lnn_ox_export *e, const libnn_model *m, unsigned flags,
                                 int64_t *in_dims)
{
    e->cur = "input";
    e->ndim = m->in_ndim;
    memcpy(e->shape, m->in_shape, m->in_ndim * sizeof *e->shape);
    memcpy(in_dims, m->in_shape, m->in_ndim * sizeof *in_dims);
    if ((flags & LIBNN_ONNX_CHANNELS_FIRST) && m->in_ndim == 3) {
        e->nchw = true;
        in_dims[0] = m->in_shape[2];
        in_dims[1] = m->in_shape[0];
        in_dims[2] = m->in_shape[1];
    }
    for (size_t i = 0; i < m->n_layers; i++) {
        e->l = m->layers[i];
        libnn_status st = export_layer(e);
        if (st != LIBNN_OK)
            return st;
    }
    to_nhwc(e);
    Onnx__NodeProto *last = lnn_ox_last(&e->g);
    if (last && strcmp(last->output[0], e->cur) == 0) {
        last->output[0] = "output";
        last->name = "output";
    } else {
        const char *in[1] = {e->cur};
        lnn_ox_op(&e->g, "Identity", "output", 1, in);
    }
    return e->g.status;
}

static libnn_status check_args(const char *who, const libnn_model *model, unsigned flags)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "%s: model is NULL", who);
    if (flags & ~(unsigned)LIBNN_ONNX_CHANNELS_FIRST)
        return lnn_error(LIBNN_E_INVALID, "%s: unknown flags 0x%x", who, flags);
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE, "%s: the model is not compiled (no weights yet)", who);
    return LIBNN_OK;
}

/* Export into buf (or only size it): as the public buffer call. */
static libnn_status export_to(const libnn_model *model, unsigned flags, void *buf,
                              size_t capacity, size_t *needed)
{
    lnn_ox_export e;
    memset(&e, 0, sizeof e);
    lnn_ox_init(&e.g);
    int64_t in_dims[LIBNN_MAX_RANK];
    libnn_status st = export_model(&e, model, flags, in_dims);
    if (st == LIBNN_OK) {
        const libnn_layer *last = model->layers[model->n_layers - 1];
        st = lnn_ox_pack(&e.g, "input", model->in_ndim, in_dims, "output", last->out_ndim,
                         last->out_shape, buf, capacity, needed);
    }
    lnn_ox_free(&e.g);
    return st;
}

libnn_status libnn_model_export_onnx_buffer(const libnn_model *model, unsigned flags, void *buf,
                                            size_t capacity, size_t *needed)
{
    const char *who = "model_export_onnx_buffer";
    if (!needed)
        return lnn_error(LIBNN_E_INVALID, "%s: needed is NULL", who);
    *needed = 0;
    if (!buf && capacity > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: buf is NULL with capacity %zu", who, capacity);
    libnn_status st = check_args(who, model, flags);
    if (st != LIBNN_OK)
        return st;
    return export_to(model, flags, buf, capacity, needed);
}

libnn_status libnn_model_export_onnx(const libnn_model *model, const char *path, unsigned flags)
{
    const char *who = "model_export_onnx";
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "%s: path is NULL", who);
    libnn_status st = check_args(who, model, flags);
    if (st != LIBNN_OK)
        return st;
    size_t size = 0;
    st = export_to(model, flags, NULL, 0, &size);
    if (st != LIBNN_E_RANGE)
        return st;
    void *buf = lnn_malloc(size ? size : 1);
    if (!buf)
        return lnn_error_nomem(who, size);
    st = export_to(model, flags, buf, size, &size);
    if (st == LIBNN_OK)
        st = lnn_atomic_write_file(who, path, buf, size);
    lnn_free(buf);
    return st;
}
