/*
 * Private: reductions. Sums accumulate in double: a bias gradient adds up
 * batch * height * width terms, too many for a float accumulator to keep
 * its low bits.
 */
#ifndef LIBNN_REDUCE_INTERNAL_H
#define LIBNN_REDUCE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* out[j] (+)= sum over r of x[r, j] for x [rows, cols] (the bias gradient
 * of Dense and Conv2D); with accumulate false out is overwritten. */
void lnn_sum_rows(float *out, const float *x, size_t rows, size_t cols, bool accumulate);

/* Sum of x[0..n). */
double lnn_sum(const float *x, size_t n);

/* Sum of a[i] * b[i] over [0, n) (a == b gives the squared norm). */
double lnn_dot(const float *a, const float *b, size_t n);

#endif
