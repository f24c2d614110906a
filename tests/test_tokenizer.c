/*
 * The tokenizer against Keras' Tokenizer on worked examples: word index order
 * with ties, num_words, the OOV token, char level, filters, split, lower,
 * UTF-8 words and invalid UTF-8, sequences back to text, and every call
 * under the allocation-failure loop. Expected values are worked out by hand
 * from keras_preprocessing/text.py, in the comments.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static libnn_tokenizer *new_tok(void)
{
    libnn_tokenizer *tok;
    ck_assert_int_eq(libnn_tokenizer_new(&tok), LIBNN_OK);
    return tok;
}

static void fit(libnn_tokenizer *tok, size_t n, const char *const *texts)
{
    libnn_status st = libnn_tokenizer_fit_on_texts(tok, n, texts);
    ck_assert_msg(st == LIBNN_OK, "fit: %s", libnn_last_error());
}

static int64_t index_of(const libnn_tokenizer *tok, const char *word)
{
    int64_t index = -1;
    libnn_status st = libnn_tokenizer_word_index(tok, word, &index);
    ck_assert_msg(st == LIBNN_OK, "word_index(%s): %s", word, libnn_last_error());
    return index;
}

/* Assert that words[i] has index i + 1, for the NULL-terminated list. */
static void assert_order(const libnn_tokenizer *tok, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        ck_assert_int_eq(index_of(tok, words[i]), (int64_t)i + 1);
}

#define ORDER(tok, ...) assert_order(tok, (const char *const[]){__VA_ARGS__, NULL})

/* A new tokenizer with the string options given, fitted on `texts`. */
static libnn_tokenizer *fitted(const char *filters, const char *split, size_t n,
                               const char *const *texts)
{
    libnn_tokenizer *tok = new_tok();
    if (filters)
        ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_FILTERS, filters),
                         LIBNN_OK);
    if (split)
        ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_SPLIT, split), LIBNN_OK);
    fit(tok, n, texts);
    return tok;
}

/* Assert that text converts to exactly the `n` indices given. */
static void assert_sequence(const libnn_tokenizer *tok, const char *text, size_t n,
                            const int32_t *want)
{
    libnn_sequences *seqs;
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(tok, 1, &text, &seqs), LIBNN_OK);
    ck_assert_uint_eq(libnn_sequences_count(seqs), 1);
    ck_assert_uint_eq(libnn_sequences_length(seqs, 0), n);
    int32_t got[64];
    size_t len;
    ck_assert_int_eq(libnn_sequences_get(seqs, 0, got, 64, &len), LIBNN_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "\"%s\": position %zu is %d, want %d", text, i, got[i],
                      want[i]);
    libnn_sequences_free(seqs);
}

#define SEQ(tok, text, ...)                                                                  \
    assert_sequence(tok, text, sizeof((int32_t[]){__VA_ARGS__}) / sizeof(int32_t),         \
                    (const int32_t[]){__VA_ARGS__})

/* ---- fitting ---- */

