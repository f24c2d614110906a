/*
 * Insertion-ordered hash map from byte strings to fixed-size records
 * (open addressing, linear probing, load factor at most 1/2).
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "keymap_internal.h"

/* FNV-1a, then a multiply-xorshift finaliser: FNV alone leaves the low bits
 * (which pick the slot) poorly mixed for short keys such as n-grams. */
static uint64_t hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

void lnn_keymap_init(lnn_keymap *m, size_t value_size)
{
    memset(m, 0, sizeof *m);
    m->value_size = value_size;
}

void lnn_keymap_free(lnn_keymap *m)
{
    lnn_free(m->pool);
    lnn_free(m->keys);
    lnn_free(m->values);
    lnn_free(m->slots);
    lnn_keymap_init(m, m->value_size);
}

void lnn_keymap_reset(lnn_keymap *m)
{
    m->count = 0;
    m->pool_len = 0;
    if (m->slots)
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
}

static size_t probe(const lnn_keymap *m, uint64_t hash, const void *key, size_t len, bool *found)
{
    size_t mask = m->nslots - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        size_t s = m->slots[i];
        if (s == 0) {
            *found = false;
            return i;
        }
        const lnn_key *k = &m->keys[s - 1];
        if (k->hash == hash && k->len == len && memcmp(m->pool + k->off, key, len) == 0) {
            *found = true;
            return i;
        }
    }
}

bool lnn_keymap_find(const lnn_keymap *m, const void *key, size_t len, size_t *id)
{
    if (m->count == 0)
        return false;
    bool found;
    size_t slot = probe(m, hash_bytes(key, len), key, len, &found);
    if (found)
        *id = m->slots[slot] - 1;
    return found;
}

static bool grow_array(void **p, size_t *cap_field, size_t need, size_t elem, size_t *new_cap)
{
    size_t cap = *cap_field ? *cap_field : 16;
    while (cap < need) {
        if (!lnn_mul_size(cap, 2, &cap))
            return false;
    }
    if (cap == *cap_field) {
        *new_cap = cap;
        return true;
    }
    size_t bytes;
    if (!lnn_mul_size(cap, elem, &bytes))
        return false;
    void *q = lnn_realloc(*p, bytes ? bytes : 1);
    if (!q)
        return false;
    *p = q;
    *new_cap = cap;
    return true;
}

static bool rehash(lnn_keymap *m, size_t need_keys)
{
    size_t want = m->nslots ? m->nslots : 32;
    size_t twice;
    if (!lnn_mul_size(need_keys, 2, &twice))
        return false;
    while (want < twice) {
        if (!lnn_mul_size(want, 2, &want))
            return false;
    }
    if (want == m->nslots)
        return true;
    size_t *slots = lnn_calloc(want, sizeof *slots);
    if (!slots)
        return false;
    for (size_t id = 0; id < m->count; id++) {
        size_t i = (size_t)m->keys[id].hash & (want - 1);
        while (slots[i])
            i = (i + 1) & (want - 1);
        slots[i] = id + 1;
    }
    lnn_free(m->slots);
    m->slots = slots;
    m->nslots = want;
    return true;
}

libnn_status lnn_keymap_reserve(lnn_keymap *m, size_t keys, size_t bytes, const char *who)
{
    size_t need_keys = 0, need_bytes = 0, nul_bytes = 0;
    bool ok = lnn_add_size(m->count, keys, &need_keys) && lnn_add_size(bytes, keys, &nul_bytes) &&
              lnn_add_size(m->pool_len, nul_bytes, &need_bytes);
    size_t cap = m->cap, pool_cap = m->pool_cap, values_cap = m->cap;
    if (ok && need_keys > m->cap) {
        ok = grow_array((void **)&m->keys, &m->cap, need_keys, sizeof *m->keys, &cap);
        /* Both arrays share `cap`; it is raised only when both have grown. */
        ok = ok && grow_array((void **)&m->values, &values_cap, need_keys,
                              m->value_size ? m->value_size : 1, &values_cap);
        if (ok)
            m->cap = cap < values_cap ? cap : values_cap;
    }
    if (ok && need_bytes > m->pool_cap) {
        ok = grow_array((void **)&m->pool, &pool_cap, need_bytes, 1, &pool_cap);
        if (ok)
            m->pool_cap = pool_cap;
    }
    ok = ok && rehash(m, need_keys);
    if (!ok)
        return lnn_error_nomem(who, need_bytes);
    return LIBNN_OK;
}

libnn_status lnn_keymap_intern(lnn_keymap *m, const void *key, size_t len, size_t *id,
                               bool *added, const char *who)
{
    if (lnn_keymap_find(m, key, len, id)) {
        if (added)
            *added = false;
        return LIBNN_OK;
    }
    libnn_status st = lnn_keymap_reserve(m, 1, len, who);
    if (st != LIBNN_OK)
        return st;
    uint64_t hash = hash_bytes(key, len);
    bool found;
    size_t slot = probe(m, hash, key, len, &found);
    lnn_key *k = &m->keys[m->count];
    k->off = m->pool_len;
    k->len = len;
    k->hash = hash;
    if (len)
        memcpy(m->pool + k->off, key, len);
    m->pool[k->off + len] = '\0';
    m->pool_len += len + 1;
    if (m->value_size)
        memset(m->values + m->count * m->value_size, 0, m->value_size);
    m->slots[slot] = m->count + 1;
    *id = m->count++;
    if (added)
        *added = true;
    return LIBNN_OK;
}

const char *lnn_keymap_key(const lnn_keymap *m, size_t id, size_t *len)
{
    if (len)
        *len = m->keys[id].len;
    return m->pool + m->keys[id].off;
}

void *lnn_keymap_value(const lnn_keymap *m, size_t id)
{
    return m->values + id * m->value_size;
}
