/*
 * Helpers of the compute-kernel suites; see kernels_helpers.h.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "kernels_helpers.h"

void kern_assert_close(double got, double want, double abs_tol, double rel_tol, const char *what,
                       size_t i)
{
    ck_assert_msg(fabs(got - want) <= abs_tol + rel_tol * fabs(want),
                  "%s[%zu]: got %.9g, want %.9g", what, i, got, want);
}

void kern_assert_all_close(const float *got, const float *want, size_t n, double tol,
                           const char *what)
{
    for (size_t i = 0; i < n; i++)
        kern_assert_close(got[i], want[i], tol, tol, what, i);
}

float *kern_alloc_floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

void kern_fill_uniform(lnn_rng *r, float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * lnn_rng_uniform(r);
}

double kern_dot_d(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}
