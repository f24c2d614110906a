/*
 * Data sets: the IDX reader (the bundled MNIST digits, every dtype, every
 * malformed, truncated or hostile file, gzip bombs), the CSV reader (format
 * liberties and every error with its line:column), the data set helpers on
 * small exact cases, and every call under the allocation-failure loop.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "io_helpers.h"
#include "testutil.h"

typedef struct bytes {
    unsigned char *p;
    size_t n;
} bytes;

static void put_be(unsigned char *p, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p[i] = (unsigned char)(v >> (8 * (size - 1 - i)));
}

/* An IDX file: header for `dims`, then `payload` as given (big-endian). */
static bytes idx_file(unsigned char dtype, size_t rank, const uint32_t *dims, const void *payload,
                      size_t payload_n)
{
    bytes b = {.n = 4 + 4 * rank + payload_n};
    b.p = malloc(b.n);
    ck_assert_ptr_nonnull(b.p);
    b.p[0] = b.p[1] = 0;
    b.p[2] = dtype;
    b.p[3] = (unsigned char)rank;
    for (size_t i = 0; i < rank; i++)
        put_be(b.p + 4 + 4 * i, dims[i], 4);
    if (payload_n)
        memcpy(b.p + 4 + 4 * rank, payload, payload_n);
    return b;
}

