/*
 * Conv2D(filters, kh, kw) over NHWC images: y = act(im2col(x) . kernel + bias).
 *
 * The column matrix of the whole batch, [n*oh*ow, kh*kw*c], times the Keras
 * kernel read as [kh*kw*c, filters] is one sgemm whose output rows are the
 * NHWC pixels of y, so no transposition is needed either way. As in Dense,
 * the bias is written into y first and the GEMM adds onto it.
 *
 * Workspace, per batch (cache survives from forward to backward):
 *   cache:   columns (unless the window is 1x1/stride 1, where x is its own
 *            column matrix), then the pre-activation for gelu/swish;
 *   scratch: dz (unless linear), then dcol (unless identity). Without a
 *            cache (inference) the columns go into scratch instead.
 * Backward reuses forward's columns for the kernel gradient: the im2col is
 * never done twice.
 */
#include <assert.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "kernels/activation_internal.h"
#include "kernels/conv_internal.h"
#include "kernels/gemm_internal.h"
#include "layer_internal.h"

static const lnn_param_def conv2d_params[] = {
    LNN_PARAM_INT(LIBNN_PARAM_FILTERS, "filters", 1, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_KERNEL_H, "kernel_h", 1, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_KERNEL_W, "kernel_w", 1, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_STRIDE_H, "stride_h", 1, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_STRIDE_W, "stride_w", 1, 1, 1e9),
    LNN_PARAM_ENUM(LIBNN_PARAM_PADDING, "padding", LIBNN_PADDING_VALID, 2, lnn_padding_name_of),
    LNN_PARAM_INT(LIBNN_PARAM_DILATION_H, "dilation_h", 1, 1, 1e9),
    LNN_PARAM_INT(LIBNN_PARAM_DILATION_W, "dilation_w", 1, 1, 1e9),
    LNN_PARAM_AFFINE_ROWS,
};

typedef struct conv2d_state {
    lnn_conv_geom g;
    size_t filters;
    size_t patch;  /* kh*kw*c: columns of the column matrix */
    bool identity; /* x is its own column matrix */
    bool use_bias;
    int act;
    float alpha;
} conv2d_state;

static size_t param_size(const libnn_layer *l, libnn_param key)
{
    return (size_t)lnn_param_int(l, key);
}

static libnn_status conv2d_build(libnn_layer *l)
{
    conv2d_state *s = l->state;
    if (l->in_ndim != 3)
        return lnn_layer_shape_error(l, "expects input of rank 3 [h, w, c]");
    size_t sh = param_size(l, LIBNN_PARAM_STRIDE_H), sw = param_size(l, LIBNN_PARAM_STRIDE_W);
    size_t dh = param_size(l, LIBNN_PARAM_DILATION_H), dw = param_size(l, LIBNN_PARAM_DILATION_W);
    /* Keras refuses this pair (TensorFlow has no kernel for it). */
    if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1))
        return lnn_error(LIBNN_E_INVALID,
                         "%s: strides > 1 cannot be combined with dilation_rate > 1, got strides "
                         "%zu x %zu and dilation_rate %zu x %zu",
                         l->name, sh, sw, dh, dw);
    s->g = (lnn_conv_geom){
        .h = (size_t)l->in_shape[0],
        .w = (size_t)l->in_shape[1],
        .c = (size_t)l->in_shape[2],
        .kh = param_size(l, LIBNN_PARAM_KERNEL_H),
        .kw = param_size(l, LIBNN_PARAM_KERNEL_W),
        .sh = sh,
        .sw = sw,
        .dh = dh,
        .dw = dw,
        .padding = (lnn_padding)lnn_param_int(l, LIBNN_PARAM_PADDING),
    };
    libnn_status st = lnn_conv_geom_init(&s->g);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", l->name);
    s->filters = param_size(l, LIBNN_PARAM_FILTERS);
    if (!lnn_mul_size(s->g.kh * s->g.kw, s->g.c, &s->patch))
        return lnn_error(LIBNN_E_SHAPE, "%s: kernel %zu x %zu x %zu is too large", l->name,
                         s->g.kh, s->g.kw, s->g.c);
    s->identity = lnn_im2col_is_identity(&s->g);
    s->use_bias = lnn_param_int(l, LIBNN_PARAM_USE_BIAS) != 0;
    lnn_layer_activation(l, &s->act, &s->alpha);
    l->out_ndim = 3;
    l->out_shape[0] = (int64_t)s->g.oh;
    l->out_shape[1] = (int64_t)s->g.ow;
    l->out_shape[2] = (int64_t)s->filters;

    st = lnn_layer_add_weight(
        l, "kernel", 4,
        (const int64_t[]){(int64_t)s->g.kh, (int64_t)s->g.kw, (int64_t)s->g.c,
                          (int64_t)s->filters},
        lnn_param_init(l, LIBNN_PARAM_KERNEL_INITIALIZER, LIBNN_PARAM_KERNEL_INIT_A,
                       LIBNN_PARAM_KERNEL_INIT_B),
        LIBNN_PARAM_KERNEL_L1, LIBNN_PARAM_KERNEL_L2);
    if (st == LIBNN_OK && s->use_bias)
        st = lnn_layer_add_weight(l, "bias", 1, (const int64_t[]){(int64_t)s->filters},
                                  lnn_param_init(l, LIBNN_PARAM_BIAS_INITIALIZER,
                                                 LIBNN_PARAM_BIAS_INIT_A, LIBNN_PARAM_BIAS_INIT_B),
                                  LIBNN_PARAM_BIAS_L1, LIBNN_PARAM_BIAS_L2);
    return st;
}

