/*
 * Helpers of the compute-kernel suites (test_kernels_*.c): comparisons,
 * buffers and random fillers. Failures are Check assertions.
 *
 * Tolerances: float kernels against double references agree to a few float
 * ulps per operation, so element comparisons use |a - b| <= 1e-5 + 1e-5 |b|
 * unless a test says otherwise; inner-product identities are compared in
 * double to 1e-5 relative.
 */
#ifndef LIBNN_KERNELS_HELPERS_H
#define LIBNN_KERNELS_HELPERS_H

#include <stddef.h>

#include "core/rng_internal.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* |got - want| <= abs_tol + rel_tol |want|; what[i] names the failure. */
void kern_assert_close(double got, double want, double abs_tol, double rel_tol, const char *what,
                       size_t i);

/* kern_assert_close over n elements, with tol as both tolerances. */
void kern_assert_all_close(const float *got, const float *want, size_t n, double tol,
                           const char *what);

/* n floats (at least one) from malloc, for the caller to free. */
float *kern_alloc_floats(size_t n);

/* n uniform draws in [lo, hi). */
void kern_fill_uniform(lnn_rng *r, float *x, size_t n, float lo, float hi);

/* The inner product, summed in double. */
double kern_dot_d(const float *a, const float *b, size_t n);

#endif
