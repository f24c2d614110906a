/*
 * Helpers of the data set suites (test_idx.c, test_idx_errors.c, test_csv.c,
 * test_dataset.c): IDX and gzip bytes made in memory, temporary files, and
 * checks of a tensor's shape and values. Failures are Check assertions.
 */
#ifndef LIBNN_DATA_HELPERS_H
#define LIBNN_DATA_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "libnn.h"

/* A malloc'ed byte string. */
typedef struct data_bytes {
    unsigned char *p;
    size_t n;
} data_bytes;

/* v as `size` big-endian bytes at p. */
void data_put_be(unsigned char *p, uint64_t v, size_t size);

/* An IDX file: header for `dims`, then `payload` as given (big-endian). */
data_bytes data_idx_file(unsigned char dtype, size_t rank, const uint32_t *dims,
                         const void *payload, size_t payload_n);

/* data compressed as one gzip member. */
data_bytes data_gzip_of(const void *data, size_t n);

/* Write b to dir/name; the path goes to path (cap bytes). */
void data_write_temp(const char *dir, const char *name, data_bytes b, char *path, size_t cap);

void data_assert_shape(const libnn_tensor *t, size_t ndim, const int64_t *shape);

/* The values of t are want, bit for bit (any NaN matches any NaN). */
void data_assert_values(libnn_tensor *t, const float *want, size_t n);

#endif