static bytes gzip_of(const void *data, size_t n)
{
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    bytes b = {.n = deflateBound(&zs, (uLong)n)};
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

static bytes concat(bytes a, const void *tail, size_t n)
{
    a.p = realloc(a.p, a.n + n);
    memcpy(a.p + a.n, tail, n);
    a.n += n;
    return a;
}

static void write_temp(const char *dir, const char *name, bytes b, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    io_write_file(path, b.p, b.n);
}

static void assert_shape(const libnn_tensor *t, size_t ndim, const int64_t *shape)
{
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(libnn_tensor_ndim(t), ndim);
    for (size_t i = 0; i < ndim; i++)
        ck_assert_int_eq(libnn_tensor_dim(t, i), shape[i]);
}

static void assert_values(libnn_tensor *t, const float *want, size_t n)
{
    ck_assert_uint_eq(libnn_tensor_size(t), n);
    const float *got = libnn_tensor_data(t);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg((isnan(want[i]) && isnan(got[i])) || memcmp(&want[i], &got[i], 4) == 0,
                      "element %zu: got %.9g, expected %.9g", i, got[i], want[i]);
}

/* Load from memory and from a file, plain and gzip: the same result. */
static libnn_tensor *idx_load_all_ways(bytes b, int flags)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    bytes gz = gzip_of(b.p, b.n);
    libnn_tensor *t[4];
    ck_assert_int_eq(libnn_idx_load_buffer(b.p, b.n, flags, &t[0]), LIBNN_OK);
    ck_assert_int_eq(libnn_idx_load_buffer(gz.p, gz.n, flags, &t[1]), LIBNN_OK);
    write_temp(dir, "plain", b, path, sizeof path);
    ck_assert_int_eq(libnn_idx_load(path, flags, &t[2]), LIBNN_OK);
    write_temp(dir, "any-name.txt", gz, path, sizeof path);
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
    assert_shape(x, 4, (const int64_t[]){10000, 28, 28, 1});
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
    assert_shape(y, 1, (const int64_t[]){10000});
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
    assert_shape(train, 4, (const int64_t[]){8000, 28, 28, 1});
    assert_shape(test, 4, (const int64_t[]){2000, 28, 28, 1});
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
    bytes b = idx_file(0x08, 3, (const uint32_t[]){2, 2, 3}, u8, 12);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    assert_shape(t, 4, (const int64_t[]){2, 2, 3, 1});
    ck_assert(libnn_tensor_data(t)[11] == 220.0f);
    libnn_tensor_free(t);
    t = idx_load_all_ways(b, LIBNN_IDX_SCALE);
    ck_assert(libnn_tensor_data(t)[11] == 220.0f / 255.0f);
    libnn_tensor_free(t);
    free(b.p);

    /* signed bytes of rank 3 are not images */
    static const unsigned char i8[4] = {0x80, 0xff, 0x00, 0x7f};
    b = idx_file(0x09, 3, (const uint32_t[]){1, 2, 2}, i8, 4);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    assert_shape(t, 3, (const int64_t[]){1, 2, 2});
    assert_values(t, (const float[]){-128, -1, 0, 127}, 4);
    libnn_tensor_free(t);
    free(b.p);

    static const unsigned char i16[6] = {0x80, 0x00, 0x00, 0x07, 0x7f, 0xff};
    b = idx_file(0x0B, 1, (const uint32_t[]){3}, i16, 6);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    assert_values(t, (const float[]){-32768, 7, 32767}, 3);
    libnn_tensor_free(t);
    free(b.p);

    unsigned char i32[16];
    put_be(i32, 0x80000000u, 4);
    put_be(i32 + 4, 16777216, 4);
    put_be(i32 + 8, (uint32_t)-7, 4);
    put_be(i32 + 12, 0x40000000u, 4);
    b = idx_file(0x0C, 2, (const uint32_t[]){2, 2}, i32, 16);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    assert_shape(t, 2, (const int64_t[]){2, 2});
    assert_values(t, (const float[]){-2147483648.0f, 16777216, -7, 0x1p30f}, 4);
    libnn_tensor_free(t);
    free(b.p);

    const float f32v[4] = {1.5f, -0.0f, INFINITY, NAN};
    unsigned char f32[16];
    for (int i = 0; i < 4; i++) {
        uint32_t bits;
        memcpy(&bits, &f32v[i], 4);
        put_be(f32 + 4 * i, bits, 4);
    }
    b = idx_file(0x0D, 8, (const uint32_t[]){1, 1, 1, 1, 1, 1, 2, 2}, f32, 16);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    assert_shape(t, 8, (const int64_t[]){1, 1, 1, 1, 1, 1, 2, 2});
    assert_values(t, f32v, 4);
    libnn_tensor_free(t);
    free(b.p);

    const double f64v[3] = {0.1, -2.5, -INFINITY};
    unsigned char f64[24];
    for (int i = 0; i < 3; i++) {
        uint64_t bits;
        memcpy(&bits, &f64v[i], 8);
        put_be(f64 + 8 * i, bits, 8);
    }
    b = idx_file(0x0E, 1, (const uint32_t[]){3}, f64, 24);
    t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    assert_values(t, (const float[]){0.1f, -2.5f, -INFINITY}, 3);
    libnn_tensor_free(t);
    free(b.p);

    /* zero images: an empty tensor of the right shape */
    b = idx_file(0x08, 3, (const uint32_t[]){0, 28, 28}, NULL, 0);
    t = idx_load_all_ways(b, LIBNN_IDX_SCALE);
    assert_shape(t, 4, (const int64_t[]){0, 28, 28, 1});
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
        put_be(i16 + 2 * i, (uint16_t)(i - 50000), 2);
    bytes b = idx_file(0x0B, 2, (const uint32_t[]){N / 10, 10}, i16, 2 * N);
    libnn_tensor *t = idx_load_all_ways(b, LIBNN_IDX_RAW);
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += libnn_tensor_data(t)[i] != (float)(int16_t)(uint16_t)(i - 50000);
    ck_assert_int_eq(bad, 0);
    libnn_tensor *u;
    size_t cut = b.n / 3;
    bytes one = gzip_of(b.p, cut), two = gzip_of(b.p + cut, b.n - cut);
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

/* ---- IDX: malformed files, each in four forms ---- */

typedef struct idx_bad {
    const char *name;
    bytes (*make)(void);
    int flags;
    libnn_status status, gz_status;
    const char *plain, *gz; /* message parts (gz NULL: same with "decompressed") */
} idx_bad;

static bytes raw_bytes(const char *s, size_t n)
{
    bytes b = {malloc(n), n};
    memcpy(b.p, s, n);
    return b;
}

static bytes bad_short(void) { return raw_bytes("\0\0\x08", 3); }

static bytes bad_magic(void) { return raw_bytes("\x12\x34\x08\x01\0\0\0\x01\x05", 9); }
static bytes bad_dtype(void) { return raw_bytes("\0\0\x0a\x01\0\0\0\x01\x05", 9); }
static bytes bad_rank0(void) { return raw_bytes("\0\0\x08\0", 4); }
static bytes bad_rank9(void) { return raw_bytes("\0\0\x08\x09\0\0\0\x01", 8); }
static bytes bad_header_short(void) { return raw_bytes("\0\0\x08\x03\0\0\0\x02\0\0", 10); }

static bytes bad_huge(void)
{
    static unsigned char zeros[100];
    return idx_file(0x08, 3, (const uint32_t[]){4000000000u, 28, 28}, zeros, 100);
}

static bytes bad_overflow(void)
{
    static const uint32_t dims[8] = {4294967295u, 4294967295u, 4294967295u, 4294967295u,
                                     4294967295u, 4294967295u, 4294967295u, 4294967295u};
    return idx_file(0x08, 8, dims, "x", 1);
}

static bytes bad_data_short(void)
{
    return idx_file(0x0B, 1, (const uint32_t[]){3}, "\0\x01\0\x02\0", 5);
}

static bytes bad_trailing(void) { return idx_file(0x08, 1, (const uint32_t[]){2}, "abc", 3); }

static bytes bad_int32(void)
{
    return idx_file(0x0C, 1, (const uint32_t[]){2}, "\0\0\0\x01\x01\0\0\x01", 8);
}

static bytes bad_f64(void)
{
    return idx_file(0x0E, 1, (const uint32_t[]){1}, "\x7e\x37\xe4\x3c\x88\x00\x75\x9c", 8);
}

static bytes scale_int16(void) { return idx_file(0x0B, 1, (const uint32_t[]){1}, "\0\x01", 2); }

static const idx_bad idx_bad_cases[] = {
    {"too_short", bad_short, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "the file ends at file byte 3, inside the 4-byte IDX magic",
     "the decompressed data ends at decompressed byte 3, inside the 4-byte IDX magic"},
    {"magic", bad_magic, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "not an IDX file: bytes 0 and 1 are 0x12 0x34", "decompressed bytes 0 and 1 are 0x12 0x34"},
    {"dtype", bad_dtype, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "unknown IDX dtype 0x0a at file byte 2", NULL},
    {"rank0", bad_rank0, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT, "rank 0 at file byte 3", NULL},
    {"rank9", bad_rank9, 0, LIBNN_E_UNSUPPORTED, LIBNN_E_UNSUPPORTED,
     "rank 9 at file byte 3 is above libnn's 8", NULL},
    {"header_short", bad_header_short, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "the file ends at file byte 10, inside the 16-byte header",
     "the decompressed data ends at decompressed byte 10, inside the 16-byte header"},
    {"huge_count", bad_huge, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "header (file bytes 0..15) declares [4000000000, 28, 28] ubyte: 3136000000000 data bytes "
     "from file byte 16, but the file ends at byte 116",
     "header (decompressed bytes 0..15) declares [4000000000, 28, 28] ubyte: 3136000000000 "
     "data bytes from decompressed byte 16, above the limit LIBNN_IDX_MAX_BYTES = 1073741824"},
    {"overflow", bad_overflow, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "dimensions [4294967295, 4294967295, 4294967295, 4294967295, 4294967295, 4294967295, "
     "4294967295, 4294967295] (file bytes 4..35) overflow",
     NULL},
    {"data_short", bad_data_short, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "declares [3] int16: 6 data bytes from file byte 8, but the file ends at byte 13",
     "declares [3] int16: 6 data bytes from decompressed byte 8, but the decompressed data ends "
     "at byte 13"},
    {"trailing", bad_trailing, 0, LIBNN_E_FORMAT, LIBNN_E_FORMAT,
     "1 trailing bytes at file bytes [10, 11) after the 2 data bytes the header declares",
     "the decompressed data runs on past byte 10, where the 2 data bytes the header declares "
     "end (trailing bytes)"},
    {"int32_inexact", bad_int32, 0, LIBNN_E_RANGE, LIBNN_E_RANGE,
     "int32 element 1 (16777217, file byte 12) has no exact float32 value", NULL},
    {"f64_overflow", bad_f64, 0, LIBNN_E_RANGE, LIBNN_E_RANGE,
     "float64 element 0 (1.0000000000000001e+300, file byte 8) lies beyond the float32 range",
     NULL},
    {"scale_int16", scale_int16, LIBNN_IDX_SCALE, LIBNN_E_INVALID, LIBNN_E_INVALID,
     "LIBNN_IDX_SCALE needs unsigned-byte data, the file holds int16 (dtype 0x0b at file byte 2)",
     NULL},
};

/* "file byte" becomes "decompressed byte" for the gzip forms. */
static const char *gz_text(const idx_bad *c, char *buf, size_t cap)
{
    if (c->gz)
        return c->gz;
    const char *at = strstr(c->plain, "file byte");
    ck_assert_ptr_nonnull(at);
    snprintf(buf, cap, "%.*sdecompressed byte%s", (int)(at - c->plain), c->plain, at + 9);
    return buf;
}

/* Load from memory (path NULL) or a file and expect the failure. */
static void expect_idx_error(bytes b, const char *path, int flags, libnn_status want,
                             const char *text)
{
    libnn_tensor *t = (libnn_tensor *)1;
    libnn_status got = path ? libnn_idx_load(path, flags, &t)
                            : libnn_idx_load_buffer(b.p, b.n, flags, &t);
    ck_assert_msg(got == want, "got %s (%s)", libnn_status_str(got), libnn_last_error());
    ck_assert_ptr_null(t);
    tu_assert_error_has(text);
    char who[200];
    if (path)
        snprintf(who, sizeof who, "idx_load: '%s': ", path);
    else
        snprintf(who, sizeof who, "idx_load_buffer: ");
    tu_assert_error_has(who);
}

START_TEST(idx_bad_file)
{
    const idx_bad *c = &idx_bad_cases[_i];
    char dir[64], path[128], gz_buf[400];
    io_scratch_new(dir, sizeof dir);
    bytes b = c->make(), gz = gzip_of(b.p, b.n);
    const char *gz_says = gz_text(c, gz_buf, sizeof gz_buf);
    expect_idx_error(b, NULL, c->flags, c->status, c->plain);
    expect_idx_error(gz, NULL, c->flags, c->gz_status, gz_says);
    write_temp(dir, c->name, b, path, sizeof path);
    expect_idx_error(b, path, c->flags, c->status, c->plain);
    write_temp(dir, "gz", gz, path, sizeof path);
    expect_idx_error(gz, path, c->flags, c->gz_status, gz_says);
    free(b.p);
    free(gz.p);
    io_scratch_remove(dir);
}
END_TEST

/* ---- IDX: broken gzip ---- */

START_TEST(idx_bad_gzip)
{
    unsigned char data[300];
    for (int i = 0; i < 300; i++)
        data[i] = (unsigned char)(i * 7);
    bytes b = idx_file(0x08, 1, (const uint32_t[]){300}, data, 300), gz = gzip_of(b.p, b.n);
    libnn_tensor *t = (libnn_tensor *)1;
    unsigned char *copy = malloc(gz.n + 8);

    /* truncated: in the deflate data, and in the 8-byte trailer */
    const size_t cuts[3] = {gz.n / 2, gz.n - 5, 2};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(libnn_idx_load_buffer(gz.p, cuts[i], 0, &t), LIBNN_E_FORMAT);
        ck_assert_ptr_null(t);
        tu_assert_error_has("the gzip data ends early, at compressed byte");
    }

    /* corrupt: an invalid block type, a wrong CRC, a wrong length */
    struct {
        size_t at;
        unsigned char x;
        const char *says;
    } flips[3] = {{10, 0xFF, "invalid block type"},
                  {gz.n - 8, 0x01, "incorrect data check"},
                  {gz.n - 4, 0x01, "incorrect length check"}};
    for (int i = 0; i < 3; i++) {
        memcpy(copy, gz.p, gz.n);
        copy[flips[i].at] = i == 0 ? flips[i].x : (unsigned char)(copy[flips[i].at] ^ 1);
        ck_assert_int_eq(libnn_idx_load_buffer(copy, gz.n, 0, &t), LIBNN_E_FORMAT);
        tu_assert_error_has("corrupt gzip data at compressed byte");
        tu_assert_error_has(flips[i].says);
    }
    /* a bad gzip header (reserved flag bits) */
    memcpy(copy, gz.p, gz.n);
    copy[3] = 0xE0;
    ck_assert_int_eq(libnn_idx_load_buffer(copy, gz.n, 0, &t), LIBNN_E_FORMAT);
    tu_assert_error_has("corrupt gzip data at compressed byte");

    /* something after the gzip member that is not another member */
    memcpy(copy, gz.p, gz.n);
    memcpy(copy + gz.n, "xyz", 3);
    ck_assert_int_eq(libnn_idx_load_buffer(copy, gz.n + 3, 0, &t), LIBNN_E_FORMAT);
    char want[160];
    snprintf(want, sizeof want,
             "3 bytes after the end of the gzip data at compressed byte %zu are not another gzip "
             "member",
             gz.n);
    tu_assert_error_has(want);
    free(copy);
    free(b.p);
    free(gz.p);
}
END_TEST

