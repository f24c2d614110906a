/*
 * Conv2D(filters, kh, kw) over NHWC images: y = act(im2col(x) . kernel + bias).
 *
 * The column matrix of the whole batch, [n*oh*ow, kh*kw*c], times the Keras
 * kernel read as [kh*kw*c, filters] is one sgemm whose output rows are the
 * NHWC pixels of y, so no transposition is needed either way. As in Dense,
 * the bias is written into y first and the GEMM adds onto it.
 *
 * The batch runs in chunks of samples whose column matrix fits
 * COL_CHUNK_FLOATS (see there), one im2col and one GEMM per chunk.
 *
 * Workspace, per batch (cache survives from forward to backward):
 *   cache:   the pre-activation for gelu/swish only;
 *   scratch: a chunk's dz (unless linear), then its columns / dcol (unless
 *            the window is 1x1/stride 1, where x is its own column matrix).
 * Backward makes each chunk's columns again rather than keeping the whole
 * batch's from forward: an im2col costs far less than the GEMMs that read
 * it, and the columns were most of the layer's memory.
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

/* Column matrices are made for a chunk of the batch at a time, of about
 * this many floats with the chunk's output (one sample at least): the
 * columns then stay in cache
 * between im2col and the GEMMs that read them, and the workspace no longer
 * grows with the batch (conv 32->64 of the MNIST CNN at batch 64: 9 MB of
 * columns cached for backward before, 1 MB of scratch now). */
#define COL_CHUNK_FLOATS (256 * 1024)

/* Floats of the parts of the workspace for a batch; false on overflow. */
typedef struct conv2d_sizes {
    size_t chunk;     /* samples per column matrix */
    size_t pixels;    /* output pixels of one sample: GEMM rows per sample */
    size_t col;       /* column matrix of one chunk (0 when identity) */
    size_t out;       /* batch * pixels * filters */
    size_t chunk_out; /* chunk * pixels * filters */
} conv2d_sizes;

static bool conv2d_sizes_of(const conv2d_state *s, size_t batch, conv2d_sizes *z)
{
    size_t per = 0;
    z->pixels = s->g.oh * s->g.ow;
    if (!s->identity && !lnn_im2col_size(&s->g, 1, &per))
        return false;
    /* A chunk's output (and dz) counts too: the first conv of the MNIST CNN
     * makes 32 outputs per 9 column floats. */
    size_t both = per + z->pixels * s->filters;
    z->chunk = both < COL_CHUNK_FLOATS ? COL_CHUNK_FLOATS / both : 1;
    if (s->identity || z->chunk > batch)
        z->chunk = batch ? batch : 1;
    z->col = per * z->chunk;
    return lnn_mul_size(batch, z->pixels, &z->out) && lnn_mul_size(z->out, s->filters, &z->out) &&
           lnn_mul_size(z->chunk * z->pixels, s->filters, &z->chunk_out);
}

static libnn_status conv2d_workspace(const libnn_layer *l, size_t batch, bool training,
                                     size_t *cache, size_t *scratch)
{
    const conv2d_state *s = l->state;
    conv2d_sizes z;
    if (!conv2d_sizes_of(s, batch, &z))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, batch);
    /* gelu and swish differentiate through their input: keep it. */
    *cache = training && lnn_act_backward_needs_input((lnn_act)s->act) ? z.out : 0;
    /* Backward needs a chunk's dz, then its columns (dcol in the same
     * place once the kernel gradient has read them). */
    size_t dz = training && s->act != LNN_ACT_LINEAR ? z.chunk_out : 0;
    *scratch = dz + z.col;
    return LIBNN_OK;
}

/* Samples [first, first + n) of the batch: x, y and dy rows of them. */
static size_t in_floats(const conv2d_state *s)
{
    return s->g.h * s->g.w * s->g.c;
}

static libnn_status conv2d_forward(const libnn_layer *l, lnn_exec *e, const float *x, float *y)
{
    const conv2d_state *s = l->state;
    conv2d_sizes z;
    if (!conv2d_sizes_of(s, e->batch, &z)) /* workspace refused such a batch already */
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, e->batch);
    size_t per_out = z.pixels * s->filters;
    float *col_buf = e->scratch;
    float *keep = lnn_act_backward_needs_input((lnn_act)s->act) ? e->cache : NULL;
    for (size_t first = 0; first < e->batch; first += z.chunk) {
        size_t n = e->batch - first < z.chunk ? e->batch - first : z.chunk;
        const float *xc = x + first * in_floats(s), *col = xc;
        float *yc = y + first * per_out;
        if (!s->identity) {
            lnn_im2col(&s->g, n, xc, col_buf);
            col = col_buf;
        }
        if (s->use_bias)
            lnn_rows_set(yc, l->weights[1].value, n * z.pixels, s->filters);
        libnn_status st = lnn_sgemm(false, false, n * z.pixels, s->filters, s->patch, 1.0f, col,
                                    s->patch, l->weights[0].value, s->filters,
                                    s->use_bias ? 1.0f : 0.0f, yc, s->filters);
        if (st != LIBNN_OK)
            return lnn_error_prefix(st, "%s", l->name);
        if (keep)
            memcpy(keep + first * per_out, yc, n * per_out * sizeof(float));
        lnn_act_forward((lnn_act)s->act, s->alpha, yc, yc, n * z.pixels, s->filters);
    }
    return LIBNN_OK;
}

static libnn_status conv2d_backward(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                    const float *dy, float *dx)
{
    const conv2d_state *s = l->state;
    conv2d_sizes z;
    if (!conv2d_sizes_of(s, e->batch, &z))
        return lnn_error(LIBNN_E_NOMEM, "%s: batch of %zu too large", l->name, e->batch);
    /* The owner passes forward's cache back: the pre-activation of
     * gelu/swish is there. */
    const float *keep = lnn_act_backward_needs_input((lnn_act)s->act) ? e->cache : NULL;
    assert(keep || !lnn_act_backward_needs_input((lnn_act)s->act));
    size_t per_out = z.pixels * s->filters;
    bool act = s->act != LNN_ACT_LINEAR;
    float *col_buf = e->scratch + (act ? z.chunk_out : 0);
    libnn_status st = LIBNN_OK;
    for (size_t first = 0; first < e->batch && st == LIBNN_OK; first += z.chunk) {
        size_t n = e->batch - first < z.chunk ? e->batch - first : z.chunk;
        size_t at = first * per_out, rows = n * z.pixels;
        const float *xc = x + first * in_floats(s), *col = xc, *dz = dy + at;
        if (act) {
            lnn_act_backward((lnn_act)s->act, s->alpha, keep ? keep + at : NULL, y + at,
                             dy + at, e->scratch, rows, s->filters);
            dz = e->scratch;
        }
        if (!s->identity) {
            lnn_im2col(&s->g, n, xc, col_buf);
            col = col_buf;
        }
        /* dcol overwrites the columns once the kernel gradient has read
         * them; for a 1x1 window dcol is dx itself. */
        float *dxc = dx ? dx + first * in_floats(s) : NULL;
        float *dout = dx ? (s->identity ? dxc : col_buf) : NULL;
        st = lnn_layer_affine_backward(l, s->use_bias, rows, s->patch, s->filters, col, dz, dout);
        if (st == LIBNN_OK && dx && !s->identity)
            lnn_col2im(&s->g, n, col_buf, dxc, false);
    }
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
