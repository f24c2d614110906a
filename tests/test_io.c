/*
 * Tensor files (safetensors): the in-memory object, byte-exact writing,
 * round trips, every validation rule's bad file, the PyTorch fixture, atomic
 * saving that fails cleanly, and every call under the allocation-failure loop.
 */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "io_helpers.h"
#include "tensor_literal.h"
#include "testutil.h"

/* ---- the object ---- */

START_TEST(object_basics)
{
    libnn_tensor_file *f;
    const libnn_tensor *got = (const libnn_tensor *)1;
    ck_assert_int_eq(libnn_tensor_file_new(&f), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_file_count(f), 0);
    ck_assert_ptr_null(libnn_tensor_file_name(f, 0));
    ck_assert_int_eq(libnn_tensor_file_get(f, "w", &got), LIBNN_E_NOTFOUND);
    ck_assert_ptr_null(got);
    tu_assert_error_has("no tensor named \"w\"");

    float w[2] = {1, 2};
    libnn_tensor *t = tu_tensor_of(1, (const int64_t[]){2}, w);
    ck_assert_int_eq(libnn_tensor_file_add(f, "w", t), LIBNN_OK);
    libnn_tensor_fill(t, 9.0f); /* the file holds its own copy */
    ck_assert_int_eq(libnn_tensor_file_get(f, "w", &got), LIBNN_OK);
    ck_assert(libnn_tensor_data((libnn_tensor *)got)[1] == 2.0f);
    ck_assert_int_eq(libnn_tensor_file_add(f, "w", t), LIBNN_E_INVALID);
    tu_assert_error_has("a tensor named \"w\" is already in the file");
    ck_assert_int_eq(libnn_tensor_file_add(f, "__metadata__", t), LIBNN_E_INVALID);
    tu_assert_error_has("reserved");
    ck_assert_int_eq(libnn_tensor_file_add(f, "bad\xff", t), LIBNN_E_INVALID);
    tu_assert_error_has("not valid UTF-8 (byte 3)");
    ck_assert_int_eq(libnn_tensor_file_add(f, NULL, t), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_add(f, "x", NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_add(NULL, "x", t), LIBNN_E_INVALID);
    ck_assert_uint_eq(libnn_tensor_file_count(f), 1);
    ck_assert_str_eq(libnn_tensor_file_name(f, 0), "w");
    ck_assert_int_eq(libnn_tensor_file_get(f, NULL, &got), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_get(f, "w", NULL), LIBNN_E_INVALID);
    ck_assert_uint_eq(libnn_tensor_file_count(NULL), 0);
    ck_assert_ptr_null(libnn_tensor_file_name(NULL, 0));
    ck_assert_int_eq(libnn_tensor_file_new(NULL), LIBNN_E_INVALID);
    libnn_tensor_free(t);
    libnn_tensor_file_free(f);
    libnn_tensor_file_free(NULL);
}
END_TEST

START_TEST(metadata)
{
    libnn_tensor_file *f;
    ck_assert_int_eq(libnn_tensor_file_new(&f), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "format", "libnn"), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "epoch", "1"), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "format", "libnn2"), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_file_metadata_count(f), 2);
    ck_assert_str_eq(libnn_tensor_file_metadata_key(f, 0), "format");
    ck_assert_str_eq(libnn_tensor_file_metadata_key(f, 1), "epoch");
    ck_assert_ptr_null(libnn_tensor_file_metadata_key(f, 2));
    ck_assert_str_eq(libnn_tensor_file_metadata_get(f, "format"), "libnn2");
    ck_assert_ptr_null(libnn_tensor_file_metadata_get(f, "nope"));
    ck_assert_ptr_null(libnn_tensor_file_metadata_get(f, NULL));
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "k", NULL), LIBNN_E_INVALID);
    tu_assert_error_has("value is NULL");
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "k\xc0\x80", "v"), LIBNN_E_INVALID);
    tu_assert_error_has("key is not valid UTF-8");
    ck_assert_int_eq(libnn_tensor_file_set_metadata(NULL, "k", "v"), LIBNN_E_INVALID);
    ck_assert_uint_eq(libnn_tensor_file_metadata_count(f), 2);
    ck_assert_uint_eq(libnn_tensor_file_metadata_count(NULL), 0);
    libnn_tensor_file_free(f);
}
END_TEST

