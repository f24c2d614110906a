/*
 * Sequences, pad_sequences (Keras) and the text metrics BLEU (NLTK) and ROUGE
 * (rouge-score), on worked examples computed by hand in the comments, and
 * every call under the allocation-failure loop.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "testutil.h"

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) <= 1e-12 * (fabs(b) > 1 ? fabs(b) : 1),      \
                                 "%s = %.17g, want %.17g", #a, (double)(a), (double)(b))

/* ---- sequences ---- */

START_TEST(sequences_object)
{
    const int32_t values[] = {1, 2, 3, 4, 5};
    const size_t lengths[] = {3, 0, 2};
    libnn_sequences *s;
    ck_assert_int_eq(libnn_sequences_new(values, lengths, 3, &s), LIBNN_OK);
    ck_assert_uint_eq(libnn_sequences_count(s), 3);
    ck_assert_uint_eq(libnn_sequences_length(s, 0), 3);
    ck_assert_uint_eq(libnn_sequences_length(s, 1), 0);
    ck_assert_uint_eq(libnn_sequences_length(s, 3), 0);
    int32_t got[4] = {0};
    size_t len = 99;
    ck_assert_int_eq(libnn_sequences_get(s, 2, NULL, 0, &len), LIBNN_E_RANGE);
    ck_assert_uint_eq(len, 2);
    ck_assert_int_eq(libnn_sequences_get(s, 2, got, 4, &len), LIBNN_OK);
    ck_assert_int_eq(got[0], 4);
    ck_assert_int_eq(got[1], 5);
    ck_assert_int_eq(libnn_sequences_get(s, 1, NULL, 0, &len), LIBNN_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(libnn_sequences_get(s, 3, got, 4, &len), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_sequences_get(s, 0, NULL, 4, &len), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_sequences_get(NULL, 0, got, 4, &len), LIBNN_E_INVALID);
    libnn_sequences_free(s);

    ck_assert_int_eq(libnn_sequences_new(NULL, NULL, 0, &s), LIBNN_OK);
    ck_assert_uint_eq(libnn_sequences_count(s), 0);
    libnn_sequences_free(s);
    ck_assert_int_eq(libnn_sequences_new(NULL, lengths, 3, &s), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_sequences_new(values, NULL, 3, &s), LIBNN_E_INVALID);
    const size_t huge[] = {SIZE_MAX, 2};
    ck_assert_int_eq(libnn_sequences_new(values, huge, 2, &s), LIBNN_E_NOMEM);
    ck_assert_int_eq(libnn_sequences_new(values, lengths, 3, NULL), LIBNN_E_INVALID);
    ck_assert_uint_eq(libnn_sequences_count(NULL), 0);
    libnn_sequences_free(NULL);
}
END_TEST

/* ---- pad_sequences ---- */

static const int32_t pad_values[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const size_t pad_lengths[] = {3, 2, 5};

static void assert_tensor(libnn_tensor *t, int64_t rows, int64_t cols, const float *want)
{
    ck_assert_uint_eq(libnn_tensor_ndim(t), 2);
    ck_assert_int_eq(libnn_tensor_dim(t, 0), rows);
    ck_assert_int_eq(libnn_tensor_dim(t, 1), cols);
    const float *got = libnn_tensor_data(t);
    for (int64_t i = 0; i < rows * cols; i++)
        ck_assert_msg(got[i] == want[i], "element %lld is %g, want %g", (long long)i, got[i],
                      want[i]);
}

/* pad_sequences_arrays that must succeed. */
static libnn_tensor *padded(const int32_t *values, const size_t *lengths, size_t n,
                            int64_t maxlen, libnn_pad_side padding, libnn_pad_side truncating,
                            float value)
{
    libnn_tensor *t = NULL;
    libnn_status st = libnn_pad_sequences_arrays(values, lengths, n, maxlen, padding, truncating,
                                                 value, &t);
    ck_assert_msg(st == LIBNN_OK, "pad: %s", libnn_last_error());
    return t;
}

START_TEST(pad_four_ways)
{
    /* [1 2 3], [4 5], [6 7 8 9 10] with maxlen 4: the long one loses 6
     * (truncating pre) or 10 (post); the short ones get zeros before (padding
     * pre) or after (post). */
    static const float pre_pre[] = {0, 1, 2, 3, 0, 0, 4, 5, 7, 8, 9, 10};
    static const float pre_post[] = {0, 1, 2, 3, 0, 0, 4, 5, 6, 7, 8, 9};
    static const float post_pre[] = {1, 2, 3, 0, 4, 5, 0, 0, 7, 8, 9, 10};
    static const float post_post[] = {1, 2, 3, 0, 4, 5, 0, 0, 6, 7, 8, 9};
    static const struct {
        libnn_pad_side padding, truncating;
        const float *want;
    } cases[] = {
        {LIBNN_PAD_PRE, LIBNN_PAD_PRE, pre_pre},
        {LIBNN_PAD_PRE, LIBNN_PAD_POST, pre_post},
        {LIBNN_PAD_POST, LIBNN_PAD_PRE, post_pre},
        {LIBNN_PAD_POST, LIBNN_PAD_POST, post_post},
    };
    libnn_sequences *s;
    ck_assert_int_eq(libnn_sequences_new(pad_values, pad_lengths, 3, &s), LIBNN_OK);
    for (size_t c = 0; c < 4; c++) {
        libnn_tensor *t;
        ck_assert_int_eq(libnn_pad_sequences(s, 4, cases[c].padding, cases[c].truncating, 0.0f,
                                             &t),
                         LIBNN_OK);
        assert_tensor(t, 3, 4, cases[c].want);
        libnn_tensor_free(t);
        t = padded(pad_values, pad_lengths, 3, 4, cases[c].padding, cases[c].truncating, 0.0f);
        assert_tensor(t, 3, 4, cases[c].want);
        libnn_tensor_free(t);
    }
    /* maxlen 0: the longest (5), nothing cut; value -1 fills. */
    static const float longest[] = {-1, -1, 1, 2, 3, -1, -1, -1, 4, 5, 6, 7, 8, 9, 10};
    libnn_tensor *t;
    ck_assert_int_eq(libnn_pad_sequences(s, 0, LIBNN_PAD_PRE, LIBNN_PAD_PRE, -1.0f, &t),
                     LIBNN_OK);
    assert_tensor(t, 3, 5, longest);
    libnn_tensor_free(t);
    /* maxlen 1 keeps the last (pre) value of each. */
    static const float one[] = {3, 5, 10};
    ck_assert_int_eq(libnn_pad_sequences(s, 1, LIBNN_PAD_POST, LIBNN_PAD_PRE, 0.0f, &t),
                     LIBNN_OK);
    assert_tensor(t, 3, 1, one);
    libnn_tensor_free(t);
    libnn_sequences_free(s);
}
END_TEST

START_TEST(pad_edges)
{
    libnn_tensor *t = (libnn_tensor *)1;
    /* An empty sequence is a row of `value`; no sequence at all gives [0, 0]. */
    const size_t lengths[] = {0, 1};
    const int32_t v[] = {7};
    static const float want[] = {9, 9, 9, 7};
    t = padded(v, lengths, 2, 2, LIBNN_PAD_PRE, LIBNN_PAD_PRE, 9.0f);
    assert_tensor(t, 2, 2, want);
    libnn_tensor_free(t);
    t = padded(NULL, NULL, 0, 0, LIBNN_PAD_PRE, LIBNN_PAD_PRE, 0.0f);
    ck_assert_int_eq(libnn_tensor_dim(t, 0), 0);
    ck_assert_int_eq(libnn_tensor_dim(t, 1), 0);
    libnn_tensor_free(t);
    const size_t zero[] = {0, 0};
    t = padded(NULL, zero, 2, 0, LIBNN_PAD_PRE, LIBNN_PAD_PRE, 0.0f);
    ck_assert_int_eq(libnn_tensor_dim(t, 0), 2);
    ck_assert_int_eq(libnn_tensor_dim(t, 1), 0);
    libnn_tensor_free(t);
    /* 2^24 is exact in float32, 2^24 + 1 is not; a value cut away does not
     * matter. */
    const int32_t big[] = {1 << 24, (1 << 24) + 1, 5};
    const size_t big_len[] = {3};
    ck_assert_int_eq(libnn_pad_sequences_arrays(big, big_len, 1, 3, LIBNN_PAD_PRE, LIBNN_PAD_PRE,
                                                0.0f, &t),
                     LIBNN_E_RANGE);
    ck_assert_ptr_null(t);
    tu_assert_error_has("value 16777217 (sequence 0, position 1)");
    libnn_tensor_free(padded(big, big_len, 1, 1, LIBNN_PAD_PRE, LIBNN_PAD_PRE, 0.0f));
    t = padded(big, big_len, 1, 1, LIBNN_PAD_POST, LIBNN_PAD_POST, 0.0f);
    ck_assert(libnn_tensor_data(t)[0] == 16777216.0f);
    libnn_tensor_free(t);
    /* Bad arguments. */
    ck_assert_int_eq(libnn_pad_sequences_arrays(v, lengths, 2, -1, LIBNN_PAD_PRE, LIBNN_PAD_PRE,
                                                0.0f, &t),
                     LIBNN_E_INVALID);
    tu_assert_error_has("maxlen must be >= 0");
    ck_assert_int_eq(libnn_pad_sequences_arrays(v, lengths, 2, 2, (libnn_pad_side)2,
                                                LIBNN_PAD_PRE, 0.0f, &t),
                     LIBNN_E_INVALID);
    tu_assert_error_has("padding must be");
    ck_assert_int_eq(libnn_pad_sequences_arrays(v, lengths, 2, 2, LIBNN_PAD_PRE,
                                                (libnn_pad_side)-1, 0.0f, &t),
                     LIBNN_E_INVALID);
    tu_assert_error_has("truncating must be");
    ck_assert_int_eq(libnn_pad_sequences_arrays(NULL, lengths, 2, 2, LIBNN_PAD_PRE,
                                                LIBNN_PAD_PRE, 0.0f, &t),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_pad_sequences_arrays(v, NULL, 2, 2, LIBNN_PAD_PRE, LIBNN_PAD_PRE,
                                                0.0f, &t),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_pad_sequences(NULL, 2, LIBNN_PAD_PRE, LIBNN_PAD_PRE, 0.0f, &t),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_pad_sequences_arrays(v, lengths, 2, 2, LIBNN_PAD_PRE, LIBNN_PAD_PRE,
                                                0.0f, NULL),
                     LIBNN_E_INVALID);
}
END_TEST

/* ---- BLEU ---- */

/* Token ids of a sentence of single-letter words ("a b c" -> 'a' 'b' 'c'). */
static size_t ids_of(const char *words, int32_t *out)
{
    size_t n = 0;
    for (const char *p = words; *p; p++)
        if (*p != ' ')
            out[n++] = *p;
    return n;
}

static double bleu1(const char *hyp, const char *ref, libnn_bleu_smoothing smoothing)
{
    int32_t h[64], r[64];
    size_t hl = ids_of(hyp, h), rl = ids_of(ref, r);
    double score = -1;
    ck_assert_int_eq(libnn_bleu_sentence(h, hl, r, &rl, 1, smoothing, &score), LIBNN_OK);
    double text = -2;
    ck_assert_int_eq(libnn_bleu_sentence_text(hyp, 1, &ref, smoothing, &text), LIBNN_OK);
    ck_assert(text == score);
    return score;
}

START_TEST(bleu_sentence_worked)
{
    /* hyp "the cat sat on the mat" vs ref "the cat is on the mat"
     * (t c s o t m / t c i o t m), 6 tokens each, so BP = exp(1 - 6/6) = 1.
     * 1-grams: the 2 (ref has 2), cat, sat (0), on, mat -> 5/6
     * 2-grams: tc cs so ot tm vs tc ci io ot tm -> tc, ot, tm = 3/5
     * 3-grams: tcs cso sot otm vs tci cio iot otm -> otm = 1/4
     * 4-grams: tcso csot sotm vs tcio ciot iotm -> 0/3
     * method1: p4 = 0.1/3, BLEU = (5/6 * 3/5 * 1/4 * 0.1/3)^(1/4) = 0.25407...
     * none (NLTK's method0): p4 = DBL_MIN, a score of about 1e-77. */
    double m1 = bleu1("t c s o t m", "t c i o t m", LIBNN_BLEU_SMOOTH_METHOD1);
    NEAR(m1, pow(5.0 / 6 * 3.0 / 5 * 1.0 / 4 * 0.1 / 3, 0.25));
    NEAR(m1, 0.25406637407730737);
    double m0 = bleu1("t c s o t m", "t c i o t m", LIBNN_BLEU_SMOOTH_NONE);
    NEAR(m0, exp((log(5.0 / 6) + log(3.0 / 5) + log(1.0 / 4) + log(DBL_MIN)) / 4));
    ck_assert(m0 > 0 && m0 < 1e-76);

    /* hyp "a b c d" vs ref "a b c d e f": every precision 1 (4/4, 3/3, 2/2,
     * 1/1); c = 4 < r = 6: BP = exp(1 - 6/4) = exp(-0.5) = 0.60653... */
    NEAR(bleu1("a b c d", "a b c d e f", LIBNN_BLEU_SMOOTH_NONE), exp(-0.5));
    /* Identical: 1. No unigram in common: exactly 0, smoothed or not. */
    NEAR(bleu1("a b c d e", "a b c d e", LIBNN_BLEU_SMOOTH_NONE), 1.0);
    ck_assert(bleu1("a b", "c d", LIBNN_BLEU_SMOOTH_METHOD1) == 0.0);
    ck_assert(bleu1("", "c d", LIBNN_BLEU_SMOOTH_METHOD1) == 0.0);
    /* A hypothesis shorter than 4: the missing orders have 0 of max(1, 0) = 1
     * n-grams. "a b" vs "a b": p1 = 2/2, p2 = 1/1, p3 = 0/1, p4 = 0/1;
     * method1: (1 * 1 * 0.1 * 0.1)^(1/4) = 0.1^(1/2). */
    NEAR(bleu1("a b", "a b", LIBNN_BLEU_SMOOTH_METHOD1), sqrt(0.1));
}
END_TEST

START_TEST(bleu_references)
{
    /* NLTK's clipping example: hyp "the the the the the the the" (7 tokens)
     * vs "the cat is on the mat" and "there is a cat on the mat". "the" is at
     * most twice in one reference: p1 = 2/7; no 2-gram "the the" anywhere:
     * p2 = 0/6, p3 = 0/5, p4 = 0/4. Closest reference length: 7 (the second,
     * exact), BP = 1. method1: (2/7 * 0.1/6 * 0.1/5 * 0.1/4)^(1/4). */
    const char *refs[] = {"the cat is on the mat", "there is a cat on the mat"};
    double score;
    ck_assert_int_eq(libnn_bleu_sentence_text("the the the the the the the", 2, refs,
                                              LIBNN_BLEU_SMOOTH_METHOD1, &score),
                     LIBNN_OK);
    NEAR(score, pow(2.0 / 7 * 0.1 / 6 * 0.1 / 5 * 0.1 / 4, 0.25));

    /* Closest reference length, ties to the shorter: hyp of 12 tokens, refs
     * of 13 and 11 -> r = 11 < c: BP = 1, and all precisions 1 (the refs hold
     * the hypothesis' n-grams): BLEU = 1. With refs 13 and 2 -> r = 13:
     * BP = exp(1 - 13/12). */
    int32_t hyp[12], ref_values[13 + 11];
    for (int i = 0; i < 12; i++)
        hyp[i] = i;
    for (int i = 0; i < 13; i++)
        ref_values[i] = i;
    for (int i = 0; i < 11; i++)
        ref_values[13 + i] = i;
    size_t lens[] = {13, 11};
    ck_assert_int_eq(libnn_bleu_sentence(hyp, 12, ref_values, lens, 2, LIBNN_BLEU_SMOOTH_NONE,
                                         &score),
                     LIBNN_OK);
    NEAR(score, 1.0);
    lens[1] = 2;
    ck_assert_int_eq(libnn_bleu_sentence(hyp, 12, ref_values, lens, 2, LIBNN_BLEU_SMOOTH_NONE,
                                         &score),
                     LIBNN_OK);
    NEAR(score, exp(1.0 - 13.0 / 12.0));
}
END_TEST

START_TEST(bleu_corpus_worked)
{
    /* Corpus precision sums numerators and denominators over sentences:
     * "a b" / "a b" and "c d e f" / "c x e f".
     * 1-grams: 2/2 + 3/4 (c, e, f)     -> 5/6
     * 2-grams: 1/1 + 1/3 (e f)         -> 2/4
     * 3-grams: 0/max(1, 0) + 0/2       -> 0/3
     * 4-grams: 0/1 + 0/1               -> 0/2
     * c = 6 = r: BP = 1. method1: (5/6 * 2/4 * 0.1/3 * 0.1/2)^(1/4) = 0.16233...
     * (the mean of the sentence scores would differ). */
    const char *hyps[] = {"a b", "c d e f"};
    const char *refs[] = {"a b", "c x e f"};
    double text_score, score;
    ck_assert_int_eq(libnn_bleu_corpus_text(2, hyps, refs, NULL, LIBNN_BLEU_SMOOTH_METHOD1,
                                            &text_score),
                     LIBNN_OK);
    NEAR(text_score, pow(5.0 / 6 * 2.0 / 4 * 0.1 / 3 * 0.1 / 2, 0.25));
    NEAR(text_score, 0.16233395773754947);

    /* The same with token sequences, and refs_per_hyp given. */
    const int32_t hv[] = {1, 2, 3, 4, 5, 6}, rv[] = {1, 2, 3, 9, 5, 6};
    const size_t hl[] = {2, 4}, rl[] = {2, 4}, per[] = {1, 1};
    libnn_sequences *h, *r;
    ck_assert_int_eq(libnn_sequences_new(hv, hl, 2, &h), LIBNN_OK);
    ck_assert_int_eq(libnn_sequences_new(rv, rl, 2, &r), LIBNN_OK);
    ck_assert_int_eq(libnn_bleu_corpus(h, r, per, LIBNN_BLEU_SMOOTH_METHOD1, &score), LIBNN_OK);
    ck_assert(score == text_score);
    ck_assert_int_eq(libnn_bleu_corpus(h, r, NULL, LIBNN_BLEU_SMOOTH_NONE, &score), LIBNN_OK);
    NEAR(score, exp((log(5.0 / 6) + log(0.5) + 2 * log(DBL_MIN)) / 4));

    /* Errors: reference counts that do not add up, a hypothesis without
     * reference, an unknown smoothing, NULLs, invalid UTF-8. */
    const size_t three[] = {2, 1}, none[] = {0, 2};
    ck_assert_int_eq(libnn_bleu_corpus(h, r, three, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_E_SHAPE);
    tu_assert_error_has("2 hypotheses need 3 references, got 2");
    ck_assert_int_eq(libnn_bleu_corpus(h, r, none, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_E_INVALID);
    tu_assert_error_has("hypothesis 0 has no reference");
    ck_assert_int_eq(libnn_bleu_corpus(h, r, NULL, (libnn_bleu_smoothing)7, &score),
                     LIBNN_E_INVALID);
    tu_assert_error_has("unknown smoothing 7");
    ck_assert_int_eq(libnn_bleu_corpus(h, NULL, NULL, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_bleu_corpus(h, r, NULL, LIBNN_BLEU_SMOOTH_NONE, NULL),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_bleu_sentence(hv, 2, rv, hl, 0, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_E_INVALID);
    tu_assert_error_has("n_refs is 0");
    ck_assert_int_eq(libnn_bleu_sentence(NULL, 2, rv, hl, 1, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_bleu_sentence(hv, 2, NULL, hl, 1, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_E_INVALID);
    const char *bad[] = {"ok", "b\xc3"};
    ck_assert_int_eq(libnn_bleu_corpus_text(2, bad, refs, NULL, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_E_FORMAT);
    tu_assert_error_has("text 1 is not valid UTF-8: byte 0xc3 at offset 1");
    /* An empty corpus scores 0, as NLTK. */
    libnn_sequences *empty;
    ck_assert_int_eq(libnn_sequences_new(NULL, NULL, 0, &empty), LIBNN_OK);
    ck_assert_int_eq(libnn_bleu_corpus(empty, empty, NULL, LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_OK);
    ck_assert(score == 0.0);
    libnn_sequences_free(empty);
    libnn_sequences_free(h);
    libnn_sequences_free(r);
}
END_TEST

START_TEST(bleu_white_space)
{
    /* Python's str.split(): runs of ASCII and Unicode white space (here a
     * tab, a no-break space and an ideographic space) separate words; words
     * compare byte for byte. */
    const char *ref = "naïve\tcafé\xc2\xa0日本語\xe3\x80\x80 x";
    double score;
    ck_assert_int_eq(libnn_bleu_sentence_text("  naïve café  日本語 x ", 1, &ref,
                                              LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_OK);
    NEAR(score, 1.0);
    ck_assert_int_eq(libnn_bleu_sentence_text("Naïve café 日本語 x", 1, &ref,
                                              LIBNN_BLEU_SMOOTH_NONE, &score),
                     LIBNN_OK);
    ck_assert(score < 1.0);
}
END_TEST

/* ---- ROUGE ---- */

static void rouge3(const char *hyp, const char *ref, libnn_rouge_type type, double p, double r,
                   double f)
{
    int32_t h[64], rr[64];
    size_t hl = ids_of(hyp, h), rl = ids_of(ref, rr);
    double gp = -1, gr = -1, gf = -1;
    ck_assert_int_eq(libnn_rouge(h, hl, rr, rl, type, &gp, &gr, &gf), LIBNN_OK);
    NEAR(gp, p);
    NEAR(gr, r);
    NEAR(gf, f);
    double tp = -1, tr = -1, tf = -1;
    ck_assert_int_eq(libnn_rouge_text(hyp, ref, type, &tp, &tr, &tf), LIBNN_OK);
    ck_assert(tp == gp && tr == gr && tf == gf);
}

START_TEST(rouge_worked)
{
    /* hyp "the cat sat on the mat" vs ref "the cat is on the mat":
     * ROUGE-1 overlap: the min(2, 2) + cat + on + mat = 5 of 6 and 6:
     *   P = R = F = 5/6.
     * ROUGE-2 overlap: "the cat", "on the", "the mat" = 3 of 5 and 5: 3/5.
     * ROUGE-L: LCS "the cat on the mat" = 5: P = R = F = 5/6. */
    rouge3("t c s o t m", "t c i o t m", LIBNN_ROUGE_1, 5.0 / 6, 5.0 / 6, 5.0 / 6);
    rouge3("t c s o t m", "t c i o t m", LIBNN_ROUGE_2, 0.6, 0.6, 0.6);
    rouge3("t c s o t m", "t c i o t m", LIBNN_ROUGE_L, 5.0 / 6, 5.0 / 6, 5.0 / 6);
    /* hyp "a b c" vs ref "a x b y c z": ROUGE-1: 3 of 3 and 6, P = 1,
     * R = 1/2, F = 2 * 1 * 0.5 / 1.5 = 2/3; ROUGE-L: LCS "a b c" = 3, the
     * same; ROUGE-2: ab, bc vs ax xb by yc cz: nothing, all 0. */
    rouge3("a b c", "a x b y c z", LIBNN_ROUGE_1, 1.0, 0.5, 2.0 / 3);
    rouge3("a b c", "a x b y c z", LIBNN_ROUGE_L, 1.0, 0.5, 2.0 / 3);
    rouge3("a b c", "a x b y c z", LIBNN_ROUGE_2, 0.0, 0.0, 0.0);
    /* ROUGE-L is a subsequence, not a substring: "a b c d" vs "b d a c":
     * LCS 2 ("b d" or "a c"): P = R = F = 1/2. Clipping in ROUGE-1: "a a a"
     * vs "a b": overlap min(3, 1) = 1: P = 1/3, R = 1/2, F = 2/5. */
    rouge3("a b c d", "b d a c", LIBNN_ROUGE_L, 0.5, 0.5, 0.5);
    rouge3("a a a", "a b", LIBNN_ROUGE_1, 1.0 / 3, 0.5, 0.4);
    /* Empty sides score 0. */
    rouge3("", "a b", LIBNN_ROUGE_1, 0, 0, 0);
    rouge3("a b", "", LIBNN_ROUGE_L, 0, 0, 0);
    rouge3("a", "a", LIBNN_ROUGE_2, 0, 0, 0);

    double f = -1;
    const int32_t one[] = {1};
    ck_assert_int_eq(libnn_rouge(one, 1, one, 1, LIBNN_ROUGE_L, NULL, NULL, &f), LIBNN_OK);
    NEAR(f, 1.0);
    ck_assert_int_eq(libnn_rouge(one, 1, one, 1, (libnn_rouge_type)3, NULL, NULL, &f),
                     LIBNN_E_INVALID);
    tu_assert_error_has("unknown ROUGE type 3");
    ck_assert_int_eq(libnn_rouge(NULL, 1, one, 1, LIBNN_ROUGE_1, NULL, NULL, &f),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_rouge_text("a", NULL, LIBNN_ROUGE_1, NULL, NULL, &f),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_rouge_text("a\xff", "a", LIBNN_ROUGE_1, NULL, NULL, &f),
                     LIBNN_E_FORMAT);
    tu_assert_error_has("text 0 is not valid UTF-8: byte 0xff at offset 1");
}
END_TEST

/* ---- allocation failures ---- */

static libnn_status body_pad(void *ctx)
{
    (void)ctx;
    libnn_sequences *s = NULL;
    libnn_tensor *a = NULL, *b = NULL;
    libnn_status st = libnn_sequences_new(pad_values, pad_lengths, 3, &s);
    if (st == LIBNN_OK)
        st = libnn_pad_sequences(s, 4, LIBNN_PAD_POST, LIBNN_PAD_PRE, 0.0f, &a);
    if (st == LIBNN_OK)
        st = libnn_pad_sequences_arrays(pad_values, pad_lengths, 3, 0, LIBNN_PAD_PRE,
                                        LIBNN_PAD_POST, 0.0f, &b);
    libnn_tensor_free(a);
    libnn_tensor_free(b);
    libnn_sequences_free(s);
    return st;
}

static libnn_status body_metrics(void *ctx)
{
    (void)ctx;
    static const char *const hyps[] = {"the cat sat on the mat", "a b c d e f g"};
    static const char *const refs[] = {"the cat is on the mat", "there is a cat", "a b c x e f"};
    static const size_t per[] = {2, 1};
    const int32_t v[] = {1, 2, 3, 4, 5, 1, 2, 3, 9, 5};
    const size_t l[] = {5, 5};
    libnn_sequences *h = NULL, *r = NULL;
    double score, p, rc, f;
    libnn_status st = libnn_bleu_corpus_text(2, hyps, refs, per, LIBNN_BLEU_SMOOTH_METHOD1,
                                             &score);
    if (st == LIBNN_OK)
        st = libnn_bleu_sentence_text(hyps[0], 2, refs, LIBNN_BLEU_SMOOTH_NONE, &score);
    if (st == LIBNN_OK)
        st = libnn_bleu_sentence(v, 5, v + 5, l, 1, LIBNN_BLEU_SMOOTH_NONE, &score);
    if (st == LIBNN_OK)
        st = libnn_sequences_new(v, l, 1, &h);
    if (st == LIBNN_OK)
        st = libnn_sequences_new(v + 5, l, 1, &r);
    if (st == LIBNN_OK)
        st = libnn_bleu_corpus(h, r, NULL, LIBNN_BLEU_SMOOTH_METHOD1, &score);
    for (int type = 0; st == LIBNN_OK && type <= 2; type++) {
        st = libnn_rouge(v, 5, v + 5, 5, (libnn_rouge_type)type, &p, &rc, &f);
        if (st == LIBNN_OK)
            st = libnn_rouge_text(hyps[0], refs[0], (libnn_rouge_type)type, &p, &rc, &f);
    }
    libnn_sequences_free(h);
    libnn_sequences_free(r);
    return st;
}

START_TEST(alloc_failures)
{
    ck_assert_int_gt(tu_alloc_fail_loop(body_pad, NULL), 5);
    ck_assert_int_gt(tu_alloc_fail_loop(body_metrics, NULL), 20);
}
END_TEST

Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tu_tcase("sequences");
    tcase_add_test(tc, sequences_object);
    tcase_add_test(tc, pad_four_ways);
    tcase_add_test(tc, pad_edges);
    suite_add_tcase(s, tc);

    tc = tu_tcase("metrics");
    tcase_add_test(tc, bleu_sentence_worked);
    tcase_add_test(tc, bleu_references);
    tcase_add_test(tc, bleu_corpus_worked);
    tcase_add_test(tc, bleu_white_space);
    tcase_add_test(tc, rouge_worked);
    suite_add_tcase(s, tc);

    tc = tu_tcase("alloc-failures");
    tcase_add_test(tc, alloc_failures);
    suite_add_tcase(s, tc);
    return s;
}