/* The largest single allocation request, to prove that hostile headers
 * cost no memory. */
static size_t largest_request;
static void *big_malloc(size_t size, void *user)
{
    (void)user;
    if (size > largest_request)
        largest_request = size;
    return malloc(size);
}
static void *big_realloc(void *p, size_t size, void *user)
{
    (void)user;
    if (size > largest_request)
        largest_request = size;
    return realloc(p, size);
}
static void big_free(void *p, void *user)
{
    (void)user;
    free(p);
}

/* A gzip bomb: 1 KiB declared, 256 MiB of zeros inflated (250 KiB stored). */
START_TEST(idx_gzip_bomb)
{
    enum { DECLARED = 1024 };
    static unsigned char zeros[1 << 16];
    unsigned char header[8];
    memcpy(header, "\0\0\x08\x01", 4);
    put_be(header + 4, DECLARED, 4);
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
                     Z_OK);
    bytes bomb = {malloc(1 << 20), 0};
    zs.next_out = bomb.p;
    zs.avail_out = 1 << 20;
    zs.next_in = header;
    zs.avail_in = 8;
    ck_assert_int_eq(deflate(&zs, Z_NO_FLUSH), Z_OK);
    for (int i = 0; i < 4096; i++) {
        zs.next_in = zeros;
        zs.avail_in = sizeof zeros;
        ck_assert_int_eq(deflate(&zs, i == 4095 ? Z_FINISH : Z_NO_FLUSH),
                         i == 4095 ? Z_STREAM_END : Z_OK);
    }
    bomb.n = zs.total_out;
    deflateEnd(&zs);
    ck_assert_uint_lt(bomb.n, 1 << 20);

    tu_alloc_uninstall();
    largest_request = 0;
    ck_assert_int_eq(libnn_set_allocator(big_malloc, big_realloc, big_free, NULL), LIBNN_OK);
    clock_t start = clock();
    libnn_tensor *t = (libnn_tensor *)1;
    libnn_status st = libnn_idx_load_buffer(bomb.p, bomb.n, 0, &t);
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    size_t largest = largest_request;
    ck_assert_int_eq(st, LIBNN_E_FORMAT);
    ck_assert_ptr_null(t);
    tu_assert_error_has("runs on past byte 1032, where the 1024 data bytes the header declares "
                        "end (trailing bytes)");
    /* and a header that claims 4 billion images in a few bytes */
    bytes huge = bad_huge();
    libnn_status st2 = libnn_idx_load_buffer(huge.p, huge.n, 0, &t);
    size_t largest2 = largest_request;
    tu_alloc_install();

    ck_assert_msg(seconds < 0.5, "inflating the bomb took %.2f s", seconds);
    ck_assert_uint_lt(largest, 1 << 17);
    ck_assert_int_eq(st2, LIBNN_E_FORMAT);
    tu_assert_error_has("declares [4000000000, 28, 28] ubyte");
    ck_assert_uint_lt(largest2, 1 << 17);
    free(huge.p);
    free(bomb.p);
}
END_TEST