/* ---- writing ---- */

/* The reference implementation's own test vectors. */
START_TEST(reference_bytes)
{
    libnn_tensor_file *f;
    size_t size;
    ck_assert_int_eq(libnn_tensor_file_new(&f), LIBNN_OK);
    unsigned char *out = io_save_to_memory(f, &size);
    ck_assert_uint_eq(size, 16);
    ck_assert_mem_eq(out, "\x08\0\0\0\0\0\0\0{}      ", 16);
    free(out);

    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "framework", "pt"), LIBNN_OK);
    out = io_save_to_memory(f, &size);
    ck_assert_uint_eq(size, 48);
    ck_assert_mem_eq(out, "\x28\0\0\0\0\0\0\0{\"__metadata__\":{\"framework\":\"pt\"}}     ", 48);
    free(out);
    libnn_tensor_file_free(f);

    ck_assert_int_eq(libnn_tensor_file_new(&f), LIBNN_OK);
    const float v[6] = {0, 1, 2, 3, 4, 5};
    io_add_tensor(f, "attn.0", 3, (const int64_t[]){1, 2, 3}, v);
    static const char header[] =
        "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    out = io_save_to_memory(f, &size);
    ck_assert_uint_eq(size, 8 + 64 + 24);
    ck_assert_mem_eq(out, "\x40\0\0\0\0\0\0\0", 8);
    ck_assert_mem_eq(out + 8, header, 64);
    ck_assert_mem_eq(out + 72, "\0\0\0\0\0\0\x80\x3f\0\0\0\x40", 12);
    free(out);
    libnn_tensor_file_free(f);
}
END_TEST

START_TEST(save_buffer_contract)
{
    libnn_tensor_file *f = io_sample_file();
    size_t needed = 0, again = 0;
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, NULL, 0, &needed), LIBNN_E_RANGE);
    tu_assert_error_has("needs");
    ck_assert_uint_gt(needed, 8);
    unsigned char *buf = malloc(needed + 1);
    memset(buf, 0xAB, needed + 1);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, buf, needed - 1, &again), LIBNN_E_RANGE);
    ck_assert_uint_eq(again, needed);
    for (size_t i = 0; i <= needed; i++)
        ck_assert_uint_eq(buf[i], 0xAB);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, buf, needed + 1, &again), LIBNN_OK);
    ck_assert_uint_eq(buf[needed], 0xAB);
    /* the data section starts 8-byte aligned */
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | buf[i];
    ck_assert_uint_eq(hlen % 8, 0);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, NULL, 4, &again), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, buf, needed, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(NULL, buf, needed, &again), LIBNN_E_INVALID);
    free(buf);
    libnn_tensor_file_free(f);
}
END_TEST

START_TEST(roundtrip_buffer)
{
    libnn_tensor_file *f = io_sample_file(), *g;
    size_t size;
    unsigned char *bytes = io_save_to_memory(f, &size);
    ck_assert_int_eq(libnn_tensor_file_load_buffer(bytes, size, &g), LIBNN_OK);
    io_assert_same_file(f, g);
    /* written sorted by name, listed in file order */
    static const char *const order[] = {"bias", "deep", "empty", "kernel"};
    for (size_t i = 0; i < 4; i++)
        ck_assert_str_eq(libnn_tensor_file_name(g, i), order[i]);
    /* and saved again, byte for byte the same */
    size_t size2;
    unsigned char *bytes2 = io_save_to_memory(g, &size2);
    ck_assert_uint_eq(size, size2);
    ck_assert_mem_eq(bytes, bytes2, size);
    free(bytes);
    free(bytes2);
    libnn_tensor_file_free(f);
    libnn_tensor_file_free(g);
}
END_TEST

