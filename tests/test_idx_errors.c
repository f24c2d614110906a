/*
 * The IDX reader on bad files: every malformed, truncated or hostile file
 * (each from memory and from a file, plain and gzip, with its message),
 * broken gzip, gzip bombs, and bad arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "data_helpers.h"
#include "io_helpers.h"
#include "testutil.h"

/* ---- IDX: malformed files, each in four forms ---- */

typedef struct idx_bad {
    const char *name;
    data_bytes (*make)(void);
    int flags;
    libnn_status status, gz_status;
    const char *plain, *gz; /* message parts (gz NULL: same with "decompressed") */
} idx_bad;

static data_bytes raw_bytes(const char *s, size_t n)
{
    data_bytes b = {malloc(n), n};
    memcpy(b.p, s, n);
    return b;
}

static data_bytes bad_short(void) { return raw_bytes("\0\0\x08", 3); }

static data_bytes bad_magic(void) { return raw_bytes("\x12\x34\x08\x01\0\0\0\x01\x05", 9); }
static data_bytes bad_dtype(void) { return raw_bytes("\0\0\x0a\x01\0\0\0\x01\x05", 9); }
static data_bytes bad_rank0(void) { return raw_bytes("\0\0\x08\0", 4); }
static data_bytes bad_rank9(void) { return raw_bytes("\0\0\x08\x09\0\0\0\x01", 8); }
static data_bytes bad_header_short(void) { return raw_bytes("\0\0\x08\x03\0\0\0\x02\0\0", 10); }

static data_bytes bad_huge(void)
{
    static unsigned char zeros[100];
    return data_idx_file(0x08, 3, (const uint32_t[]){4000000000u, 28, 28}, zeros, 100);
}

static data_bytes bad_overflow(void)
{
    static const uint32_t dims[8] = {4294967295u, 4294967295u, 4294967295u, 4294967295u,
                                     4294967295u, 4294967295u, 4294967295u, 4294967295u};
    return data_idx_file(0x08, 8, dims, "x", 1);
}

static data_bytes bad_data_short(void)
{
    return data_idx_file(0x0B, 1, (const uint32_t[]){3}, "\0\x01\0\x02\0", 5);
}

static data_bytes bad_trailing(void)
{
    return data_idx_file(0x08, 1, (const uint32_t[]){2}, "abc", 3);
}

static data_bytes bad_int32(void)
{
    return data_idx_file(0x0C, 1, (const uint32_t[]){2}, "\0\0\0\x01\x01\0\0\x01", 8);
}

static data_bytes bad_f64(void)
{
    return data_idx_file(0x0E, 1, (const uint32_t[]){1}, "\x7e\x37\xe4\x3c\x88\x00\x75\x9c", 8);
}

static data_bytes scale_int16(void)
{
    return data_idx_file(0x0B, 1, (const uint32_t[]){1}, "\0\x01", 2);
}

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
static void expect_idx_error(data_bytes b, const char *path, int flags, libnn_status want,
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
    data_bytes b = c->make(), gz = data_gzip_of(b.p, b.n);
    const char *gz_says = gz_text(c, gz_buf, sizeof gz_buf);
    expect_idx_error(b, NULL, c->flags, c->status, c->plain);
    expect_idx_error(gz, NULL, c->flags, c->gz_status, gz_says);
    data_write_temp(dir, c->name, b, path, sizeof path);
    expect_idx_error(b, path, c->flags, c->status, c->plain);
    data_write_temp(dir, "gz", gz, path, sizeof path);
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
    data_bytes b = data_idx_file(0x08, 1, (const uint32_t[]){300}, data, 300);
    data_bytes gz = data_gzip_of(b.p, b.n);
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
    data_put_be(header + 4, DECLARED, 4);
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
                     Z_OK);
    data_bytes bomb = {malloc(1 << 20), 0};
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
    data_bytes huge = bad_huge();
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
    data_bytes head = data_idx_file(0x08, 1, (const uint32_t[]){1u << 30}, NULL, 0);
    data_write_temp(dir0, "big", head, big, sizeof big);
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
    data_write_temp(dir, "empty", (data_bytes){(unsigned char *)"", 0}, path, sizeof path);
    ck_assert_int_eq(libnn_idx_load(path, 0, &t), LIBNN_E_FORMAT);
    tu_assert_error_has("the file ends at file byte 0, inside the 4-byte IDX magic");
    io_scratch_remove(dir);
}
END_TEST

Suite *idx_errors_suite(void)
{
    Suite *s = suite_create("idx_errors");
    TCase *tc = tu_tcase("idx");
    tcase_add_loop_test(tc, idx_bad_file, 0, sizeof idx_bad_cases / sizeof idx_bad_cases[0]);
    tcase_add_test(tc, idx_bad_gzip);
    tcase_add_test(tc, idx_gzip_bomb);
    tcase_add_test(tc, idx_arguments);
    suite_add_tcase(s, tc);
    return s;
}
