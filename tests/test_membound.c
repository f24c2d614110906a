/*
 * Memory in proportion to the input (suite "slow": large files, and
 * RLIMIT_AS, which the sanitizers' and valgrind's address spaces defeat).
 * Each hostile input is loaded in a forked child whose address space may
 * grow only by the bound the headers state (include/libnn/io.h, data.h):
 * the load must end with the expected status, never with a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io_helpers.h"
#include "testutil.h"

#define MB (1024.0 * 1024.0)

/* A line of /proc/self/status ("VmSize"), in bytes. */
static size_t vm_status(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    size_t kb = 0, klen = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && sscanf(line + klen, ": %zu kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

typedef libnn_status (*load_fn)(const char *path);

static libnn_status load_tensor_file(const char *path)
{
    libnn_tensor_file *f;
    libnn_status st = libnn_tensor_file_load(path, &f);
    libnn_tensor_file_free(f);
    return st;
}

static libnn_status load_csv(const char *path)
{
    libnn_csv_reader *r;
    libnn_tensor *x;
    libnn_status st = libnn_csv_reader_new(&r);
    if (st == LIBNN_OK)
        st = libnn_csv_reader_load(r, path, &x, NULL);
    if (st == LIBNN_OK)
        libnn_tensor_free(x);
    libnn_csv_reader_free(r);
    return st;
}

/* Load `path` in a child allowed `budget` more bytes of address space;
 * assert it ends with `want`. */
static void load_within(load_fn load, const char *what, const char *path, size_t budget,
                        libnn_status want)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* The counting allocator stays: it adds no bytes, and through it
         * libnn sees jansson's allocation failures as such. */
        size_t start = vm_status("VmSize");
        struct rlimit lim = {start + budget, RLIM_INFINITY};
        if (start == 0 || setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(100);
        libnn_status st = load(path);
        if (st != want)
            fprintf(stderr, "%s: %s\n", path, libnn_last_error());
        if (getenv("LIBNN_TEST_REPORT"))
            fprintf(stderr, "memory: %s: %s within %.1f MB more address space\n", what,
                    libnn_status_str(st), budget / MB);
        _exit((int)st);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "%s: the child died of signal %d", what,
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ck_assert_msg(WEXITSTATUS(status) == (int)want, "%s within %.1f MB: got %s, wanted %s", what,
                  budget / MB, libnn_status_str((libnn_status)WEXITSTATUS(status)),
                  libnn_status_str(want));
}

/* n copies of `unit` followed by `sep`, written a block at a time. */
static void put_repeated(FILE *f, const char *unit, const char *sep, size_t n)
{
    size_t k = strlen(unit) + strlen(sep), per = ((size_t)1 << 20) / k;
    char *block = malloc(per * k);
    ck_assert_ptr_nonnull(block);
    for (size_t i = 0; i < per; i++) {
        memcpy(block + i * k, unit, strlen(unit));
        memcpy(block + i * k + strlen(unit), sep, strlen(sep));
    }
    for (size_t done = 0; done < n;) {
        size_t m = n - done < per ? n - done : per;
        ck_assert_uint_eq(fwrite(block, k, m, f), m);
        done += m;
    }
    free(block);
}

/* A safetensors file whose header is `prefix`, then `n` comma-separated
 * copies of `value` (each behind a key "<hex counter>": when `keyed`),
 * then `suffix`, padded with spaces; no data. Returns the header's size. */
static size_t write_safetensors(const char *path, const char *prefix, bool keyed,
                                const char *value, size_t n, const char *suffix)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    unsigned char len[8] = {0};
    ck_assert_int_eq(fwrite(len, 1, 8, f), 8);
    size_t h = strlen(prefix) + strlen(suffix);
    if (!keyed)
        h += n * strlen(value) + (n ? n - 1 : 0);
    fputs(prefix, f);
    if (keyed) {
        for (size_t i = 0; i < n; i++)
            h += (size_t)fprintf(f, "\"%zx\":%s%s", i, value, i + 1 < n ? "," : "");
    } else if (n > 0) {
        put_repeated(f, value, ",", n - 1);
        fputs(value, f);
    }
    fputs(suffix, f);
    for (; h % 8; h++)
        fputc(' ', f);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(h >> (8 * i));
    ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
    ck_assert_int_eq(fwrite(len, 1, 8, f), 8);
    ck_assert_int_eq(fclose(f), 0);
    return h;
}

/* The bound of io.h: 2 x header + 64 MB (+ the tensors, none here). */
static size_t header_bound(size_t header)
{
    return 2 * header + (64u << 20);
}

START_TEST(safetensors_headers)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/h.safetensors", dir);

    /* The audit's file: ~96 MB of tiny metadata entries. Refused by the
     * value cap at the cost of reading the header. */
    size_t h = write_safetensors(path, "{\"__metadata__\":{", true, "\"\"", 10000000, "}}");
    ck_assert_uint_gt(h, 90000000);
    load_within(load_tensor_file, "96 MB of tiny metadata entries", path,
                h + (4u << 20), LIBNN_E_FORMAT);
    /* One 96 MB metadata string: refused; six of 15 MB: loaded. */
    size_t big = 96000000;
    char *text = malloc(big + 64);
    ck_assert_ptr_nonnull(text);
    memset(text, 'x', big);
    text[big] = '\0';
    h = write_safetensors(path, "{\"__metadata__\":{\"a\":\"", false, text, 1, "\"}}");
    load_within(load_tensor_file, "one 96 MB metadata string", path, h + (4u << 20),
                LIBNN_E_FORMAT);
    text[15000000] = '\0';
    memcpy(text, "\"", 1);
    memcpy(text + 14999999, "\"", 1);
    h = write_safetensors(path, "{\"__metadata__\":{", true, text, 6, "}}");
    load_within(load_tensor_file, "six 15 MB metadata strings", path,
                header_bound(h), LIBNN_OK);
    free(text);
    /* The most values the cap lets through, as metadata and as tensors. */
    h = write_safetensors(path, "{\"__metadata__\":{", true, "\"\"", 131070, "}}");
    load_within(load_tensor_file, "131,070 metadata entries (the value cap)", path,
                header_bound(h), LIBNN_OK);
    h = write_safetensors(path, "{", true,
                          "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}", 23800,
                          "}");
    load_within(load_tensor_file, "23,800 tensor entries (the value cap)", path,
                header_bound(h), LIBNN_OK);
    /* One shape of 10 million dimensions: refused before parsing. */
    h = write_safetensors(path, "{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,0],\"shape\":[",
                          false, "1", 10000000, "]}}");
    load_within(load_tensor_file, "a shape of 10 million dimensions", path,
                h + (4u << 20), LIBNN_E_FORMAT);
    io_scratch_remove(dir);
}
END_TEST

static void write_repeated(const char *path, const char *head, const char *unit, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(head, f);
    put_repeated(f, unit, "", n);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(csv_files)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    size_t size = 64u << 20;
    /* The audit's file: one field of 64 MiB. Refused at the field cap, the
     * file's size spent. */
    write_repeated(path, "", "1", size);
    load_within(load_csv, "one 64 MiB field", path, size + (2u << 20), LIBNN_E_FORMAT);
    /* 64 MiB of one-digit rows: the file plus its 32 Mi floats. */
    write_repeated(path, "", "7\n", size / 2);
    load_within(load_csv, "64 MiB of one-digit rows", path,
                size + size / 2 * sizeof(float) + (2u << 20), LIBNN_OK);
    io_scratch_remove(dir);
}
END_TEST

Suite *membound_suite(void)
{
    Suite *s = suite_create("membound");
    TCase *tc = tu_tcase("rlimit-as");
    tcase_add_test(tc, safetensors_headers);
    tcase_add_test(tc, csv_files);
    tcase_set_timeout(tc, 600);
    suite_add_tcase(s, tc);
    return s;
}