START_TEST(roundtrip_path)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    libnn_tensor_file *f = io_sample_file(), *g;
    ck_assert_int_eq(libnn_tensor_file_save(f, path), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_load(path, &g), LIBNN_OK);
    io_assert_same_file(f, g);
    size_t size;
    unsigned char *bytes = io_save_to_memory(f, &size);
    io_assert_file_is(path, bytes, size);
    ck_assert_int_eq(io_entry_count(dir), 1); /* no temporary file left */
    /* saving again replaces the file */
    io_add_tensor(g, "extra", 1, (const int64_t[]){1}, (const float[]){5});
    ck_assert_int_eq(libnn_tensor_file_save(g, path), LIBNN_OK);
    libnn_tensor_file_free(f);
    ck_assert_int_eq(libnn_tensor_file_load(path, &f), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_file_count(f), 5);
    ck_assert_int_eq(io_entry_count(dir), 1);
    free(bytes);
    libnn_tensor_file_free(f);
    libnn_tensor_file_free(g);
    io_scratch_remove(dir);
}
END_TEST

/* ---- atomic saving ---- */

START_TEST(save_failures_leave_old_file)
{
    char dir[64], path[128], sub[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    libnn_tensor_file *f = io_sample_file();
    static const char old[] = "the previous model file";
    io_write_file(path, old, sizeof old);
    ck_assert_int_eq(chmod(path, 0640), 0);

    /* The folder does not exist. */
    snprintf(sub, sizeof sub, "%s/missing/model.safetensors", dir);
    ck_assert_int_eq(libnn_tensor_file_save(f, sub), LIBNN_E_IO);
    tu_assert_error_has("No such file or directory");
    tu_assert_error_has("missing/model.safetensors");

    /* The target is a folder: everything is written, the rename fails. */
    snprintf(sub, sizeof sub, "%s/folder", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(libnn_tensor_file_save(f, sub), LIBNN_E_IO);
    tu_assert_error_has("cannot rename");
    struct stat st;
    ck_assert_int_eq(stat(sub, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));

    /* Root may write anywhere, but not past RLIMIT_FSIZE: the write fails
     * half-way and the old file must not notice. */
    struct rlimit saved, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = 100;
    signal(SIGXFSZ, SIG_IGN);
    libnn_tensor *big;
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){4096}, &big), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_add(f, "big", big), LIBNN_OK);
    libnn_tensor_free(big);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    libnn_status status = libnn_tensor_file_save(f, path);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, SIG_DFL);
    ck_assert_int_eq(status, LIBNN_E_IO);
    tu_assert_error_has("cannot write");
    io_assert_file_is(path, old, sizeof old);
    ck_assert_int_eq(io_entry_count(dir), 2); /* the old file and the folder */

    /* Bad paths. */
    ck_assert_int_eq(libnn_tensor_file_save(f, ""), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_save(f, "/tmp/"), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_save(f, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_save(NULL, path), LIBNN_E_INVALID);

    /* A successful save keeps the permission bits. */
    ck_assert_int_eq(libnn_tensor_file_save(f, path), LIBNN_OK);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    ck_assert_int_eq(io_entry_count(dir), 2);
    libnn_tensor_file_free(f);
    io_scratch_remove(dir);
}
END_TEST

/* A safetensors header of n copies of `unit` (comma-separated) inside
 * `prefix` ... `suffix`, as a whole file in a malloc'ed buffer. */
