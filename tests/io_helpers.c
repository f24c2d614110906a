/*
 * Helpers of the tensor-file tests; see io_helpers.h.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_helpers.h"
#include "tensor_literal.h"
#include "testutil.h"

void io_add_tensor(libnn_tensor_file *f, const char *name, size_t ndim, const int64_t *shape,
                   const float *data)
{
    libnn_tensor *t = tu_tensor_of(ndim, shape, data);
    ck_assert_int_eq(libnn_tensor_file_add(f, name, t), LIBNN_OK);
    libnn_tensor_free(t);
}

libnn_tensor_file *io_sample_file(void)
{
    libnn_tensor_file *f;
    ck_assert_int_eq(libnn_tensor_file_new(&f), LIBNN_OK);
    float k[6] = {1.5f, -2.0f, 0.0f, -0.0f, INFINITY, NAN};
    io_add_tensor(f, "kernel", 2, (const int64_t[]){2, 3}, k);
    io_add_tensor(f, "bias", 1, (const int64_t[]){3}, (const float[]){1e-45f, -1e38f, 7.0f});
    io_add_tensor(f, "empty", 3, (const int64_t[]){2, 0, 5}, NULL);
    io_add_tensor(f, "deep", 8, (const int64_t[]){1, 1, 1, 1, 1, 1, 2, 1}, (const float[]){3, 4});
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "format", "libnn"), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "epoch", "3"), LIBNN_OK);
    return f;
}

unsigned char *io_save_to_memory(const libnn_tensor_file *f, size_t *size)
{
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, NULL, 0, size), LIBNN_E_RANGE);
    unsigned char *buf = malloc(*size);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, buf, *size, size), LIBNN_OK);
    return buf;
}

void io_assert_same_tensor(const libnn_tensor *a, const libnn_tensor *b)
{
    ck_assert_uint_eq(libnn_tensor_ndim(a), libnn_tensor_ndim(b));
    for (size_t i = 0; i < libnn_tensor_ndim(a); i++)
        ck_assert_int_eq(libnn_tensor_dim(a, i), libnn_tensor_dim(b, i));
    ck_assert_uint_eq(libnn_tensor_size(a), libnn_tensor_size(b));
    if (libnn_tensor_size(a) > 0)
        ck_assert_mem_eq(libnn_tensor_data((libnn_tensor *)a), libnn_tensor_data((libnn_tensor *)b),
                         libnn_tensor_size(a) * sizeof(float));
}

void io_assert_same_file(const libnn_tensor_file *a, const libnn_tensor_file *b)
{
    ck_assert_uint_eq(libnn_tensor_file_count(a), libnn_tensor_file_count(b));
    for (size_t i = 0; i < libnn_tensor_file_count(a); i++) {
        const libnn_tensor *ta, *tb;
        const char *name = libnn_tensor_file_name(a, i);
        ck_assert_int_eq(libnn_tensor_file_get(a, name, &ta), LIBNN_OK);
        ck_assert_int_eq(libnn_tensor_file_get(b, name, &tb), LIBNN_OK);
        io_assert_same_tensor(ta, tb);
    }
    ck_assert_uint_eq(libnn_tensor_file_metadata_count(a), libnn_tensor_file_metadata_count(b));
    for (size_t i = 0; i < libnn_tensor_file_metadata_count(a); i++) {
        const char *key = libnn_tensor_file_metadata_key(a, i);
        ck_assert_str_eq(key, libnn_tensor_file_metadata_key(b, i));
        ck_assert_str_eq(libnn_tensor_file_metadata_get(a, key),
                         libnn_tensor_file_metadata_get(b, key));
    }
}

unsigned char *io_read_file(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

void io_write_file(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_msg(fp != NULL, "cannot create %s", path);
    ck_assert_uint_eq(fwrite(data, 1, n, fp), n);
    ck_assert_int_eq(fclose(fp), 0);
}

void io_assert_file_is(const char *path, const void *data, size_t n)
{
    size_t size;
    unsigned char *got = io_read_file(path, &size);
    ck_assert_uint_eq(size, n);
    ck_assert_mem_eq(got, data, n);
    free(got);
}

void io_scratch_new(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/libnn-test-io-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

int io_entry_count(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

void io_scratch_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            io_scratch_remove(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}
