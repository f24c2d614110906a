/*
 * Loading safetensors files, from a path or from memory. The header is
 * validated whole first (safetensors_header.c); only then are tensors
 * allocated and their values converted to float32.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "safetensors_internal.h"
#include "sysio_internal.h"
#include "tensor_file_internal.h"

typedef unsigned long long ull;

/* Conversions from a file go through a buffer of this size. */
#define STAGING_BYTES ((size_t)1 << 16)

typedef struct st_source {
    const char *who;
    const unsigned char *mem;  /* the whole file, or NULL: read from fd */
    int fd;
    const char *path;
    unsigned char *staging;    /* allocated on first need */
} st_source;

static libnn_status element_error(const st_source *src, const lnn_st_info *info,
                                  libnn_status st, const unsigned char *elem, size_t index,
                                  uint64_t file_offset)
{
    char value[64];
    lnn_st_format_element(info->dtype, elem, value, sizeof value);
    const char *why = st == LIBNN_E_FORMAT      ? "is neither 0 nor 1"
                      : info->dtype == LNN_ST_F64 ? "lies beyond the float32 range"
                                                  : "has no exact float32 value";
    return lnn_error(st, "%s: tensor \"%.200s\": %s element %zu (%s, file byte %llu) %s",
                     src->who, info->name, lnn_st_dtype_name(info->dtype), index, value,
                     (ull)file_offset, why);
}

static libnn_status read_values(st_source *src, const lnn_st_info *info, uint64_t offset,
                                float *dst)
{
    size_t esize = lnn_st_dtype_size(info->dtype);
    size_t bad;
    libnn_status st;
    if (src->mem) {
        const unsigned char *p = src->mem + offset;
        st = lnn_st_decode(info->dtype, p, info->count, dst, &bad);
        if (st != LIBNN_OK)
            return element_error(src, info, st, p + bad * esize, bad, offset + bad * esize);
        return LIBNN_OK;
    }
    if (info->dtype == LNN_ST_F32 && LNN_HOST_LITTLE_ENDIAN)
        return lnn_pread_full(src->who, src->path, src->fd, dst, info->count * sizeof(float),
                              offset);
    if (!src->staging && !(src->staging = lnn_malloc(STAGING_BYTES)))
        return lnn_error_nomem(src->who, STAGING_BYTES);
    size_t per = STAGING_BYTES / esize;
    for (size_t i = 0; i < info->count; i += per) {
        size_t k = info->count - i < per ? info->count - i : per;
        uint64_t at = offset + (uint64_t)i * esize;
        st = lnn_pread_full(src->who, src->path, src->fd, src->staging, k * esize, at);
        if (st != LIBNN_OK)
            return st;
        st = lnn_st_decode(info->dtype, src->staging, k, dst + i, &bad);
        if (st != LIBNN_OK)
            return element_error(src, info, st, src->staging + bad * esize, i + bad,
                                 at + bad * esize);
    }
    return LIBNN_OK;
}

static libnn_status load_tensor(st_source *src, const lnn_st_header *h, const lnn_st_info *info,
                                libnn_tensor_file *f)
{
    /* libnn has no rank-0 tensors; a scalar becomes one element. */
    static const int64_t one[1] = {1};
    libnn_tensor *t;
    libnn_status st = libnn_tensor_new(info->rank ? info->rank : 1,
                                       info->rank ? info->shape : one, &t);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s: tensor \"%.200s\"", src->who, info->name);
    char *name = lnn_strdup(info->name);
    if (!name)
        st = lnn_error_nomem(src->who, strlen(info->name) + 1);
    else
        st = read_values(src, info, h->data_start + info->begin, t->data);
    if (st != LIBNN_OK) {
        lnn_free(name);
        libnn_tensor_free(t);
        return st;
    }
    lnn_tf_push(f, name, t);
    return LIBNN_OK;
}