START_TEST(keras_word_index)
{
    /* "The cat sat on the mat." / "The dog ate my homework.": lower-cased,
     * '.' filtered. word_counts in first-appearance order: the 3, cat, sat,
     * on, mat, dog, ate, my, homework 1 each. A stable sort by count keeps
     * that order among the 1s: the=1, cat=2, ..., homework=9. */
    const char *texts[] = {"The cat sat on the mat.", "The dog ate my homework."};
    libnn_tokenizer *tok = fitted(NULL, NULL, 2, texts);
    const char *order[] = {"the", "cat", "sat", "on", "mat", "dog", "ate", "my", "homework", NULL};
    assert_order(tok, order);
    for (size_t i = 0; i < 9; i++) {
        ck_assert_str_eq(libnn_tokenizer_index_word(tok, (int64_t)i + 1), order[i]);
        ck_assert_str_eq(libnn_tokenizer_counted_word(tok, i), order[i]);
    }
    ck_assert_ptr_null(libnn_tokenizer_index_word(tok, 0));
    ck_assert_ptr_null(libnn_tokenizer_index_word(tok, 10));
    ck_assert_ptr_null(libnn_tokenizer_counted_word(tok, 9));
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(tok), 9);
    ck_assert_uint_eq(libnn_tokenizer_word_counts_size(tok), 9);
    ck_assert_int_eq(libnn_tokenizer_max_index(tok), 9);
    ck_assert_int_eq(libnn_tokenizer_document_count(tok), 2);
    int64_t count, docs;
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, "the", &count, &docs), LIBNN_OK);
    ck_assert_int_eq(count, 3);
    ck_assert_int_eq(docs, 2);
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, "mat", &count, &docs), LIBNN_OK);
    ck_assert_int_eq(count, 1);
    ck_assert_int_eq(docs, 1);
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, "The", &count, &docs), LIBNN_E_NOTFOUND);
    tu_assert_error_has("\"The\" was never counted");
    int64_t index;
    ck_assert_int_eq(libnn_tokenizer_word_index(tok, "mat.", &index), LIBNN_E_NOTFOUND);
    tu_assert_error_has("\"mat.\" is not in the word index");
    /* the cat ate the unknown bird: unknown words are dropped. */
    SEQ(tok, "the cat ate the bird", 1, 2, 7, 1);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(ties_follow_first_appearance)
{
    /* "b a" / "a c c": counts b 1, a 2, c 2, first seen b, a, c. Sorted by
     * count, stable: a (2), c (2), b (1), so a=1, c=2, b=3 although c has the
     * same count as a and b was seen first. */
    const char *texts[] = {"b a", "a c c"};
    libnn_tokenizer *tok = fitted(NULL, NULL, 2, texts);
    ORDER(tok, "a", "c", "b");
    ck_assert_str_eq(libnn_tokenizer_counted_word(tok, 0), "b");
    /* A second fit adds to the counts and keeps the first-appearance order:
     * "d b b" makes b 3, d 1 (seen last): b=1, a=2, c=3, d=4. */
    const char *more[] = {"d b b"};
    fit(tok, 1, more);
    ORDER(tok, "b", "a", "c", "d");
    ck_assert_int_eq(libnn_tokenizer_document_count(tok), 3);
    int64_t count, docs;
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, "b", &count, &docs), LIBNN_OK);
    ck_assert_int_eq(count, 3);
    ck_assert_int_eq(docs, 2); /* b in "b a" and in "d b b" */
    /* Fitting on no text only rebuilds the index. */
    fit(tok, 0, NULL);
    ck_assert_int_eq(libnn_tokenizer_document_count(tok), 3);
    ck_assert_int_eq(index_of(tok, "d"), 4);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(num_words_and_oov)
{
    /* "b a" / "a c c" again: a=1, c=2, b=3. num_words 3 keeps indices < 3. */
    const char *texts[] = {"b a", "a c c"};
    libnn_tokenizer *tok = new_tok();
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_NUM_WORDS, 3), LIBNN_OK);
    fit(tok, 2, texts);
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(tok), 3); /* the index keeps all */
    SEQ(tok, "a c b z", 1, 2);
    libnn_tokenizer_free(tok);

    /* With oov_token "<OOV>": sorted_voc = [<OOV>, a, c, b], so <OOV>=1,
     * a=2, c=3, b=4. num_words 3 keeps 1 and 2: c (3) and b (4) become 1,
     * as does the unknown z. ('<' and '>' are filters, but the OOV token is
     * never filtered.) */
    tok = new_tok();
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "<OOV>"),
                     LIBNN_OK);
    fit(tok, 2, texts);
    ck_assert_int_eq(index_of(tok, "<OOV>"), 1);
    ck_assert_int_eq(index_of(tok, "a"), 2);
    ck_assert_int_eq(index_of(tok, "b"), 4);
    int64_t count, docs;
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, "<OOV>", &count, &docs), LIBNN_E_NOTFOUND);
    SEQ(tok, "a c b z", 2, 3, 4, 1);
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_NUM_WORDS, 3), LIBNN_OK);
    SEQ(tok, "a c b z", 2, 1, 1, 1);
    ck_assert_uint_eq(libnn_tokenizer_word_counts_size(tok), 3);
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(tok), 4);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(oov_that_is_also_a_word)
{
    /* oov_token "the" over "the cat the": sorted_voc = [the, the, cat];
     * dict(zip(sorted_voc, [1, 2, 3])) keeps the last index of "the": the=2,
     * cat=3, and index 1 is assigned to nothing. Unknown words become 2. */
    const char *texts[] = {"the cat the"};
    libnn_tokenizer *tok = new_tok();
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "the"), LIBNN_OK);
    fit(tok, 1, texts);
    ck_assert_int_eq(index_of(tok, "the"), 2);
    ck_assert_int_eq(index_of(tok, "cat"), 3);
    ck_assert_ptr_null(libnn_tokenizer_index_word(tok, 1));
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(tok), 2);
    ck_assert_int_eq(libnn_tokenizer_max_index(tok), 3);
    SEQ(tok, "the dog cat", 2, 2, 3);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(oov_not_in_index)
{
    /* Keras would emit None; libnn refuses until a fit places the token. */
    const char *texts[] = {"a b"};
    libnn_tokenizer *tok = fitted(NULL, NULL, 1, texts);
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "?"), LIBNN_OK);
    libnn_sequences *seqs = (libnn_sequences *)1;
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(tok, 1, texts, &seqs), LIBNN_E_STATE);
    ck_assert_ptr_null(seqs);
    tu_assert_error_has("oov_token \"?\" is not in the word index");
    size_t needed;
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, NULL, 0, NULL, 0, &needed),
                     LIBNN_E_STATE);
    fit(tok, 0, NULL); /* now ? = 1, a = 2, b = 3 */
    SEQ(tok, "b x", 3, 1);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(char_level)
{
    /* char_level: "Ab a!" lower-cased, every character a token, filters not
     * applied: a 2, b 1, ' ' 1, '!' 1 -> a=1, b=2, ' '=3, '!'=4. */
    const char *texts[] = {"Ab a!"};
    libnn_tokenizer *tok = new_tok();
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_CHAR_LEVEL, 1), LIBNN_OK);
    fit(tok, 1, texts);
    ORDER(tok, "a", "b", " ", "!");
    SEQ(tok, "BA? a", 2, 1, 3, 1);
    /* Multi-byte characters are whole tokens: "日本日" -> 日 2, 本 1. */
    libnn_tokenizer_free(tok);
    tok = new_tok();
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_CHAR_LEVEL, 1), LIBNN_OK);
    const char *cjk[] = {"日本日É"};
    fit(tok, 1, cjk);
    ORDER(tok, "日", "本", "é");
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(tok), 3);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(filters_split_lower)
{
    /* lower off: "The" and "the" are two words (1 each: The=1, the=2). */
    const char *texts[] = {"The the"};
    libnn_tokenizer *tok = new_tok();
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_LOWER, 0), LIBNN_OK);
    fit(tok, 1, texts);
    ORDER(tok, "The", "the");
    libnn_tokenizer_free(tok);

    /* filters "x", split "-": "a-bxc--d" -> "a-b-c--d" -> a, b, c, d (the
     * empty piece between "--" dropped); '.' is no longer a filter. */
    const char *texts2[] = {"a-bxc--d.e"};
    tok = fitted("x", "-", 1, texts2);
    ORDER(tok, "a", "b", "c", "d.e");
    libnn_tokenizer_free(tok);

    /* A separator of two characters, as str.split("ab"): "1ab2abab3aab" ->
     * "1", "2", "", "3a", "" -> 1, 2, 3a. A filter of the upper-case letter
     * 'Q' filters nothing after lower-casing. */
    const char *texts3[] = {"1ab2abab3aabQ"};
    tok = fitted("Q", "ab", 1, texts3);
    ORDER(tok, "1", "2", "3a", "q");
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(utf8_words)
{
    /* "Naïve café 日本語" / "NAÏVE CAFÉ": lower-cased (Ï -> ï, É -> é) the
     * words are naïve 2, café 2, 日本語 1. */
    const char *texts[] = {"Naïve café 日本語", "NAÏVE CAFÉ"};
    libnn_tokenizer *tok = fitted(NULL, NULL, 2, texts);
    ORDER(tok, "naïve", "café", "日本語");
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(tok), 3);
    SEQ(tok, "日本語 Café", 3, 2);
    libnn_tokenizer_free(tok);

    /* Latin Extended-A and Cyrillic lower-case; U+0130 (İ) and Greek stay. */
    const char *more[] = {"ŁÓDŹ МОСКВА İSTANBUL ΑΘΗΝΑ Ÿ"};
    tok = fitted(NULL, NULL, 1, more);
    ORDER(tok, "łódź", "москва", "İstanbul", "ΑΘΗΝΑ", "ÿ");
    libnn_tokenizer_free(tok);

    /* A non-ASCII filter and separator: filters "、", split "。". */
    const char *cjk[] = {"日本、語。東京"};
    tok = fitted("、", "。", 1, cjk);
    ORDER(tok, "日本", "語", "東京");
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(invalid_utf8)
{
    const char *good[] = {"a b"};
    libnn_tokenizer *tok = fitted(NULL, NULL, 1, good);
    static const struct {
        const char *text;
        const char *where;
    } bad[] = {
        {"ok \xff", "byte 0xff at offset 3"},
        {"\xc0\xaf", "byte 0xc0 at offset 0"},         /* overlong '/' */
        {"ab\xe6\x97", "byte 0xe6 at offset 2"},       /* cut short */
        {"\xed\xa0\x80", "byte 0xed at offset 0"},     /* a surrogate */
        {"x\xf4\x90\x80\x80", "byte 0xf4 at offset 1"}, /* above U+10FFFF */
        {"caf\x80", "byte 0x80 at offset 3"},          /* a lone continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *texts[] = {"fine", bad[i].text};
        ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 2, texts), LIBNN_E_FORMAT);
        tu_assert_error_has("text 1 is not valid UTF-8");
        tu_assert_error_has(bad[i].where);
        libnn_sequences *seqs;
        ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(tok, 2, texts, &seqs),
                         LIBNN_E_FORMAT);
        tu_assert_error_has(bad[i].where);
    }
    /* Nothing of the failed fits was counted. */
    ck_assert_int_eq(libnn_tokenizer_document_count(tok), 1);
    ck_assert_uint_eq(libnn_tokenizer_word_counts_size(tok), 2);
    int64_t index;
    ck_assert_int_eq(libnn_tokenizer_word_index(tok, "fine", &index), LIBNN_E_NOTFOUND);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(sequence_to_text)
{
    /* "b a" / "a c c": a=1, c=2, b=3. */
    const char *texts[] = {"b a", "a c c"};
    libnn_tokenizer *tok = fitted(NULL, NULL, 2, texts);
    const int32_t ids[] = {3, 1, 9, 2, 0};
    size_t needed = 0;
    char buf[64];
    /* Without OOV, 9 and 0 are skipped: "b a c". */
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, ids, 5, NULL, 0, &needed),
                     LIBNN_E_RANGE);
    ck_assert_uint_eq(needed, 6);
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, ids, 5, buf, 5, &needed),
                     LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, ids, 5, buf, 6, &needed), LIBNN_OK);
    ck_assert_str_eq(buf, "b a c");
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, ids, 0, buf, 64, &needed), LIBNN_OK);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(needed, 1);
    libnn_tokenizer_free(tok);

    /* With <OOV> (<OOV>=1, a=2, c=3, b=4) and num_words 3: ids >= 3 and
     * unknown ids become <OOV>; 1 is <OOV> itself. */
    tok = new_tok();
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "<OOV>"),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_NUM_WORDS, 3), LIBNN_OK);
    fit(tok, 2, texts);
    const int32_t ids2[] = {2, 3, 4, 1, -7};
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, ids2, 5, buf, sizeof buf, &needed),
                     LIBNN_OK);
    ck_assert_str_eq(buf, "a <OOV> <OOV> <OOV> <OOV>");
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, NULL, 1, buf, 64, &needed),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, ids2, 1, NULL, 64, &needed),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_sequence_to_text(tok, ids2, 1, buf, 64, NULL),
                     LIBNN_E_INVALID);
    libnn_tokenizer_free(tok);
}
END_TEST

