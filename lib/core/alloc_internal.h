/*
 * Private: every heap allocation of libnn goes through these, so that the
 * allocator hook sees all of them. Sizes are overflow-checked here once.
 */
#ifndef LIBNN_ALLOC_INTERNAL_H
#define LIBNN_ALLOC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NULL on failure. A request of 0 bytes allocates 1 so NULL always means failure. */
void *lnn_malloc(size_t size);
/* Zero-filled count*size bytes; NULL on failure or overflow. */
void *lnn_calloc(size_t count, size_t size);
/* count*size bytes, uninitialised; NULL on failure or overflow. */
void *lnn_malloc_array(size_t count, size_t size);
/* Like realloc; on failure the old block is untouched and NULL is returned. */
void *lnn_realloc(void *ptr, size_t size);
void lnn_free(void *ptr);
/* Copy of a NUL-terminated string, or NULL. */
char *lnn_strdup(const char *s);
/* Copy of len bytes plus a terminating NUL, or NULL. */
char *lnn_strndup(const char *s, size_t len);

/* a*b into *out; false on overflow. */
static inline bool lnn_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* a+b into *out; false on overflow. */
static inline bool lnn_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/*
 * Around every jansson call that allocates (parse, dump, building objects):
 * lnn_json_begin() before, lnn_json_failed() after. true means the caller's
 * allocator refused a block that jansson asked for; the result must then be
 * thrown away (json_decref) and LIBNN_E_NOMEM returned. See alloc.c.
 */
void lnn_json_begin(void);
bool lnn_json_failed(void);

/*
 * Product of a shape into *count; false when a dimension is negative or the
 * product (or the byte count for elem_size-byte elements) overflows size_t
 * or exceeds INT64_MAX.
 */
bool lnn_shape_count(size_t ndim, const int64_t *shape, size_t elem_size, size_t *count);

#endif