START_TEST(idx_arguments)
{
    libnn_tensor *t = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_idx_load("/nonexistent/x.idx", 0, &t), LIBNN_E_IO);
    ck_assert_ptr_null(t);
    tu_assert_error_has("cannot open '/nonexistent/x.idx'");
    ck_assert_int_eq(libnn_idx_load("/tmp", 0, &t), LIBNN_E_IO);
    tu_assert_error_has("not a regular file");
    ck_assert_int_eq(libnn_idx_load(NULL, 0, &t), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_idx_load("/tmp", 0, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_idx_load("/tmp", 6, &t), LIBNN_E_INVALID);
    tu_assert_error_has("unknown flags 0x6");
    ck_assert_int_eq(libnn_idx_load_buffer(NULL, 4, 0, &t), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_idx_load_buffer("", 0, 0, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_idx_load_buffer(NULL, 0, 0, &t), LIBNN_E_FORMAT);
    tu_assert_error_has("ends at file byte 0");
    /* a plain file above LIBNN_IDX_MAX_BYTES (sparse: no disk used) */
    char dir0[64], big[128];
    io_scratch_new(dir0, sizeof dir0);
    bytes head = idx_file(0x08, 1, (const uint32_t[]){1u << 30}, NULL, 0);
    write_temp(dir0, "big", head, big, sizeof big);
    ck_assert_int_eq(truncate(big, (off_t)head.n + (1 << 30)), 0);
    ck_assert_int_eq(libnn_idx_load(big, 0, &t), LIBNN_E_FORMAT);
    ck_assert_ptr_null(t);
    tu_assert_error_has("declares [1073741824] ubyte: 1073741824 data bytes from file byte 8, "
                        "above the limit LIBNN_IDX_MAX_BYTES = 1073741824");
    free(head.p);
    io_scratch_remove(dir0);
    /* an empty file */
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    write_temp(dir, "empty", (bytes){(unsigned char *)"", 0}, path, sizeof path);
    ck_assert_int_eq(libnn_idx_load(path, 0, &t), LIBNN_E_FORMAT);
    tu_assert_error_has("the file ends at file byte 0, inside the 4-byte IDX magic");
    io_scratch_remove(dir);
}
END_TEST

/* ---- CSV ---- */

static libnn_csv_reader *csv_reader(int header, int delimiter, int label)
{
    libnn_csv_reader *r;
    ck_assert_int_eq(libnn_csv_reader_new(&r), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, header), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_DELIMITER, delimiter), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, label), LIBNN_OK);
    return r;
}

static const char iris_like[] =
    "\xEF\xBB\xBF"
    "sepal length, \"sepal,width\" ,\"spe\"\"cies\"\r\n"
    "5.1, 3.5 ,0\r\n"
    "\r\n"
    "\"4.9\",\" 3.0\",1\r\n"
    "  \t\n"
    "-1e3,nan,2\n"
    "+inf,-Infinity,0x1p-2";

START_TEST(csv_basic)
{
    libnn_csv_reader *r = csv_reader(1, ',', 2);
    libnn_tensor *x, *y;
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, iris_like, sizeof iris_like - 1, &x, &y),
                     LIBNN_OK);
    assert_shape(x, 2, (const int64_t[]){4, 2});
    assert_shape(y, 1, (const int64_t[]){4});
    assert_values(x, (const float[]){5.1f, 3.5f, 4.9f, 3.0f, -1000, NAN, INFINITY, -INFINITY}, 8);
    assert_values(y, (const float[]){0, 1, 2, 0.25f}, 4);
    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 3);
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 0), "sepal length");
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 1), "sepal,width");
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 2), "spe\"cies");
    ck_assert_ptr_null(libnn_csv_reader_column_name(r, 3));
    libnn_tensor_free(x);
    libnn_tensor_free(y);

    /* the same from a file, without labels: y comes back NULL */
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/iris.csv", dir);
    io_write_file(path, iris_like, sizeof iris_like - 1);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, -1), LIBNN_OK);
    y = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, &y), LIBNN_OK);
    ck_assert_ptr_null(y);
    assert_shape(x, 2, (const int64_t[]){4, 3});
    ck_assert(libnn_tensor_data(x)[2] == 0.0f && libnn_tensor_data(x)[11] == 0.25f);
    libnn_tensor_free(x);
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, NULL), LIBNN_OK);
    libnn_tensor_free(x);
    io_scratch_remove(dir);

    /* no header: no names; the label column first; lone CRs end lines */
    libnn_csv_reader_free(r);
    r = csv_reader(0, ',', 0);
    static const char cr[] = "7,1e-50,2\r8,-0,3\r";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, cr, sizeof cr - 1, &x, &y), LIBNN_OK);
    assert_values(x, (const float[]){0, 2, -0.0f, 3}, 4);
    assert_values(y, (const float[]){7, 8}, 2);
    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 3);
    ck_assert_ptr_null(libnn_csv_reader_column_name(r, 0));
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_csv_reader_free(r);
}
END_TEST

START_TEST(csv_delimiters_and_quotes)
{
    libnn_csv_reader *r = csv_reader(0, '\t', -1);
    libnn_tensor *x;
    static const char tab[] = " 1 \t 2\n3\t\"4\" \n";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, tab, sizeof tab - 1, &x, NULL), LIBNN_OK);
    assert_values(x, (const float[]){1, 2, 3, 4}, 4);
    libnn_tensor_free(x);
    libnn_csv_reader_free(r);

    r = csv_reader(0, ';', -1);
    static const char semi[] = "1;2\n\"1,5\";2\n";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, semi, sizeof semi - 1, &x, NULL),
                     LIBNN_E_FORMAT);
    tu_assert_error_has("<buffer>:2:1: \"1,5\" is not a number");
    libnn_csv_reader_free(r);

    /* a quoted name spanning lines: line numbers still count every line */
    r = csv_reader(1, ',', -1);
    static const char multi[] = "\"a\r\nb\",c\n1,2\nx,3\n";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, multi, sizeof multi - 1, &x, NULL),
                     LIBNN_E_FORMAT);
    tu_assert_error_has("<buffer>:4:1: \"x\" is not a number");
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, multi, 13, &x, NULL), LIBNN_OK);
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 0), "a\r\nb");
    libnn_tensor_free(x);

    /* a header alone: tensors of 0 rows */
    libnn_tensor *y;
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "a,b,c\n", 6, &x, &y), LIBNN_OK);
    assert_shape(x, 2, (const int64_t[]){0, 2});
    assert_shape(y, 1, (const int64_t[]){0});
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_csv_reader_free(r);
}
END_TEST

typedef struct csv_bad {
    const char *text;
    size_t len;     /* 0: strlen */
    int header;
    int label;
    libnn_status status;
    const char *says;
} csv_bad;