START_TEST(options)
{
    libnn_tokenizer *tok = new_tok();
    int64_t v;
    const char *s;
    ck_assert_int_eq(libnn_tokenizer_get_int(tok, LIBNN_TOKENIZER_NUM_WORDS, &v), LIBNN_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(libnn_tokenizer_get_int(tok, LIBNN_TOKENIZER_LOWER, &v), LIBNN_OK);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(libnn_tokenizer_get_int(tok, LIBNN_TOKENIZER_CHAR_LEVEL, &v), LIBNN_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_FILTERS, &s), LIBNN_OK);
    ck_assert_str_eq(s, "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n");
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_SPLIT, &s), LIBNN_OK);
    ck_assert_str_eq(s, " ");
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, &s), LIBNN_OK);
    ck_assert_ptr_null(s);

    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_NUM_WORDS, -1), LIBNN_E_INVALID);
    tu_assert_error_has("num_words must be >= 0");
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_LOWER, 2), LIBNN_E_INVALID);
    tu_assert_error_has("lower is a boolean");
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_SPLIT, 1), LIBNN_E_INVALID);
    tu_assert_error_has("option split is a string");
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_LOWER, "x"), LIBNN_E_INVALID);
    tu_assert_error_has("option lower is an integer");
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, (libnn_tokenizer_option)99, 1), LIBNN_E_INVALID);
    tu_assert_error_has("unknown tokenizer option 99");
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_SPLIT, ""), LIBNN_E_INVALID);
    tu_assert_error_has("split must not be empty");
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_FILTERS, NULL),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_FILTERS, "a\xff"),
                     LIBNN_E_INVALID);
    tu_assert_error_has("filters is not valid UTF-8: byte 0xff at offset 1");
    ck_assert_int_eq(libnn_tokenizer_set_int(NULL, LIBNN_TOKENIZER_LOWER, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_get_int(tok, LIBNN_TOKENIZER_LOWER, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_SPLIT, NULL),
                     LIBNN_E_INVALID);
    /* Failed sets changed nothing. */
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_SPLIT, &s), LIBNN_OK);
    ck_assert_str_eq(s, " ");
    ck_assert_int_eq(libnn_tokenizer_get_int(tok, LIBNN_TOKENIZER_LOWER, &v), LIBNN_OK);
    ck_assert_int_eq(v, 1);

    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "<unk>"),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, &s), LIBNN_OK);
    ck_assert_str_eq(s, "<unk>");
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, NULL), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, &s), LIBNN_OK);
    ck_assert_ptr_null(s);

    /* NULL handling of the other calls. */
    ck_assert_int_eq(libnn_tokenizer_new(NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(NULL, 0, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 1, NULL), LIBNN_E_INVALID);
    const char *with_null[] = {"a", NULL};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 2, with_null), LIBNN_E_INVALID);
    tu_assert_error_has("text 1 is NULL");
    libnn_sequences *seqs;
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(tok, 1, with_null, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(NULL, 1, with_null, &seqs),
                     LIBNN_E_INVALID);
    int64_t index, count, docs;
    ck_assert_int_eq(libnn_tokenizer_word_index(tok, NULL, &index), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, "a", &count, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, NULL, &count, &docs), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_document_count(NULL), 0);
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(NULL), 0);
    ck_assert_uint_eq(libnn_tokenizer_word_counts_size(NULL), 0);
    ck_assert_int_eq(libnn_tokenizer_max_index(NULL), 0);
    ck_assert_ptr_null(libnn_tokenizer_index_word(NULL, 1));
    ck_assert_ptr_null(libnn_tokenizer_counted_word(NULL, 0));
    libnn_tokenizer_free(NULL);
    libnn_tokenizer_free(tok);
}
END_TEST