static unsigned char *header_file(const char *prefix, const char *unit, size_t n,
                                  const char *suffix, size_t *size)
{
    size_t ulen = strlen(unit), h = strlen(prefix) + n * (ulen + 1) + strlen(suffix);
    unsigned char *b = malloc(8 + h);
    ck_assert_ptr_nonnull(b);
    size_t k = 8 + strlen(prefix);
    memcpy(b + 8, prefix, k - 8);
    for (size_t i = 0; i < n; i++, k += ulen + 1) {
        memcpy(b + k, unit, ulen);
        b[k + ulen] = i + 1 < n ? ',' : ' ';
    }
    memcpy(b + k, suffix, strlen(suffix));
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(h >> (8 * i));
    *size = 8 + h;
    return b;
}

/* The caps that bound a header's parsed size (issue 13, finding 6). */
START_TEST(header_caps)
{
    libnn_tensor_file *g = (libnn_tensor_file *)1;
    size_t size;
    /* 262,144 values in all: root, key, entry, 3 keys, "F32", 2 arrays, 2 offsets
     * = 11, plus the shape's dimensions. */
    unsigned char *b = header_file(
        "{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,0],\"shape\":[", "0", 262144 - 11,
        "]}}", &size);
    ck_assert_int_eq(libnn_tensor_file_load_buffer(b, size, &g), LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("rank 262133 is above");
    free(b);
    b = header_file("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,0],\"shape\":[", "0",
                    262144 - 10, "]}}", &size);
    ck_assert_int_eq(libnn_tensor_file_load_buffer(b, size, &g), LIBNN_E_FORMAT);
    ck_assert_ptr_null(g);
    tu_assert_error_has("header holds more than 262144 JSON values");
    free(b);
    /* A string of 16 MiB passes the cap (and is then a bad dtype); one
     * byte more does not. */
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t n = 16777216 + extra;
        char *dtype = malloc(n + 3);
        ck_assert_ptr_nonnull(dtype);
        dtype[0] = '"';
        memset(dtype + 1, 'F', n);
        memcpy(dtype + 1 + n, "\"", 2);
        b = header_file("{\"t\":{\"shape\":[],\"data_offsets\":[0,0],\"dtype\":", dtype, 1,
                        "}}", &size);
        ck_assert_int_eq(libnn_tensor_file_load_buffer(b, size, &g), LIBNN_E_FORMAT);
        tu_assert_error_has(extra ? "is 16777217 bytes long, above the cap of 16777216"
                                  : "unknown dtype");
        free(dtype);
        free(b);
    }
}
END_TEST