static const csv_bad csv_bad_cases[] = {
    {"1,2\n3,4,5\n", 0, 0, -1, LIBNN_E_FORMAT, ":2:3: row has more fields than the 2 of line 1"},
    {"a,b,c\n\n4,5\n", 0, 1, -1, LIBNN_E_FORMAT, ":3:2: row ends after 2 fields, line 1 has 3"},
    {"1,,3\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: empty field where a number is expected"},
    {"1,2,\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:3: empty field where a number is expected"},
    {"1,\"2\n3\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: the quote at byte 2 is never closed"},
    {"\"1\"x,2\n", 0, 0, -1, LIBNN_E_FORMAT,
     ":1:1: \"x\" after the closing quote: a quoted field ends at its quote"},
    {"", 0, 0, -1, LIBNN_E_FORMAT, " holds no rows (it is empty or blank)"},
    {"\n  \r\n\t\n", 0, 1, -1, LIBNN_E_FORMAT, " holds no rows (it is empty or blank)"},
    {"\xEF\xBB\xBF", 0, 0, -1, LIBNN_E_FORMAT, " holds no rows (it is empty or blank)"},
    {"\xFF\xFE" "1\0,\0" "2\0", 8, 0, -1, LIBNN_E_FORMAT,
     " starts with a UTF-16 or UTF-32 byte order mark (bytes ff fe): save it as UTF-8"},
    {"a,\xC3\x28\n1,2\n", 0, 1, -1, LIBNN_E_FORMAT,
     ":1:2: column name is not valid UTF-8 (byte 0xc3 at its byte 0)"},
    {"a\0b,c\n1,2\n", 10, 1, -1, LIBNN_E_FORMAT, ":1:1: column name holds a NUL byte"},
    {"1,\xFF\xFE\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: \"\\xff\\xfe\" is not a number"},
    {"1,2\0\n", 5, 0, -1, LIBNN_E_FORMAT, ":1:2: \"2\\x00\" is not a number"},
    {"1,\"2\"\"\"\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: \"2\\\"\" is not a number"},
    {"1,2\n3,1e39\n", 0, 0, -1, LIBNN_E_RANGE, ":2:2: \"1e39\" is beyond the float32 range"},
    {"1,-1e39\n", 0, 0, -1, LIBNN_E_RANGE, ":1:2: \"-1e39\" is beyond the float32 range"},
    {"1,\v2\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: \"\\x0b2\" is not a number"},
    {"1,2,3\n", 0, 0, 3, LIBNN_E_RANGE, ": label column 3, but the rows have 3 columns"},
    {"1,2\n", 0, 0, 7, LIBNN_E_RANGE, ": label column 7, but the rows have 2 columns"},
};

START_TEST(csv_bad_input)
{
    const csv_bad *c = &csv_bad_cases[_i];
    size_t len = c->len ? c->len : strlen(c->text);
    libnn_csv_reader *r = csv_reader(c->header, ',', c->label);
    /* a successful load first: a failed one must keep its results */
    libnn_tensor *x = NULL, *y = NULL;
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, -1), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "p,q,r,s\n", 8, &x, NULL), LIBNN_OK);
    libnn_tensor_free(x);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, c->label), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, c->header), LIBNN_OK);

    x = y = (libnn_tensor *)1;
    libnn_status st = libnn_csv_reader_load_buffer(r, c->text, len, &x, &y);
    ck_assert_msg(st == c->status, "case %d: got %s (%s)", _i, libnn_status_str(st),
                  libnn_last_error());
    ck_assert_ptr_null(x);
    ck_assert_ptr_null(y);
    tu_assert_error_has(c->says);
    tu_assert_error_has("csv_reader_load_buffer: <buffer>");

    char dir[64], path[128], where[200];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/data.csv", dir);
    io_write_file(path, c->text, len);
    x = y = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, &y), c->status);
    ck_assert_ptr_null(x);
    ck_assert_ptr_null(y);
    tu_assert_error_has(c->says);
    snprintf(where, sizeof where, "csv_reader_load: %s", path);
    tu_assert_error_has(where);
    io_scratch_remove(dir);

    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 4);
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 3), "s");
    libnn_csv_reader_free(r);
}
END_TEST

/* The example of the documentation: data.csv:17:3. */
START_TEST(csv_line_column)
{
    char text[200] = "";
    for (int i = 0; i < 16; i++)
        strcat(text, "1,2,3\n");
    strcat(text, "4,5,abc\n");
    char dir[64], path[128], want[200];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/data.csv", dir);
    io_write_file(path, text, strlen(text));
    libnn_csv_reader *r = csv_reader(0, ',', -1);
    libnn_tensor *x;
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, NULL), LIBNN_E_FORMAT);
    snprintf(want, sizeof want, "csv_reader_load: %s:17:3: \"abc\" is not a number", path);
    ck_assert_str_eq(libnn_last_error(), want);
    ck_assert_int_eq(libnn_csv_reader_load(r, "/nonexistent/d.csv", &x, NULL), LIBNN_E_IO);
    tu_assert_error_has("cannot open '/nonexistent/d.csv'");
    libnn_csv_reader_free(r);
    io_scratch_remove(dir);
}
END_TEST

START_TEST(csv_options)
{
    libnn_csv_reader *r;
    int64_t v;
    ck_assert_int_eq(libnn_csv_reader_new(&r), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_HEADER, &v), LIBNN_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_DELIMITER, &v), LIBNN_OK);
    ck_assert_int_eq(v, ',');
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_LABEL_COLUMN, &v), LIBNN_OK);
    ck_assert_int_eq(v, -1);
    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 0);

    static const struct {
        libnn_csv_option key;
        int64_t value;
        const char *says;
    } bad[] = {{LIBNN_CSV_HEADER, 2, "header must be 0 or 1, got 2"},
               {LIBNN_CSV_DELIMITER, '"', "delimiter must be an ASCII byte"},
               {LIBNN_CSV_DELIMITER, '\n', "got 10"},
               {LIBNN_CSV_DELIMITER, 0, "got 0"},
               {LIBNN_CSV_DELIMITER, 200, "got 200"},
               {LIBNN_CSV_LABEL_COLUMN, -2, "label column must be -1 (none)"},
               {(libnn_csv_option)99, 1, "unknown option 99"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(libnn_csv_reader_set_int(r, bad[i].key, bad[i].value), LIBNN_E_INVALID);
        tu_assert_error_has(bad[i].says);
    }
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_DELIMITER, &v), LIBNN_OK);
    ck_assert_int_eq(v, ',');
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, 5), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_LABEL_COLUMN, &v), LIBNN_OK);
    ck_assert_int_eq(v, 5);

    libnn_tensor *x = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "1,2\n", 4, &x, NULL), LIBNN_E_INVALID);
    tu_assert_error_has("y is NULL, but label column 5 is set");
    ck_assert_ptr_null(x);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, (libnn_csv_option)99, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_HEADER, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_get_int(NULL, LIBNN_CSV_HEADER, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_set_int(NULL, LIBNN_CSV_HEADER, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(NULL, "1", 1, &x, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "1", 1, NULL, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, NULL, 1, &x, &x), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load(r, NULL, &x, &x), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_new(NULL), LIBNN_E_INVALID);
    ck_assert_uint_eq(libnn_csv_reader_column_count(NULL), 0);
    ck_assert_ptr_null(libnn_csv_reader_column_name(NULL, 0));
    libnn_csv_reader_free(r);
    libnn_csv_reader_free(NULL);
}
END_TEST

/* ---- data set helpers ---- */

/* x [n, 2] with rows (i, 10 i); y [n] with i. */
static void numbered(size_t n, libnn_tensor **x, libnn_tensor **y)
{
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 2}, x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){(int64_t)n}, y), LIBNN_OK);
    for (size_t i = 0; i < n; i++) {
        libnn_tensor_data(*x)[2 * i] = (float)i;
        libnn_tensor_data(*x)[2 * i + 1] = 10.0f * (float)i;
        libnn_tensor_data(*y)[i] = (float)i;
    }
}