static libnn_status load_metadata(const char *who, const lnn_st_header *h, libnn_tensor_file *f)
{
    if (!h->metadata)
        return LIBNN_OK;
    const char *key;
    json_t *value;
    json_object_foreach(h->metadata, key, value) {
        libnn_status st = lnn_tf_push_meta_copy(f, key, json_string_value(value), who);
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

/* Build the tensor file of a validated header. */
static libnn_status load_all(st_source *src, const lnn_st_header *h, libnn_tensor_file **out)
{
    libnn_tensor_file *f = lnn_calloc(1, sizeof *f);
    if (!f)
        return lnn_error_nomem(src->who, sizeof *f);
    size_t metas = h->metadata ? json_object_size(h->metadata) : 0;
    libnn_status st = lnn_tf_reserve(f, h->count, metas, src->who);
    if (st == LIBNN_OK)
        st = load_metadata(src->who, h, f);
    for (size_t i = 0; st == LIBNN_OK && i < h->count; i++)
        st = load_tensor(src, h, &h->infos[i], f);
    lnn_free(src->staging);
    src->staging = NULL;
    if (st != LIBNN_OK) {
        libnn_tensor_file_free(f);
        return st;
    }
    *out = f;
    return LIBNN_OK;
}

libnn_status libnn_tensor_file_load_buffer(const void *data, size_t size, libnn_tensor_file **out)
{
    static const char who[] = "tensor_file_load_buffer";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (!data && size > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: data is NULL", who);
    if (size < LNN_ST_PREFIX)
        return lnn_st_too_short(who, size);
    const unsigned char *bytes = data;
    uint64_t length;
    libnn_status st = lnn_st_header_length(who, bytes, size, &length);
    if (st != LIBNN_OK)
        return st;
    lnn_st_header h = {0};
    st = lnn_st_header_parse(who, bytes + LNN_ST_PREFIX, (size_t)length, size, &h);
    if (st != LIBNN_OK)
        return st;
    st_source src = {.who = who, .mem = bytes, .fd = -1};
    st = load_all(&src, &h, out);
    lnn_st_header_clear(&h);
    return st;
}

/* Read and validate the header of an open file. */
static libnn_status read_header(const char *who, const char *path, int fd, uint64_t size,
                                lnn_st_header *h)
{
    static const char io_who[] = "tensor_file_load";
    unsigned char prefix[LNN_ST_PREFIX];
    uint64_t length;
    if (size < LNN_ST_PREFIX)
        return lnn_st_too_short(who, size);
    libnn_status st = lnn_pread_full(io_who, path, fd, prefix, sizeof prefix, 0);
    if (st == LIBNN_OK)
        st = lnn_st_header_length(who, prefix, size, &length);
    if (st != LIBNN_OK)
        return st;
    unsigned char *header = lnn_malloc((size_t)length);
    if (!header)
        return lnn_error_nomem(who, (size_t)length);
    st = lnn_pread_full(io_who, path, fd, header, (size_t)length, LNN_ST_PREFIX);
    if (st == LIBNN_OK)
        st = lnn_st_header_parse(who, header, (size_t)length, size, h);
    lnn_free(header);
    return st;
}

libnn_status libnn_tensor_file_load(const char *path, libnn_tensor_file **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "tensor_file_load: out is NULL");
    *out = NULL;
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "tensor_file_load: path is NULL");
    /* Format errors name the file; the I/O helpers add the path themselves. */
    char who[300];
    snprintf(who, sizeof who, "tensor_file_load: '%s'", path);
    int fd;
    uint64_t size;
    libnn_status st = lnn_open_read("tensor_file_load", path, &fd, &size);
    if (st != LIBNN_OK)
        return st;
    lnn_st_header h = {0};
    st = read_header(who, path, fd, size, &h);
    if (st == LIBNN_OK) {
        st_source src = {.who = who, .fd = fd, .path = path};
        st = load_all(&src, &h, out);
        lnn_st_header_clear(&h);
    }
    lnn_close_read(fd, path);
    return st;
}
