/*
 * Helpers of the data set suites; see data_helpers.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data_helpers.h"
#include "io_helpers.h"
#include "testutil.h"

void data_put_be(unsigned char *p, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p[i] = (unsigned char)(v >> (8 * (size - 1 - i)));
}

data_bytes data_idx_file(unsigned char dtype, size_t rank, const uint32_t *dims,
                         const void *payload, size_t payload_n)
{
    data_bytes b = {.n = 4 + 4 * rank + payload_n};
    b.p = malloc(b.n);
    ck_assert_ptr_nonnull(b.p);
    b.p[0] = b.p[1] = 0;
    b.p[2] = dtype;
    b.p[3] = (unsigned char)rank;
    for (size_t i = 0; i < rank; i++)
        data_put_be(b.p + 4 + 4 * i, dims[i], 4);
    if (payload_n)
        memcpy(b.p + 4 + 4 * rank, payload, payload_n);
    return b;
}

data_bytes data_gzip_of(const void *data, size_t n)
{
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    data_bytes b = {.n = deflateBound(&zs, (uLong)n)};
    b.p = malloc(b.n);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = b.p;
    zs.avail_out = (uInt)b.n;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    b.n = zs.total_out;
    deflateEnd(&zs);
    return b;
}

void data_write_temp(const char *dir, const char *name, data_bytes b, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    io_write_file(path, b.p, b.n);
}

void data_assert_shape(const libnn_tensor *t, size_t ndim, const int64_t *shape)
{
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(libnn_tensor_ndim(t), ndim);
    for (size_t i = 0; i < ndim; i++)
        ck_assert_int_eq(libnn_tensor_dim(t, i), shape[i]);
}

void data_assert_values(libnn_tensor *t, const float *want, size_t n)
{
    ck_assert_uint_eq(libnn_tensor_size(t), n);
    const float *got = libnn_tensor_data(t);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg((isnan(want[i]) && isnan(got[i])) || memcmp(&want[i], &got[i], 4) == 0,
                      "element %zu: got %.9g, expected %.9g", i, got[i], want[i]);
}

