/*
 * Compute kernels (lib/kernels): GEMM with every transpose and its edge
 * cases, row broadcasts and reductions, on exact small cases worked out by
 * hand. Tolerances: kernels_helpers.h.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "kernels/gemm_internal.h"
#include "kernels/reduce_internal.h"
#include "kernels_helpers.h"
#include "testutil.h"

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
            kern_assert_all_close(c, want, 4, 0, "c");
        }
    /* alpha and beta: C = 2 A B + 0.5 C. */
    float c[4] = {2, 4, 6, 8};
    ck_assert_int_eq(lnn_sgemm(false, false, 2, 2, 3, 2.0f, a, 3, b, 2, 0.5f, c, 2), LIBNN_OK);
    const float want2[4] = {117, 130, 281, 312};
    kern_assert_all_close(c, want2, 4, 0, "c");
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
    kern_assert_all_close(y, added, 6, 0, "y");
    lnn_rows_set(y, bias, 2, 3);
    const float set[6] = {1, 2, 3, 1, 2, 3};
    kern_assert_all_close(y, set, 6, 0, "y");
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
        kern_assert_close(out[j], s, 0, 0, "sum_rows", j);
    }
    lnn_sum_rows(out, x, R, C, false);
    kern_assert_close(out[1],
                      (double)x[1] + x[C + 1] + x[2 * C + 1] + x[3 * C + 1] + x[4 * C + 1], 0, 0,
                      "sum_rows", 1);
    ck_assert(lnn_sum(x, 7) == 0.0 && lnn_sum(x, 9) == -5.0);
    ck_assert(lnn_dot(x, x, 9) == 9 + 4 + 1 + 0 + 1 + 4 + 9 + 9 + 4);
}
END_TEST

START_TEST(sum_rows_keeps_precision)
{
    /* 2^20 rows of 0.1f: a float accumulator drifts by ~1e-3 relative; the
     * double one is exact to the final rounding (1 float ulp). */
    const size_t rows = (size_t)1 << 20;
    float *x = kern_alloc_floats(rows);
    for (size_t i = 0; i < rows; i++)
        x[i] = 0.1f;
    float out;
    lnn_sum_rows(&out, x, rows, 1, false);
    double want = (double)0.1f * (double)rows;
    ck_assert_msg(fabs(out - want) <= want * FLT_EPSILON, "got %.9g want %.9g", out, want);
    free(x);
}
END_TEST

Suite *kernels_gemm_suite(void)
{
    Suite *s = suite_create("kernels_gemm");
    TCase *tc = tu_tcase("gemm");
    tcase_add_test(tc, gemm_all_transposes);
    tcase_add_test(tc, gemm_edges);
    tcase_add_test(tc, rows_broadcast);
    tcase_add_test(tc, reductions);
    tcase_add_test(tc, sum_rows_keeps_precision);
    suite_add_tcase(s, tc);
    return s;
}
