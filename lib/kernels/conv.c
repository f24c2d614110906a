/*
 * Window geometry and NHWC im2col / col2im.
 *
 * NHWC keeps the c channels of one pixel contiguous, and with dilation 1 the
 * kw pixels of one window row too, so im2col copies each window row as one
 * run of kw*c floats; col2im adds back one tap (c floats) at a time (see
 * walk() for why).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conv_internal.h"
#include "core/alloc_internal.h"
#include "core/error_internal.h"

bool lnn_window_axis(size_t n, size_t k, size_t s, size_t d, lnn_padding padding,
                     size_t *out, size_t *pad_before)
{
    size_t span; /* the dilated window: (k - 1) * d + 1 */
    if (n == 0 || k == 0 || s == 0 || d == 0 || !lnn_mul_size(k - 1, d, &span) ||
        !lnn_add_size(span, 1, &span))
        return false;
    if (padding == LNN_PADDING_VALID) {
        if (n < span)
            return false;
        *out = (n - span) / s + 1;
        *pad_before = 0;
        return true;
    }
    /* TensorFlow same: out = ceil(n / s) and
     * pad_total = max((out - 1) * s + span - n, 0), the smaller half first. */
    size_t o = n / s + (n % s != 0);
    size_t reach;
    if (!lnn_add_size((o - 1) * s, span, &reach))
        return false;
    *out = o;
    *pad_before = reach > n ? (reach - n) / 2 : 0;
    return true;
}

static const char *padding_name(lnn_padding p)
{
    return p == LNN_PADDING_SAME ? "same" : "valid";
}

libnn_status lnn_conv_geom_init(lnn_conv_geom *g)
{
    if (g->padding != LNN_PADDING_VALID && g->padding != LNN_PADDING_SAME)
        return lnn_error(LIBNN_E_INVALID, "unknown padding %d", (int)g->padding);
    if (g->h == 0 || g->w == 0 || g->c == 0)
        return lnn_error(LIBNN_E_SHAPE, "input %zu x %zu x %zu is empty", g->h, g->w, g->c);
    if (g->kh == 0 || g->kw == 0 || g->sh == 0 || g->sw == 0 || g->dh == 0 || g->dw == 0)
        return lnn_error(LIBNN_E_INVALID,
                         "window %zu x %zu, strides %zu x %zu and dilation %zu x %zu must all "
                         "be at least 1",
                         g->kh, g->kw, g->sh, g->sw, g->dh, g->dw);
    /* Positions are computed in ptrdiff_t; sizes beyond that are not images. */
    if (g->h > PTRDIFF_MAX / 4 || g->w > PTRDIFF_MAX / 4 || g->sh > PTRDIFF_MAX / 4 ||
        g->sw > PTRDIFF_MAX / 4)
        return lnn_error(LIBNN_E_RANGE, "input %zu x %zu or strides %zu x %zu out of range",
                         g->h, g->w, g->sh, g->sw);
    if (!lnn_window_axis(g->h, g->kh, g->sh, g->dh, g->padding, &g->oh, &g->pad_top) ||
        !lnn_window_axis(g->w, g->kw, g->sw, g->dw, g->padding, &g->ow, &g->pad_left)) {
        /* Pooling has no dilation: say it only where it widens the window. */
        char dilation[64] = "";
        if (g->dh != 1 || g->dw != 1)
            snprintf(dilation, sizeof dilation, " (dilation %zu x %zu)", g->dh, g->dw);
        return lnn_error(LIBNN_E_SHAPE,
                         "input %zu x %zu is smaller than the window %zu x %zu%s with %s padding",
                         g->h, g->w, g->kh, g->kw, dilation, padding_name(g->padding));
    }
    return LIBNN_OK;
}

bool lnn_im2col_size(const lnn_conv_geom *g, size_t n, size_t *floats)
{
    size_t rows, cols;
    return lnn_mul_size(n, g->oh, &rows) && lnn_mul_size(rows, g->ow, &rows) &&
           lnn_mul_size(g->kh, g->kw, &cols) && lnn_mul_size(cols, g->c, &cols) &&
           lnn_mul_size(rows, cols, floats);
}

