/*
 * Reductions with double accumulators.
 */
#include <stddef.h>

#include "reduce_internal.h"

/* Columns summed per pass: the double accumulators live on the stack (no
 * workspace), and a pass streams through the rows once. */
#define SUM_ROWS_CHUNK 256

void lnn_sum_rows(float *out, const float *x, size_t rows, size_t cols, bool accumulate)
{
    double acc[SUM_ROWS_CHUNK];
    for (size_t j0 = 0; j0 < cols; j0 += SUM_ROWS_CHUNK) {
        size_t m = cols - j0 < SUM_ROWS_CHUNK ? cols - j0 : SUM_ROWS_CHUNK;
        for (size_t j = 0; j < m; j++)
            acc[j] = accumulate ? out[j0 + j] : 0.0;
        for (size_t r = 0; r < rows; r++) {
            const float *xr = x + r * cols + j0;
            size_t j = 0;
            /* Constant-length blocks: GCC's -O2 vectoriser skips loops of
             * unknown length. */
            for (; j + 8 <= m; j += 8)
                for (size_t k = 0; k < 8; k++)
                    acc[j + k] += xr[j + k];
            for (; j < m; j++)
                acc[j] += xr[j];
        }
        for (size_t j = 0; j < m; j++)
            out[j0 + j] = (float)acc[j];
    }
}

/*
 * Sum of a[i] * b[i], or of a[i] when b is NULL (a constant at each call
 * site, so each gets its own loop). Four independent partial sums: without
 * -ffast-math the compiler may not reorder one serial sum, and four chains
 * hide the add latency.
 */
static inline double sum_products(const float *a, const float *b, size_t n)
{
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t k = 0; k < 4; k++)
            s[k] += b ? (double)a[i + k] * b[i + k] : (double)a[i + k];
    for (; i < n; i++)
        s[0] += b ? (double)a[i] * b[i] : (double)a[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

double lnn_sum(const float *x, size_t n)
{
    return sum_products(x, NULL, n);
}

double lnn_dot(const float *a, const float *b, size_t n)
{
    return sum_products(a, b, n);
}
