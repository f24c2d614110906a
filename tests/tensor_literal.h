/*
 * Small tensors written inline in a test: T1(3, 0, 1, 2), T2(2, 2, a, b, c, d).
 * Header-only so a suite can take it without a build change.
 */
#ifndef LIBNN_TENSOR_LITERAL_H
#define LIBNN_TENSOR_LITERAL_H

#include <check.h>

#include "libnn.h"

/* A new tensor holding a copy of `data` (the product of `shape` floats). */
static inline libnn_tensor *tu_tensor_of(size_t ndim, const int64_t *shape, const float *data)
{
    libnn_tensor *t = NULL;
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    ck_assert_int_eq(libnn_tensor_new_from_data(ndim, shape, data, n, &t), LIBNN_OK);
    return t;
}

#define T1(n, ...) tu_tensor_of(1, (const int64_t[]){n}, (const float[]){__VA_ARGS__})
#define T2(rows, cols, ...) \
    tu_tensor_of(2, (const int64_t[]){rows, cols}, (const float[]){__VA_ARGS__})

#endif
