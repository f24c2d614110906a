/*
 * The allocator hook. libnn allocates only through these functions, so a
 * host program can account for, limit or fail every allocation.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "libnn/runtime.h"

static void *default_malloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *user)
{
    (void)user;
    return realloc(ptr, size);
}

static void default_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

static libnn_malloc_fn hook_malloc = default_malloc;
static libnn_realloc_fn hook_realloc = default_realloc;
static libnn_free_fn hook_free = default_free;
static void *hook_user;

/* jansson's process-wide hooks as they were before we installed ours. */
static json_malloc_t saved_json_malloc;
static json_free_t saved_json_free;
static bool json_hooked;

/*
 * jansson's hook takes no user pointer, so it goes through ours. jansson
 * 2.14 does not survive allocation failures (its lexer drops bytes or
 * overflows a buffer: upstream issue #362), so jansson never sees one:
 * when the caller's allocator refuses, the block comes from the C library
 * instead and the parse or dump is marked as failed (lnn_json_failed), to be
 * reported as out of memory once jansson has returned. A header before
 * each block records where it came from.
 */
#define JSON_HEADER 16 /* keeps the block 16-byte aligned */

static _Thread_local bool json_fell_back;

static void *json_malloc_hook(size_t size)
{
    if (size > SIZE_MAX - JSON_HEADER)
        return NULL;
    unsigned char *p = lnn_malloc(size + JSON_HEADER);
    unsigned char from_libc = 0;
    if (!p) {
        json_fell_back = true;
        p = malloc(size + JSON_HEADER);
        from_libc = 1;
        if (!p)
            return NULL;
    }
    p[0] = from_libc;
    return p + JSON_HEADER;
}

static void json_free_hook(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - JSON_HEADER;
    if (p[0])
        free(p);
    else
        lnn_free(p);
}

void lnn_json_begin(void)
{
    json_fell_back = false;
}

bool lnn_json_failed(void)
{
    return json_fell_back;
}

libnn_status libnn_set_allocator(libnn_malloc_fn malloc_fn, libnn_realloc_fn realloc_fn,
                                 libnn_free_fn free_fn, void *user)
{
    int given = (malloc_fn != NULL) + (realloc_fn != NULL) + (free_fn != NULL);
    if (given != 0 && given != 3)
        return lnn_error(LIBNN_E_INVALID,
                         "set_allocator: give malloc, realloc and free together, or none");
    if (given == 0) {
        hook_malloc = default_malloc;
        hook_realloc = default_realloc;
        hook_free = default_free;
        hook_user = NULL;
        /* Give jansson back whatever the host had configured. */
        if (json_hooked) {
            json_set_alloc_funcs(saved_json_malloc, saved_json_free);
            json_hooked = false;
        }
    } else {
        hook_malloc = malloc_fn;
        hook_realloc = realloc_fn;
        hook_free = free_fn;
        hook_user = user;
        if (!json_hooked) {
            json_get_alloc_funcs(&saved_json_malloc, &saved_json_free);
            json_set_alloc_funcs(json_malloc_hook, json_free_hook);
            json_hooked = true;
        }
    }
    return LIBNN_OK;
}

void *lnn_malloc(size_t size)
{
    return hook_malloc(size ? size : 1, hook_user);
}

void *lnn_malloc_array(size_t count, size_t size)
{
    size_t bytes;
    if (!lnn_mul_size(count, size, &bytes))
        return NULL;
    return lnn_malloc(bytes);
}

void *lnn_calloc(size_t count, size_t size)
{
    size_t bytes;
    if (!lnn_mul_size(count, size, &bytes))
        return NULL;
    void *p = lnn_malloc(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void *lnn_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return lnn_malloc(size);
    return hook_realloc(ptr, size ? size : 1, hook_user);
}

void lnn_free(void *ptr)
{
    if (ptr)
        hook_free(ptr, hook_user);
}

char *lnn_strndup(const char *s, size_t len)
{
    size_t bytes;
    if (!lnn_add_size(len, 1, &bytes))
        return NULL;
    char *copy = lnn_malloc(bytes);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

char *lnn_strdup(const char *s)
{
    return lnn_strndup(s, strlen(s));
}

bool lnn_shape_count(size_t ndim, const int64_t *shape, size_t elem_size, size_t *count)
{
    size_t n = 1, bytes;
    for (size_t i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (uint64_t)shape[i] > SIZE_MAX)
            return false;
        if (!lnn_mul_size(n, (size_t)shape[i], &n))
            return false;
    }
    if (!lnn_mul_size(n, elem_size ? elem_size : 1, &bytes) || bytes > (size_t)INT64_MAX)
        return false;
    *count = n;
    return true;
}