/* ---- allocation failures ---- */

static libnn_status body_fit_and_convert(void *ctx)
{
    (void)ctx;
    static const char *const texts[] = {"The cat sat on the mat.", "naïve café 日本語 café",
                                        "a b c d e f g h i j k l m n o p q r s t u v w x y z"};
    libnn_tokenizer *tok = NULL;
    libnn_sequences *seqs = NULL;
    char buf[256];
    size_t needed;
    libnn_status st = libnn_tokenizer_new(&tok);
    if (st == LIBNN_OK)
        st = libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "<OOV>");
    if (st == LIBNN_OK)
        st = libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_FILTERS, "!.,、");
    if (st == LIBNN_OK)
        st = libnn_tokenizer_fit_on_texts(tok, 3, texts);
    if (st == LIBNN_OK)
        st = libnn_tokenizer_fit_on_texts(tok, 2, texts + 1);
    if (st == LIBNN_OK)
        st = libnn_tokenizer_texts_to_sequences(tok, 3, texts, &seqs);
    if (st == LIBNN_OK) {
        int32_t ids[64];
        size_t len;
        ck_assert_int_eq(libnn_sequences_get(seqs, 1, ids, 64, &len), LIBNN_OK);
        st = libnn_tokenizer_sequence_to_text(tok, ids, len, buf, sizeof buf, &needed);
        if (st == LIBNN_OK)
            ck_assert_str_eq(buf, "naïve café 日本語 café");
    }
    libnn_sequences_free(seqs);
    libnn_tokenizer_free(tok);
    return st;
}

