/*
 * Compute kernels (lib/kernels): exact small cases worked out by hand,
 * comparisons with naive reference loops, adjoint identities and
 * central-difference gradient checks against float64 references.
 *
 * Tolerances: float kernels against double references agree to a few float
 * ulps per operation, so element comparisons use |a - b| <= 1e-5 + 1e-5 |b|
 * unless a test says otherwise; inner-product identities are compared in
 * double to 1e-5 relative.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng_internal.h"
#include "kernels/activation_internal.h"
#include "kernels/conv_internal.h"
#include "kernels/gemm_internal.h"
#include "kernels/init_internal.h"
#include "kernels/pool_internal.h"
#include "kernels/reduce_internal.h"
#include "testutil.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double abs_tol, double rel_tol, const char *what,
                         size_t i)
{
    ck_assert_msg(fabs(got - want) <= abs_tol + rel_tol * fabs(want),
                  "%s[%zu]: got %.9g, want %.9g", what, i, got, want);
}

static void assert_all_close(const float *got, const float *want, size_t n, double tol,
                             const char *what)
{
    for (size_t i = 0; i < n; i++)
        assert_close(got[i], want[i], tol, tol, what, i);
}

static float *alloc_floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

static void fill_uniform(lnn_rng *r, float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * lnn_rng_uniform(r);
}

static double dot_d(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* ---------------------------------------------------------------- gemm */

START_TEST(gemm_all_transposes)
{
    /* A (2x3), B (3x2), stored transposed or not; C = A B by hand. */
    const float a[6] = {1, 2, 3, 4, 5, 6}, at[6] = {1, 4, 2, 5, 3, 6};
    const float b[6] = {7, 8, 9, 10, 11, 12}, bt[6] = {7, 9, 11, 8, 10, 12};
    const float want[4] = {58, 64, 139, 154};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            float c[4] = {1, 1, 1, 1};
            ck_assert_int_eq(lnn_sgemm(ta, tb, 2, 2, 3, 1.0f, ta ? at : a, ta ? 2 : 3,
                                       tb ? bt : b, tb ? 3 : 2, 0.0f, c, 2),
                             LIBNN_OK);
            assert_all_close(c, want, 4, 0, "c");
        }
    /* alpha and beta: C = 2 A B + 0.5 C. */
    float c[4] = {2, 4, 6, 8};
    ck_assert_int_eq(lnn_sgemm(false, false, 2, 2, 3, 2.0f, a, 3, b, 2, 0.5f, c, 2), LIBNN_OK);
    const float want2[4] = {117, 130, 281, 312};
    assert_all_close(c, want2, 4, 0, "c");
}
END_TEST