START_TEST(shuffle_pairs)
{
    enum { N = 20 };
    libnn_tensor *x, *y, *x2, *y2;
    numbered(N, &x, &y);
    numbered(N, &x2, &y2);
    ck_assert_int_eq(libnn_shuffle(x, y, 42), LIBNN_OK);
    int seen[N] = {0}, moved = 0;
    for (int i = 0; i < N; i++) {
        float k = libnn_tensor_data(y)[i];
        ck_assert(libnn_tensor_data(x)[2 * i] == k && libnn_tensor_data(x)[2 * i + 1] == 10 * k);
        seen[(int)k]++;
        moved += k != (float)i;
    }
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_gt(moved, N / 2);
    /* reproducible: the same seed, the same order, with or without y */
    ck_assert_int_eq(libnn_shuffle(x2, NULL, 42), LIBNN_OK);
    io_assert_same_tensor(x, x2);
    ck_assert_int_eq(libnn_shuffle(y2, NULL, 43), LIBNN_OK);
    ck_assert(memcmp(libnn_tensor_data(y), libnn_tensor_data(y2), N * sizeof(float)) != 0);

    /* lengths must match; nothing moves */
    libnn_tensor *short_y;
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){N - 1}, &short_y), LIBNN_OK);
    ck_assert_int_eq(libnn_shuffle(x, short_y, 1), LIBNN_E_SHAPE);
    tu_assert_error_has("x [20, 2] has 20 rows, y [19] has 19");
    io_assert_same_tensor(x, x2);
    ck_assert_int_eq(libnn_shuffle(NULL, y, 1), LIBNN_E_INVALID);
    libnn_tensor_free(short_y);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(x2);
    libnn_tensor_free(y2);
}
END_TEST

START_TEST(split_sizes)
{
    libnn_tensor *x, *y, *xtr, *ytr, *xte, *yte;
    numbered(10, &x, &y);
    ck_assert_int_eq(libnn_train_test_split(x, y, 0.25, 7, &xtr, &ytr, &xte, &yte), LIBNN_OK);
    /* ceil(2.5) = 3 test rows, as scikit-learn */
    assert_shape(xtr, 2, (const int64_t[]){7, 2});
    assert_shape(ytr, 1, (const int64_t[]){7});
    assert_shape(xte, 2, (const int64_t[]){3, 2});
    assert_shape(yte, 1, (const int64_t[]){3});
    /* = shuffling copies with the same seed, then train first, test last */
    libnn_tensor *sx, *sy, *part;
    ck_assert_int_eq(libnn_tensor_clone(x, &sx), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_clone(y, &sy), LIBNN_OK);
    ck_assert_int_eq(libnn_shuffle(sx, sy, 7), LIBNN_OK);
    ck_assert_int_eq(libnn_slice(sx, 0, 7, &part), LIBNN_OK);
    io_assert_same_tensor(part, xtr);
    libnn_tensor_free(part);
    ck_assert_int_eq(libnn_slice(sy, 7, 3, &part), LIBNN_OK);
    io_assert_same_tensor(part, yte);
    libnn_tensor_free(part);
    libnn_tensor_free(sx);
    libnn_tensor_free(sy);
    for (int i = 0; i < 3; i++)
        ck_assert(libnn_tensor_data(xte)[2 * i] == libnn_tensor_data(yte)[i]);
    libnn_tensor *outs[4] = {xtr, ytr, xte, yte};
    for (int i = 0; i < 4; i++)
        libnn_tensor_free(outs[i]);

    /* without y */
    ytr = yte = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_train_test_split(x, NULL, 0.5, 7, &xtr, &ytr, &xte, &yte), LIBNN_OK);
    ck_assert_ptr_null(ytr);
    ck_assert_ptr_null(yte);
    ck_assert_int_eq(libnn_tensor_dim(xte, 0), 5);
    libnn_tensor_free(xtr);
    libnn_tensor_free(xte);
    ck_assert_int_eq(libnn_train_test_split(x, NULL, 0.5, 7, &xtr, NULL, &xte, NULL), LIBNN_OK);
    libnn_tensor_free(xtr);
    libnn_tensor_free(xte);

    /* errors leave every output NULL */
    const double fractions[4] = {0.0, 1.0, -0.5, NAN};
    for (int i = 0; i < 4; i++) {
        xtr = (libnn_tensor *)1;
        ck_assert_int_eq(libnn_train_test_split(x, y, fractions[i], 7, &xtr, &ytr, &xte, &yte),
                         LIBNN_E_INVALID);
        ck_assert_ptr_null(xtr);
        tu_assert_error_has("test_fraction must lie in (0, 1)");
    }
    ck_assert_int_eq(libnn_train_test_split(x, y, 0.95, 7, &xtr, &ytr, &xte, &yte),
                     LIBNN_E_RANGE);
    tu_assert_error_has("10 rows with test_fraction 0.95 leave no training rows");
    ck_assert_int_eq(libnn_train_test_split(x, y, 0.5, 7, &xtr, NULL, &xte, &yte),
                     LIBNN_E_INVALID);
    tu_assert_error_has("y_train is NULL");
    libnn_tensor *y9;
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){9}, &y9), LIBNN_OK);
    ck_assert_int_eq(libnn_train_test_split(x, y9, 0.5, 7, &xtr, &ytr, &xte, &yte),
                     LIBNN_E_SHAPE);
    libnn_tensor_free(y9);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

