/*
 * BLEU as NLTK's corpus_bleu / sentence_bleu with uniform weights over 1- to
 * 4-grams, and its smoothing methods 0 (none) and 1.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "metrics_internal.h"
#include "tokenizer_internal.h"
#include "utf8_text_internal.h"

#define MAX_ORDER 4

/* NLTK's SmoothingFunction().epsilon. */
#define METHOD1_EPSILON 0.1

/* Sums over the corpus, as NLTK's p_numerators, p_denominators, hyp_lengths
 * and ref_lengths. */
typedef struct bleu_sums {
    int64_t num[MAX_ORDER], den[MAX_ORDER];
    uint64_t hyp_len, ref_len;
} bleu_sums;

/* NLTK's closest_ref_length: the nearest length, ties to the shorter. */
static size_t closest_ref_length(const lnn_span *refs, size_t n_refs, size_t hyp_len)
{
    size_t best = refs[0].len;
    for (size_t r = 1; r < n_refs; r++) {
        size_t len = refs[r].len;
        size_t d = len > hyp_len ? len - hyp_len : hyp_len - len;
        size_t best_d = best > hyp_len ? best - hyp_len : hyp_len - best;
        if (d < best_d || (d == best_d && len < best))
            best = len;
    }
    return best;
}

static libnn_status add_sentence(const char *who, lnn_keymap *m, bleu_sums *s, lnn_span hyp,
                                 const lnn_span *refs, size_t n_refs)
{
    for (size_t n = 1; n <= MAX_ORDER; n++) {
        libnn_status st = lnn_ngrams_count(who, m, hyp, n);
        if (st != LIBNN_OK)
            return st;
        for (size_t r = 0; r < n_refs; r++)
            lnn_ngrams_match(m, refs[r], n, r);
        size_t total = lnn_ngram_total(hyp.len, n);
        s->num[n - 1] += lnn_ngrams_clipped(m);
        s->den[n - 1] += (int64_t)(total > 0 ? total : 1); /* NLTK: max(1, count) */
    }
    s->hyp_len += hyp.len;
    s->ref_len += closest_ref_length(refs, n_refs, hyp.len);
    return LIBNN_OK;
}

static double score_of(const bleu_sums *s, libnn_bleu_smoothing smoothing)
{
    if (s->num[0] == 0)
        return 0.0;
    double c = (double)s->hyp_len, r = (double)s->ref_len;
    double bp = s->hyp_len > s->ref_len ? 1.0 : exp(1.0 - r / c);
    double log_sum = 0.0;
    for (size_t n = 0; n < MAX_ORDER; n++) {
        double p;
        if (s->num[n] > 0)
            p = (double)s->num[n] / (double)s->den[n];
        else if (smoothing == LIBNN_BLEU_SMOOTH_METHOD1)
            p = METHOD1_EPSILON / (double)s->den[n];
        else
            p = DBL_MIN; /* NLTK's method0: sys.float_info.min */
        log_sum += log(p) / MAX_ORDER;
    }
    return bp * exp(log_sum);
}

/* The corpus score of n hypotheses; those of hypothesis i are the next
 * refs_per_hyp[i] (or 1) of `refs`. */
static libnn_status bleu_spans(const char *who, const lnn_span *hyps, size_t n,
                               const lnn_span *refs, const size_t *refs_per_hyp,
                               libnn_bleu_smoothing smoothing, double *score)
{
    lnn_keymap m;
    lnn_ngrams_init(&m);
    bleu_sums sums;
    memset(&sums, 0, sizeof sums);
    libnn_status st = LIBNN_OK;
    size_t at = 0;
    for (size_t i = 0; st == LIBNN_OK && i < n; i++) {
        size_t k = refs_per_hyp ? refs_per_hyp[i] : 1;
        st = add_sentence(who, &m, &sums, hyps[i], refs + at, k);
        at += k;
    }
    lnn_keymap_free(&m);
    if (st == LIBNN_OK)
        *score = score_of(&sums, smoothing);
    return st;
}

/* Checks common to every form; *n_refs receives the references needed. */
static libnn_status check_common(const char *who, size_t n, const size_t *refs_per_hyp,
                                 libnn_bleu_smoothing smoothing, const double *score,
                                 size_t *n_refs)
{
    if (!score)
        return lnn_error(LIBNN_E_INVALID, "%s: score is NULL", who);
    if (smoothing != LIBNN_BLEU_SMOOTH_NONE && smoothing != LIBNN_BLEU_SMOOTH_METHOD1)
        return lnn_error(LIBNN_E_INVALID, "%s: unknown smoothing %d", who, (int)smoothing);
    *n_refs = refs_per_hyp ? 0 : n;
    for (size_t i = 0; refs_per_hyp && i < n; i++) {
        if (refs_per_hyp[i] == 0)
            return lnn_error(LIBNN_E_INVALID, "%s: hypothesis %zu has no reference", who, i);
        if (!lnn_add_size(*n_refs, refs_per_hyp[i], n_refs))
            return lnn_error(LIBNN_E_SHAPE, "%s: refs_per_hyp overflows at %zu", who, i);
    }
    return LIBNN_OK;
}

