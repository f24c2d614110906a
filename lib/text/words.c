/*
 * The string forms of BLEU and ROUGE: texts split at white space into words,
 * each distinct word numbered, so that the token-sequence code scores them.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "metrics_internal.h"
#include "utf8_text_internal.h"

typedef libnn_status (*word_fn)(void *ctx, const char *word, size_t len);

/* Call fn for each white-space separated word of a valid UTF-8 text. */
static libnn_status each_word(const char *text, word_fn fn, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0, i = 0;
    bool in_word = false;
    for (;;) {
        uint32_t cp = 0;
        size_t k = s[i] ? lnn_utf8_decode(s + i, &cp) : 0;
        bool space = k == 0 || lnn_is_space(cp);
        if (space && in_word) {
            libnn_status st = fn(ctx, text + start, i - start);
            if (st != LIBNN_OK)
                return st;
        }
        if (!space && !in_word)
            start = i;
        in_word = !space;
        if (k == 0)
            return LIBNN_OK;
        i += k;
    }
}

static libnn_status count_word(void *ctx, const char *word, size_t len)
{
    (*(size_t *)ctx)++;
    return LIBNN_OK;
}

typedef struct intern_ctx {
    const char *who;
    lnn_keymap *ids;
    int32_t *out;
    size_t pos;
} intern_ctx;

static libnn_status intern_word(void *ctx, const char *word, size_t len)
{
    intern_ctx *c = ctx;
    size_t id;
    libnn_status st = lnn_keymap_intern(c->ids, word, len, &id, NULL, c->who);
    if (st != LIBNN_OK)
        return st;
    if (id > INT32_MAX)
        return lnn_error(LIBNN_E_RANGE, "%s: more than 2^31 - 1 distinct words", c->who);
    c->out[c->pos++] = (int32_t)id;
    return LIBNN_OK;
}

libnn_status lnn_words_split(const char *who, lnn_keymap *ids, size_t n,
                             const char *const *texts, int32_t **values, lnn_span **spans)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        each_word(texts[i], count_word, &total);
    *values = lnn_malloc_array(total, sizeof **values);
    *spans = lnn_malloc_array(n, sizeof **spans);
    libnn_status st = LIBNN_OK;
    if (!*values || !*spans)
        st = lnn_error_nomem(who, total * sizeof **values);
    intern_ctx ctx = {who, ids, *values, 0};
    for (size_t i = 0; st == LIBNN_OK && i < n; i++) {
        size_t start = ctx.pos;
        st = each_word(texts[i], intern_word, &ctx);
        (*spans)[i] = (lnn_span){*values + start, ctx.pos - start};
    }
    if (st != LIBNN_OK) {
        lnn_free(*values);
        lnn_free(*spans);
        *values = NULL;
        *spans = NULL;
    }
    return st;
}
