/*
 * Cutting a text into tokens, as Keras' text_to_word_sequence (or, at char
 * level, into code points): lower-case, filters to the separator, split.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "tokenizer_internal.h"
#include "utf8_text_internal.h"

static int cp_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

libnn_status lnn_filter_set_parse(const char *who, const char *filters, lnn_filter_set *out)
{
    memset(out, 0, sizeof *out);
    const unsigned char *s = (const unsigned char *)filters;
    size_t len = strlen(filters), n_other = 0;
    for (size_t i = 0; i < len; i++)
        n_other += s[i] >= 0xC0; /* lead bytes of multi-byte sequences */
    if (n_other) {
        out->other = lnn_malloc_array(n_other, sizeof *out->other);
        if (!out->other)
            return lnn_error_nomem(who, n_other * sizeof *out->other);
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += lnn_utf8_decode(s + i, &cp);
        if (cp < 128)
            out->ascii[cp >> 6] |= (uint64_t)1 << (cp & 63);
        else
            out->other[out->n_other++] = cp;
    }
    if (out->n_other)
        qsort(out->other, out->n_other, sizeof *out->other, cp_cmp);
    return LIBNN_OK;
}

void lnn_filter_set_free(lnn_filter_set *set)
{
    lnn_free(set->other);
    memset(set, 0, sizeof *set);
}

static bool filtered(const lnn_filter_set *set, uint32_t cp)
{
    if (cp < 128)
        return (set->ascii[cp >> 6] >> (cp & 63)) & 1;
    return set->n_other &&
           bsearch(&cp, set->other, set->n_other, sizeof *set->other, cp_cmp) != NULL;
}

static libnn_status tokenize_chars(const libnn_tokenizer *tok, const unsigned char *s, size_t len,
                                   lnn_token_fn fn, void *ctx)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += lnn_utf8_decode(s + i, &cp);
        if (tok->lower)
            cp = lnn_simple_lower(cp);
        unsigned char bytes[4];
        size_t k = lnn_utf8_encode(cp, bytes);
        libnn_status st = fn(ctx, (const char *)bytes, k);
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

/* Lower-case and replace filtered code points by the separator into `out`,
 * which holds at least len * max(1, strlen(split)) bytes; returns the length. */
static size_t translate(const libnn_tokenizer *tok, const unsigned char *s, size_t len,
                        const char *split, size_t split_len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = lnn_utf8_decode(s + i, &cp);
        if (tok->lower)
            cp = lnn_simple_lower(cp);
        if (filtered(&tok->filter_set, cp)) {
            memcpy(out + n, split, split_len);
            n += split_len;
        } else {
            /* Lower-casing keeps the length, so the bytes fit where they were. */
            n += lnn_utf8_encode(cp, (unsigned char *)out + n);
        }
        i += k;
    }
    return n;
}

libnn_status lnn_tokenize(const libnn_tokenizer *tok, const char *who, const char *text,
                          char **scratch, size_t *scratch_cap, lnn_token_fn fn, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    if (tok->char_level)
        return tokenize_chars(tok, s, len, fn, ctx);

    const char *split = tok->split;
    size_t split_len = strlen(split);
    size_t need;
    if (!lnn_mul_size(len, split_len, &need) || !lnn_add_size(need, len + 1, &need))
        return lnn_error_nomem(who, SIZE_MAX);
    if (need > *scratch_cap) {
        char *bigger = lnn_realloc(*scratch, need);
        if (!bigger)
            return lnn_error_nomem(who, need);
        *scratch = bigger;
        *scratch_cap = need;
    }
    char *buf = *scratch;
    size_t n = translate(tok, s, len, split, split_len, buf);

    /* Python's str.split(sep): leftmost occurrences, empty pieces dropped
     * (by Keras). Matches fall on code point boundaries, as both texts are
     * valid UTF-8. */
    size_t start = 0, pos = 0;
    while (pos + split_len <= n) {
        if (memcmp(buf + pos, split, split_len) != 0) {
            pos++;
            continue;
        }
        if (pos > start) {
            libnn_status st = fn(ctx, buf + start, pos - start);
            if (st != LIBNN_OK)
                return st;
        }
        pos += split_len;
        start = pos;
    }
    return n > start ? fn(ctx, buf + start, n - start) : LIBNN_OK;
}