START_TEST(load_io_errors)
{
    libnn_tensor_file *g = (libnn_tensor_file *)1;
    ck_assert_int_eq(libnn_tensor_file_load("/nonexistent/x.safetensors", &g), LIBNN_E_IO);
    ck_assert_ptr_null(g);
    tu_assert_error_has("cannot open '/nonexistent/x.safetensors'");
    ck_assert_int_eq(libnn_tensor_file_load("/tmp", &g), LIBNN_E_IO);
    tu_assert_error_has("not a regular file");
    /* A FIFO without a writer must not block the load. */
    char dir[64], fifo[96];
    io_scratch_new(dir, sizeof dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(libnn_tensor_file_load(fifo, &g), LIBNN_E_IO);
    tu_assert_error_has("not a regular file");
    io_scratch_remove(dir);
    ck_assert_int_eq(libnn_tensor_file_load(NULL, &g), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_load("/tmp", NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_load_buffer(NULL, 5, &g), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_file_load_buffer("", 0, NULL), LIBNN_E_INVALID);
}
END_TEST

/* ---- reading: every rule has its bad file (tests/fixtures/safetensors/bad) ---- */

static const struct bad_case {
    const char *file;
    libnn_status status;
    const char *says, *where;
} bad_cases[] = {
    {"too_short", LIBNN_E_FORMAT, "file is 3 bytes, shorter than the 8-byte header", "byte 0"},
    {"header_too_large", LIBNN_E_FORMAT, "header length 100000001", "exceeds the cap of 100000000"},
    {"header_past_end", LIBNN_E_FORMAT, "header length 1000", "runs past the end of the file"},
    {"empty_header", LIBNN_E_FORMAT, "does not start with '{'", "file byte 8"},
    {"bad_utf8", LIBNN_E_FORMAT, "not valid UTF-8", "byte 0xc3 at file byte 11"},
    {"bad_start", LIBNN_E_FORMAT, "does not start with '{'", "file byte 8"},
    {"bad_json", LIBNN_E_FORMAT, "not valid JSON", "file byte 29"},
    {"nul_in_name", LIBNN_E_FORMAT, "not valid JSON", "u0000"},
    {"duplicate_name", LIBNN_E_FORMAT, "duplicate tensor name", "\"w\""},
    {"duplicate_key", LIBNN_E_FORMAT, "duplicate key inside an entry", "\"dtype\""},
    {"entry_not_object", LIBNN_E_FORMAT, "entry is not a JSON object", "tensor \"w\""},
    {"unknown_key", LIBNN_E_FORMAT, "unknown key \"layout\"", "tensor \"w\""},
    {"missing_dtype", LIBNN_E_FORMAT, "\"dtype\" is missing", "tensor \"w\""},
    {"unknown_dtype", LIBNN_E_FORMAT, "unknown dtype \"F17\"", "tensor \"w\""},
    {"bad_shape", LIBNN_E_FORMAT, "shape element 1 is not a non-negative integer", "tensor \"w\""},
    {"shape_overflow", LIBNN_E_FORMAT, "shape overflows", "at dimension 1"},
    {"bad_offsets", LIBNN_E_FORMAT, "\"data_offsets\" is not an array of two", "tensor \"w\""},
    {"offsets_reversed", LIBNN_E_FORMAT, "data_offsets [8, 4] end before they begin", "\"w\""},
    {"offsets_out_of_bounds", LIBNN_E_FORMAT, "[0, 64] run past the end of the data section",
     "ending at file byte 72"},
    {"size_mismatch", LIBNN_E_FORMAT, "shape [3] of F32 needs 12 bytes",
     "[0, 8] (file byte 64) hold 8"},
    {"gap", LIBNN_E_FORMAT, "data bytes [0, 4) (file bytes [64, 68)) belong to no tensor",
     "before tensor \"w\""},
    {"overlap", LIBNN_E_FORMAT, "tensor \"b\" at data bytes [4, 12) overlaps tensor \"a\"",
     "file byte 128"},
    {"trailing_bytes", LIBNN_E_FORMAT, "4 trailing bytes", "file bytes [72, 76)"},
    {"metadata_not_object", LIBNN_E_FORMAT, "\"__metadata__\" is not a JSON object", ": "},
    {"metadata_value", LIBNN_E_FORMAT, "metadata \"epoch\": value is not a string", ": "},
    {"bool_value", LIBNN_E_FORMAT, "BOOL element 2 (byte 0x02, file byte 66) is neither 0 nor 1",
     "tensor \"w\""},
    {"int_not_exact", LIBNN_E_RANGE, "I64 element 1 (16777217, file byte 72)",
     "has no exact float32 value"},
    {"f64_overflow", LIBNN_E_RANGE, "F64 element 0 (1.0000000000000001e+300",
     "lies beyond the float32 range"},
    {"rank_too_high", LIBNN_E_UNSUPPORTED, "rank 9 is above libnn's 8", "tensor \"w\""},
    {"dtype_unsupported", LIBNN_E_UNSUPPORTED, "dtype C64 is not supported", "tensor \"w\""},
};

START_TEST(bad_file)
{
    const struct bad_case *c = &bad_cases[_i];
    char rel[128];
    snprintf(rel, sizeof rel, "fixtures/safetensors/bad/%s.safetensors", c->file);
    const char *path = tu_path(rel);
    libnn_tensor_file *g = (libnn_tensor_file *)1;
    ck_assert_msg(libnn_tensor_file_load(path, &g) == c->status, "%s: got \"%s\"", c->file,
                  libnn_last_error());
    ck_assert_ptr_null(g);
    tu_assert_error_has(c->says);
    tu_assert_error_has(c->where);
    tu_assert_error_has(c->file); /* the path names the file */

    size_t size;
    unsigned char *bytes = io_read_file(path, &size);
    g = (libnn_tensor_file *)1;
    ck_assert_int_eq(libnn_tensor_file_load_buffer(bytes, size, &g), c->status);
    ck_assert_ptr_null(g);
    tu_assert_error_has("tensor_file_load_buffer: ");
    tu_assert_error_has(c->says);
    tu_assert_error_has(c->where);
    free(bytes);
}
END_TEST

/* ---- reading what PyTorch wrote (tests/fixtures/safetensors_fixture.py) ---- */

static void expect(const libnn_tensor_file *g, const char *name, size_t ndim,
                   const int64_t *shape, const float *values)
{
    const libnn_tensor *t;
    ck_assert_msg(libnn_tensor_file_get(g, name, &t) == LIBNN_OK, "%s missing", name);
    ck_assert_uint_eq(libnn_tensor_ndim(t), ndim);
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++) {
        ck_assert_int_eq(libnn_tensor_dim(t, i), shape[i]);
        n *= (size_t)shape[i];
    }
    const float *d = libnn_tensor_data((libnn_tensor *)t);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg((isnan(values[i]) && isnan(d[i])) ||
                      memcmp(&values[i], &d[i], sizeof(float)) == 0,
                      "%s[%zu] = %.9g, expected %.9g", name, i, d[i], values[i]);
}

START_TEST(torch_fixture)
{
    libnn_tensor_file *g;
    const char *path = tu_path("fixtures/safetensors/torch_interop.safetensors");
    ck_assert_int_eq(libnn_tensor_file_load(path, &g), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_file_count(g), 19);
    ck_assert_str_eq(libnn_tensor_file_metadata_get(g, "format"), "pt");
    ck_assert_str_eq(libnn_tensor_file_metadata_key(g, 1), "generator");
    /* file order: the reference writes wide dtypes first */
    ck_assert_str_eq(libnn_tensor_file_name(g, 0), "u64");
    ck_assert_str_eq(libnn_tensor_file_name(g, 3), "empty");
    ck_assert_str_eq(libnn_tensor_file_name(g, 18), "bool");

    expect(g, "linear.weight", 2, (const int64_t[]){2, 3},
           (const float[]){-0.5f, -0.25f, 0.0f, 0.25f, 0.5f, 0.75f});
    expect(g, "linear.bias", 1, (const int64_t[]){2}, (const float[]){0.25f, -0.125f});
    float f32[12];
    for (int i = 0; i < 12; i++)
        f32[i] = (float)i / 8 - 0.75f;
    expect(g, "f32", 2, (const int64_t[]){3, 4}, f32);
    expect(g, "f64", 1, (const int64_t[]){4},
           (const float[]){(float)0.1, -2.5f, 0.0f, (float)3.0e38});
    expect(g, "f16", 1, (const int64_t[]){5},
           (const float[]){1.0f, -0.5f, 65504.0f, 0x1p-24f, INFINITY});
    expect(g, "bf16", 1, (const int64_t[]){4}, (const float[]){1.0f, -3.0f, 0x1p100f, 0x1p-7f});
    expect(g, "i64", 1, (const int64_t[]){8},
           (const float[]){-3, -2, -1, 0, 1, 2, 16777216.0f, 0x1p40f});
    expect(g, "i32", 2, (const int64_t[]){2, 2},
           (const float[]){-2147483648.0f, 16777216.0f, -7, 0});
    expect(g, "i16", 1, (const int64_t[]){2}, (const float[]){-32768, 32767});
    expect(g, "i8", 1, (const int64_t[]){3}, (const float[]){-128, 127, 0});
    expect(g, "u8", 1, (const int64_t[]){3}, (const float[]){0, 255, 7});
    expect(g, "bool", 1, (const int64_t[]){3}, (const float[]){1, 0, 1});
    expect(g, "scalar", 1, (const int64_t[]){1}, (const float[]){3.5f});
    expect(g, "empty", 2, (const int64_t[]){0, 4}, NULL);
    expect(g, "u16", 1, (const int64_t[]){2}, (const float[]){65535, 1});
    expect(g, "u32", 1, (const int64_t[]){2}, (const float[]){4294967040.0f, 3});
    expect(g, "u64", 1, (const int64_t[]){2}, (const float[]){0x1p63f, 18446742974197923840.0f});
    expect(g, "f8_e4m3", 1, (const int64_t[]){5}, (const float[]){1, -2, 448, 0x1p-9f, NAN});
    expect(g, "f8_e5m2", 1, (const int64_t[]){4}, (const float[]){1, INFINITY, 0x1p-16f, -2});
    libnn_tensor_file_free(g);
}
END_TEST

/* Non-F32 data from a file is converted through a 64 KiB buffer: values and
 * error positions must be right across its chunks. */
START_TEST(chunked_conversion)
{
    enum { N = 20000 };
    char dir[64], path[128], header[160];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/ints.safetensors", dir);
    int hl = snprintf(header, sizeof header,
                      "{\"ids\":{\"dtype\":\"I64\",\"shape\":[%d],\"data_offsets\":[0,%d]}}", N,
                      N * 8);
    while (hl % 8)
        header[hl++] = ' ';
    size_t size = 8 + (size_t)hl + N * 8;
    unsigned char *bytes = calloc(1, size);
    bytes[0] = (unsigned char)hl;
    memcpy(bytes + 8, header, (size_t)hl);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 8; k++)
            bytes[8 + hl + 8 * i + k] = (unsigned char)((uint64_t)(i - 7) >> (8 * k));
    io_write_file(path, bytes, size);
    libnn_tensor_file *g;
    ck_assert_int_eq(libnn_tensor_file_load(path, &g), LIBNN_OK);
    const libnn_tensor *t;
    ck_assert_int_eq(libnn_tensor_file_get(g, "ids", &t), LIBNN_OK);
    const float *d = libnn_tensor_data((libnn_tensor *)t);
    for (int i = 0; i < N; i++)
        ck_assert(d[i] == (float)(i - 7));
    libnn_tensor_file_free(g);

    bytes[8 + hl + 8 * 19000 + 7] = 0x40; /* element 19000 becomes 2^62 + 18993 */
    io_write_file(path, bytes, size);
    ck_assert_int_eq(libnn_tensor_file_load(path, &g), LIBNN_E_RANGE);
    tu_assert_error_has("I64 element 19000 (4611686018427406897");
    free(bytes);
    io_scratch_remove(dir);
}
END_TEST

