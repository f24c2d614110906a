/*
 * Compute kernels (lib/kernels): convolution geometry (TensorFlow's same
 * and valid padding), im2col against its definition and col2im as its
 * adjoint, and a convolution as one GEMM over the columns.
 * Tolerances: kernels_helpers.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels/conv_internal.h"
#include "kernels/gemm_internal.h"
#include "kernels_helpers.h"
#include "testutil.h"

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
    float *col = kern_alloc_floats(floats);
    lnn_im2col(g, 1, x, col);
    return col;
}

static void assert_col_row(const lnn_conv_geom *g, const float *col, size_t oy, size_t ox,
                           const float *want)
{
    size_t len = g->kh * g->kw * g->c;
    kern_assert_all_close(col + (oy * g->ow + ox) * len, want, len, 0, "col row");
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
    kern_assert_all_close(col2, x2, 8, 0, "two channels");
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
        float *x = kern_alloc_floats(xn), *col = kern_alloc_floats(cn);
        float *want = kern_alloc_floats(cn);
        float *y = kern_alloc_floats(cn), *dx = kern_alloc_floats(xn), *dx2 = kern_alloc_floats(xn);
        kern_fill_uniform(&r, x, xn, -1, 1);
        kern_fill_uniform(&r, y, cn, -1, 1);
        tu_alloc_reset();
        lnn_im2col(&g, n, x, col);
        lnn_col2im(&g, n, y, dx, false);
        ck_assert_int_eq(tu_alloc_calls(), 0);
        ref_im2col(&g, n, x, want);
        ck_assert_mem_eq(col, want, cn * sizeof *col);
        if (lnn_im2col_is_identity(&g))
            ck_assert_mem_eq(col, x, xn * sizeof *x);

        double lhs = kern_dot_d(col, y, cn), rhs = kern_dot_d(x, dx, xn);
        ck_assert_msg(fabs(lhs - rhs) <= 1e-5 * (fabs(lhs) + 1e-3), "geometry %zu: %.9g vs %.9g",
                      i, lhs, rhs);
        /* accumulate adds on top of what is there. */
        for (size_t k = 0; k < xn; k++)
            dx2[k] = 1.0f;
        lnn_col2im(&g, n, y, dx2, true);
        for (size_t k = 0; k < xn; k++)
            kern_assert_close(dx2[k], dx[k] + 1.0, 1e-6, 1e-6, "accumulate", k);
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
    kern_fill_uniform(&r, x, ARRAY_LEN(x), -1, 1);
    kern_fill_uniform(&r, kern, ARRAY_LEN(kern), -1, 1);
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
                    kern_assert_close(y[at], s, 1e-5, 1e-5, "conv", at);
                }
}
END_TEST

Suite *kernels_conv_suite(void)
{
    Suite *s = suite_create("kernels_conv");
    TCase *tc = tu_tcase("conv");
    tcase_add_test(tc, geometry_tf_same);
    tcase_add_test(tc, im2col_by_hand);
    tcase_add_test(tc, im2col_col2im_random_geometries);
    tcase_add_test(tc, conv_forward_is_one_gemm);
    suite_add_tcase(s, tc);
    return s;
}
