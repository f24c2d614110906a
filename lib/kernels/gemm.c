/*
 * The sgemm wrapper: the single door to cblas for the layers.
 */
#include <cblas.h>
#include <limits.h>
#include <string.h>

#include "core/error_internal.h"
#include "gemm_internal.h"

/* Every dimension and stride must fit the BLAS integer (blasint is int in
 * the LP64 OpenBLAS that libnn builds against). */
static bool fits_blas_int(size_t v)
{
    return v <= (size_t)INT_MAX;
}

libnn_status lnn_sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
                       float alpha, const float *A, size_t lda, const float *B, size_t ldb,
                       float beta, float *C, size_t ldc)
{
    if (!fits_blas_int(M) || !fits_blas_int(N) || !fits_blas_int(K) || !fits_blas_int(lda) ||
        !fits_blas_int(ldb) || !fits_blas_int(ldc))
        return lnn_error(LIBNN_E_RANGE,
                         "sgemm: %zu x %zu x %zu product (strides %zu, %zu, %zu) exceeds the "
                         "BLAS index range",
                         M, N, K, lda, ldb, ldc);
    /* Row-major cblas requires each stride to cover its stored row; with
     * M, N, K >= 1 (the only case that reaches cblas) that also makes every
     * stride at least 1. */
    size_t a_cols = trans_a ? M : K;
    size_t b_cols = trans_b ? K : N;
    if (lda < a_cols || ldb < b_cols || ldc < N)
        return lnn_error(LIBNN_E_INVALID,
                         "sgemm: strides %zu, %zu, %zu are shorter than rows of %zu, %zu, %zu",
                         lda, ldb, ldc, a_cols, b_cols, N);
    if (M == 0 || N == 0)
        return LIBNN_OK;
    if (K == 0) {
        /* Done here: the BLAS contract for K == 0 is clear, but not every
         * build honours beta == 0 as "do not read C" on this path. */
        for (size_t i = 0; i < M; i++) {
            float *c = C + i * ldc;
            if (beta == 0.0f)
                memset(c, 0, N * sizeof *c);
            else
                for (size_t j = 0; j < N; j++)
                    c[j] *= beta;
        }
        return LIBNN_OK;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha, A, (int)lda,
                B, (int)ldb, beta, C, (int)ldc);
    return LIBNN_OK;
}

void lnn_rows_set(float *y, const float *row, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(y + r * cols, row, cols * sizeof *y);
}

void lnn_rows_add(float *y, const float *row, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        float *restrict yr = y + r * cols;
        for (size_t c = 0; c < cols; c++)
            yr[c] += row[c];
    }
}
