/*
 * The IDX reader on good files: the bundled MNIST digits, every dtype and
 * shape, files larger than its buffers and concatenated gzip members, each
 * loaded from memory and from a file, plain and gzip; and every load under
 * the allocation-failure loop. Bad files: test_idx_errors.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data_helpers.h"
#include "io_helpers.h"
#include "testutil.h"

static data_bytes concat(data_bytes a, const void *tail, size_t n)
{
    a.p = realloc(a.p, a.n + n);
    memcpy(a.p + a.n, tail, n);
    a.n += n;
    return a;
}

/* Load from memory and from a file, plain and gzip: the same result. */
static libnn_tensor *idx_load_all_ways(data_bytes b, int flags)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    data_bytes gz = data_gzip_of(b.p, b.n);
    libnn_tensor *t[4];
    ck_assert_int_eq(libnn_idx_load_buffer(b.p, b.n, flags, &t[0]), LIBNN_OK);
    ck_assert_int_eq(libnn_idx_load_buffer(gz.p, gz.n, flags, &t[1]), LIBNN_OK);
    data_write_temp(dir, "plain", b, path, sizeof path);
    ck_assert_int_eq(libnn_idx_load(path, flags, &t[2]), LIBNN_OK);
    data_write_temp(dir, "any-name.txt", gz, path, sizeof path);
    ck_assert_int_eq(libnn_idx_load(path, flags, &t[3]), LIBNN_OK);
    for (int i = 1; i < 4; i++) {
        io_assert_same_tensor(t[0], t[i]);
        libnn_tensor_free(t[i]);
    }
    free(gz.p);
    io_scratch_remove(dir);
    return t[0];
}

/* ---- IDX: the bundled MNIST subset ---- */

