/*
 * The tensor file object: named tensors and string metadata in memory. The
 * safetensors reader and writer fill and read it.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "tensor_file_internal.h"
#include "utf8_internal.h"

libnn_status libnn_tensor_file_new(libnn_tensor_file **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "tensor_file_new: out is NULL");
    *out = lnn_calloc(1, sizeof **out);
    if (!*out)
        return lnn_error_nomem("tensor_file_new", sizeof **out);
    return LIBNN_OK;
}

void libnn_tensor_file_free(libnn_tensor_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        lnn_free(f->entries[i].name);
        libnn_tensor_free(f->entries[i].tensor);
    }
    for (size_t i = 0; i < f->meta_count; i++) {
        lnn_free(f->meta[i].key);
        lnn_free(f->meta[i].value);
    }
    lnn_free(f->entries);
    lnn_free(f->meta);
    lnn_free(f);
}

/* Grow *array (of `elem`-byte items, `used` of `*cap` in use) to hold `more`
 * further items, doubling so that repeated appends stay linear. */
static libnn_status grow(void **array, size_t *cap, size_t used, size_t more, size_t elem,
                         const char *who)
{
    size_t need;
    if (!lnn_add_size(used, more, &need))
        return lnn_error_nomem(who, SIZE_MAX);
    if (need <= *cap)
        return LIBNN_OK;
    size_t new_cap = *cap < 4 ? 4 : *cap;
    while (new_cap < need)
        if (!lnn_mul_size(new_cap, 2, &new_cap))
            new_cap = need;
    size_t bytes;
    if (!lnn_mul_size(new_cap, elem, &bytes))
        return lnn_error_nomem(who, SIZE_MAX);
    void *p = lnn_realloc(*array, bytes);
    if (!p)
        return lnn_error_nomem(who, bytes);
    *array = p;
    *cap = new_cap;
    return LIBNN_OK;
}

libnn_status lnn_tf_reserve(libnn_tensor_file *f, size_t tensors, size_t metas, const char *who)
{
    libnn_status st = grow((void **)&f->entries, &f->cap, f->count, tensors,
                           sizeof *f->entries, who);
    if (st == LIBNN_OK)
        st = grow((void **)&f->meta, &f->meta_cap, f->meta_count, metas, sizeof *f->meta, who);
    return st;
}

void lnn_tf_push(libnn_tensor_file *f, char *name, libnn_tensor *t)
{
    f->entries[f->count].name = name;
    f->entries[f->count].tensor = t;
    f->count++;
}

libnn_status lnn_tf_push_meta_copy(libnn_tensor_file *f, const char *key, const char *value,
                                   const char *who)
{
    char *k = lnn_strdup(key);
    char *v = lnn_strdup(value);
    if (!k || !v) {
        lnn_free(k);
        lnn_free(v);
        return lnn_error_nomem(who, strlen(key) + strlen(value) + 2);
    }
    f->meta[f->meta_count].key = k;
    f->meta[f->meta_count].value = v;
    f->meta_count++;
    return LIBNN_OK;
}

static const lnn_tf_entry *find_entry(const libnn_tensor_file *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->entries[i].name, name) == 0)
            return &f->entries[i];
    return NULL;
}

static lnn_tf_meta *find_meta(const libnn_tensor_file *f, const char *key)
{
    for (size_t i = 0; i < f->meta_count; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return &f->meta[i];
    return NULL;
}

/* Names and metadata end up as JSON strings, which must be valid UTF-8. */
static libnn_status check_string(const char *who, const char *what, const char *s)
{
    size_t bad;
    if (!s)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, what);
    if (!lnn_utf8_valid((const unsigned char *)s, strlen(s), &bad))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is not valid UTF-8 (byte %zu)", who, what, bad);
    return LIBNN_OK;
}

libnn_status libnn_tensor_file_add(libnn_tensor_file *f, const char *name, const libnn_tensor *t)
{
    static const char who[] = "tensor_file_add";
    if (!f || !t)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, f ? "tensor" : "file");
    libnn_status st = check_string(who, "name", name);
    if (st != LIBNN_OK)
        return st;
    if (strcmp(name, LNN_ST_METADATA_KEY) == 0)
        return lnn_error(LIBNN_E_INVALID, "%s: \"%s\" is reserved for the metadata", who,
                         LNN_ST_METADATA_KEY);
    if (find_entry(f, name))
        return lnn_error(LIBNN_E_INVALID, "%s: a tensor named \"%s\" is already in the file", who,
                         name);
    st = lnn_tf_reserve(f, 1, 0, who);
    if (st != LIBNN_OK)
        return st;
    char *copy = lnn_strdup(name);
    if (!copy)
        return lnn_error_nomem(who, strlen(name) + 1);
    libnn_tensor *clone;
    st = libnn_tensor_clone(t, &clone);
    if (st != LIBNN_OK) {
        lnn_free(copy);
        return lnn_error_prefix(st, "%s: tensor \"%s\"", who, name);
    }
    lnn_tf_push(f, copy, clone);
    return LIBNN_OK;
}

size_t libnn_tensor_file_count(const libnn_tensor_file *f)
{
    return f ? f->count : 0;
}

const char *libnn_tensor_file_name(const libnn_tensor_file *f, size_t index)
{
    return f && index < f->count ? f->entries[index].name : NULL;
}

libnn_status libnn_tensor_file_get(const libnn_tensor_file *f, const char *name,
                                   const libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "tensor_file_get: out is NULL");
    *out = NULL;
    if (!f || !name)
        return lnn_error(LIBNN_E_INVALID, "tensor_file_get: %s is NULL", f ? "name" : "file");
    const lnn_tf_entry *e = find_entry(f, name);
    if (!e)
        return lnn_error(LIBNN_E_NOTFOUND, "tensor_file_get: no tensor named \"%s\"", name);
    *out = e->tensor;
    return LIBNN_OK;
}

libnn_status libnn_tensor_file_set_metadata(libnn_tensor_file *f, const char *key,
                                            const char *value)
{
    static const char who[] = "tensor_file_set_metadata";
    if (!f)
        return lnn_error(LIBNN_E_INVALID, "%s: file is NULL", who);
    libnn_status st = check_string(who, "key", key);
    if (st == LIBNN_OK)
        st = check_string(who, "value", value);
    if (st != LIBNN_OK)
        return st;
    lnn_tf_meta *m = find_meta(f, key);
    if (!m) {
        st = lnn_tf_reserve(f, 0, 1, who);
        return st == LIBNN_OK ? lnn_tf_push_meta_copy(f, key, value, who) : st;
    }
    char *copy = lnn_strdup(value);
    if (!copy)
        return lnn_error_nomem(who, strlen(value) + 1);
    lnn_free(m->value);
    m->value = copy;
    return LIBNN_OK;
}

size_t libnn_tensor_file_metadata_count(const libnn_tensor_file *f)
{
    return f ? f->meta_count : 0;
}

const char *libnn_tensor_file_metadata_key(const libnn_tensor_file *f, size_t index)
{
    return f && index < f->meta_count ? f->meta[index].key : NULL;
}

const char *libnn_tensor_file_metadata_get(const libnn_tensor_file *f, const char *key)
{
    if (!f || !key)
        return NULL;
    const lnn_tf_meta *m = find_meta(f, key);
    return m ? m->value : NULL;
}
