/*
 * Private: what BLEU and ROUGE share: token spans, n-gram counting with
 * clipping against references, and the string forms' word ids.
 */
#ifndef LIBNN_METRICS_INTERNAL_H
#define LIBNN_METRICS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "keymap_internal.h"
#include "libnn/status.h"

/* One token sequence, borrowed. */
typedef struct lnn_span {
    const int32_t *data;
    size_t len;
} lnn_span;

/*
 * Count the n-grams of `hyp` into `m` (emptied first), a map made with
 * lnn_ngrams_init. Errors: LIBNN_E_NOMEM.
 */
void lnn_ngrams_init(lnn_keymap *m);
libnn_status lnn_ngrams_count(const char *who, lnn_keymap *m, lnn_span hyp, size_t n);

/* Count the n-grams of reference number `ref` (numbered from 0, each once,
 * in increasing order) that the hypothesis has; allocates nothing. */
void lnn_ngrams_match(lnn_keymap *m, lnn_span ref, size_t n, size_t ref_number);

/* Sum over the hypothesis n-grams of min(count, largest count in one
 * reference): BLEU's clipped count, ROUGE-N's overlap. */
int64_t lnn_ngrams_clipped(const lnn_keymap *m);

/* Number of n-grams of a sequence of `len` tokens. */
static inline size_t lnn_ngram_total(size_t len, size_t n)
{
    return len >= n ? len - n + 1 : 0;
}

/*
 * Split `n` texts (checked by lnn_text_check) at white space as Python's
 * str.split(), giving each distinct word an id from `ids` (a map made with
 * lnn_keymap_init(ids, 0), shared between calls so that equal words get equal
 * ids). *values (all the ids) and *spans (one per text, pointing into
 * *values) are new arrays the caller frees with lnn_free.
 * Errors: LIBNN_E_NOMEM, LIBNN_E_RANGE (more than 2^31 - 1 distinct words).
 */
libnn_status lnn_words_split(const char *who, lnn_keymap *ids, size_t n,
                             const char *const *texts, int32_t **values, lnn_span **spans);

#endif
