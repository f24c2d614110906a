/*
 * Private: matrix products through OpenBLAS, and the row-broadcast helpers
 * that fuse a bias into them. All matrices are row-major.
 */
#ifndef LIBNN_GEMM_INTERNAL_H
#define LIBNN_GEMM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "libnn/status.h"

/*
 * C = alpha * op(A) * op(B) + beta * C, with op(A) M x K, op(B) K x N and
 * C M x N; op(X) is X, or X transposed when trans_x. lda/ldb/ldc are row
 * strides (in floats) of A, B and C as stored: A is M x K (K x M when
 * trans_a), and so on. beta == 0 overwrites C without reading it (NaNs in C
 * do not survive). M or N == 0 is a no-op; K == 0 gives C = beta * C.
 *
 * Errors: LIBNN_E_RANGE when a dimension or stride exceeds what the BLAS
 * integer holds (INT_MAX here); LIBNN_E_INVALID when a stride is shorter
 * than its row. These are checked here so that BLAS's own argument checker,
 * which prints, is never reached.
 */
libnn_status lnn_sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
                       float alpha, const float *A, size_t lda, const float *B, size_t ldb,
                       float beta, float *C, size_t ldc);

/* y[r, :] = row for each of the rows rows of y ([rows, cols]). With beta = 1
 * in the following lnn_sgemm, this puts the bias in without a second pass. */
void lnn_rows_set(float *y, const float *row, size_t rows, size_t cols);

/* y[r, :] += row for each of the rows rows of y ([rows, cols]). */
void lnn_rows_add(float *y, const float *row, size_t rows, size_t cols);

#endif