START_TEST(slice_rows)
{
    libnn_tensor *x, *y, *s;
    numbered(6, &x, &y);
    ck_assert_int_eq(libnn_slice(x, 2, 3, &s), LIBNN_OK);
    assert_shape(s, 2, (const int64_t[]){3, 2});
    assert_values(s, (const float[]){2, 20, 3, 30, 4, 40}, 6);
    libnn_tensor_free(s);
    ck_assert_int_eq(libnn_slice(y, 6, 0, &s), LIBNN_OK);
    assert_shape(s, 1, (const int64_t[]){0});
    libnn_tensor_free(s);
    s = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_slice(x, 4, 3, &s), LIBNN_E_RANGE);
    ck_assert_ptr_null(s);
    tu_assert_error_has("rows [4, 4 + 3) lie outside the 6 rows");
    ck_assert_int_eq(libnn_slice(x, -1, 1, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(x, 0, -1, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(x, 7, 0, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(x, 1, INT64_MAX, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(NULL, 0, 1, &s), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_slice(x, 0, 1, NULL), LIBNN_E_INVALID);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

START_TEST(one_hot_cases)
{
    libnn_tensor *l, *o;
    ck_assert_int_eq(libnn_tensor_new_from_data(1, (const int64_t[]){3}, (const float[]){2, 0, 3},
                                                3, &l),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 4, &o), LIBNN_OK);
    assert_shape(o, 2, (const int64_t[]){3, 4});
    assert_values(o, (const float[]){0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1}, 12);
    libnn_tensor_free(o);
    ck_assert_int_eq(libnn_one_hot(l, 0, &o), LIBNN_OK); /* inferred: 3 + 1 classes */
    assert_shape(o, 2, (const int64_t[]){3, 4});
    libnn_tensor_free(o);
    ck_assert_int_eq(libnn_one_hot(l, 3, &o), LIBNN_E_RANGE);
    ck_assert_ptr_null(o);
    tu_assert_error_has("label element 2 is 3, not a class index in [0, 3)");
    /* [n, 1] gives [n, classes]; [2, 2] gives [2, 2, classes] */
    ck_assert_int_eq(libnn_tensor_reshape(l, 2, (const int64_t[]){3, 1}), LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 5, &o), LIBNN_OK);
    assert_shape(o, 2, (const int64_t[]){3, 5});
    libnn_tensor_free(o);
    libnn_tensor_free(l);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){2, 2},
                                                (const float[]){1, 0, 0, 1}, 4, &l),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 2, &o), LIBNN_OK);
    assert_shape(o, 3, (const int64_t[]){2, 2, 2});
    assert_values(o, (const float[]){0, 1, 1, 0, 1, 0, 0, 1}, 8);
    libnn_tensor_free(o);
    const float bad[3] = {-1, 0.5f, NAN};
    for (int i = 0; i < 3; i++) {
        libnn_tensor_data(l)[3] = bad[i];
        ck_assert_int_eq(libnn_one_hot(l, 2, &o), LIBNN_E_RANGE);
        tu_assert_error_has("label element 3 is");
    }
    ck_assert_int_eq(libnn_one_hot(l, -1, &o), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_one_hot(NULL, 2, &o), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_one_hot(l, 2, NULL), LIBNN_E_INVALID);
    libnn_tensor_free(l);
    ck_assert_int_eq(libnn_tensor_new(8, (const int64_t[]){1, 1, 1, 1, 1, 1, 1, 2}, &l),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 2, &o), LIBNN_E_SHAPE);
    tu_assert_error_has("labels of rank 8 give a result of rank 9, above 8");
    libnn_tensor_free(l);
}
END_TEST

START_TEST(minmax_train_test)
{
    libnn_tensor *x, *t, *lo, *hi;
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){3, 2},
                                                (const float[]){1, 5, 3, 5, 2, 5}, 6, &x),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_minmax_scale(x, &lo, &hi), LIBNN_OK);
    assert_values(x, (const float[]){0, 0, 1, 0, 0.5f, 0}, 6);
    assert_shape(lo, 1, (const int64_t[]){2});
    assert_values(lo, (const float[]){1, 5}, 2);
    assert_values(hi, (const float[]){3, 5}, 2);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){2, 2},
                                                (const float[]){5, 6, 0, 4}, 4, &t),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, hi), LIBNN_OK);
    assert_values(t, (const float[]){2, 1, -0.5f, -1}, 4);
    /* bad statistics are refused */
    libnn_tensor_data(lo)[0] = 4;
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, hi), LIBNN_E_RANGE);
    tu_assert_error_has("feature 0 has max 3 below min 4");
    libnn_tensor_data(lo)[0] = NAN;
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, hi), LIBNN_E_NONFINITE);
    tu_assert_error_has("min element 0 is nan");
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_minmax_scale_apply(x, x, hi), LIBNN_E_SHAPE);
    tu_assert_error_has("min has 6 elements, x has 2 features per row");
    libnn_tensor_free(lo);
    libnn_tensor_free(hi);
    /* statistics not wanted */
    ck_assert_int_eq(libnn_minmax_scale(t, NULL, NULL), LIBNN_OK);
    libnn_tensor_free(t);
    libnn_tensor_free(x);
}
END_TEST

START_TEST(standard_train_test)
{
    libnn_tensor *x, *mean, *sd, *t;
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){4, 2},
                                                (const float[]){1, 7, 2, 7, 3, 7, 4, 7}, 8, &x),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_standard_scale(x, &mean, &sd), LIBNN_OK);
    assert_values(mean, (const float[]){2.5f, 7}, 2);
    float s = (float)sqrt(1.25); /* population deviation of 1..4 */
    assert_values(sd, (const float[]){s, 1}, 2); /* constant: 1, as scale_ */
    float e[8];
    for (int i = 0; i < 4; i++) {
        e[2 * i] = (float)(((double)(i + 1) - 2.5) / (double)s);
        e[2 * i + 1] = 0;
    }
    assert_values(x, e, 8);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){1, 2}, (const float[]){5, 9},
                                                2, &t),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_standard_scale_apply(t, mean, sd), LIBNN_OK);
    assert_values(t, (const float[]){(float)(2.5 / (double)s), 2}, 2);
    libnn_tensor_data(sd)[1] = -1;
    ck_assert_int_eq(libnn_standard_scale_apply(t, mean, sd), LIBNN_E_RANGE);
    tu_assert_error_has("feature 1 has std -1 < 0");
    libnn_tensor_free(t);

    /* fitting refuses non-finite data and rowless x, and leaves x alone */
    libnn_tensor *m2 = (libnn_tensor *)1;
    libnn_tensor_data(x)[5] = INFINITY;
    ck_assert_int_eq(libnn_standard_scale(x, &m2, NULL), LIBNN_E_NONFINITE);
    ck_assert_ptr_null(m2);
    tu_assert_error_has("standard_scale: x row 2, feature 1 is inf");
    ck_assert(libnn_tensor_data(x)[4] == e[4]);
    ck_assert_int_eq(libnn_minmax_scale(NULL, NULL, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_standard_scale_apply(NULL, mean, sd), LIBNN_E_INVALID);
    libnn_tensor *empty;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){0, 3}, &empty), LIBNN_OK);
    ck_assert_int_eq(libnn_standard_scale(empty, NULL, NULL), LIBNN_E_SHAPE);
    tu_assert_error_has("x has no rows to fit on");
    libnn_tensor_free(empty);
    libnn_tensor_free(mean);
    libnn_tensor_free(sd);
    libnn_tensor_free(x);
}
END_TEST

/* Fitting equals applying the returned statistics to the unscaled data,
 * bit for bit, on images (statistics of a row's shape) and on rank 1. */
START_TEST(scale_fit_equals_apply)
{
    const int64_t shapes[2][4] = {{50, 4, 3, 2}, {37, 0, 0, 0}};
    const size_t ranks[2] = {4, 1};
    for (int k = 0; k < 2; k++)
        for (int kind = 0; kind < 2; kind++) {
            libnn_tensor *x, *copy, *a, *b;
            ck_assert_int_eq(libnn_tensor_new(ranks[k], shapes[k], &x), LIBNN_OK);
            ck_assert_int_eq(libnn_tensor_fill_normal(x, 3.0f, 2.0f, 99), LIBNN_OK);
            ck_assert_int_eq(libnn_tensor_clone(x, &copy), LIBNN_OK);
            ck_assert_int_eq(kind ? libnn_standard_scale(x, &a, &b) : libnn_minmax_scale(x, &a, &b),
                             LIBNN_OK);
            ck_assert_uint_eq(libnn_tensor_ndim(a), k ? 1 : 3);
            ck_assert_int_eq(libnn_tensor_dim(a, 0), k ? 1 : 4);
            ck_assert_int_eq(kind ? libnn_standard_scale_apply(copy, a, b)
                                  : libnn_minmax_scale_apply(copy, a, b),
                             LIBNN_OK);
            io_assert_same_tensor(x, copy);
            const float *v = libnn_tensor_data(x);
            size_t outside = 0;
            for (size_t i = 0; !kind && i < libnn_tensor_size(x); i++)
                outside += !(v[i] >= 0 && v[i] <= 1);
            ck_assert_uint_eq(outside, 0);
            libnn_tensor_free(x);
            libnn_tensor_free(copy);
            libnn_tensor_free(a);
            libnn_tensor_free(b);
        }
}
END_TEST