START_TEST(gemm_edges)
{
    const float a[6] = {1, 2, 3, 4, 5, 6};
    float c[4] = {NAN, NAN, 3, 4};
    /* beta == 0 does not read C, also for K == 0. */
    ck_assert_int_eq(lnn_sgemm(false, false, 2, 2, 0, 1.0f, a, 1, a, 2, 0.0f, c, 2), LIBNN_OK);
    for (int i = 0; i < 4; i++)
        ck_assert(c[i] == 0.0f);
    c[0] = 1;
    c[3] = 5;
    ck_assert_int_eq(lnn_sgemm(false, false, 2, 2, 0, 1.0f, a, 1, a, 2, 2.0f, c, 2), LIBNN_OK);
    ck_assert(c[0] == 2.0f && c[3] == 10.0f);
    /* Empty products touch nothing. */
    ck_assert_int_eq(lnn_sgemm(false, false, 0, 2, 3, 1.0f, a, 3, a, 2, 0.0f, c, 2), LIBNN_OK);
    ck_assert(c[0] == 2.0f);
    /* Strides that BLAS would reject (and print about) are caught here. */
    ck_assert_int_eq(lnn_sgemm(false, false, 2, 2, 3, 1.0f, a, 2, a, 2, 0.0f, c, 2),
                     LIBNN_E_INVALID);
    tu_assert_error_has("strides");
    ck_assert_int_eq(lnn_sgemm(true, false, 2, 2, 3, 1.0f, a, 1, a, 2, 0.0f, c, 2),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(lnn_sgemm(false, false, (size_t)INT_MAX + 1, 1, 1, 1.0f, a, 1, a, 1, 0.0f,
                               c, 1),
                     LIBNN_E_RANGE);
    tu_assert_error_has("BLAS index range");
}
END_TEST

START_TEST(rows_broadcast)
{
    float y[6] = {1, 1, 1, 1, 1, 1};
    const float bias[3] = {1, 2, 3};
    lnn_rows_add(y, bias, 2, 3);
    const float added[6] = {2, 3, 4, 2, 3, 4};
    assert_all_close(y, added, 6, 0, "y");
    lnn_rows_set(y, bias, 2, 3);
    const float set[6] = {1, 2, 3, 1, 2, 3};
    assert_all_close(y, set, 6, 0, "y");
}
END_TEST

/* ------------------------------------------------------------- reduce */

START_TEST(reductions)
{
    /* 300 columns: more than one stack chunk of lnn_sum_rows. */
    enum { R = 5, C = 300 };
    static float x[R * C];
    float out[C];
    for (size_t i = 0; i < R * C; i++)
        x[i] = (float)(i % 7) - 3.0f;
    for (size_t j = 0; j < C; j++)
        out[j] = 100.0f;
    lnn_sum_rows(out, x, R, C, true);
    for (size_t j = 0; j < C; j++) {
        double s = 100.0;
        for (size_t r = 0; r < R; r++)
            s += x[r * C + j];
        assert_close(out[j], s, 0, 0, "sum_rows", j);
    }
    lnn_sum_rows(out, x, R, C, false);
    assert_close(out[1], (double)x[1] + x[C + 1] + x[2 * C + 1] + x[3 * C + 1] + x[4 * C + 1],
                 0, 0, "sum_rows", 1);
    ck_assert(lnn_sum(x, 7) == 0.0 && lnn_sum(x, 9) == -5.0);
    ck_assert(lnn_dot(x, x, 9) == 9 + 4 + 1 + 0 + 1 + 4 + 9 + 9 + 4);
}
END_TEST

START_TEST(sum_rows_keeps_precision)
{
    /* 2^20 rows of 0.1f: a float accumulator drifts by ~1e-3 relative; the
     * double one is exact to the final rounding (1 float ulp). */
    const size_t rows = (size_t)1 << 20;
    float *x = alloc_floats(rows);
    for (size_t i = 0; i < rows; i++)
        x[i] = 0.1f;
    float out;
    lnn_sum_rows(&out, x, rows, 1, false);
    double want = (double)0.1f * (double)rows;
    ck_assert_msg(fabs(out - want) <= want * FLT_EPSILON, "got %.9g want %.9g", out, want);
    free(x);
}
END_TEST

/* --------------------------------------------------------------- conv */

static lnn_conv_geom geom(size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t s,
                          size_t d, lnn_padding p)
{
    lnn_conv_geom g = {.h = h, .w = w, .c = c, .kh = kh, .kw = kw, .sh = s, .sw = s,
                       .dh = d, .dw = d, .padding = p};
    ck_assert_int_eq(lnn_conv_geom_init(&g), LIBNN_OK);
    return g;
}

START_TEST(geometry_tf_same)
{
    /* TF: pad_total = max((ceil(H/s) - 1) s + (k - 1) d + 1 - H, 0), top half floored. */
    static const struct {
        size_t n, k, s, d, out, pad;
    } same[] = {
        {5, 3, 1, 1, 5, 1},  {5, 3, 2, 1, 3, 1},  {28, 3, 2, 1, 14, 0}, /* extra row at bottom */
        {3, 2, 1, 1, 3, 0},  {5, 4, 1, 1, 5, 1},  /* even kernels: 1 top, 2 bottom */
        {5, 3, 1, 2, 5, 2},  {6, 2, 2, 1, 3, 0},  {7, 2, 2, 1, 4, 0},
        {1, 5, 1, 1, 1, 2},  {4, 1, 3, 1, 2, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(same); i++) {
        size_t out = 0, pad = 99;
        ck_assert(lnn_window_axis(same[i].n, same[i].k, same[i].s, same[i].d, LNN_PADDING_SAME,
                                  &out, &pad));
        ck_assert_msg(out == same[i].out && pad == same[i].pad, "case %zu: out %zu pad %zu", i,
                      out, pad);
    }
    size_t out, pad;
    ck_assert(lnn_window_axis(5, 3, 2, 1, LNN_PADDING_VALID, &out, &pad) && out == 2 && pad == 0);
    ck_assert(lnn_window_axis(5, 3, 1, 2, LNN_PADDING_VALID, &out, &pad) && out == 1);
    ck_assert(!lnn_window_axis(4, 3, 1, 2, LNN_PADDING_VALID, &out, &pad));
    ck_assert(!lnn_window_axis(0, 1, 1, 1, LNN_PADDING_SAME, &out, &pad));
    ck_assert(!lnn_window_axis(5, 3, 0, 1, LNN_PADDING_SAME, &out, &pad));
    ck_assert(!lnn_window_axis(5, 2, 1, SIZE_MAX, LNN_PADDING_SAME, &out, &pad));

    lnn_conv_geom g = {.h = 2, .w = 8, .c = 1, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1,
                       .dw = 1, .padding = LNN_PADDING_VALID};
    ck_assert_int_eq(lnn_conv_geom_init(&g), LIBNN_E_SHAPE);
    tu_assert_error_has("smaller than the window 3 x 3");
    g.padding = LNN_PADDING_SAME;
    ck_assert_int_eq(lnn_conv_geom_init(&g), LIBNN_OK);
    ck_assert(g.oh == 2 && g.ow == 8 && g.pad_top == 1 && g.pad_left == 1);
    g.sw = 0;
    ck_assert_int_eq(lnn_conv_geom_init(&g), LIBNN_E_INVALID);
    g.sw = 1;
    g.padding = (lnn_padding)7;
    ck_assert_int_eq(lnn_conv_geom_init(&g), LIBNN_E_INVALID);
}
END_TEST

/* The definition, one element at a time. */
static void ref_im2col(const lnn_conv_geom *g, size_t n, const float *x, float *col)
{
    for (size_t b = 0; b < n; b++)
        for (size_t oy = 0; oy < g->oh; oy++)
            for (size_t ox = 0; ox < g->ow; ox++)
                for (size_t ky = 0; ky < g->kh; ky++)
                    for (size_t kx = 0; kx < g->kw; kx++)
                        for (size_t ch = 0; ch < g->c; ch++) {
                            long iy = (long)(oy * g->sh + ky * g->dh) - (long)g->pad_top;
                            long ix = (long)(ox * g->sw + kx * g->dw) - (long)g->pad_left;
                            bool in = iy >= 0 && ix >= 0 && iy < (long)g->h && ix < (long)g->w;
                            *col++ = in ? x[((b * g->h + (size_t)iy) * g->w + (size_t)ix) * g->c +
                                            ch]
                                        : 0.0f;
                        }
}

/* 1..h*w row-major, one channel, and its im2col. */
static float *counting_im2col(const lnn_conv_geom *g, float *x)
{
    for (size_t i = 0; i < g->h * g->w; i++)
        x[i] = (float)(i + 1);
    size_t floats;
    ck_assert(lnn_im2col_size(g, 1, &floats));
    float *col = alloc_floats(floats);
    lnn_im2col(g, 1, x, col);
    return col;
}

static void assert_col_row(const lnn_conv_geom *g, const float *col, size_t oy, size_t ox,
                           const float *want)
{
    size_t len = g->kh * g->kw * g->c;
    assert_all_close(col + (oy * g->ow + ox) * len, want, len, 0, "col row");
}

START_TEST(im2col_by_hand)
{
    float x[25];
    /* 3x3 image, 3x3 kernel, same: one cell of zero padding all round. */
    lnn_conv_geom g = geom(3, 3, 1, 3, 3, 1, 1, LNN_PADDING_SAME);
    float *col = counting_im2col(&g, x);
    assert_col_row(&g, col, 0, 0, (const float[]){0, 0, 0, 0, 1, 2, 0, 4, 5});
    assert_col_row(&g, col, 1, 1, (const float[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    assert_col_row(&g, col, 2, 2, (const float[]){5, 6, 0, 8, 9, 0, 0, 0, 0});
    free(col);

    /* Even kernel, same: no padding on top/left, one row/column below/right. */
    g = geom(3, 3, 1, 2, 2, 1, 1, LNN_PADDING_SAME);
    ck_assert(g.pad_top == 0 && g.pad_left == 0 && g.oh == 3);
    col = counting_im2col(&g, x);
    assert_col_row(&g, col, 0, 0, (const float[]){1, 2, 4, 5});
    assert_col_row(&g, col, 1, 2, (const float[]){6, 0, 9, 0});
    assert_col_row(&g, col, 2, 2, (const float[]){9, 0, 0, 0});
    free(col);

    /* Stride 2 over 5x5, same: 3x3 outputs, windows start at -1, 1, 3. */
    g = geom(5, 5, 1, 3, 3, 2, 1, LNN_PADDING_SAME);
    col = counting_im2col(&g, x);
    assert_col_row(&g, col, 0, 0, (const float[]){0, 0, 0, 0, 1, 2, 0, 6, 7});
    assert_col_row(&g, col, 1, 1, (const float[]){7, 8, 9, 12, 13, 14, 17, 18, 19});
    assert_col_row(&g, col, 2, 2, (const float[]){19, 20, 0, 24, 25, 0, 0, 0, 0});
    free(col);

    /* Dilation 2, valid: taps 0, 2, 4. */
    g = geom(5, 5, 1, 3, 3, 1, 2, LNN_PADDING_VALID);
    ck_assert(g.oh == 1 && g.ow == 1);
    col = counting_im2col(&g, x);
    assert_col_row(&g, col, 0, 0, (const float[]){1, 3, 5, 11, 13, 15, 21, 23, 25});
    free(col);

    /* Dilation 2, same: span 5, two cells of padding, taps -2, 0, 2. */
    g = geom(5, 5, 1, 3, 3, 1, 2, LNN_PADDING_SAME);
    col = counting_im2col(&g, x);
    assert_col_row(&g, col, 0, 0, (const float[]){0, 0, 0, 0, 1, 3, 0, 11, 13});
    assert_col_row(&g, col, 2, 3, (const float[]){2, 4, 0, 12, 14, 0, 22, 24, 0});
    free(col);

    /* Two channels: a row runs (ky, kx, channel), channels innermost. */
    g = geom(2, 2, 2, 2, 2, 1, 1, LNN_PADDING_VALID);
    const float x2[8] = {1, -1, 2, -2, 3, -3, 4, -4};
    float col2[8];
    lnn_im2col(&g, 1, x2, col2);
    assert_all_close(col2, x2, 8, 0, "two channels");
}
END_TEST

/* Geometries for the randomised checks: padding, stride, dilation, even
 * kernels, several channels and a window that misses the image entirely. */
static const struct {
    size_t h, w, c, kh, kw, s, d;
    lnn_padding p;
} geoms[] = {
    {5, 5, 1, 3, 3, 1, 1, LNN_PADDING_SAME},  {6, 7, 3, 3, 3, 1, 1, LNN_PADDING_VALID},
    {7, 6, 2, 2, 4, 2, 1, LNN_PADDING_SAME},  {9, 8, 3, 3, 2, 3, 1, LNN_PADDING_SAME},
    {8, 8, 4, 3, 3, 1, 2, LNN_PADDING_SAME},  {9, 9, 2, 3, 3, 2, 2, LNN_PADDING_VALID},
    {4, 5, 5, 1, 1, 1, 1, LNN_PADDING_VALID}, {1, 1, 3, 2, 2, 1, 3, LNN_PADDING_SAME},
    {10, 3, 2, 5, 1, 2, 1, LNN_PADDING_SAME}, {2, 2, 1, 3, 3, 1, 1, LNN_PADDING_SAME},
};

static lnn_conv_geom geom_case(size_t i)
{
    return geom(geoms[i].h, geoms[i].w, geoms[i].c, geoms[i].kh, geoms[i].kw, geoms[i].s,
                geoms[i].d, geoms[i].p);
}

/* Per geometry: im2col equals the definition bit for bit without
 * allocating, and col2im is its adjoint: <im2col(x), y> == <x, col2im(y)>,
 * both sums in double, to 1e-5 relative. */
START_TEST(im2col_col2im_random_geometries)
{
    lnn_rng r;
    lnn_rng_seed(&r, 11);
    const size_t n = 2;
    for (size_t i = 0; i < ARRAY_LEN(geoms); i++) {
        lnn_conv_geom g = geom_case(i);
        size_t xn = n * g.h * g.w * g.c, cn;
        ck_assert(lnn_im2col_size(&g, n, &cn));
        float *x = alloc_floats(xn), *col = alloc_floats(cn), *want = alloc_floats(cn);
        float *y = alloc_floats(cn), *dx = alloc_floats(xn), *dx2 = alloc_floats(xn);
        fill_uniform(&r, x, xn, -1, 1);
        fill_uniform(&r, y, cn, -1, 1);
        tu_alloc_reset();
        lnn_im2col(&g, n, x, col);
        lnn_col2im(&g, n, y, dx, false);
        ck_assert_int_eq(tu_alloc_calls(), 0);
        ref_im2col(&g, n, x, want);
        ck_assert_mem_eq(col, want, cn * sizeof *col);
        if (lnn_im2col_is_identity(&g))
            ck_assert_mem_eq(col, x, xn * sizeof *x);

        double lhs = dot_d(col, y, cn), rhs = dot_d(x, dx, xn);
        ck_assert_msg(fabs(lhs - rhs) <= 1e-5 * (fabs(lhs) + 1e-3), "geometry %zu: %.9g vs %.9g",
                      i, lhs, rhs);
        /* accumulate adds on top of what is there. */
        for (size_t k = 0; k < xn; k++)
            dx2[k] = 1.0f;
        lnn_col2im(&g, n, y, dx2, true);
        for (size_t k = 0; k < xn; k++)
            assert_close(dx2[k], dx[k] + 1.0, 1e-6, 1e-6, "accumulate", k);
        free(x);
        free(col);
        free(want);
        free(y);
        free(dx);
        free(dx2);
    }
}
END_TEST

START_TEST(conv_forward_is_one_gemm)
{
    /* im2col then col x kernel, with a Keras kernel [kh, kw, in, filters]
     * used as is, equals the direct convolution. */
    lnn_rng r;
    lnn_rng_seed(&r, 13);
    lnn_conv_geom g = geom(6, 5, 3, 3, 2, 2, 1, LNN_PADDING_SAME);
    const size_t n = 2, f = 4, k = g.kh * g.kw * g.c, rows = n * g.oh * g.ow;
    float x[2 * 6 * 5 * 3], kern[3 * 2 * 3 * 4], col[2 * 3 * 3 * 18], y[2 * 3 * 3 * 4];
    ck_assert_uint_eq(rows * k, ARRAY_LEN(col));
    fill_uniform(&r, x, ARRAY_LEN(x), -1, 1);
    fill_uniform(&r, kern, ARRAY_LEN(kern), -1, 1);
    lnn_im2col(&g, n, x, col);
    ck_assert_int_eq(lnn_sgemm(false, false, rows, f, k, 1.0f, col, k, kern, f, 0.0f, y, f),
                     LIBNN_OK);
    for (size_t b = 0; b < n; b++)
        for (size_t oy = 0; oy < g.oh; oy++)
            for (size_t ox = 0; ox < g.ow; ox++)
                for (size_t o = 0; o < f; o++) {
                    double s = 0;
                    for (size_t ky = 0; ky < g.kh; ky++)
                        for (size_t kx = 0; kx < g.kw; kx++) {
                            long iy = (long)(oy * g.sh + ky) - (long)g.pad_top;
                            long ix = (long)(ox * g.sw + kx) - (long)g.pad_left;
                            if (iy < 0 || ix < 0 || iy >= (long)g.h || ix >= (long)g.w)
                                continue;
                            for (size_t ci = 0; ci < g.c; ci++)
                                s += (double)x[((b * g.h + (size_t)iy) * g.w + (size_t)ix) * g.c +
                                               ci] *
                                     kern[((ky * g.kw + kx) * g.c + ci) * f + o];
                        }
                    size_t at = ((b * g.oh + oy) * g.ow + ox) * f + o;
                    assert_close(y[at], s, 1e-5, 1e-5, "conv", at);
                }
}
END_TEST

/* --------------------------------------------------------------- pool */

static lnn_conv_geom pool_geom(size_t h, size_t w, size_t c, size_t k, size_t s, lnn_padding p)
{
    lnn_conv_geom g = {.h = h, .w = w, .c = c, .kh = k, .kw = k, .sh = s, .sw = s, .padding = p};
    ck_assert_int_eq(lnn_pool_geom_init(&g), LIBNN_OK);
    return g;
}

START_TEST(maxpool_same_pads_with_minus_infinity)
{
    /* 3x3 of -1..-9, pool 2 stride 2 same: pad 0 top/left, 1 bottom/right.
     * Zero padding would make three of the outputs 0. */
    lnn_conv_geom g = pool_geom(3, 3, 1, 2, 2, LNN_PADDING_SAME);
    ck_assert(g.oh == 2 && g.ow == 2 && g.pad_top == 0 && g.pad_left == 0);
    const float x[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
    float y[4];
    int32_t am[4];
    lnn_maxpool_forward(&g, 1, x, y, am);
    assert_all_close(y, (const float[]){-1, -3, -7, -9}, 4, 0, "y");
    ck_assert(am[0] == 0 && am[1] == 2 && am[2] == 6 && am[3] == 8);

    /* Backward routes each gradient to its winner only. */
    float dx[9];
    lnn_maxpool_backward(&g, 1, (const float[]){1, 2, 3, 4}, am, dx, false);
    assert_all_close(dx, (const float[]){1, 0, 2, 0, 0, 0, 3, 0, 4}, 9, 0, "dx");

    /* -inf inputs still give a valid index; NaN wins. */
    const float inf[4] = {-INFINITY, -INFINITY, -INFINITY, NAN};
    lnn_conv_geom g2 = pool_geom(2, 2, 1, 2, 2, LNN_PADDING_VALID);
    lnn_maxpool_forward(&g2, 1, inf, y, am);
    ck_assert(isnan(y[0]) && am[0] == 3);
    lnn_maxpool_forward(&g2, 1, (const float[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY},
                        y, am);
    ck_assert(y[0] == -INFINITY && am[0] == 0);
}
END_TEST

START_TEST(maxpool_ties_go_to_first)
{
    /* Two channels; channel 0 ties everywhere (relu zeros), channel 1 ties
     * at positions 1 and 2 of the window. */
    lnn_conv_geom g = pool_geom(2, 2, 2, 2, 2, LNN_PADDING_VALID);
    const float x[8] = {0, 1, 0, 5, 0, 5, 0, 2};
    float y[2];
    int32_t am[2];
    lnn_maxpool_forward(&g, 1, x, y, am);
    ck_assert(y[0] == 0 && y[1] == 5 && am[0] == 0 && am[1] == 1);
}
END_TEST

START_TEST(avgpool_divides_by_real_cells)
{
    /* Same padding: 4, 2, 2 and 1 real cells. */
    lnn_conv_geom g = pool_geom(3, 3, 1, 2, 2, LNN_PADDING_SAME);
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float y[4];
    lnn_avgpool_forward(&g, 1, x, y);
    assert_all_close(y, (const float[]){3, 4.5f, 7.5f, 9}, 4, 1e-7, "y");
    float dx[9];
    lnn_avgpool_backward(&g, 1, (const float[]){4, 2, 2, 1}, dx, false);
    assert_all_close(dx, (const float[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 9, 1e-7, "dx");

    /* 3x3 window, stride 1, same, over ones: every output exactly 1. */
    lnn_conv_geom g3 = pool_geom(3, 3, 1, 3, 1, LNN_PADDING_SAME);
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float y9[9];
    lnn_avgpool_forward(&g3, 1, ones, y9);
    assert_all_close(y9, ones, 9, 1e-7, "ones");
}
END_TEST

static void ref_pool(const lnn_conv_geom *g, size_t n, const float *x, float *y, bool is_max)
{
    for (size_t b = 0; b < n; b++)
        for (size_t oy = 0; oy < g->oh; oy++)
            for (size_t ox = 0; ox < g->ow; ox++)
                for (size_t ch = 0; ch < g->c; ch++) {
                    double acc = is_max ? -INFINITY : 0;
                    size_t cells = 0;
                    for (size_t ky = 0; ky < g->kh; ky++)
                        for (size_t kx = 0; kx < g->kw; kx++) {
                            long iy = (long)(oy * g->sh + ky) - (long)g->pad_top;
                            long ix = (long)(ox * g->sw + kx) - (long)g->pad_left;
                            if (iy < 0 || ix < 0 || iy >= (long)g->h || ix >= (long)g->w)
                                continue;
                            double v = x[((b * g->h + (size_t)iy) * g->w + (size_t)ix) * g->c + ch];
                            acc = is_max ? fmax(acc, v) : acc + v;
                            cells++;
                        }
                    *y++ = (float)(is_max ? acc : acc / (double)cells);
                }
}

static const struct {
    size_t h, w, c, k, s;
    lnn_padding p;
} pools[] = {
    {4, 4, 3, 2, 2, LNN_PADDING_VALID}, {5, 5, 2, 2, 2, LNN_PADDING_SAME},
    {7, 6, 3, 3, 2, LNN_PADDING_SAME},  {6, 7, 1, 3, 1, LNN_PADDING_SAME},
    {5, 4, 2, 3, 3, LNN_PADDING_VALID}, {8, 8, 5, 2, 1, LNN_PADDING_VALID},
    {3, 5, 2, 4, 3, LNN_PADDING_SAME},
};

/* Per geometry: forward against the definition (max bit for bit, with
 * argmax pointing at the winner; average to 1e-6), then central
 * differences of L(x) = <w, pool(x)> (accumulated in double) against the
 * backward pass, divided by the step actually taken in float. Inputs are
 * distinct multiples of 1/64 of both signs, so a 1e-3 step never changes a
 * max-pool winner and max pooling (which copies inputs) is exactly linear
 * there. Average pooling is linear everywhere, so it takes a long step
 * (0.5) that drowns the float rounding of its means. Tolerance 1e-4. */
START_TEST(pool_random_geometries)
{
    lnn_rng r;
    lnn_rng_seed(&r, 22);
    for (size_t i = 0; i < ARRAY_LEN(pools); i++) {
        lnn_conv_geom g = pool_geom(pools[i].h, pools[i].w, pools[i].c, pools[i].k, pools[i].s,
                                    pools[i].p);
        const size_t n = 2, xn = n * g.h * g.w * g.c, yn = n * g.oh * g.ow * g.c;
        float *x = alloc_floats(xn), *y = alloc_floats(yn), *w = alloc_floats(yn);
        float *dx = alloc_floats(xn), *want = alloc_floats(yn);
        int32_t *am = malloc(yn * sizeof *am);
        /* 37 is prime to every xn here: a permutation of 0..xn-1. */
        for (size_t k = 0; k < xn; k++)
            x[k] = ((float)((k * 37) % xn) - (float)xn / 2) / 64.0f;
        fill_uniform(&r, w, yn, -1, 1);

        lnn_maxpool_forward(&g, n, x, y, am);
        ref_pool(&g, n, x, want, true);
        ck_assert_mem_eq(y, want, yn * sizeof *y);
        for (size_t k = 0; k < yn; k++) {
            size_t b = k / (g.oh * g.ow * g.c), ch = k % g.c;
            ck_assert(x[(b * g.h * g.w + (size_t)am[k]) * g.c + ch] == y[k]);
        }
        lnn_avgpool_forward(&g, n, x, y);
        ref_pool(&g, n, x, want, false);
        assert_all_close(y, want, yn, 1e-6, "avg");

        for (int is_max = 0; is_max <= 1; is_max++) {
            if (is_max) {
                lnn_maxpool_forward(&g, n, x, y, am);
                lnn_maxpool_backward(&g, n, w, am, dx, false);
            } else {
                lnn_avgpool_backward(&g, n, w, dx, false);
            }
            const double h = is_max ? 1e-3 : 0.5;
            for (size_t k = 0; k < xn; k++) {
                float keep = x[k], moved[2];
                double l[2];
                for (int side = 0; side < 2; side++) {
                    x[k] = moved[side] = (float)(keep + (side ? h : -h));
                    if (is_max)
                        lnn_maxpool_forward(&g, n, x, y, am);
                    else
                        lnn_avgpool_forward(&g, n, x, y);
                    l[side] = dot_d(w, y, yn);
                }
                x[k] = keep;
                assert_close(dx[k], (l[1] - l[0]) / ((double)moved[1] - moved[0]), 1e-4, 1e-4,
                             is_max ? "maxpool dx" : "avgpool dx", k);
            }
        }
        free(x);
        free(y);
        free(w);
        free(dx);
        free(want);
        free(am);
    }
}
END_TEST

START_TEST(global_pooling)
{
    /* n = 2, hw = 3, c = 2. */
    const float x[12] = {1, -1, 4, -2, 1, -3, /* image 1 */ 2, 7, 2, 7, 2, 0};
    float y[4], dx[12];
    lnn_global_avgpool_forward(2, 3, 2, x, y);
    assert_all_close(y, (const float[]){2, -2, 2, 14.0f / 3}, 4, 1e-6, "avg");
    lnn_global_avgpool_backward(2, 3, 2, (const float[]){3, 6, -3, 0}, dx, false);
    assert_all_close(dx, (const float[]){1, 2, 1, 2, 1, 2, -1, 0, -1, 0, -1, 0}, 12, 1e-6,
                     "avg dx");
    lnn_global_maxpool_forward(2, 3, 2, x, y);
    assert_all_close(y, (const float[]){4, -1, 2, 7}, 4, 0, "max");
    /* Ties share the gradient (tf.reduce_max): three 2s and two 7s. */
    lnn_global_maxpool_backward(2, 3, 2, x, y, (const float[]){1, 1, 3, 4}, dx, false);
    assert_all_close(dx, (const float[]){0, 1, 1, 0, 0, 0, 1, 2, 1, 2, 1, 0}, 12, 1e-6,
                     "max dx");
    /* accumulate adds. */
    lnn_global_maxpool_backward(2, 3, 2, x, y, (const float[]){1, 1, 3, 4}, dx, true);
    ck_assert(dx[7] == 4.0f && dx[2] == 2.0f);

    /* More channels than one stack chunk of the tie counts. */
    enum { C = 600 };
    static float xs[2 * C], ys[C], dys[C], dxs[2 * C];
    for (size_t j = 0; j < C; j++) {
        xs[j] = (float)j;
        xs[C + j] = (float)(j % 3 == 0 ? j : j + 1);
        dys[j] = 1.0f;
    }
    lnn_global_maxpool_forward(1, 2, C, xs, ys);
    lnn_global_maxpool_backward(1, 2, C, xs, ys, dys, dxs, false);
    for (size_t j = 0; j < C; j++) {
        float want_first = j % 3 == 0 ? 0.5f : 0.0f;
        ck_assert_msg(dxs[j] == want_first && dxs[C + j] == 1.0f - want_first, "channel %zu", j);
    }
}
END_TEST

/* -------------------------------------------------------- activations */

/* The definitions in double. */
static double ref_act(lnn_act act, double alpha, double x)
{
    switch (act) {
    case LNN_ACT_LINEAR:
        return x;
    case LNN_ACT_RELU:
        return x > 0 ? x : 0;
    case LNN_ACT_SIGMOID:
        return 1 / (1 + exp(-x));
    case LNN_ACT_TANH:
        return tanh(x);
    case LNN_ACT_LEAKY_RELU:
        return x > 0 ? x : alpha * x;
    case LNN_ACT_ELU:
        return x > 0 ? x : alpha * (exp(x) - 1);
    case LNN_ACT_SELU:
        return 1.0507009873554804934193349852946 *
               (x > 0 ? x : 1.6732632423543772848170429916717 * (exp(x) - 1));
    case LNN_ACT_GELU:
        return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    case LNN_ACT_SOFTPLUS:
        return log(1 + exp(x));
    case LNN_ACT_SWISH:
        return x / (1 + exp(-x));
    case LNN_ACT_HARD_SIGMOID:
        return fmin(fmax(0.2 * x + 0.5, 0), 1);
    case LNN_ACT_SOFTSIGN:
        return x / (1 + fabs(x));
    case LNN_ACT_RELU6:
        return fmin(fmax(x, 0), 6);
    case LNN_ACT_EXPONENTIAL:
        return exp(x);
    default:
        ck_abort_msg("no reference for %d", (int)act);
        return 0;
    }
}

START_TEST(activation_values)
{
    /* Values from the definitions (Keras constants for selu, exact erf gelu,
     * tf.keras 2 hard_sigmoid), to 1e-6 relative. */
    static const struct {
        lnn_act act;
        float x, y;
    } cases[] = {
        {LNN_ACT_RELU, -1, 0},
        {LNN_ACT_SIGMOID, 0, 0.5f},
        {LNN_ACT_SIGMOID, 100, 1},
        {LNN_ACT_GELU, 1, 0.8413447460685429f},
        {LNN_ACT_GELU, -1, -0.15865525393145707f},
        {LNN_ACT_SELU, -1, -1.1113307378125628f},
        {LNN_ACT_SELU, 2, 2.1014019747109610f},
        {LNN_ACT_ELU, -1, -0.6321205588285577f},
        {LNN_ACT_SWISH, 1, 0.7310585786300049f},
        {LNN_ACT_SOFTPLUS, 100, 100},
        {LNN_ACT_SOFTPLUS, 0, 0.6931471805599453f},
        {LNN_ACT_HARD_SIGMOID, 1, 0.7f},
        {LNN_ACT_HARD_SIGMOID, 3, 1},
        {LNN_ACT_HARD_SIGMOID, -2.6f, 0},
        {LNN_ACT_SOFTSIGN, 3, 0.75f},
        {LNN_ACT_RELU6, 7, 6},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        float y;
        lnn_act_forward(cases[i].act, 1.0f, &cases[i].x, &y, 1, 1);
        assert_close(y, cases[i].y, 1e-7, 1e-6, lnn_act_name(cases[i].act), i);
    }
    /* The tails: no overflow, no NaN, tiny values kept. */
    float big[2] = {-100, -100}, y[2];
    lnn_act_forward(LNN_ACT_SIGMOID, 0, big, y, 1, 1);
    ck_assert(y[0] > 0 && y[0] < 1e-40f);
    lnn_act_forward(LNN_ACT_SOFTPLUS, 0, big, y, 1, 1);
    ck_assert(y[0] > 0 && y[0] < 1e-40f);
    float leaky;
    lnn_act_forward(LNN_ACT_LEAKY_RELU, 0.3f, (const float[]){-2}, &leaky, 1, 1);
    ck_assert(leaky == -0.6f);
}
END_TEST

/* Central differences on the double definitions (step 1e-6, error ~1e-10)
 * against the float backward, with a random upstream gradient. Points stay
 * 0.1 away from every kink (0, +-2.5 for hard_sigmoid, 6 for relu6), so the
 * one-sided pieces are smooth there. Tolerance 1e-5 + 1e-5 |g|: the float
 * backward formulas (from float y) are good to a few ulps. */
START_TEST(activation_gradcheck)
{
    static const float xs[] = {-2.9f, -2.2f, -1.7f, -1.1f, -0.6f, -0.3f, 0.3f,
                               0.7f,  1.2f,  1.9f,  2.3f,  2.8f,  4.4f,  7.5f};
    enum { N = ARRAY_LEN(xs) };
    const double h = 1e-6;
    lnn_rng r;
    lnn_rng_seed(&r, 31);
    for (int a = 0; a < LNN_ACT_COUNT; a++) {
        lnn_act act = (lnn_act)a;
        if (act == LNN_ACT_SOFTMAX)
            continue; /* rows: softmax_gradcheck */
        const float alpha = act == LNN_ACT_LEAKY_RELU ? 0.3f : 1.0f;
        float y[N], dy[N], dx[N];
        fill_uniform(&r, dy, N, -1, 1);
        lnn_act_forward(act, alpha, xs, y, 1, N);
        for (size_t i = 0; i < N; i++)
            assert_close(y[i], ref_act(act, alpha, xs[i]), 1e-6, 1e-6, lnn_act_name(act), i);
        lnn_act_backward(act, alpha, lnn_act_backward_needs_input(act) ? xs : NULL,
                         lnn_act_backward_needs_output(act) ? y : NULL, dy, dx, 1, N);
        for (size_t i = 0; i < N; i++) {
            double g = (ref_act(act, alpha, xs[i] + h) - ref_act(act, alpha, xs[i] - h)) / (2 * h);
            assert_close(dx[i], dy[i] * g, 1e-5, 1e-5, lnn_act_name(act), i);
        }
        /* In place: forward over x, backward over dy, same results. */
        float xy[N], dd[N];
        memcpy(xy, xs, sizeof xs);
        memcpy(dd, dy, sizeof dy);
        lnn_act_forward(act, alpha, xy, xy, N, 1);
        ck_assert_mem_eq(xy, y, sizeof y);
        lnn_act_backward(act, alpha, xs, y, dd, dd, N, 1);
        ck_assert_mem_eq(dd, dx, sizeof dx);
    }
}
END_TEST

static double ref_softmax_loss(const double *x, const float *w, size_t cols)
{
    double m = x[0], s = 0, l = 0;
    for (size_t j = 1; j < cols; j++)
        m = fmax(m, x[j]);
    for (size_t j = 0; j < cols; j++)
        s += exp(x[j] - m);
    for (size_t j = 0; j < cols; j++)
        l += w[j] * exp(x[j] - m) / s;
    return l;
}

START_TEST(softmax_rows_and_gradcheck)
{
    /* Large inputs: shifted by the max, no overflow. */
    const float big[4] = {1000, 1001, -1000, -1001};
    float y[4];
    lnn_act_forward(LNN_ACT_SOFTMAX, 0, big, y, 2, 2);
    assert_all_close(y, (const float[]){0.2689414213699951f, 0.7310585786300049f,
                                        0.7310585786300049f, 0.2689414213699951f},
                     4, 1e-6, "softmax");

    enum { R = 3, C = 7 };
    lnn_rng r;
    lnn_rng_seed(&r, 32);
    float x[R * C], p[R * C], w[R * C], dx[R * C];
    fill_uniform(&r, x, R * C, -4, 4);
    fill_uniform(&r, w, R * C, -1, 1);
    lnn_act_forward(LNN_ACT_SOFTMAX, 0, x, p, R, C);
    for (size_t i = 0; i < R; i++)
        assert_close(lnn_sum(p + i * C, C), 1.0, 1e-6, 0, "row sum", i);
    ck_assert(!lnn_act_backward_needs_input(LNN_ACT_SOFTMAX));
    lnn_act_backward(LNN_ACT_SOFTMAX, 0, NULL, p, w, dx, R, C);
    const double h = 1e-6;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) {
            double xd[C], l[2];
            for (int side = 0; side < 2; side++) {
                for (size_t k = 0; k < C; k++)
                    xd[k] = x[i * C + k];
                xd[j] += side ? h : -h;
                l[side] = ref_softmax_loss(xd, w + i * C, C);
            }
            assert_close(dx[i * C + j], (l[1] - l[0]) / (2 * h), 1e-5, 1e-5, "softmax dx",
                         i * C + j);
        }
}
END_TEST

START_TEST(activation_names)
{
    for (int a = 0; a < LNN_ACT_COUNT; a++) {
        const char *name = lnn_act_name((lnn_act)a);
        lnn_act back;
        ck_assert_ptr_nonnull(name);
        ck_assert(lnn_act_from_name(name, &back) && back == (lnn_act)a);
    }
    lnn_act act = LNN_ACT_LINEAR;
    ck_assert(lnn_act_from_name("silu", &act) && act == LNN_ACT_SWISH);
    ck_assert_str_eq(lnn_act_name(LNN_ACT_SWISH), "swish");
    ck_assert_str_eq(lnn_act_name(LNN_ACT_HARD_SIGMOID), "hard_sigmoid");
    ck_assert(!lnn_act_from_name("Relu", &act));
    ck_assert(!lnn_act_from_name(NULL, &act));
    ck_assert_ptr_null(lnn_act_name(LNN_ACT_COUNT));
    ck_assert(!lnn_act_backward_needs_output(LNN_ACT_LINEAR));
    ck_assert(lnn_act_backward_needs_output(LNN_ACT_RELU));
    ck_assert(lnn_act_backward_needs_input(LNN_ACT_GELU));
    ck_assert(!lnn_act_backward_needs_output(LNN_ACT_SWISH));
}
END_TEST

/* -------------------------------------------------------- initialisers */

/* max |W^T W - gain^2 I| over the cols x cols Gram matrix of W [rows,
 * cols] (for rows < cols, of W W^T), in double. */
static double orthogonality_error(const float *w, size_t rows, size_t cols, double gain)
{
    bool tall = rows >= cols;
    size_t k = tall ? cols : rows, len = tall ? rows : cols;
    double worst = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double s = 0;
            for (size_t t = 0; t < len; t++)
                s += tall ? (double)w[t * cols + i] * w[t * cols + j]
                          : (double)w[i * cols + t] * w[j * cols + t];
            worst = fmax(worst, fabs(s - (i == j ? gain * gain : 0)));
        }
    return worst;
}

static float *orthogonal(uint64_t seed, size_t rows, size_t cols, float gain)
{
    size_t floats;
    ck_assert_int_eq(lnn_init_orthogonal_workspace(rows, cols, &floats), LIBNN_OK);
    ck_assert_uint_ge(floats, rows * cols);
    float *work = alloc_floats(floats), *w = alloc_floats(rows * cols);
    lnn_rng r;
    lnn_rng_seed(&r, seed);
    ck_assert_int_eq(lnn_init_orthogonal(&r, w, rows, cols, gain, work, floats), LIBNN_OK);
    free(work);
    return w;
}

START_TEST(orthogonal_is_orthogonal)
{
    /* Float QR: Q^T Q = I to 1e-5 (a few hundred float ulps) at these sizes. */
    static const size_t shapes[][2] = {{8, 8}, {10, 4}, {4, 10}, {1, 5}, {5, 1}, {64, 64},
                                       {32, 128}, {200, 3}};
    for (size_t i = 0; i < ARRAY_LEN(shapes); i++) {
        float *w = orthogonal(7, shapes[i][0], shapes[i][1], 1.0f);
        double err = orthogonality_error(w, shapes[i][0], shapes[i][1], 1.0);
        ck_assert_msg(err <= 1e-5, "%zu x %zu: error %g", shapes[i][0], shapes[i][1], err);
        free(w);
    }
    float *w = orthogonal(7, 6, 3, 2.0f);
    ck_assert(orthogonality_error(w, 6, 3, 2.0) <= 4e-5);
    free(w);
}
END_TEST

START_TEST(orthogonal_reproducible_and_signs_mixed)
{
    float *a = orthogonal(42, 5, 9, 1.0f), *b = orthogonal(42, 5, 9, 1.0f);
    float *c = orthogonal(43, 5, 9, 1.0f);
    ck_assert_mem_eq(a, b, 45 * sizeof *a);
    ck_assert(memcmp(a, c, 45 * sizeof *a) != 0);
    free(a);
    free(b);
    free(c);
    /* The sign fix makes Q Haar-distributed: over seeds, every diagonal
     * entry and the first column take both signs. Without it (or with a
     * degenerate fix) LAPACK's Householder convention biases them. */
    enum { K = 4, SEEDS = 40 };
    int pos[K] = {0}, neg[K] = {0}, col_pos = 0, col_neg = 0;
    for (uint64_t s = 0; s < SEEDS; s++) {
        float *q = orthogonal(1000 + s, K, K, 1.0f);
        for (size_t i = 0; i < K; i++) {
            pos[i] += q[i * K + i] > 0;
            neg[i] += q[i * K + i] < 0;
            col_pos += q[i * K] > 0;
            col_neg += q[i * K] < 0;
        }
        free(q);
    }
    for (size_t i = 0; i < K; i++)
        ck_assert_msg(pos[i] >= 5 && neg[i] >= 5, "diag %zu: %d positive, %d negative", i, pos[i],
                      neg[i]);
    ck_assert(col_pos >= 20 && col_neg >= 20);
}
END_TEST

START_TEST(orthogonal_errors)
{
    size_t floats;
    ck_assert_int_eq(lnn_init_orthogonal_workspace(0, 5, &floats), LIBNN_OK);
    ck_assert_uint_eq(floats, 0);
    ck_assert_int_eq(lnn_init_orthogonal_workspace((size_t)1 << 20, (size_t)1 << 12, &floats),
                     LIBNN_E_RANGE);
    tu_assert_error_has("LAPACK index range");
    ck_assert_int_eq(lnn_init_orthogonal_workspace(4, 4, &floats), LIBNN_OK);
    float work[4], w[16];
    lnn_rng r;
    lnn_rng_seed(&r, 1);
    ck_assert_int_eq(lnn_init_orthogonal(&r, w, 4, 4, 1.0f, work, 4), LIBNN_E_INVALID);
    tu_assert_error_has("workspace of 4 floats");
    lnn_init_spec spec = lnn_init_default(LNN_INIT_ORTHOGONAL);
    ck_assert(spec.a == 1.0f);
    ck_assert_int_eq(lnn_init_workspace(&spec, 1, (const int64_t[]){4}, &floats), LIBNN_E_SHAPE);
    ck_assert_int_eq(lnn_init_fill(&spec, &r, w, 1, (const int64_t[]){4}, NULL, 0),
                     LIBNN_E_SHAPE);
    tu_assert_error_has("at least 2 dimensions");
    spec.kind = LNN_INIT_COUNT;
    ck_assert_int_eq(lnn_init_fill(&spec, &r, w, 1, (const int64_t[]){4}, NULL, 0),
                     LIBNN_E_INVALID);
}
END_TEST

START_TEST(orthogonal_through_fill)
{
    /* A conv-shaped weight [2, 2, 3, 5] is treated as [12, 5]. */
    const int64_t shape[4] = {2, 2, 3, 5};
    lnn_init_spec spec = {LNN_INIT_ORTHOGONAL, 1.5f, 0};
    size_t floats;
    ck_assert_int_eq(lnn_init_workspace(&spec, 4, shape, &floats), LIBNN_OK);
    float *work = alloc_floats(floats), w[60];
    lnn_rng r;
    lnn_rng_seed(&r, 5);
    ck_assert_int_eq(lnn_init_fill(&spec, &r, w, 4, shape, work, floats), LIBNN_OK);
    ck_assert(orthogonality_error(w, 12, 5, 1.5) <= 3e-5);
    free(work);
}
END_TEST

static void fill_spec(lnn_init_kind kind, size_t ndim, const int64_t *shape, float *w, size_t n)
{
    lnn_init_spec spec = lnn_init_default(kind);
    lnn_rng r;
    lnn_rng_seed(&r, 77);
    size_t floats;
    ck_assert_int_eq(lnn_init_workspace(&spec, ndim, shape, &floats), LIBNN_OK);
    ck_assert_uint_eq(floats, 0);
    for (size_t i = 0; i < n; i++)
        w[i] = NAN;
    ck_assert_int_eq(lnn_init_fill(&spec, &r, w, ndim, shape, NULL, 0), LIBNN_OK);
}

static void moments(const float *w, size_t n, double *mean, double *std, double *max_abs)
{
    double s = 0, s2 = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        s += w[i];
        s2 += (double)w[i] * w[i];
        m = fmax(m, fabs(w[i]));
    }
    *mean = s / (double)n;
    *std = sqrt(s2 / (double)n - *mean * *mean);
    *max_abs = m;
}

START_TEST(variance_scaling_family)
{
    enum { IN = 120, OUT = 80, N = IN * OUT };
    static float w[N];
    const int64_t shape[2] = {IN, OUT};
    static const struct {
        lnn_init_kind kind;
        double var; /* the target variance scale / fan */
        bool uniform;
    } cases[] = {
        {LNN_INIT_GLOROT_UNIFORM, 2.0 / (IN + OUT), true},
        {LNN_INIT_GLOROT_NORMAL, 2.0 / (IN + OUT), false},
        {LNN_INIT_HE_UNIFORM, 2.0 / IN, true},
        {LNN_INIT_HE_NORMAL, 2.0 / IN, false},
        {LNN_INIT_LECUN_UNIFORM, 1.0 / IN, true},
        {LNN_INIT_LECUN_NORMAL, 1.0 / IN, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        fill_spec(cases[i].kind, 2, shape, w, N);
        double mean, std, max_abs;
        moments(w, N, &mean, &std, &max_abs);
        double want_std = sqrt(cases[i].var);
        /* Uniform: bounded by limit = sqrt(3 var) exactly and reaching close
         * to it; truncated normal: never beyond 2 of its stddev
         * (sqrt(var) / .8796...). Moments over 9600 draws: 3% on the
         * stddev, 0.04 stddev on the mean (4 standard errors each). */
        double bound = cases[i].uniform ? sqrt(3 * cases[i].var)
                                        : 2 * want_std / 0.87962566103423978;
        ck_assert_msg(max_abs <= (float)bound, "%s: %g beyond %g", lnn_init_name(cases[i].kind),
                      max_abs, bound);
        ck_assert_msg(max_abs >= 0.95 * bound, "%s: %g never near %g",
                      lnn_init_name(cases[i].kind), max_abs, bound);
        ck_assert_msg(fabs(std - want_std) <= 0.03 * want_std, "%s: std %g, want %g",
                      lnn_init_name(cases[i].kind), std, want_std);
        ck_assert(fabs(mean) <= 0.04 * want_std);
    }
}
END_TEST

START_TEST(plain_initialisers)
{
    enum { N = 5000 };
    static float w[N];
    const int64_t shape[1] = {N};
    double mean, std, max_abs;
    fill_spec(LNN_INIT_ZEROS, 1, shape, w, N);
    ck_assert(w[0] == 0 && w[N - 1] == 0);
    fill_spec(LNN_INIT_ONES, 1, shape, w, N);
    ck_assert(w[0] == 1 && w[N - 1] == 1);
    fill_spec(LNN_INIT_RANDOM_UNIFORM, 1, shape, w, N);
    moments(w, N, &mean, &std, &max_abs);
    ck_assert(max_abs <= 0.05f && max_abs > 0.049);
    fill_spec(LNN_INIT_RANDOM_NORMAL, 1, shape, w, N);
    moments(w, N, &mean, &std, &max_abs);
    ck_assert(fabs(std - 0.05) < 0.002 && max_abs > 0.1); /* untruncated: > 2 stddev occur */
    fill_spec(LNN_INIT_TRUNCATED_NORMAL, 1, shape, w, N);
    moments(w, N, &mean, &std, &max_abs);
    ck_assert(max_abs <= 0.1f);

    lnn_init_spec spec = {LNN_INIT_CONSTANT, 0.25f, 0};
    lnn_rng r;
    lnn_rng_seed(&r, 1);
    ck_assert_int_eq(lnn_init_fill(&spec, &r, w, 1, shape, NULL, 0), LIBNN_OK);
    ck_assert(w[0] == 0.25f && w[N - 1] == 0.25f);
    /* The same seed draws the same bits. */
    static float w2[N];
    fill_spec(LNN_INIT_GLOROT_UNIFORM, 1, shape, w, N);
    fill_spec(LNN_INIT_GLOROT_UNIFORM, 1, shape, w2, N);
    ck_assert_mem_eq(w, w2, sizeof w);
}
END_TEST

START_TEST(fans_and_names)
{
    double in, out;
    lnn_init_fans(4, (const int64_t[]){3, 3, 16, 32}, &in, &out);
    ck_assert(in == 144 && out == 288);
    lnn_init_fans(2, (const int64_t[]){784, 10}, &in, &out);
    ck_assert(in == 784 && out == 10);
    lnn_init_fans(1, (const int64_t[]){7}, &in, &out);
    ck_assert(in == 7 && out == 7);
    lnn_init_fans(0, NULL, &in, &out);
    ck_assert(in == 1 && out == 1);
    for (int k = 0; k < LNN_INIT_COUNT; k++) {
        lnn_init_kind back;
        ck_assert(lnn_init_from_name(lnn_init_name((lnn_init_kind)k), &back) && back == (lnn_init_kind)k);
    }
    lnn_init_kind kind;
    ck_assert(!lnn_init_from_name("GlorotUniform", &kind));
    ck_assert_ptr_null(lnn_init_name(LNN_INIT_COUNT));
}
END_TEST

Suite *kernels_suite(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tu_tcase("gemm");
    tcase_add_test(tc, gemm_all_transposes);
    tcase_add_test(tc, gemm_edges);
    tcase_add_test(tc, rows_broadcast);
    tcase_add_test(tc, reductions);
    tcase_add_test(tc, sum_rows_keeps_precision);
    suite_add_tcase(s, tc);

    tc = tu_tcase("conv");
    tcase_add_test(tc, geometry_tf_same);
    tcase_add_test(tc, im2col_by_hand);
    tcase_add_test(tc, im2col_col2im_random_geometries);
    tcase_add_test(tc, conv_forward_is_one_gemm);
    suite_add_tcase(s, tc);

    tc = tu_tcase("pool");
    tcase_add_test(tc, maxpool_same_pads_with_minus_infinity);
    tcase_add_test(tc, maxpool_ties_go_to_first);
    tcase_add_test(tc, avgpool_divides_by_real_cells);
    tcase_add_test(tc, pool_random_geometries);
    tcase_add_test(tc, global_pooling);
    suite_add_tcase(s, tc);

    tc = tu_tcase("activation");
    tcase_add_test(tc, activation_values);
    tcase_add_test(tc, activation_gradcheck);
    tcase_add_test(tc, softmax_rows_and_gradcheck);
    tcase_add_test(tc, activation_names);
    suite_add_tcase(s, tc);

    tc = tu_tcase("init");
    tcase_add_test(tc, orthogonal_is_orthogonal);
    tcase_add_test(tc, orthogonal_reproducible_and_signs_mixed);
    tcase_add_test(tc, orthogonal_errors);
    tcase_add_test(tc, orthogonal_through_fill);
    tcase_add_test(tc, variance_scaling_family);
    tcase_add_test(tc, plain_initialisers);
    tcase_add_test(tc, fans_and_names);
    suite_add_tcase(s, tc);
    return s;
}
