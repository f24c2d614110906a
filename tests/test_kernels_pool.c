/*
 * Compute kernels (lib/kernels): max and average pooling by hand (padding
 * with -inf, ties, real-cell averages), against the definition and central
 * differences over random geometries, and global pooling.
 * Tolerances: kernels_helpers.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels/conv_internal.h"
#include "kernels/pool_internal.h"
#include "kernels_helpers.h"
#include "testutil.h"

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
    kern_assert_all_close(y, (const float[]){-1, -3, -7, -9}, 4, 0, "y");
    ck_assert(am[0] == 0 && am[1] == 2 && am[2] == 6 && am[3] == 8);

    /* Backward routes each gradient to its winner only. */
    float dx[9];
    lnn_maxpool_backward(&g, 1, (const float[]){1, 2, 3, 4}, am, dx, false);
    kern_assert_all_close(dx, (const float[]){1, 0, 2, 0, 0, 0, 3, 0, 4}, 9, 0, "dx");

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
    kern_assert_all_close(y, (const float[]){3, 4.5f, 7.5f, 9}, 4, 1e-7, "y");
    float dx[9];
    lnn_avgpool_backward(&g, 1, (const float[]){4, 2, 2, 1}, dx, false);
    kern_assert_all_close(dx, (const float[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 9, 1e-7, "dx");

    /* 3x3 window, stride 1, same, over ones: every output exactly 1. */
    lnn_conv_geom g3 = pool_geom(3, 3, 1, 3, 1, LNN_PADDING_SAME);
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float y9[9];
    lnn_avgpool_forward(&g3, 1, ones, y9);
    kern_assert_all_close(y9, ones, 9, 1e-7, "ones");
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
        float *x = kern_alloc_floats(xn), *y = kern_alloc_floats(yn), *w = kern_alloc_floats(yn);
        float *dx = kern_alloc_floats(xn), *want = kern_alloc_floats(yn);
        int32_t *am = malloc(yn * sizeof *am);
        /* 37 is prime to every xn here: a permutation of 0..xn-1. */
        for (size_t k = 0; k < xn; k++)
            x[k] = ((float)((k * 37) % xn) - (float)xn / 2) / 64.0f;
        kern_fill_uniform(&r, w, yn, -1, 1);

        lnn_maxpool_forward(&g, n, x, y, am);
        ref_pool(&g, n, x, want, true);
        ck_assert_mem_eq(y, want, yn * sizeof *y);
        for (size_t k = 0; k < yn; k++) {
            size_t b = k / (g.oh * g.ow * g.c), ch = k % g.c;
            ck_assert(x[(b * g.h * g.w + (size_t)am[k]) * g.c + ch] == y[k]);
        }
        lnn_avgpool_forward(&g, n, x, y);
        ref_pool(&g, n, x, want, false);
        kern_assert_all_close(y, want, yn, 1e-6, "avg");

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
                    l[side] = kern_dot_d(w, y, yn);
                }
                x[k] = keep;
                kern_assert_close(dx[k], (l[1] - l[0]) / ((double)moved[1] - moved[0]), 1e-4,
                                  1e-4, is_max ? "maxpool dx" : "avgpool dx", k);
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
    kern_assert_all_close(y, (const float[]){2, -2, 2, 14.0f / 3}, 4, 1e-6, "avg");
    lnn_global_avgpool_backward(2, 3, 2, (const float[]){3, 6, -3, 0}, dx, false);
    kern_assert_all_close(dx, (const float[]){1, 2, 1, 2, 1, 2, -1, 0, -1, 0, -1, 0}, 12, 1e-6,
                          "avg dx");
    lnn_global_maxpool_forward(2, 3, 2, x, y);
    kern_assert_all_close(y, (const float[]){4, -1, 2, 7}, 4, 0, "max");
    /* Ties share the gradient (tf.reduce_max): three 2s and two 7s. */
    lnn_global_maxpool_backward(2, 3, 2, x, y, (const float[]){1, 1, 3, 4}, dx, false);
    kern_assert_all_close(dx, (const float[]){0, 1, 1, 0, 0, 0, 1, 2, 1, 2, 1, 0}, 12, 1e-6,
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

Suite *kernels_pool_suite(void)
{
    Suite *s = suite_create("kernels_pool");
    TCase *tc = tu_tcase("pool");
    tcase_add_test(tc, maxpool_same_pads_with_minus_infinity);
    tcase_add_test(tc, maxpool_ties_go_to_first);
    tcase_add_test(tc, avgpool_divides_by_real_cells);
    tcase_add_test(tc, pool_random_geometries);
    tcase_add_test(tc, global_pooling);
    suite_add_tcase(s, tc);
    return s;
}