/* Floats of the parts of the workspace for a batch; false on overflow. */
typedef struct conv2d_sizes {
    size_t rows; /* of the GEMM: output pixels of the batch */
    size_t col;  /* column matrix (0 when identity) */
    size_t out;  /* rows * filters */
} conv2d_sizes;

static bool conv2d_sizes_of(const conv2d_state *s, size_t batch, conv2d_sizes *z)
{
    z->col = 0;
    return lnn_mul_size(batch, s->g.oh * s->g.ow, &z->rows) &&
           lnn_mul_size(z->rows, s->filters, &z->out) &&
           (s->identity || lnn_im2col_size(&s->g, batch, &z->col));
}

static libnn_status conv2d_workspace(const libnn_layer *l, size_t batch, bool training,
                                     size_t *cache, size_t *scratch)
{
    const conv2d_state *s = l->state;
    conv2d_sizes z;
    if (!conv2d_sizes_of(s, batch, &z))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    /* gelu and swish differentiate through their input: keep it. */
    size_t keep = training && lnn_act_backward_needs_input((lnn_act)s->act) ? z.out : 0;
    size_t dz = training && s->act != LNN_ACT_LINEAR ? z.out : 0;
    /* Backward needs dz, then dcol; a forward pass without a cache puts the
     * columns where dcol goes. */
    if (!lnn_add_size(z.col, keep, cache) || !lnn_add_size(dz, z.col, scratch))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    if (!training)
        *cache = 0;
    return LIBNN_OK;
}

static libnn_status conv2d_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    const conv2d_state *s = l->state;
    conv2d_sizes z;
    conv2d_sizes_of(s, e->batch, &z); /* checked by workspace for this batch */
    const float *col = x;
    if (!s->identity) {
        float *buf = e->cache ? e->cache : e->scratch;
        lnn_im2col(&s->g, e->batch, x, buf);
        col = buf;
    }
    if (s->use_bias)
        lnn_rows_set(y, l->weights[1].value, z.rows, s->filters);
    libnn_status st = lnn_sgemm(false, false, z.rows, s->filters, s->patch, 1.0f, col, s->patch,
                                l->weights[0].value, s->filters, s->use_bias ? 1.0f : 0.0f, y,
                                s->filters);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", l->name);
    if (e->cache && lnn_act_backward_needs_input((lnn_act)s->act))
        memcpy(e->cache + z.col, y, z.out * sizeof(float));
    lnn_act_forward((lnn_act)s->act, s->alpha, y, y, z.rows, s->filters);
    return LIBNN_OK;
}

static libnn_status conv2d_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                    const float *dy, float *dx)
{
    const conv2d_state *s = l->state;
    conv2d_sizes z;
    conv2d_sizes_of(s, e->batch, &z);
    /* The owner passes forward's cache back: the columns (and the
     * pre-activation of gelu/swish) are there. */
    assert(e->cache || (s->identity && !lnn_act_backward_needs_input((lnn_act)s->act)));
    const float *col = s->identity ? x : e->cache;
    const float *dz = dy;
    float *dcol = e->scratch;
    if (s->act != LNN_ACT_LINEAR) {
        lnn_act_backward((lnn_act)s->act, s->alpha, e->cache ? e->cache + z.col : NULL, y, dy,
                         e->scratch, z.rows, s->filters);
        dz = e->scratch;
        dcol = e->scratch + z.out;
    }
    /* For a 1x1 window dcol is dx itself. */
    float *dout = dx ? (s->identity ? dx : dcol) : NULL;
    libnn_status st =
        lnn_layer_affine_backward(l, s->use_bias, z.rows, s->patch, s->filters, col, dz, dout);
    if (st == LIBNN_OK && dx && !s->identity)
        lnn_col2im(&s->g, e->batch, dcol, dx, false);
    return st;
}

static const lnn_layer_ops conv2d_ops = {
    .kind = LIBNN_LAYER_CONV2D,
    .class_name = "Conv2D",
    .prefix = "conv2d",
    .params = conv2d_params,
    .n_params = sizeof conv2d_params / sizeof conv2d_params[0],
    .state_size = sizeof(conv2d_state),
    .build = conv2d_build,
    .workspace = conv2d_workspace,
    .forward = conv2d_forward,
    .backward = conv2d_backward,
};

libnn_status libnn_conv2d_new(int64_t filters, int64_t kernel_h, int64_t kernel_w,
                              libnn_layer **out)
{
    return lnn_layer_new_with(
        &conv2d_ops, 3,
        (const libnn_param[]){LIBNN_PARAM_FILTERS, LIBNN_PARAM_KERNEL_H, LIBNN_PARAM_KERNEL_W},
        (const lnn_param_value[]){{.i = filters}, {.i = kernel_h}, {.i = kernel_w}}, out);
}