/* ---- allocation failures ---- */

static libnn_status body_build_and_save_buffer(void *ctx)
{
    (void)ctx;
    libnn_tensor_file *f;
    libnn_tensor *t = NULL;
    libnn_status st = libnn_tensor_file_new(&f);
    if (st != LIBNN_OK)
        return st;
    st = libnn_tensor_new(2, (const int64_t[]){2, 2}, &t);
    for (int i = 0; st == LIBNN_OK && i < 6; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", 5 - i);
        st = libnn_tensor_file_add(f, name, t);
        if (st == LIBNN_OK)
            st = libnn_tensor_file_set_metadata(f, name + 1, name);
    }
    if (st == LIBNN_OK)
        ck_assert_uint_eq(libnn_tensor_file_count(f), 6);
    size_t needed = 0;
    unsigned char buf[1024];
    if (st == LIBNN_OK)
        st = libnn_tensor_file_save_buffer(f, buf, sizeof buf, &needed);
    libnn_tensor_free(t);
    libnn_tensor_file_free(f);
    return st;
}

START_TEST(alloc_failures_build_and_write)
{
    ck_assert_int_gt(tu_alloc_fail_loop(body_build_and_save_buffer, NULL), 10);
}
END_TEST

typedef struct load_ctx {
    const unsigned char *bytes;
    size_t size;
    const char *path;
    const libnn_tensor_file *expected;
} load_ctx;

