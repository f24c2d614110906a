/*
 * NHWC pooling. Every inner loop runs over the c channels of one pixel,
 * which are contiguous, so it vectorises; the window walk around it only
 * visits real (unpadded) cells, found once per output by lnn_window_taps().
 */
#include <string.h>

#include "core/error_internal.h"
#include "pool_internal.h"
#include "reduce_internal.h"

libnn_status lnn_pool_geom_init(lnn_conv_geom *g)
{
    g->dh = 1;
    g->dw = 1;
    libnn_status st = lnn_conv_geom_init(g);
    if (st != LIBNN_OK)
        return st;
    if (g->h > (size_t)INT32_MAX / g->w)
        return lnn_error(LIBNN_E_RANGE, "input %zu x %zu has more pixels than pooling indexes",
                         g->h, g->w);
    return LIBNN_OK;
}

/* The real cells of the window of output (oy, ox): rows [*y0, *y1) and
 * columns [*x0, *x1) of the window, and the input pixel of its cell (y0, x0). */
typedef struct window {
    size_t y0, y1, x0, x1;
    size_t iy, ix;
} window;

static inline window window_at(const lnn_conv_geom *g, size_t oy, size_t ox)
{
    window v;
    lnn_window_taps(oy, g->sh, g->pad_top, g->kh, 1, g->h, &v.y0, &v.y1);
    lnn_window_taps(ox, g->sw, g->pad_left, g->kw, 1, g->w, &v.x0, &v.x1);
    v.iy = oy * g->sh + v.y0 - g->pad_top;
    v.ix = ox * g->sw + v.x0 - g->pad_left;
    return v;
}

static inline size_t window_cells(const window *v)
{
    return (v->y1 - v->y0) * (v->x1 - v->x0);
}

static void zero_unless(bool accumulate, float *dx, size_t count)
{
    if (!accumulate)
        memset(dx, 0, count * sizeof *dx);
}

/* Channels [c0, c0 + k) of one output pixel of max pooling, k <= MAX_BLOCK:
 * the running maxima and their cells in local arrays of a constant length,
 * so that GCC -O2 vectorises the channel loop (with y and argmax in memory
 * it cannot, for they might alias the input). Strict > keeps the first of
 * equal maxima; NaN wins, as in Keras. */
#define MAX_BLOCK 16
static void max_block(const lnn_conv_geom *g, const float *img, const window *v, size_t c0,
                      size_t k, float *y, int32_t *argmax)
{
    const size_t c = g->c, w = g->w;
    float best[MAX_BLOCK] = {0};
    int32_t arg[MAX_BLOCK] = {0};
    /* Pooling geometry always leaves a real cell in the window; starting
     * from it (not from -inf) keeps argmax valid even when every input is
     * -inf. */
    int32_t first = (int32_t)(v->iy * w + v->ix);
    memcpy(best, img + (size_t)first * c + c0, k * sizeof *best);
    for (size_t ch = 0; ch < MAX_BLOCK; ch++)
        arg[ch] = first;
    for (size_t ky = 0; ky < v->y1 - v->y0; ky++)
        for (size_t kx = ky == 0; kx < v->x1 - v->x0; kx++) {
            int32_t at = (int32_t)((v->iy + ky) * w + v->ix + kx);
            float px[MAX_BLOCK] = {0};
            memcpy(px, img + (size_t)at * c + c0, k * sizeof *px);
            for (size_t ch = 0; ch < MAX_BLOCK; ch++) {
                bool wins = px[ch] > best[ch] || px[ch] != px[ch];
                best[ch] = wins ? px[ch] : best[ch];
                arg[ch] = wins ? at : arg[ch];
            }
        }
    memcpy(y + c0, best, k * sizeof *best);
    memcpy(argmax + c0, arg, k * sizeof *arg);
}

void lnn_maxpool_forward(const lnn_conv_geom *g, size_t n, const float *x, float *y,
                         int32_t *argmax)
{
    const size_t c = g->c;
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * g->h * g->w * c;
        for (size_t oy = 0; oy < g->oh; oy++)
            for (size_t ox = 0; ox < g->ow; ox++, y += c, argmax += c) {
                window v = window_at(g, oy, ox);
                for (size_t c0 = 0; c0 < c; c0 += MAX_BLOCK)
                    max_block(g, img, &v, c0, c - c0 < MAX_BLOCK ? c - c0 : MAX_BLOCK, y, argmax);
            }
    }
}

void lnn_maxpool_backward(const lnn_conv_geom *g, size_t n, const float *dy,
                          const int32_t *argmax, float *dx, bool accumulate)
{
    const size_t c = g->c, img_size = g->h * g->w * c, per_image = g->oh * g->ow * c;
    zero_unless(accumulate, dx, n * img_size);
    for (size_t b = 0; b < n; b++, dx += img_size)
        for (size_t i = 0; i < per_image; i += c, dy += c, argmax += c)
            for (size_t ch = 0; ch < c; ch++)
                dx[(size_t)argmax[ch] * c + ch] += dy[ch];
}