/* Spans of every sequence of a list, in a new array. */
static libnn_status spans_of(const char *who, const libnn_sequences *s, lnn_span **out)
{
    *out = lnn_malloc_array(s->count, sizeof **out);
    if (!*out)
        return lnn_error_nomem(who, s->count * sizeof **out);
    for (size_t i = 0; i < s->count; i++)
        (*out)[i] = (lnn_span){s->values + s->offsets[i], s->offsets[i + 1] - s->offsets[i]};
    return LIBNN_OK;
}

libnn_status libnn_bleu_corpus(const libnn_sequences *hypotheses,
                               const libnn_sequences *references, const size_t *refs_per_hyp,
                               libnn_bleu_smoothing smoothing, double *score)
{
    static const char who[] = "bleu_corpus";
    if (!hypotheses || !references)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who,
                         hypotheses ? "references" : "hypotheses");
    size_t n = hypotheses->count, n_refs;
    libnn_status st = check_common(who, n, refs_per_hyp, smoothing, score, &n_refs);
    if (st != LIBNN_OK)
        return st;
    if (n_refs != references->count)
        return lnn_error(LIBNN_E_SHAPE, "%s: %zu hypotheses need %zu references, got %zu", who,
                         n, n_refs, references->count);
    lnn_span *hyps = NULL, *refs = NULL;
    st = spans_of(who, hypotheses, &hyps);
    if (st == LIBNN_OK)
        st = spans_of(who, references, &refs);
    if (st == LIBNN_OK)
        st = bleu_spans(who, hyps, n, refs, refs_per_hyp, smoothing, score);
    lnn_free(hyps);
    lnn_free(refs);
    return st;
}

libnn_status libnn_bleu_sentence(const int32_t *hypothesis, size_t hyp_len,
                                 const int32_t *ref_values, const size_t *ref_lengths,
                                 size_t n_refs, libnn_bleu_smoothing smoothing, double *score)
{
    static const char who[] = "bleu_sentence";
    if (n_refs == 0)
        return lnn_error(LIBNN_E_INVALID, "%s: n_refs is 0: BLEU needs a reference", who);
    size_t unused;
    libnn_status st = check_common(who, 1, &n_refs, smoothing, score, &unused);
    if (st != LIBNN_OK)
        return st;
    if (!hypothesis && hyp_len > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: hypothesis is NULL with hyp_len %zu", who, hyp_len);
    if (!ref_lengths)
        return lnn_error(LIBNN_E_INVALID, "%s: ref_lengths is NULL", who);
    size_t total = 0;
    for (size_t r = 0; r < n_refs; r++)
        if (!lnn_add_size(total, ref_lengths[r], &total))
            return lnn_error(LIBNN_E_INVALID, "%s: ref_lengths overflow at %zu", who, r);
    if (!ref_values && total > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: ref_values is NULL with %zu values", who, total);
    lnn_span *refs = lnn_malloc_array(n_refs, sizeof *refs);
    if (!refs)
        return lnn_error_nomem(who, n_refs * sizeof *refs);
    for (size_t r = 0, at = 0; r < n_refs; at += ref_lengths[r++])
        refs[r] = (lnn_span){ref_values ? ref_values + at : NULL, ref_lengths[r]};
    lnn_span hyp = {hypothesis, hyp_len};
    size_t k = n_refs;
    st = bleu_spans(who, &hyp, 1, refs, &k, smoothing, score);
    lnn_free(refs);
    return st;
}

static libnn_status bleu_text(const char *who, size_t n, const char *const *hypotheses,
                              const char *const *references, const size_t *refs_per_hyp,
                              libnn_bleu_smoothing smoothing, double *score)
{
    size_t n_refs;
    libnn_status st = check_common(who, n, refs_per_hyp, smoothing, score, &n_refs);
    if (st == LIBNN_OK)
        st = lnn_text_check(who, n, hypotheses);
    if (st == LIBNN_OK)
        st = lnn_text_check(who, n_refs, references);
    if (st != LIBNN_OK)
        return st;
    lnn_keymap ids;
    lnn_keymap_init(&ids, 0);
    int32_t *hyp_values = NULL, *ref_values = NULL;
    lnn_span *hyps = NULL, *refs = NULL;
    st = lnn_words_split(who, &ids, n, hypotheses, &hyp_values, &hyps);
    if (st == LIBNN_OK)
        st = lnn_words_split(who, &ids, n_refs, references, &ref_values, &refs);
    if (st == LIBNN_OK)
        st = bleu_spans(who, hyps, n, refs, refs_per_hyp, smoothing, score);
    lnn_free(hyp_values);
    lnn_free(ref_values);
    lnn_free(hyps);
    lnn_free(refs);
    lnn_keymap_free(&ids);
    return st;
}

libnn_status libnn_bleu_corpus_text(size_t n, const char *const *hypotheses,
                                    const char *const *references, const size_t *refs_per_hyp,
                                    libnn_bleu_smoothing smoothing, double *score)
{
    return bleu_text("bleu_corpus_text", n, hypotheses, references, refs_per_hyp, smoothing,
                     score);
}

libnn_status libnn_bleu_sentence_text(const char *hypothesis, size_t n_refs,
                                      const char *const *references,
                                      libnn_bleu_smoothing smoothing, double *score)
{
    static const char who[] = "bleu_sentence_text";
    if (n_refs == 0)
        return lnn_error(LIBNN_E_INVALID, "%s: n_refs is 0: BLEU needs a reference", who);
    return bleu_text(who, 1, &hypothesis, references, &n_refs, smoothing, score);
}
