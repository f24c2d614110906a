/*
 * Keras' fit_on_texts, texts_to_sequences and sequences_to_texts.
 *
 * A fit counts into a separate map first and merges it into the vocabulary
 * only once every allocation the merge needs has succeeded, so that a
 * failing fit (bad UTF-8, out of memory) leaves the tokenizer as it was.
 */
#include <inttypes.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "tokenizer_internal.h"
#include "utf8_text_internal.h"

/* Counts of one fit, per word. */
typedef struct delta_word {
    int64_t count, docs;
    size_t last_doc;  /* 1 + the text that counted it last, for docs */
} delta_word;

typedef struct fit_ctx {
    lnn_keymap *delta;
    size_t doc;
    const char *who;
} fit_ctx;

static libnn_status count_token(void *ctx, const char *token, size_t len)
{
    fit_ctx *c = ctx;
    size_t id;
    libnn_status st = lnn_keymap_intern(c->delta, token, len, &id, NULL, c->who);
    if (st != LIBNN_OK)
        return st;
    delta_word *d = lnn_keymap_value(c->delta, id);
    d->count++;
    if (d->last_doc != c->doc + 1) {
        d->docs++;
        d->last_doc = c->doc + 1;
    }
    return LIBNN_OK;
}

/* Count the words of every text into `delta`. */
static libnn_status count_texts(const libnn_tokenizer *tok, const char *who, size_t n,
                                const char *const *texts, lnn_keymap *delta)
{
    char *scratch = NULL;
    size_t cap = 0;
    fit_ctx ctx = {delta, 0, who};
    libnn_status st = LIBNN_OK;
    for (size_t i = 0; st == LIBNN_OK && i < n; i++) {
        ctx.doc = i;
        st = lnn_tokenize(tok, who, texts[i], &scratch, &cap, count_token, &ctx);
    }
    lnn_free(scratch);
    return st;
}

/* Whether a count may grow by `by` within int64_t. */
static bool count_fits(int64_t count, int64_t by)
{
    return count <= INT64_MAX - by;
}

/* Words counted after the merge (to refuse more than an int32 index can
 * number) and the bytes of the keys it may add. Counts that would pass
 * INT64_MAX (a loaded tokenizer can hold any) are refused here, before
 * anything changes: the counts stay exact, and what to_json writes
 * from_json reads. */
static libnn_status plan_merge(const libnn_tokenizer *tok, const char *who, size_t n_texts,
                               const lnn_keymap *delta, size_t *new_keys, size_t *new_bytes)
{
    if ((uint64_t)n_texts > (uint64_t)INT64_MAX ||
        !count_fits(tok->document_count, (int64_t)n_texts))
        return lnn_error(LIBNN_E_RANGE, "%s: document_count %" PRId64 " + %zu texts passes "
                         "INT64_MAX", who, tok->document_count, n_texts);
    size_t counted = tok->n_counted;
    for (size_t d = 0; d < delta->count; d++) {
        size_t len, id;
        const char *key = lnn_keymap_key(delta, d, &len);
        const delta_word *dw = lnn_keymap_value(delta, d);
        if (!lnn_keymap_find(&tok->vocab, key, len, &id) || !lnn_tok_word(tok, id)->counted) {
            counted++;
            continue;
        }
        const lnn_word *w = lnn_tok_word(tok, id);
        if (!count_fits(w->count, dw->count) || !count_fits(w->docs, dw->docs))
            return lnn_error(LIBNN_E_RANGE, "%s: the count of word \"%.*s\" (%" PRId64
                             " times, in %" PRId64 " texts) would pass INT64_MAX", who,
                             (int)(len < 64 ? len : 64), key, w->count, w->docs);
    }
    size_t oov_len = tok->oov ? strlen(tok->oov) : 0;
    if (counted + (tok->oov != NULL) > (size_t)INT32_MAX)
        return lnn_error(LIBNN_E_RANGE, "%s: %zu distinct words: more than int32 indices can number",
                         who, counted);
    *new_keys = delta->count + (tok->oov != NULL);
    *new_bytes = delta->pool_len + oov_len;
    return LIBNN_OK;
}

/* Add the counts; cannot fail, as the room was reserved. */
static void merge(libnn_tokenizer *tok, const lnn_keymap *delta)
{
    for (size_t d = 0; d < delta->count; d++) {
        size_t len, id;
        const char *key = lnn_keymap_key(delta, d, &len);
        lnn_keymap_intern(&tok->vocab, key, len, &id, NULL, "tokenizer_fit_on_texts");
        lnn_word *w = lnn_tok_word(tok, id);
        if (!w->counted) {
            w->counted = true;
            w->seen = tok->next_seen++;
        }
        const delta_word *dw = lnn_keymap_value(delta, d);
        w->count += dw->count;
        w->docs += dw->docs;
    }
    if (tok->oov) {
        size_t id;
        lnn_keymap_intern(&tok->vocab, tok->oov, strlen(tok->oov), &id, NULL,
                          "tokenizer_fit_on_texts");
    }
}

