/*
 * Private: a hash map from byte strings to fixed-size records, kept in
 * insertion order. The tokenizer's vocabulary, the n-gram counts of BLEU and
 * ROUGE and the word ids of the metrics' string forms all use it.
 *
 * Every insertion is all-or-nothing, and lnn_keymap_reserve() makes room in
 * advance so that a later batch of insertions cannot fail: that is how the
 * tokenizer commits a fit without a half-updated state.
 */
#ifndef LIBNN_KEYMAP_INTERNAL_H
#define LIBNN_KEYMAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnn/status.h"

typedef struct lnn_key {
    size_t off;     /* into pool */
    size_t len;     /* bytes, without the NUL that follows in the pool */
    uint64_t hash;
} lnn_key;

typedef struct lnn_keymap {
    char *pool;              /* keys, each followed by a NUL */
    size_t pool_len, pool_cap;
    lnn_key *keys;           /* insertion order; id = position */
    unsigned char *values;   /* value_size bytes per key, zeroed on insertion */
    size_t count, cap;
    size_t value_size;
    size_t *slots;           /* open addressing: id + 1, 0 for empty */
    size_t nslots;           /* 0 or a power of two, at least twice count */
} lnn_keymap;

void lnn_keymap_init(lnn_keymap *m, size_t value_size);
void lnn_keymap_free(lnn_keymap *m);

/* Forget every key, keeping the memory for reuse. */
void lnn_keymap_reset(lnn_keymap *m);

/*
 * Make room for `keys` more keys of `bytes` bytes in total (NULs not
 * included), so that as many lnn_keymap_intern calls cannot fail. On error
 * the map's contents are unchanged. Errors: LIBNN_E_NOMEM (with `who`).
 */
libnn_status lnn_keymap_reserve(lnn_keymap *m, size_t keys, size_t bytes, const char *who);

/* Whether `key` is present; its id in *id when so. */
bool lnn_keymap_find(const lnn_keymap *m, const void *key, size_t len, size_t *id);

/*
 * The id of `key`, inserting it (with a zeroed record) when absent; *added
 * (if not NULL) says which. `key` must not point into this map's pool.
 * Errors: LIBNN_E_NOMEM (the map is unchanged).
 */
libnn_status lnn_keymap_intern(lnn_keymap *m, const void *key, size_t len, size_t *id,
                               bool *added, const char *who);

/* Key number `id`, NUL-terminated, its length in *len (if not NULL).
 * Valid until the next insertion or reserve. */
const char *lnn_keymap_key(const lnn_keymap *m, size_t id, size_t *len);

/* Record number `id`. Valid until the next insertion or reserve. */
void *lnn_keymap_value(const lnn_keymap *m, size_t id);

#endif