void lnn_avgpool_forward(const lnn_conv_geom *g, size_t n, const float *x, float *y)
{
    const size_t c = g->c, w = g->w;
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * g->h * w * c;
        for (size_t oy = 0; oy < g->oh; oy++)
            for (size_t ox = 0; ox < g->ow; ox++, y += c) {
                window v = window_at(g, oy, ox);
                memset(y, 0, c * sizeof *y);
                for (size_t iy = v.iy; iy < v.iy + (v.y1 - v.y0); iy++) {
                    const float *px = img + (iy * w + v.ix) * c;
                    for (size_t kx = 0; kx < v.x1 - v.x0; kx++, px += c)
                        for (size_t ch = 0; ch < c; ch++)
                            y[ch] += px[ch];
                }
                float scale = 1.0f / (float)window_cells(&v);
                for (size_t ch = 0; ch < c; ch++)
                    y[ch] *= scale;
            }
    }
}

void lnn_avgpool_backward(const lnn_conv_geom *g, size_t n, const float *dy, float *dx,
                          bool accumulate)
{
    const size_t c = g->c, w = g->w, img_size = g->h * w * c;
    zero_unless(accumulate, dx, n * img_size);
    for (size_t b = 0; b < n; b++, dx += img_size)
        for (size_t oy = 0; oy < g->oh; oy++)
            for (size_t ox = 0; ox < g->ow; ox++, dy += c) {
                window v = window_at(g, oy, ox);
                float scale = 1.0f / (float)window_cells(&v);
                for (size_t iy = v.iy; iy < v.iy + (v.y1 - v.y0); iy++) {
                    float *px = dx + (iy * w + v.ix) * c;
                    for (size_t kx = 0; kx < v.x1 - v.x0; kx++, px += c)
                        for (size_t ch = 0; ch < c; ch++)
                            px[ch] += dy[ch] * scale;
                }
            }
}

void lnn_global_avgpool_forward(size_t n, size_t hw, size_t c, const float *x, float *y)
{
    for (size_t b = 0; b < n; b++, x += hw * c, y += c) {
        lnn_sum_rows(y, x, hw, c, false);
        float scale = 1.0f / (float)hw;
        for (size_t ch = 0; ch < c; ch++)
            y[ch] *= scale;
    }
}

void lnn_global_avgpool_backward(size_t n, size_t hw, size_t c, const float *dy, float *dx,
                                 bool accumulate)
{
    zero_unless(accumulate, dx, n * hw * c);
    float scale = 1.0f / (float)hw;
    for (size_t b = 0; b < n; b++, dy += c)
        for (size_t p = 0; p < hw; p++, dx += c)
            for (size_t ch = 0; ch < c; ch++)
                dx[ch] += dy[ch] * scale;
}

void lnn_global_maxpool_forward(size_t n, size_t hw, size_t c, const float *x, float *y)
{
    for (size_t b = 0; b < n; b++, y += c) {
        memcpy(y, x, c * sizeof *y);
        x += c;
        for (size_t p = 1; p < hw; p++, x += c)
            for (size_t ch = 0; ch < c; ch++) {
                float val = x[ch];
                y[ch] = (val > y[ch] || val != val) ? val : y[ch];
            }
    }
}

/* Channels whose tie counts are kept on the stack at a time. */
#define TIE_CHUNK 256

void lnn_global_maxpool_backward(size_t n, size_t hw, size_t c, const float *x, const float *y,
                                 const float *dy, float *dx, bool accumulate)
{
    float share[TIE_CHUNK];
    zero_unless(accumulate, dx, n * hw * c);
    for (size_t b = 0; b < n; b++, x += hw * c, dx += hw * c, y += c, dy += c)
        for (size_t c0 = 0; c0 < c; c0 += TIE_CHUNK) {
            size_t m = c - c0 < TIE_CHUNK ? c - c0 : TIE_CHUNK;
            for (size_t j = 0; j < m; j++)
                share[j] = 0.0f;
            for (size_t p = 0; p < hw; p++)
                for (size_t j = 0; j < m; j++)
                    share[j] += x[p * c + c0 + j] == y[c0 + j];
            /* A NaN maximum equals nothing: no pixel gets its gradient. */
            for (size_t j = 0; j < m; j++)
                share[j] = share[j] > 0.0f ? dy[c0 + j] / share[j] : 0.0f;
            for (size_t p = 0; p < hw; p++)
                for (size_t j = 0; j < m; j++)
                    dx[p * c + c0 + j] += x[p * c + c0 + j] == y[c0 + j] ? share[j] : 0.0f;
        }
}
