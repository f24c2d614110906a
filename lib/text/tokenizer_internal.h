/*
 * Private: the layout of a libnn_tokenizer and of a libnn_sequences list,
 * shared by the tokenizer's files, its JSON form and pad_sequences.
 */
#ifndef LIBNN_TOKENIZER_INTERNAL_H
#define LIBNN_TOKENIZER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keymap_internal.h"
#include "libnn/text.h"

/* The record of each word of the vocabulary. */
typedef struct lnn_word {
    int64_t count;      /* word_counts */
    int64_t docs;       /* word_docs */
    uint64_t seen;      /* order of first counting (Keras' word_counts order) */
    int32_t index;      /* word_index; 0 when not in it */
    bool counted;       /* in word_counts (else only in word_index) */
} lnn_word;

/* Filters as a set of code points: a bitmap for ASCII, a sorted list for
 * the rest. */
typedef struct lnn_filter_set {
    uint64_t ascii[2];
    uint32_t *other;
    size_t n_other;
} lnn_filter_set;

struct libnn_tokenizer {
    int64_t num_words;  /* 0: no limit */
    bool lower, char_level;
    char *filters, *split, *oov;  /* owned; oov may be NULL */
    lnn_filter_set filter_set;    /* parsed from filters */
    int64_t document_count;
    uint64_t next_seen;
    lnn_keymap vocab;   /* word -> lnn_word */
    size_t *by_index;   /* ids of the words in the index, by increasing index */
    size_t n_indexed;
    size_t *by_seen;    /* ids of the counted words, by first counting */
    size_t n_counted;
};

/* Default filters, as Keras. */
#define LNN_TOKENIZER_DEFAULT_FILTERS "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n"

/* The word record of vocabulary id `id`. */
static inline lnn_word *lnn_tok_word(const libnn_tokenizer *tok, size_t id)
{
    return (lnn_word *)lnn_keymap_value(&tok->vocab, id);
}

/* Parse `filters` (valid UTF-8) into a set. Errors: LIBNN_E_NOMEM. */
libnn_status lnn_filter_set_parse(const char *who, const char *filters, lnn_filter_set *out);
void lnn_filter_set_free(lnn_filter_set *set);

/* Sort key of a word while the orders are rebuilt. */
typedef struct lnn_word_ref {
    int64_t key;
    uint64_t seen;
    size_t id;
} lnn_word_ref;

/* Buffers to rebuild by_index and by_seen, allocated before a change so that
 * committing it cannot fail. */
typedef struct lnn_tok_orders {
    size_t *by_index, *by_seen;
    lnn_word_ref *refs;
} lnn_tok_orders;

/* Room for a vocabulary of `words` words. Errors: LIBNN_E_NOMEM. */
libnn_status lnn_tok_orders_alloc(const char *who, size_t words, lnn_tok_orders *o);
void lnn_tok_orders_free(lnn_tok_orders *o);

/*
 * Rebuild by_seen from the counted words and by_index from the words'
 * indices, taking the buffers of `o`. With `assign`, the indices are first
 * assigned as Keras' fit_on_texts does (OOV token, then by falling count,
 * ties by first counting); the OOV token must then be in the vocabulary.
 */
void lnn_tok_orders_commit(libnn_tokenizer *tok, lnn_tok_orders *o, bool assign);

/* The id of the word with index `index`, or false. */
bool lnn_tok_find_index(const libnn_tokenizer *tok, int64_t index, size_t *id);

/* Called once per token by lnn_tokenize; a non-OK status stops it. */
typedef libnn_status (*lnn_token_fn)(void *ctx, const char *token, size_t len);

/*
 * Cut one validated text into tokens as the top of libnn/text.h describes,
 * calling `fn` for each. `scratch` / `scratch_cap` is a buffer reused
 * between calls (grown with lnn_realloc; the caller frees it).
 * Errors: LIBNN_E_NOMEM, or what `fn` returns.
 */
libnn_status lnn_tokenize(const libnn_tokenizer *tok, const char *who, const char *text,
                          char **scratch, size_t *scratch_cap, lnn_token_fn fn, void *ctx);

struct libnn_sequences {
    int32_t *values;
    size_t *offsets;  /* count + 1 entries: sequence i is values[offsets[i] .. offsets[i+1]) */
    size_t count;
};

/* An empty list with room for `count` sequences (offsets all 0) and
 * `values` values. Errors: LIBNN_E_NOMEM. */
libnn_status lnn_sequences_alloc(const char *who, size_t count, size_t values,
                                 libnn_sequences **out);

#endif