bool lnn_im2col_is_identity(const lnn_conv_geom *g)
{
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_top == 0 &&
           g->pad_left == 0;
}

/* Copy len floats. Runs are short when c is (3 floats for a 3-wide window
 * over one channel, as in the first layer of an MNIST CNN): there a memcpy
 * call per run costs more than the copy, so short runs are copied in
 * fixed-size pieces that compile to plain moves. (A plain loop would not
 * do: GCC turns it back into a call.) */
static inline void copy_run(float *restrict dst, const float *restrict src, size_t len)
{
    if (len > 16) {
        memcpy(dst, src, len * sizeof *dst);
        return;
    }
    size_t i = 0;
    for (; i + 4 <= len; i += 4)
        memcpy(dst + i, src + i, 4 * sizeof *dst);
    switch (len - i) {
    case 3:
        memcpy(dst + i, src + i, 3 * sizeof *dst);
        break;
    case 2:
        memcpy(dst + i, src + i, 2 * sizeof *dst);
        break;
    case 1:
        dst[i] = src[i];
        break;
    default:
        break;
    }
}

/* Zero len floats; the test keeps the call out of the usual len == 0 case
 * (windows away from the border). */
static inline void zero_run(float *dst, size_t len)
{
    if (len)
        memset(dst, 0, len * sizeof *dst);
}

/* One run of len floats between the image and a column row: a copy into
 * the column (gather) or an add back into the image (scatter). */
static inline void move_run(bool gather, float *restrict img, float *restrict col, size_t len)
{
    if (gather) {
        copy_run(col, img, len);
        return;
    }
    /* Four at a time in straight-line code, which GCC's -O2 vectoriser
     * (SLP) turns into one vector add where it leaves a loop scalar. */
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        float a[4], b[4];
        memcpy(a, img + i, sizeof a);
        memcpy(b, col + i, sizeof b);
        a[0] += b[0];
        a[1] += b[1];
        a[2] += b[2];
        a[3] += b[3];
        memcpy(img + i, a, sizeof a);
    }
    for (; i < len; i++)
        img[i] += col[i];
}

/*
 * The window of output (oy, ox) whose real rows are [ky0, ky1): the general
 * case, for windows that may overhang the left or right border.
 */
static inline void walk_window(const lnn_conv_geom *g, float *img, float *col, size_t oy,
                               size_t ox, size_t ky0, size_t ky1, bool gather)
{
    const size_t c = g->c, kw = g->kw, kh = g->kh, wrow = kw * c;
    size_t kx0, kx1;
    lnn_window_taps(ox, g->sw, g->pad_left, kw, g->dw, g->w, &kx0, &kx1);
    /* A dilated window can straddle the whole image without a real tap in
     * some direction: then no row is real. */
    size_t y1 = kx0 < kx1 ? ky1 : ky0;
    if (gather) {
        zero_run(col, ky0 * wrow);
        zero_run(col + y1 * wrow, (kh - y1) * wrow);
    }
    /* Input column of the first real tap in each row. */
    size_t ix0 = ox * g->sw + kx0 * g->dw - g->pad_left;
    for (size_t ky = ky0; ky < y1; ky++) {
        size_t iy = oy * g->sh + ky * g->dh - g->pad_top;
        float *src = img + (iy * g->w + ix0) * c;
        float *dst = col + ky * wrow;
        if (gather) {
            zero_run(dst, kx0 * c);
            zero_run(dst + kx1 * c, (kw - kx1) * c);
        }
        if (g->dw == 1)
            move_run(gather, src, dst + kx0 * c, (kx1 - kx0) * c);
        else
            for (size_t kx = kx0; kx < kx1; kx++)
                move_run(gather, src + (kx - kx0) * g->dw * c, dst + kx * c, c);
    }
}

/* Output columns [*lo, *hi) whose windows lie wholly inside the image
 * horizontally (all of them for valid padding). */
