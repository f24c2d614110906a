/*
 * ROUGE-N and ROUGE-L of a hypothesis against one reference, as Google's
 * rouge-score computes them from token lists.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "libnn/text.h"
#include "metrics_internal.h"
#include "utf8_text_internal.h"

typedef struct prf {
    double p, r, f;
} prf;

static prf make_prf(double matched, size_t hyp_total, size_t ref_total)
{
    prf s;
    s.p = matched / (double)(hyp_total > 0 ? hyp_total : 1);
    s.r = matched / (double)(ref_total > 0 ? ref_total : 1);
    s.f = s.p + s.r > 0 ? 2 * s.p * s.r / (s.p + s.r) : 0.0;
    return s;
}

static libnn_status rouge_n(const char *who, lnn_span hyp, lnn_span ref, size_t n, prf *out)
{
    lnn_keymap m;
    lnn_ngrams_init(&m);
    libnn_status st = lnn_ngrams_count(who, &m, hyp, n);
    if (st == LIBNN_OK) {
        lnn_ngrams_match(&m, ref, n, 0);
        *out = make_prf((double)lnn_ngrams_clipped(&m), lnn_ngram_total(hyp.len, n),
                        lnn_ngram_total(ref.len, n));
    }
    lnn_keymap_free(&m);
    return st;
}

/* Length of the longest common subsequence, with one row of the dynamic
 * programme over the shorter sequence. */
static libnn_status lcs_length(const char *who, lnn_span a, lnn_span b, size_t *out)
{
    if (a.len < b.len) {
        lnn_span t = a;
        a = b;
        b = t;
    }
    size_t *row = lnn_calloc(b.len + 1, sizeof *row);
    if (!row)
        return lnn_error_nomem(who, (b.len + 1) * sizeof *row);
    for (size_t i = 0; i < a.len; i++) {
        size_t diag = 0; /* row[j] of the previous i, before it was overwritten */
        for (size_t j = 1; j <= b.len; j++) {
            size_t up = row[j];
            if (a.data[i] == b.data[j - 1])
                row[j] = diag + 1;
            else if (row[j - 1] > row[j])
                row[j] = row[j - 1];
            diag = up;
        }
    }
    *out = row[b.len];
    lnn_free(row);
    return LIBNN_OK;
}

static libnn_status rouge_spans(const char *who, lnn_span hyp, lnn_span ref,
                                libnn_rouge_type type, double *precision, double *recall,
                                double *f1)
{
    prf s = {0, 0, 0};
    libnn_status st = LIBNN_OK;
    if (type == LIBNN_ROUGE_1 || type == LIBNN_ROUGE_2) {
        st = rouge_n(who, hyp, ref, (size_t)type, &s);
    } else if (hyp.len > 0 && ref.len > 0) {
        size_t lcs = 0;
        st = lcs_length(who, hyp, ref, &lcs);
        if (st == LIBNN_OK)
            s = make_prf((double)lcs, hyp.len, ref.len);
    }
    if (st != LIBNN_OK)
        return st;
    if (precision)
        *precision = s.p;
    if (recall)
        *recall = s.r;
    if (f1)
        *f1 = s.f;
    return LIBNN_OK;
}

static libnn_status check_type(const char *who, libnn_rouge_type type)
{
    if (type != LIBNN_ROUGE_L && type != LIBNN_ROUGE_1 && type != LIBNN_ROUGE_2)
        return lnn_error(LIBNN_E_INVALID, "%s: unknown ROUGE type %d (LIBNN_ROUGE_1, _2 or _L)",
                         who, (int)type);
    return LIBNN_OK;
}

libnn_status libnn_rouge(const int32_t *hypothesis, size_t hyp_len, const int32_t *reference,
                         size_t ref_len, libnn_rouge_type type, double *precision, double *recall,
                         double *f1)
{
    static const char who[] = "rouge";
    libnn_status st = check_type(who, type);
    if (st != LIBNN_OK)
        return st;
    if ((!hypothesis && hyp_len > 0) || (!reference && ref_len > 0))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL with a length of %zu", who,
                         !hypothesis && hyp_len > 0 ? "hypothesis" : "reference",
                         !hypothesis && hyp_len > 0 ? hyp_len : ref_len);
    return rouge_spans(who, (lnn_span){hypothesis, hyp_len}, (lnn_span){reference, ref_len}, type,
                       precision, recall, f1);
}

libnn_status libnn_rouge_text(const char *hypothesis, const char *reference,
                              libnn_rouge_type type, double *precision, double *recall, double *f1)
{
    static const char who[] = "rouge_text";
    const char *texts[2] = {hypothesis, reference};
    libnn_status st = check_type(who, type);
    if (st == LIBNN_OK)
        st = lnn_text_check(who, 2, texts);
    if (st != LIBNN_OK)
        return st;
    lnn_keymap ids;
    lnn_keymap_init(&ids, 0);
    int32_t *values;
    lnn_span *spans;
    st = lnn_words_split(who, &ids, 2, texts, &values, &spans);
    if (st == LIBNN_OK) {
        st = rouge_spans(who, spans[0], spans[1], type, precision, recall, f1);
        lnn_free(values);
        lnn_free(spans);
    }
    lnn_keymap_free(&ids);
    return st;
}
