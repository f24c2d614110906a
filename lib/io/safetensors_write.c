/*
 * Writing safetensors files, to a path (atomically) or into memory. The
 * layout follows the reference implementation byte for byte: tensors sorted
 * by name (all are F32, so its dtype-then-name order is name order),
 * "__metadata__" first in the header, compact JSON padded with spaces to a
 * multiple of 8 bytes so that the data section is 8-byte aligned.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic_file_internal.h"
#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "dtype_internal.h"
#include "safetensors_internal.h"
#include "tensor_file_internal.h"

typedef struct st_plan {
    const lnn_tf_entry **order;  /* entries in writing order */
    unsigned char *head;         /* the prefix and the padded JSON header */
    size_t head_len;
    size_t total;                /* bytes of the whole file */
} st_plan;

typedef libnn_status (*st_put_fn)(void *ctx, const void *bytes, size_t n);

static int entry_cmp(const void *pa, const void *pb)
{
    const lnn_tf_entry *const *a = pa, *const *b = pb;
    return strcmp((*a)->name, (*b)->name);
}

static void plan_clear(st_plan *p)
{
    lnn_free(p->order);
    lnn_free(p->head);
    memset(p, 0, sizeof *p);
}

static json_t *tensor_json(const libnn_tensor *t, size_t begin, size_t end)
{
    json_t *obj = json_object();
    json_t *shape = json_array();
    json_t *offsets = json_array();
    bool ok = obj && shape && offsets;
    for (size_t i = 0; ok && i < t->ndim; i++)
        ok = json_array_append_new(shape, json_integer(t->shape[i])) == 0;
    ok = ok && json_array_append_new(offsets, json_integer((json_int_t)begin)) == 0 &&
         json_array_append_new(offsets, json_integer((json_int_t)end)) == 0;
    ok = ok && json_object_set_new(obj, "dtype", json_string("F32")) == 0;
    if (ok) {
        ok = json_object_set_new(obj, "shape", shape) == 0;
        shape = NULL;
    }
    if (ok) {
        ok = json_object_set_new(obj, "data_offsets", offsets) == 0;
        offsets = NULL;
    }
    json_decref(shape);
    json_decref(offsets);
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* The header as a JSON object, tensors in writing order; NULL when out of
 * memory. *data_size receives the size of the data section. */
static json_t *header_json(const libnn_tensor_file *f, const lnn_tf_entry **order,
                           size_t *data_size)
{
    json_t *root = json_object();
    bool ok = root != NULL;
    if (ok && f->meta_count > 0) {
        json_t *meta = json_object();
        for (size_t i = 0; meta && i < f->meta_count; i++)
            if (json_object_set_new(meta, f->meta[i].key, json_string(f->meta[i].value)) != 0) {
                json_decref(meta);
                meta = NULL;
            }
        ok = meta && json_object_set_new(root, LNN_ST_METADATA_KEY, meta) == 0;
    }
    size_t pos = 0;
    for (size_t i = 0; ok && i < f->count; i++) {
        const libnn_tensor *t = order[i]->tensor;
        /* A tensor that exists in memory has a byte size that fits; the sum
         * of many is checked. */
        size_t end;
        ok = lnn_add_size(pos, t->size * sizeof(float), &end) && end <= (size_t)INT64_MAX;
        json_t *entry = ok ? tensor_json(t, pos, end) : NULL;
        ok = entry && json_object_set_new(root, order[i]->name, entry) == 0;
        pos = end;
    }
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    *data_size = pos;
    return root;
}

static libnn_status plan_build(const char *who, const libnn_tensor_file *f, st_plan *p)
{
    memset(p, 0, sizeof *p);
    p->order = lnn_malloc_array(f->count ? f->count : 1, sizeof *p->order);
    if (!p->order)
        return lnn_error_nomem(who, f->count * sizeof *p->order);
    for (size_t i = 0; i < f->count; i++)
        p->order[i] = &f->entries[i];
    qsort(p->order, f->count, sizeof *p->order, entry_cmp);

    size_t data_size = 0;
    lnn_json_begin();
    json_t *root = header_json(f, p->order, &data_size);
    if (!root) {
        plan_clear(p);
        return lnn_error(LIBNN_E_NOMEM, "%s: out of memory building the header", who);
    }
    size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
    size_t json_len = json_dumpb(root, NULL, 0, flags);
    size_t padded = json_len + (8 - json_len % 8) % 8;
    libnn_status st = LIBNN_OK;
    if (json_len == 0)
        st = lnn_error(LIBNN_E_NOMEM, "%s: out of memory writing the header", who);
    else if (padded > LNN_ST_MAX_HEADER)
        st = lnn_error(LIBNN_E_INVALID, "%s: the header would be %zu bytes, above the cap of %u",
                       who, padded, LNN_ST_MAX_HEADER);
    else if (!lnn_add_size(LNN_ST_PREFIX + padded, data_size, &p->total))
        st = lnn_error_nomem(who, SIZE_MAX);
    else if (!(p->head = lnn_malloc(LNN_ST_PREFIX + padded)))
        st = lnn_error_nomem(who, LNN_ST_PREFIX + padded);
    else if (json_dumpb(root, (char *)p->head + LNN_ST_PREFIX, json_len, flags) != json_len)
        st = lnn_error_nomem(who, json_len);
    if (st == LIBNN_OK && lnn_json_failed())
        st = lnn_error(LIBNN_E_NOMEM, "%s: out of memory writing the header", who);
    json_decref(root);
    if (st != LIBNN_OK) {
        plan_clear(p);
        return st;
    }
    for (size_t i = 0; i < LNN_ST_PREFIX; i++)
        p->head[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memset(p->head + LNN_ST_PREFIX + json_len, ' ', padded - json_len);
    p->head_len = LNN_ST_PREFIX + padded;
    return LIBNN_OK;
}

static libnn_status put_floats(st_put_fn put, void *ctx, const float *src, size_t n)
{
    if (LNN_HOST_LITTLE_ENDIAN)
        return n ? put(ctx, src, n * sizeof(float)) : LIBNN_OK;
    unsigned char chunk[4096];
    size_t per = sizeof chunk / sizeof(float);
    for (size_t i = 0; i < n; i += per) {
        size_t k = n - i < per ? n - i : per;
        lnn_st_encode_f32(src + i, k, chunk);
        libnn_status st = put(ctx, chunk, k * sizeof(float));
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

static libnn_status plan_emit(const st_plan *p, size_t count, st_put_fn put, void *ctx)
{
    libnn_status st = put(ctx, p->head, p->head_len);
    for (size_t i = 0; st == LIBNN_OK && i < count; i++)
        st = put_floats(put, ctx, p->order[i]->tensor->data, p->order[i]->tensor->size);
    return st;
}

static libnn_status put_memory(void *ctx, const void *bytes, size_t n)
{
    unsigned char **cursor = ctx;
    memcpy(*cursor, bytes, n);
    *cursor += n;
    return LIBNN_OK;
}

static libnn_status put_file(void *ctx, const void *bytes, size_t n)
{
    return lnn_atomic_write(ctx, bytes, n);
}

libnn_status libnn_tensor_file_save_buffer(const libnn_tensor_file *f, void *buf, size_t capacity,
                                           size_t *needed)
{
    static const char who[] = "tensor_file_save_buffer";
    if (!f || !needed)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, f ? "needed" : "file");
    if (!buf && capacity > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: buf is NULL with capacity %zu", who, capacity);
    st_plan p;
    libnn_status st = plan_build(who, f, &p);
    if (st != LIBNN_OK)
        return st;
    *needed = p.total;
    if (capacity < p.total)
        st = lnn_error(LIBNN_E_RANGE, "%s: the file needs %zu bytes, capacity is %zu", who,
                       p.total, capacity);
    else
        st = plan_emit(&p, f->count, put_memory, &(unsigned char *){buf});
    plan_clear(&p);
    return st;
}

libnn_status libnn_tensor_file_save(const libnn_tensor_file *f, const char *path)
{
    static const char who[] = "tensor_file_save";
    if (!f || !path)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, f ? "path" : "file");
    st_plan p;
    libnn_status st = plan_build(who, f, &p);
    if (st != LIBNN_OK)
        return st;
    lnn_atomic_file *af;
    st = lnn_atomic_open(who, path, &af);
    if (st == LIBNN_OK) {
        st = plan_emit(&p, f->count, put_file, af);
        if (st == LIBNN_OK)
            st = lnn_atomic_commit(af);
        else
            lnn_atomic_abort(af);
    }
    plan_clear(&p);
    return st;
}