static void inner_columns(const lnn_conv_geom *g, size_t *lo, size_t *hi)
{
    size_t span = (g->kw - 1) * g->dw + 1;
    size_t a = (g->pad_left + g->sw - 1) / g->sw;
    size_t b = g->w + g->pad_left >= span ? (g->w + g->pad_left - span) / g->sw + 1 : 0;
    if (b > g->ow)
        b = g->ow;
    if (a > g->ow)
        a = g->ow;
    *lo = a;
    *hi = b > a ? b : a;
}

/*
 * The walk shared by im2col (gather) and col2im (scatter): they visit the
 * same (pixel, column cell) pairs, one the adjoint of the other. `gather` is
 * a constant at both call sites, so each gets its own specialised loop.
 * Padded cells are written as zeros by gather and skipped by scatter.
 *
 * Windows that overhang the left or right border go through walk_window().
 * The others, most of them, are walked one window row at a time across the
 * whole output row: the per-window bookkeeping then drops out, which matters
 * when a window row is a few floats (a 3-wide window over 1 channel).
 */
static inline void walk(const lnn_conv_geom *g, size_t n, float *img_base, float *col, bool gather)
{
    const size_t c = g->c, kw = g->kw, kh = g->kh;
    const size_t wrow = kw * c;     /* floats of one window row in a column row */
    const size_t patch = kh * wrow; /* floats of one column row */
    const size_t img_size = g->h * g->w * c;
    size_t xa, xb;
    inner_columns(g, &xa, &xb);
    for (size_t b = 0; b < n; b++) {
        float *img = img_base + b * img_size;
        for (size_t oy = 0; oy < g->oh; oy++, col += g->ow * patch) {
            size_t ky0, ky1;
            lnn_window_taps(oy, g->sh, g->pad_top, kh, g->dh, g->h, &ky0, &ky1);
            for (size_t ox = 0; ox < xa; ox++)
                walk_window(g, img, col + ox * patch, oy, ox, ky0, ky1, gather);
            for (size_t ox = xb; ox < g->ow; ox++)
                walk_window(g, img, col + ox * patch, oy, ox, ky0, ky1, gather);
            if (xa == xb)
                continue;
            if (gather)
                for (size_t ox = xa; ox < xb; ox++) {
                    zero_run(col + ox * patch, ky0 * wrow);
                    zero_run(col + ox * patch + ky1 * wrow, (kh - ky1) * wrow);
                }
            for (size_t ky = ky0; ky < ky1; ky++) {
                size_t iy = oy * g->sh + ky * g->dh - g->pad_top;
                float *src = img + (iy * g->w + xa * g->sw - g->pad_left) * c;
                float *dst = col + xa * patch + ky * wrow;
                /* Gather copies whole window rows. Scatter goes one tap
                 * at a time across the row instead, so that successive
                 * adds hit distinct pixels: overlapping windows would
                 * otherwise chain each add on the previous one's store. */
                if (gather && g->dw == 1) {
                    for (size_t ox = xa; ox < xb; ox++)
                        move_run(true, src + (ox - xa) * g->sw * c, dst + (ox - xa) * patch, wrow);
                    continue;
                }
                for (size_t kx = 0; kx < kw; kx++) {
                    float *s = src + kx * g->dw * c, *d = dst + kx * c;
                    size_t step = g->sw * c;
                    /* One channel: a float per tap, added in a plain
                     * strided loop rather than one run each. */
                    if (c == 1 && !gather)
                        for (size_t i = 0; i < xb - xa; i++)
                            s[i * step] += d[i * patch];
                    else
                        for (size_t i = 0; i < xb - xa; i++)
                            move_run(gather, s + i * step, d + i * patch, c);
                }
            }
        }
    }
}

void lnn_im2col(const lnn_conv_geom *g, size_t n, const float *x, float *col)
{
    /* walk() only reads the image when gathering. */
    walk(g, n, (float *)(uintptr_t)x, col, true);
}

void lnn_col2im(const lnn_conv_geom *g, size_t n, const float *col, float *dx, bool accumulate)
{
    if (!accumulate)
        memset(dx, 0, n * g->h * g->w * g->c * sizeof *dx);
    /* walk() only reads the column buffer when scattering. */
    walk(g, n, dx, (float *)(uintptr_t)col, false);
}