static libnn_status body_load(void *ctx)
{
    const load_ctx *c = ctx;
    libnn_tensor_file *g;
    libnn_status st = c->path ? libnn_tensor_file_load(c->path, &g)
                              : libnn_tensor_file_load_buffer(c->bytes, c->size, &g);
    if (st == LIBNN_OK) {
        io_assert_same_file(c->expected, g);
        libnn_tensor_file_free(g);
    } else {
        ck_assert_ptr_null(g);
    }
    return st;
}

START_TEST(alloc_failures_load)
{
    const char *path = tu_path("fixtures/safetensors/torch_interop.safetensors");
    size_t size;
    unsigned char *bytes = io_read_file(path, &size);
    libnn_tensor_file *expected;
    ck_assert_int_eq(libnn_tensor_file_load(path, &expected), LIBNN_OK);
    load_ctx mem = {bytes, size, NULL, expected}, file = {NULL, 0, path, expected};
    tu_alloc_fail_loop(body_load, &mem);
    tu_alloc_fail_loop(body_load, &file);
    libnn_tensor_file_free(expected);
    free(bytes);
}
END_TEST

typedef struct save_ctx {
    libnn_tensor_file *f;
    const char *path;
    const unsigned char *expected;
    size_t expected_size;
} save_ctx;