libnn_status libnn_tokenizer_fit_on_texts(libnn_tokenizer *tok, size_t n,
                                          const char *const *texts)
{
    static const char who[] = "tokenizer_fit_on_texts";
    if (!tok)
        return lnn_error(LIBNN_E_INVALID, "%s: tokenizer is NULL", who);
    libnn_status st = lnn_text_check(who, n, texts);
    if (st != LIBNN_OK)
        return st;
    lnn_keymap delta;
    lnn_keymap_init(&delta, sizeof(delta_word));
    lnn_tok_orders orders = {0};
    size_t new_keys = 0, new_bytes = 0, words;
    st = count_texts(tok, who, n, texts, &delta);
    if (st == LIBNN_OK)
        st = plan_merge(tok, who, n, &delta, &new_keys, &new_bytes);
    if (st == LIBNN_OK)
        st = lnn_keymap_reserve(&tok->vocab, new_keys, new_bytes, who);
    if (st == LIBNN_OK && !lnn_add_size(tok->vocab.count, new_keys, &words))
        st = lnn_error_nomem(who, SIZE_MAX);
    if (st == LIBNN_OK)
        st = lnn_tok_orders_alloc(who, words, &orders);
    if (st == LIBNN_OK) {
        merge(tok, &delta);
        tok->document_count += (int64_t)n;
        lnn_tok_orders_commit(tok, &orders, true);
    }
    lnn_keymap_free(&delta);
    return st;
}

/* The index unknown words become: 0 without an OOV token. */
static libnn_status oov_index(const libnn_tokenizer *tok, const char *who, int32_t *index)
{
    *index = 0;
    if (!tok->oov)
        return LIBNN_OK;
    size_t id;
    if (!lnn_keymap_find(&tok->vocab, tok->oov, strlen(tok->oov), &id) ||
        lnn_tok_word(tok, id)->index == 0)
        return lnn_error(LIBNN_E_STATE,
                         "%s: oov_token \"%.200s\" is not in the word index (fit_on_texts gives "
                         "it index 1)",
                         who, tok->oov);
    *index = lnn_tok_word(tok, id)->index;
    return LIBNN_OK;
}

typedef struct seq_ctx {
    const libnn_tokenizer *tok;
    const char *who;
    libnn_sequences *seqs;
    size_t len, cap;  /* values used and allocated */
    int32_t oov;
} seq_ctx;

static libnn_status push_token(void *ctx, const char *token, size_t len)
{
    seq_ctx *c = ctx;
    size_t id;
    int32_t index = 0;
    if (lnn_keymap_find(&c->tok->vocab, token, len, &id))
        index = lnn_tok_word(c->tok, id)->index;
    if (index > 0 && c->tok->num_words > 0 && index >= c->tok->num_words)
        index = 0;
    if (index == 0)
        index = c->oov;
    if (index == 0)
        return LIBNN_OK;
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        int32_t *bigger = lnn_realloc(c->seqs->values, cap * sizeof *bigger);
        if (!bigger)
            return lnn_error_nomem(c->who, cap * sizeof *bigger);
        c->seqs->values = bigger;
        c->cap = cap;
    }
    c->seqs->values[c->len++] = index;
    return LIBNN_OK;
}

libnn_status libnn_tokenizer_texts_to_sequences(const libnn_tokenizer *tok, size_t n,
                                                const char *const *texts, libnn_sequences **out)
{
    static const char who[] = "tokenizer_texts_to_sequences";
    if (out)
        *out = NULL;
    if (!tok || !out)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, tok ? "out" : "tokenizer");
    seq_ctx ctx = {tok, who, NULL, 0, 0, 0};
    libnn_status st = lnn_text_check(who, n, texts);
    if (st == LIBNN_OK)
        st = oov_index(tok, who, &ctx.oov);
    if (st == LIBNN_OK)
        st = lnn_sequences_alloc(who, n, 0, &ctx.seqs);
    char *scratch = NULL;
    size_t cap = 0;
    for (size_t i = 0; st == LIBNN_OK && i < n; i++) {
        st = lnn_tokenize(tok, who, texts[i], &scratch, &cap, push_token, &ctx);
        ctx.seqs->offsets[i + 1] = ctx.len;
    }
    lnn_free(scratch);
    if (st != LIBNN_OK) {
        libnn_sequences_free(ctx.seqs);
        return st;
    }
    *out = ctx.seqs;
    return LIBNN_OK;
}

/* The word index `id` stands for in Keras' sequences_to_texts, or NULL. */
static const char *word_of(const libnn_tokenizer *tok, int32_t id, bool has_oov)
{
    size_t at;
    bool known = lnn_tok_find_index(tok, id, &at);
    if (known && !(tok->num_words > 0 && id >= tok->num_words))
        return lnn_keymap_key(&tok->vocab, at, NULL);
    return has_oov ? tok->oov : NULL;
}

libnn_status libnn_tokenizer_sequence_to_text(const libnn_tokenizer *tok, const int32_t *ids,
                                              size_t length, char *buf, size_t capacity,
                                              size_t *needed)
{
    static const char who[] = "tokenizer_sequence_to_text";
    if (!tok || !needed)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, tok ? "needed" : "tokenizer");
    if (!ids && length > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: ids is NULL with length %zu", who, length);
    if (!buf && capacity > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: buf is NULL with capacity %zu", who, capacity);
    int32_t oov;
    libnn_status st = oov_index(tok, who, &oov);
    if (st != LIBNN_OK)
        return st;
    size_t size = 1, words = 0;
    for (size_t i = 0; i < length; i++) {
        const char *w = word_of(tok, ids[i], oov != 0);
        if (w)
            size += strlen(w) + (words++ > 0);
    }
    *needed = size;
    if (capacity < size)
        return lnn_error(LIBNN_E_RANGE, "%s: the text needs %zu bytes, capacity is %zu", who, size,
                         capacity);
    char *p = buf;
    words = 0;
    for (size_t i = 0; i < length; i++) {
        const char *w = word_of(tok, ids[i], oov != 0);
        if (!w)
            continue;
        if (words++ > 0)
            *p++ = ' ';
        size_t len = strlen(w);
        memcpy(p, w, len);
        p += len;
    }
    *p = '\0';
    return LIBNN_OK;
}
