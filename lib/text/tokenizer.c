/*
 * The tokenizer object: construction, options and read access to its
 * vocabulary. Fitting and conversion are in tokenizer_fit.c, the JSON form
 * in tokenizer_json.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "io/utf8_internal.h"
#include "tokenizer_internal.h"

typedef enum opt_type { OPT_INT, OPT_BOOL, OPT_STRING } opt_type;

/* One row per option: the name (Keras' argument) for messages and its type. */
static const struct {
    libnn_tokenizer_option key;
    const char *name;
    opt_type type;
} options[] = {
    {LIBNN_TOKENIZER_NUM_WORDS, "num_words", OPT_INT},
    {LIBNN_TOKENIZER_LOWER, "lower", OPT_BOOL},
    {LIBNN_TOKENIZER_CHAR_LEVEL, "char_level", OPT_BOOL},
    {LIBNN_TOKENIZER_FILTERS, "filters", OPT_STRING},
    {LIBNN_TOKENIZER_SPLIT, "split", OPT_STRING},
    {LIBNN_TOKENIZER_OOV_TOKEN, "oov_token", OPT_STRING},
};

/* The option row of `key` if it has a type of the wanted family. */
static libnn_status find_option(const char *who, const libnn_tokenizer *tok,
                                libnn_tokenizer_option key, bool want_string, const char **name)
{
    if (!tok)
        return lnn_error(LIBNN_E_INVALID, "%s: tokenizer is NULL", who);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        if (options[i].key != key)
            continue;
        *name = options[i].name;
        if ((options[i].type == OPT_STRING) != want_string)
            return lnn_error(LIBNN_E_INVALID, "%s: option %s is %s, not %s", who, options[i].name,
                             want_string ? "an integer" : "a string",
                             want_string ? "a string" : "an integer");
        return LIBNN_OK;
    }
    return lnn_error(LIBNN_E_INVALID, "%s: unknown tokenizer option %d", who, (int)key);
}

libnn_status libnn_tokenizer_new(libnn_tokenizer **out)
{
    static const char who[] = "tokenizer_new";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    libnn_tokenizer *tok = lnn_calloc(1, sizeof *tok);
    if (!tok)
        return lnn_error_nomem(who, sizeof *tok);
    tok->lower = true;
    lnn_keymap_init(&tok->vocab, sizeof(lnn_word));
    tok->filters = lnn_strdup(LNN_TOKENIZER_DEFAULT_FILTERS);
    tok->split = lnn_strdup(" ");
    libnn_status st = LIBNN_OK;
    if (!tok->filters || !tok->split)
        st = lnn_error_nomem(who, sizeof LNN_TOKENIZER_DEFAULT_FILTERS);
    else
        st = lnn_filter_set_parse(who, tok->filters, &tok->filter_set);
    if (st != LIBNN_OK) {
        libnn_tokenizer_free(tok);
        return st;
    }
    *out = tok;
    return LIBNN_OK;
}

void libnn_tokenizer_free(libnn_tokenizer *tok)
{
    if (!tok)
        return;
    lnn_free(tok->filters);
    lnn_free(tok->split);
    lnn_free(tok->oov);
    lnn_filter_set_free(&tok->filter_set);
    lnn_keymap_free(&tok->vocab);
    lnn_free(tok->by_index);
    lnn_free(tok->by_seen);
    lnn_free(tok);
}

libnn_status libnn_tokenizer_set_int(libnn_tokenizer *tok, libnn_tokenizer_option key,
                                     int64_t value)
{
    static const char who[] = "tokenizer_set_int";
    const char *name;
    libnn_status st = find_option(who, tok, key, false, &name);
    if (st != LIBNN_OK)
        return st;
    if (key == LIBNN_TOKENIZER_NUM_WORDS) {
        if (value < 0)
            return lnn_error(LIBNN_E_INVALID, "%s: num_words must be >= 0 (0: no limit), got %lld",
                             who, (long long)value);
        tok->num_words = value;
        return LIBNN_OK;
    }
    if (value != 0 && value != 1)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a boolean (0 or 1), got %lld", who, name,
                         (long long)value);
    if (key == LIBNN_TOKENIZER_LOWER)
        tok->lower = value;
    else
        tok->char_level = value;
    return LIBNN_OK;
}