START_TEST(alloc_failures)
{
    ck_assert_int_gt(tu_alloc_fail_loop(body_fit_and_convert, NULL), 10);
}
END_TEST

/* A failed fit leaves the tokenizer as it was: its JSON is unchanged. */
START_TEST(failed_fit_changes_nothing)
{
    static const char *const first[] = {"the cat sat on the mat"};
    static const char *const second[] = {"a new dog sat on a new mat with the cat", "x y z"};
    libnn_tokenizer *tok = new_tok();
    fit(tok, 1, first);
    size_t before_len;
    ck_assert_int_eq(libnn_tokenizer_to_json(tok, NULL, 0, &before_len), LIBNN_E_RANGE);
    char *before = malloc(before_len), *after = malloc(before_len + 4096);
    ck_assert_int_eq(libnn_tokenizer_to_json(tok, before, before_len, &before_len), LIBNN_OK);
    long total = 0;
    for (long n = 1;; n++) {
        tu_alloc_fail_at(n, 1);
        libnn_status st = libnn_tokenizer_fit_on_texts(tok, 2, second);
        total = tu_alloc_calls();
        tu_alloc_reset();
        if (st == LIBNN_OK)
            break;
        ck_assert_int_eq(st, LIBNN_E_NOMEM);
        size_t len;
        ck_assert_int_eq(libnn_tokenizer_to_json(tok, after, before_len + 4096, &len), LIBNN_OK);
        ck_assert_str_eq(after, before);
    }
    ck_assert_int_gt(total, 2);
    ck_assert_int_eq(libnn_tokenizer_document_count(tok), 3);
    free(before);
    free(after);
    libnn_tokenizer_free(tok);
}
END_TEST

Suite *tokenizer_suite(void)
{
    Suite *s = suite_create("tokenizer");
    TCase *tc = tu_tcase("keras");
    tcase_add_test(tc, keras_word_index);
    tcase_add_test(tc, ties_follow_first_appearance);
    tcase_add_test(tc, num_words_and_oov);
    tcase_add_test(tc, oov_that_is_also_a_word);
    tcase_add_test(tc, oov_not_in_index);
    tcase_add_test(tc, char_level);
    tcase_add_test(tc, filters_split_lower);
    tcase_add_test(tc, sequence_to_text);
    tcase_add_test(tc, options);
    suite_add_tcase(s, tc);

    tc = tu_tcase("utf8");
    tcase_add_test(tc, utf8_words);
    tcase_add_test(tc, invalid_utf8);
    suite_add_tcase(s, tc);

    tc = tu_tcase("alloc-failures");
    tcase_add_test(tc, alloc_failures);
    tcase_add_test(tc, failed_fit_changes_nothing);
    suite_add_tcase(s, tc);
    return s;
}