START_TEST(mnist_gzip)
{
    libnn_tensor *x, *raw, *y;
    ck_assert_int_eq(libnn_idx_load(tu_path("../data/mnist10k-images-idx3-ubyte.gz"),
                                    LIBNN_IDX_SCALE, &x),
                     LIBNN_OK);
    data_assert_shape(x, 4, (const int64_t[]){10000, 28, 28, 1});
    ck_assert_int_eq(libnn_idx_load(tu_path("../data/mnist10k-images-idx3-ubyte.gz"),
                                    LIBNN_IDX_RAW, &raw),
                     LIBNN_OK);
    const float *s = libnn_tensor_data(x), *r = libnn_tensor_data(raw);
    /* Check records every assertion with a write(): count, assert once. */
    double sum = 0;
    float lo = 1, hi = 0;
    size_t bad = 0;
    for (size_t i = 0; i < libnn_tensor_size(x); i++) {
        float want = r[i] / 255.0f;
        bad += r[i] != floorf(r[i]) || r[i] < 0 || r[i] > 255 || memcmp(&want, &s[i], 4) != 0;
        sum += r[i];
        lo = fminf(lo, s[i]);
        hi = fmaxf(hi, s[i]);
    }
    ck_assert_uint_eq(bad, 0);
    ck_assert(sum == 262146600.0); /* the sum of every pixel byte of the file */
    ck_assert(lo == 0.0f && hi == 1.0f);

    ck_assert_int_eq(libnn_idx_load(tu_path("../data/mnist10k-labels-idx1-ubyte.gz"),
                                    LIBNN_IDX_RAW, &y),
                     LIBNN_OK);
    data_assert_shape(y, 1, (const int64_t[]){10000});
    static const int expected[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
    int counts[10] = {0};
    const float *l = libnn_tensor_data(y);
    for (size_t i = 0; i < 10000; i++) {
        bad += !(l[i] >= 0 && l[i] <= 9 && l[i] == floorf(l[i]));
        counts[bad ? 0 : (int)l[i]]++;
    }
    ck_assert_uint_eq(bad, 0);
    for (int c = 0; c < 10; c++)
        ck_assert_int_eq(counts[c], expected[c]);
    ck_assert(l[0] == 9 && l[1] == 7 && l[2] == 8);

    /* The examples' split: the first 8,000 train, the last 2,000 test. */
    libnn_tensor *train, *test;
    ck_assert_int_eq(libnn_slice(x, 0, 8000, &train), LIBNN_OK);
    ck_assert_int_eq(libnn_slice(x, 8000, 2000, &test), LIBNN_OK);
    data_assert_shape(train, 4, (const int64_t[]){8000, 28, 28, 1});
    data_assert_shape(test, 4, (const int64_t[]){2000, 28, 28, 1});
    ck_assert_mem_eq(libnn_tensor_data(test), s + 8000 * 784, 2000 * 784 * sizeof(float));
    libnn_tensor_free(train);
    libnn_tensor_free(test);
    libnn_tensor_free(x);
    libnn_tensor_free(raw);
    libnn_tensor_free(y);
}
END_TEST

/* The same files decompressed (with zlib, as gunzip would) load the same. */
START_TEST(mnist_plain)
{
    static const char *const names[2] = {"../data/mnist10k-images-idx3-ubyte.gz",
                                         "../data/mnist10k-labels-idx1-ubyte.gz"};
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    for (int k = 0; k < 2; k++) {
        gzFile gz = gzopen(tu_path(names[k]), "rb");
        ck_assert_ptr_nonnull(gz);
        size_t cap = 8u << 20;
        unsigned char *plain = malloc(cap);
        int got = gzread(gz, plain, (unsigned)cap);
        gzclose(gz);
        ck_assert_int_gt(got, 0);
        snprintf(path, sizeof path, "%s/plain-%d", dir, k);
        io_write_file(path, plain, (size_t)got);
        libnn_tensor *a, *b, *c;
        ck_assert_int_eq(libnn_idx_load(path, LIBNN_IDX_SCALE, &a), LIBNN_OK);
        ck_assert_int_eq(libnn_idx_load(tu_path(names[k]), LIBNN_IDX_SCALE, &b), LIBNN_OK);
        ck_assert_int_eq(libnn_idx_load_buffer(plain, (size_t)got, LIBNN_IDX_SCALE, &c),
                         LIBNN_OK);
        io_assert_same_tensor(a, b);
        io_assert_same_tensor(a, c);
        ck_assert_uint_eq(libnn_tensor_size(a), k == 0 ? 7840000u : 10000u);
        libnn_tensor_free(a);
        libnn_tensor_free(b);
        libnn_tensor_free(c);
        free(plain);
    }
    io_scratch_remove(dir);
}
END_TEST

/* ---- IDX: dtypes and shapes ---- */

START_TEST(idx_dtypes)
{
    libnn_tensor *t;
    /* rank-3 unsigned bytes are images: a channel axis is appended */
    unsigned char u8[12];
    for (int i = 0; i < 12; i++)
        u8[i] = (unsigned char)(i * 20);
    data_bytes b = data_idx_file(0x08, 3, (const uint32_t[]){2, 2, 3}, u8, 12);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    data_assert_shape(t, 4, (const int64_t[]){2, 2, 3, 1});
    ck_assert(libnn_tensor_data(t)[11] == 220.0f);
    libnn_tensor_free(t);
    t = idx_load_all_ways(b, LIBNN_IDX_SCALE);
    ck_assert(libnn_tensor_data(t)[11] == 220.0f / 255.0f);
    libnn_tensor_free(t);
    free(b.p);

    /* signed bytes of rank 3 are not images */
    static const unsigned char i8[4] = {0x80, 0xff, 0x00, 0x7f};
    b = data_idx_file(0x09, 3, (const uint32_t[]){1, 2, 2}, i8, 4);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    data_assert_shape(t, 3, (const int64_t[]){1, 2, 2});
    data_assert_values(t, (const float[]){-128, -1, 0, 127}, 4);
    libnn_tensor_free(t);
    free(b.p);

    static const unsigned char i16[6] = {0x80, 0x00, 0x00, 0x07, 0x7f, 0xff};
    b = data_idx_file(0x0B, 1, (const uint32_t[]){3}, i16, 6);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    data_assert_values(t, (const float[]){-32768, 7, 32767}, 3);
    libnn_tensor_free(t);
    free(b.p);

    unsigned char i32[16];
    data_put_be(i32, 0x80000000u, 4);
    data_put_be(i32 + 4, 16777216, 4);
    data_put_be(i32 + 8, (uint32_t)-7, 4);
    data_put_be(i32 + 12, 0x40000000u, 4);
    b = data_idx_file(0x0C, 2, (const uint32_t[]){2, 2}, i32, 16);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    data_assert_shape(t, 2, (const int64_t[]){2, 2});
    data_assert_values(t, (const float[]){-2147483648.0f, 16777216, -7, 0x1p30f}, 4);
    libnn_tensor_free(t);
    free(b.p);

    const float f32v[4] = {1.5f, -0.0f, INFINITY, NAN};
    unsigned char f32[16];
    for (int i = 0; i < 4; i++) {
        uint32_t bits;
        memcpy(&bits, &f32v[i], 4);
        data_put_be(f32 + 4 * i, bits, 4);
    }
    b = data_idx_file(0x0D, 8, (const uint32_t[]){1, 1, 1, 1, 1, 1, 2, 2}, f32, 16);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    data_assert_shape(t, 8, (const int64_t[]){1, 1, 1, 1, 1, 1, 2, 2});
    data_assert_values(t, f32v, 4);
    libnn_tensor_free(t);
    free(b.p);

    const double f64v[3] = {0.1, -2.5, -INFINITY};
    unsigned char f64[24];
    for (int i = 0; i < 3; i++) {
        uint64_t bits;
        memcpy(&bits, &f64v[i], 8);
        data_put_be(f64 + 8 * i, bits, 8);
    }
    b = data_idx_file(0x0E, 1, (const uint32_t[]){3}, f64, 24);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    data_assert_values(t, (const float[]){0.1f, -2.5f, -INFINITY}, 3);
    libnn_tensor_free(t);
    free(b.p);

    /* zero images: an empty tensor of the right shape */
    b = data_idx_file(0x08, 3, (const uint32_t[]){0, 28, 28}, NULL, 0);
    t = idx_load_all_ways(b, LIBNN_IDX_SCALE);
    data_assert_shape(t, 4, (const int64_t[]){0, 28, 28, 1});
    libnn_tensor_free(t);
    free(b.p);
}
END_TEST

/* Files larger than the reader's 64 KiB buffers, and concatenated gzip
 * members, read as one stream. */
START_TEST(idx_chunks_and_members)
{
    enum { N = 100000 };
    unsigned char *i16 = malloc(2 * N);
    for (int i = 0; i < N; i++)
        data_put_be(i16 + 2 * i, (uint16_t)(i - 50000), 2);
    data_bytes b = data_idx_file(0x0B, 2, (const uint32_t[]){N / 10, 10}, i16, 2 * N);
    libnn_tensor *t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += libnn_tensor_data(t)[i] != (float)(int16_t)(uint16_t)(i - 50000);
    ck_assert_int_eq(bad, 0);
    libnn_tensor *u;
    size_t cut = b.n / 3;
    data_bytes one = data_gzip_of(b.p, cut), two = data_gzip_of(b.p + cut, b.n - cut);
    one = concat(one, two.p, two.n);
    ck_assert_int_eq(libnn_idx_load_buffer(one.p, one.n, LIBNN_IDX_RAW, &u), LIBNN_OK);
    io_assert_same_tensor(t, u);
    libnn_tensor_free(u);
    libnn_tensor_free(t);
    free(one.p);
    free(two.p);
    free(b.p);
    free(i16);
}
END_TEST

/* ---- allocation failures ---- */

typedef struct idx_ctx {
    data_bytes plain, gz;
    const char *plain_path, *gz_path;
    libnn_tensor *expected;
} idx_ctx;

static libnn_status body_idx(void *ctx)
{
    const idx_ctx *c = ctx;
    libnn_status first = LIBNN_OK;
    for (int way = 0; way < 4; way++) {
        libnn_tensor *t = (libnn_tensor *)1;
        libnn_status st = way == 0   ? libnn_idx_load_buffer(c->plain.p, c->plain.n, 0, &t)
                          : way == 1 ? libnn_idx_load_buffer(c->gz.p, c->gz.n, 0, &t)
                          : way == 2 ? libnn_idx_load(c->plain_path, 0, &t)
                                     : libnn_idx_load(c->gz_path, 0, &t);
        if (st == LIBNN_OK)
            io_assert_same_tensor(t, c->expected);
        else
            ck_assert_ptr_null(t);
        libnn_tensor_free(t);
        if (first == LIBNN_OK)
            first = st;
    }
    return first;
}

START_TEST(alloc_failures_idx)
{
    enum { N = 40000 }; /* more than one 64 KiB buffer of int16 */
    unsigned char *data = malloc(2 * N);
    for (int i = 0; i < 2 * N; i++)
        data[i] = (unsigned char)(i * 13);
    idx_ctx c = {.plain = data_idx_file(0x0B, 2, (const uint32_t[]){N / 4, 4}, data, 2 * N)};
    c.gz = data_gzip_of(c.plain.p, c.plain.n);
    char dir[64], p1[128], p2[128];
    io_scratch_new(dir, sizeof dir);
    data_write_temp(dir, "plain", c.plain, p1, sizeof p1);
    data_write_temp(dir, "gz", c.gz, p2, sizeof p2);
    c.plain_path = p1;
    c.gz_path = p2;
    ck_assert_int_eq(libnn_idx_load_buffer(c.plain.p, c.plain.n, 0, &c.expected), LIBNN_OK);
    ck_assert_int_gt(tu_alloc_fail_loop(body_idx, &c), 8);
    libnn_tensor_free(c.expected);
    io_scratch_remove(dir);
    free(c.plain.p);
    free(c.gz.p);
    free(data);
}
END_TEST

Suite *idx_suite(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tu_tcase("idx");
    tcase_add_test(tc, mnist_gzip);
    tcase_add_test(tc, mnist_plain);
    tcase_add_test(tc, idx_dtypes);
    tcase_add_test(tc, idx_chunks_and_members);
    suite_add_tcase(s, tc);
    tc = tu_tcase("alloc");
    tcase_add_test(tc, alloc_failures_idx);
    suite_add_tcase(s, tc);
    return s;
}