libnn_status libnn_tokenizer_set_string(libnn_tokenizer *tok, libnn_tokenizer_option key,
                                        const char *value)
{
    static const char who[] = "tokenizer_set_string";
    const char *name;
    libnn_status st = find_option(who, tok, key, true, &name);
    if (st != LIBNN_OK)
        return st;
    if (!value && key != LIBNN_TOKENIZER_OOV_TOKEN)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL (only oov_token may be unset)", who,
                         name);
    size_t len = value ? strlen(value) : 0, bad;
    if (value && !lnn_utf8_valid((const unsigned char *)value, len, &bad))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is not valid UTF-8: byte 0x%02x at offset %zu",
                         who, name, (unsigned char)value[bad], bad);
    if (key == LIBNN_TOKENIZER_SPLIT && len == 0)
        return lnn_error(LIBNN_E_INVALID, "%s: split must not be empty", who);
    char *copy = NULL;
    if (value && !(copy = lnn_strndup(value, len)))
        return lnn_error_nomem(who, len + 1);
    if (key == LIBNN_TOKENIZER_FILTERS) {
        lnn_filter_set set;
        st = lnn_filter_set_parse(who, copy, &set);
        if (st != LIBNN_OK) {
            lnn_free(copy);
            return st;
        }
        lnn_filter_set_free(&tok->filter_set);
        tok->filter_set = set;
    }
    char **field = key == LIBNN_TOKENIZER_FILTERS ? &tok->filters
                   : key == LIBNN_TOKENIZER_SPLIT ? &tok->split
                                                  : &tok->oov;
    lnn_free(*field);
    *field = copy;
    return LIBNN_OK;
}

/* The checks of both getters. */
static libnn_status check_get(const char *who, const libnn_tokenizer *tok,
                              libnn_tokenizer_option key, bool want_string, const void *value)
{
    const char *name;
    libnn_status st = find_option(who, tok, key, want_string, &name);
    if (st == LIBNN_OK && !value)
        st = lnn_error(LIBNN_E_INVALID, "%s: value is NULL", who);
    return st;
}

libnn_status libnn_tokenizer_get_int(const libnn_tokenizer *tok, libnn_tokenizer_option key,
                                     int64_t *value)
{
    libnn_status st = check_get("tokenizer_get_int", tok, key, false, value);
    if (st == LIBNN_OK)
        *value = key == LIBNN_TOKENIZER_NUM_WORDS ? tok->num_words
                 : key == LIBNN_TOKENIZER_LOWER   ? tok->lower
                                                  : tok->char_level;
    return st;
}

libnn_status libnn_tokenizer_get_string(const libnn_tokenizer *tok, libnn_tokenizer_option key,
                                        const char **value)
{
    if (value)
        *value = NULL;
    libnn_status st = check_get("tokenizer_get_string", tok, key, true, value);
    if (st == LIBNN_OK)
        *value = key == LIBNN_TOKENIZER_FILTERS ? tok->filters
                 : key == LIBNN_TOKENIZER_SPLIT ? tok->split
                                                : tok->oov;
    return st;
}

libnn_status lnn_tok_orders_alloc(const char *who, size_t words, lnn_tok_orders *o)
{
    memset(o, 0, sizeof *o);
    o->by_index = lnn_malloc_array(words + 1, sizeof *o->by_index);
    o->by_seen = lnn_malloc_array(words + 1, sizeof *o->by_seen);
    o->refs = lnn_malloc_array(words + 1, sizeof *o->refs);
    if (!o->by_index || !o->by_seen || !o->refs) {
        lnn_tok_orders_free(o);
        return lnn_error_nomem(who, (words + 1) * sizeof *o->refs);
    }
    return LIBNN_OK;
}

void lnn_tok_orders_free(lnn_tok_orders *o)
{
    lnn_free(o->by_index);
    lnn_free(o->by_seen);
    lnn_free(o->refs);
    memset(o, 0, sizeof *o);
}

static int by_seen_cmp(const void *pa, const void *pb)
{
    const lnn_word_ref *a = pa, *b = pb;
    return a->seen < b->seen ? -1 : a->seen > b->seen;
}

/* Falling key, ties by first counting: Keras' stable sort by count. */
static int by_rank_cmp(const void *pa, const void *pb)
{
    const lnn_word_ref *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key > b->key ? -1 : 1;
    return by_seen_cmp(pa, pb);
}

/* By key, ties (possible in a hostile file) by id so that messages are
 * reproducible. */