/* ---- allocation failures ---- */

typedef struct idx_ctx {
    bytes plain, gz;
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
    idx_ctx c = {.plain = idx_file(0x0B, 2, (const uint32_t[]){N / 4, 4}, data, 2 * N)};
    c.gz = gzip_of(c.plain.p, c.plain.n);
    char dir[64], p1[128], p2[128];
    io_scratch_new(dir, sizeof dir);
    write_temp(dir, "plain", c.plain, p1, sizeof p1);
    write_temp(dir, "gz", c.gz, p2, sizeof p2);
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

static libnn_status body_csv(void *ctx)
{
    const char *path = ctx;
    libnn_csv_reader *r;
    libnn_status st = libnn_csv_reader_new(&r);
    if (st != LIBNN_OK)
        return st;
    libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, 1);
    libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, 2);
    for (int way = 0; st == LIBNN_OK && way < 2; way++) {
        libnn_tensor *x, *y;
        st = way ? libnn_csv_reader_load(r, path, &x, &y)
                 : libnn_csv_reader_load_buffer(r, iris_like, sizeof iris_like - 1, &x, &y);
        if (st == LIBNN_OK) {
            assert_shape(x, 2, (const int64_t[]){4, 2});
            ck_assert(libnn_tensor_data(y)[3] == 0.25f);
            ck_assert_str_eq(libnn_csv_reader_column_name(r, 2), "spe\"cies");
            libnn_tensor_free(x);
            libnn_tensor_free(y);
        } else {
            ck_assert_ptr_null(x);
            ck_assert_ptr_null(y);
            /* the first load's names survive a failed second one */
            if (way == 1)
                ck_assert_str_eq(libnn_csv_reader_column_name(r, 0), "sepal length");
        }
    }
    libnn_csv_reader_free(r);
    return st;
}

START_TEST(alloc_failures_csv)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/iris.csv", dir);
    io_write_file(path, iris_like, sizeof iris_like - 1);
    ck_assert_int_gt(tu_alloc_fail_loop(body_csv, path), 8);
    io_scratch_remove(dir);
}
END_TEST

/* Every helper on a tensor that must come out of a failure unchanged. */
static libnn_status body_helpers(void *ctx)
{
    libnn_tensor *const *in = ctx, *x = in[0], *y = in[1];
    libnn_tensor *before = in[2];
    libnn_tensor *o[4] = {NULL, NULL, NULL, NULL};
    libnn_status st = libnn_train_test_split(x, y, 0.3, 5, &o[0], &o[1], &o[2], &o[3]);
    for (int i = 0; i < 4; i++) {
        if (st != LIBNN_OK)
            ck_assert_ptr_null(o[i]);
        libnn_tensor_free(o[i]);
        o[i] = NULL;
    }
    if (st == LIBNN_OK)
        st = libnn_slice(x, 1, 3, &o[0]);
    if (st == LIBNN_OK)
        st = libnn_one_hot(y, 0, &o[1]);
    if (st == LIBNN_OK)
        st = libnn_shuffle(o[0], NULL, 3);
    libnn_tensor *work = NULL;
    if (st == LIBNN_OK)
        st = libnn_tensor_clone(x, &work);
    for (int kind = 0; st == LIBNN_OK && kind < 2; kind++) {
        st = kind ? libnn_standard_scale(work, &o[2], &o[3]) : libnn_minmax_scale(work, &o[2], &o[3]);
        if (st != LIBNN_OK) {
            ck_assert_ptr_null(o[2]);
            ck_assert_ptr_null(o[3]);
            /* a failed fit leaves x as it was */
            if (kind == 0)
                io_assert_same_tensor(work, before);
            break;
        }
        st = kind ? libnn_standard_scale_apply(work, o[2], o[3])
                  : libnn_minmax_scale_apply(work, o[2], o[3]);
        libnn_tensor_free(o[2]);
        libnn_tensor_free(o[3]);
        o[2] = o[3] = NULL;
    }
    libnn_tensor_free(work);
    for (int i = 0; i < 4; i++)
        libnn_tensor_free(o[i]);
    return st;
}

START_TEST(alloc_failures_helpers)
{
    libnn_tensor *in[3];
    numbered(10, &in[0], &in[1]);
    ck_assert_int_eq(libnn_tensor_clone(in[0], &in[2]), LIBNN_OK);
    ck_assert_int_gt(tu_alloc_fail_loop(body_helpers, in), 10);
    io_assert_same_tensor(in[0], in[2]);
    for (int i = 0; i < 3; i++)
        libnn_tensor_free(in[i]);
}
END_TEST

Suite *data_suite(void)
{
    Suite *s = suite_create("data");
    TCase *tc = tu_tcase("idx");
    tcase_add_test(tc, mnist_gzip);
    tcase_add_test(tc, mnist_plain);
    tcase_add_test(tc, idx_dtypes);
    tcase_add_test(tc, idx_chunks_and_members);
    tcase_add_loop_test(tc, idx_bad_file, 0, sizeof idx_bad_cases / sizeof idx_bad_cases[0]);
    tcase_add_test(tc, idx_bad_gzip);
    tcase_add_test(tc, idx_gzip_bomb);
    tcase_add_test(tc, idx_arguments);
    suite_add_tcase(s, tc);
    tc = tu_tcase("csv");
    tcase_add_test(tc, csv_basic);
    tcase_add_test(tc, csv_delimiters_and_quotes);
    tcase_add_loop_test(tc, csv_bad_input, 0, sizeof csv_bad_cases / sizeof csv_bad_cases[0]);
    tcase_add_test(tc, csv_line_column);
    tcase_add_test(tc, csv_options);
    suite_add_tcase(s, tc);
    tc = tu_tcase("helpers");
    tcase_add_test(tc, shuffle_pairs);
    tcase_add_test(tc, split_sizes);
    tcase_add_test(tc, slice_rows);
    tcase_add_test(tc, one_hot_cases);
    tcase_add_test(tc, minmax_train_test);
    tcase_add_test(tc, standard_train_test);
    tcase_add_test(tc, scale_fit_equals_apply);
    suite_add_tcase(s, tc);
    tc = tu_tcase("alloc");
    tcase_add_test(tc, alloc_failures_idx);
    tcase_add_test(tc, alloc_failures_csv);
    tcase_add_test(tc, alloc_failures_helpers);
    suite_add_tcase(s, tc);
    return s;
}