static libnn_status body_save(void *ctx)
{
    const save_ctx *c = ctx;
    static const char old[] = "old contents";
    io_write_file(c->path, old, sizeof old);
    libnn_status st = libnn_tensor_file_save(c->f, c->path);
    if (st == LIBNN_OK)
        io_assert_file_is(c->path, c->expected, c->expected_size);
    else
        io_assert_file_is(c->path, old, sizeof old);
    return st;
}

START_TEST(alloc_failures_save)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    libnn_tensor_file *f = io_sample_file();
    size_t size;
    unsigned char *bytes = io_save_to_memory(f, &size);
    save_ctx c = {f, path, bytes, size};
    tu_alloc_fail_loop(body_save, &c);
    ck_assert_int_eq(io_entry_count(dir), 1);
    free(bytes);
    libnn_tensor_file_free(f);
    io_scratch_remove(dir);
}
END_TEST

Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tu_tcase("object");
    tcase_add_test(tc, object_basics);
    tcase_add_test(tc, metadata);
    suite_add_tcase(s, tc);

    tc = tu_tcase("write");
    tcase_add_test(tc, reference_bytes);
    tcase_add_test(tc, save_buffer_contract);
    tcase_add_test(tc, roundtrip_buffer);
    tcase_add_test(tc, roundtrip_path);
    tcase_add_test(tc, save_failures_leave_old_file);
    suite_add_tcase(s, tc);

    tc = tu_tcase("read");
    tcase_add_test(tc, load_io_errors);
    tcase_add_test(tc, header_caps);
    tcase_add_loop_test(tc, bad_file, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, torch_fixture);
    tcase_add_test(tc, chunked_conversion);
    suite_add_tcase(s, tc);

    tc = tu_tcase("alloc-failures");
    tcase_add_test(tc, alloc_failures_build_and_write);
    tcase_add_test(tc, alloc_failures_load);
    tcase_add_test(tc, alloc_failures_save);
    suite_add_tcase(s, tc);
    return s;
}