static int by_key_cmp(const void *pa, const void *pb)
{
    const lnn_word_ref *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Keras: sorted_voc = [oov_token] + words by count; word_index =
 * dict(zip(sorted_voc, 1..)), so an OOV token that is also a counted word
 * ends up at its place by count and index 1 stays unassigned. */
static void assign_indices(libnn_tokenizer *tok, lnn_word_ref *refs, size_t n_counted)
{
    for (size_t id = 0; id < tok->vocab.count; id++)
        lnn_tok_word(tok, id)->index = 0;
    int32_t next = 1;
    if (tok->oov) {
        size_t oov_id; /* the caller has interned it */
        if (lnn_keymap_find(&tok->vocab, tok->oov, strlen(tok->oov), &oov_id))
            lnn_tok_word(tok, oov_id)->index = next;
        next++;
    }
    for (size_t i = 0; i < n_counted; i++)
        lnn_tok_word(tok, refs[i].id)->index = next++;
}

void lnn_tok_orders_commit(libnn_tokenizer *tok, lnn_tok_orders *o, bool assign)
{
    size_t n_counted = 0;
    for (size_t id = 0; id < tok->vocab.count; id++) {
        const lnn_word *w = lnn_tok_word(tok, id);
        if (w->counted)
            o->refs[n_counted++] = (lnn_word_ref){w->count, w->seen, id};
    }
    qsort(o->refs, n_counted, sizeof *o->refs, by_seen_cmp);
    for (size_t i = 0; i < n_counted; i++)
        o->by_seen[i] = o->refs[i].id;
    if (assign) {
        qsort(o->refs, n_counted, sizeof *o->refs, by_rank_cmp);
        assign_indices(tok, o->refs, n_counted);
    }
    size_t n_indexed = 0;
    for (size_t id = 0; id < tok->vocab.count; id++) {
        const lnn_word *w = lnn_tok_word(tok, id);
        if (w->index > 0)
            o->refs[n_indexed++] = (lnn_word_ref){w->index, 0, id};
    }
    qsort(o->refs, n_indexed, sizeof *o->refs, by_key_cmp);
    for (size_t i = 0; i < n_indexed; i++)
        o->by_index[i] = o->refs[i].id;
    lnn_free(tok->by_index);
    lnn_free(tok->by_seen);
    tok->by_index = o->by_index;
    tok->n_indexed = n_indexed;
    tok->by_seen = o->by_seen;
    tok->n_counted = n_counted;
    lnn_free(o->refs);
    memset(o, 0, sizeof *o);
}

bool lnn_tok_find_index(const libnn_tokenizer *tok, int64_t index, size_t *id)
{
    size_t lo = 0, hi = tok->n_indexed;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t at = lnn_tok_word(tok, tok->by_index[mid])->index;
        if (at == index) {
            *id = tok->by_index[mid];
            return true;
        }
        if (at < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

int64_t libnn_tokenizer_document_count(const libnn_tokenizer *tok)
{
    return tok ? tok->document_count : 0;
}

size_t libnn_tokenizer_word_index_size(const libnn_tokenizer *tok)
{
    return tok ? tok->n_indexed : 0;
}

int64_t libnn_tokenizer_max_index(const libnn_tokenizer *tok)
{
    if (!tok || tok->n_indexed == 0)
        return 0;
    return lnn_tok_word(tok, tok->by_index[tok->n_indexed - 1])->index;
}

size_t libnn_tokenizer_word_counts_size(const libnn_tokenizer *tok)
{
    return tok ? tok->n_counted : 0;
}

const char *libnn_tokenizer_counted_word(const libnn_tokenizer *tok, size_t i)
{
    if (!tok || i >= tok->n_counted)
        return NULL;
    return lnn_keymap_key(&tok->vocab, tok->by_seen[i], NULL);
}

const char *libnn_tokenizer_index_word(const libnn_tokenizer *tok, int64_t index)
{
    size_t id;
    if (!tok || !lnn_tok_find_index(tok, index, &id))
        return NULL;
    return lnn_keymap_key(&tok->vocab, id, NULL);
}

/* The record of `word`, or NULL. */
static const lnn_word *lookup(const libnn_tokenizer *tok, const char *word)
{
    size_t id;
    if (!lnn_keymap_find(&tok->vocab, word, strlen(word), &id))
        return NULL;
    return lnn_tok_word(tok, id);
}

libnn_status libnn_tokenizer_word_index(const libnn_tokenizer *tok, const char *word,
                                        int64_t *index)
{
    static const char who[] = "tokenizer_word_index";
    if (!tok || !word || !index)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who,
                         !tok ? "tokenizer" : !word ? "word" : "index");
    const lnn_word *w = lookup(tok, word);
    if (!w || w->index == 0)
        return lnn_error(LIBNN_E_NOTFOUND, "%s: \"%.200s\" is not in the word index", who, word);
    *index = w->index;
    return LIBNN_OK;
}

libnn_status libnn_tokenizer_word_count(const libnn_tokenizer *tok, const char *word,
                                        int64_t *count, int64_t *docs)
{
    static const char who[] = "tokenizer_word_count";
    if (!tok || !word || !count || !docs)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who,
                         !tok ? "tokenizer" : !word ? "word" : !count ? "count" : "docs");
    const lnn_word *w = lookup(tok, word);
    if (!w || !w->counted)
        return lnn_error(LIBNN_E_NOTFOUND, "%s: \"%.200s\" was never counted", who, word);
    *count = w->count;
    *docs = w->docs;
    return LIBNN_OK;
}
