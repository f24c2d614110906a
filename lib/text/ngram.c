/*
 * N-gram counts of a hypothesis, clipped by references: the modified
 * precision of BLEU and the overlap of ROUGE-N. An n-gram's key is the raw
 * bytes of its n int32 tokens.
 */
#include "core/alloc_internal.h"
#include "metrics_internal.h"

typedef struct ngram_rec {
    int64_t hyp;      /* count in the hypothesis */
    int64_t ref_max;  /* largest count in one reference */
    int64_t ref_cur;  /* count in the reference being matched */
    size_t ref_seen;  /* 1 + the reference ref_cur belongs to; 0: none */
} ngram_rec;

void lnn_ngrams_init(lnn_keymap *m)
{
    lnn_keymap_init(m, sizeof(ngram_rec));
}

libnn_status lnn_ngrams_count(const char *who, lnn_keymap *m, lnn_span hyp, size_t n)
{
    lnn_keymap_reset(m);
    size_t total = lnn_ngram_total(hyp.len, n);
    for (size_t i = 0; i < total; i++) {
        size_t id;
        libnn_status st = lnn_keymap_intern(m, hyp.data + i, n * sizeof(int32_t), &id, NULL, who);
        if (st != LIBNN_OK)
            return st;
        ((ngram_rec *)lnn_keymap_value(m, id))->hyp++;
    }
    return LIBNN_OK;
}

void lnn_ngrams_match(lnn_keymap *m, lnn_span ref, size_t n, size_t ref_number)
{
    size_t total = lnn_ngram_total(ref.len, n);
    for (size_t i = 0; i < total; i++) {
        size_t id;
        if (!lnn_keymap_find(m, ref.data + i, n * sizeof(int32_t), &id))
            continue;
        ngram_rec *r = lnn_keymap_value(m, id);
        if (r->ref_seen != ref_number + 1) {
            r->ref_seen = ref_number + 1;
            r->ref_cur = 0;
        }
        if (++r->ref_cur > r->ref_max)
            r->ref_max = r->ref_cur;
    }
}

int64_t lnn_ngrams_clipped(const lnn_keymap *m)
{
    int64_t sum = 0;
    for (size_t id = 0; id < m->count; id++) {
        const ngram_rec *r = lnn_keymap_value(m, id);
        sum += r->hyp < r->ref_max ? r->hyp : r->ref_max;
    }
    return sum;
}
