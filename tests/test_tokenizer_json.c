/*
 * The tokenizer's JSON: round trips, the files Keras' to_json() writes (read,
 * and written again byte for byte), hostile JSON refused with a clear
 * message, atomic save and load, and all of it under allocation failures.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_helpers.h"
#include "testutil.h"

/* JSON of a tokenizer, malloc'ed. */
static char *json_of(const libnn_tokenizer *tok)
{
    size_t needed = 0;
    ck_assert_int_eq(libnn_tokenizer_to_json(tok, NULL, 0, &needed), LIBNN_E_RANGE);
    char *buf = malloc(needed);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(libnn_tokenizer_to_json(tok, buf, needed, &needed), LIBNN_OK);
    ck_assert_uint_eq(strlen(buf) + 1, needed);
    return buf;
}

static libnn_tokenizer *from_json(const char *text)
{
    libnn_tokenizer *tok = NULL;
    libnn_status st = libnn_tokenizer_from_json(text, strlen(text), &tok);
    ck_assert_msg(st == LIBNN_OK, "from_json: %s", libnn_last_error());
    return tok;
}

static char *fixture(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "fixtures/tokenizer/%s", name);
    size_t size;
    unsigned char *bytes = io_read_file(tu_path(rel), &size);
    char *text = realloc(bytes, size + 1);
    text[size] = '\0';
    return text;
}

static int64_t index_of(const libnn_tokenizer *tok, const char *word)
{
    int64_t index = -1;
    ck_assert_msg(libnn_tokenizer_word_index(tok, word, &index) == LIBNN_OK, "%s: %s", word,
                  libnn_last_error());
    return index;
}

START_TEST(roundtrip)
{
    static const char *const texts[] = {"The cat sat.", "naïve café 日本語 😀 \"quoted\\\"",
                                        "tab\there"};
    libnn_tokenizer *tok;
    ck_assert_int_eq(libnn_tokenizer_new(&tok), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "<ünk>"),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_FILTERS, "."), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_NUM_WORDS, 5), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 3, texts), LIBNN_OK);
    char *a = json_of(tok);
    /* Pure ASCII, as Python's ensure_ascii, with lower-case escapes. */
    for (const char *p = a; *p; p++)
        ck_assert_int_lt((unsigned char)*p, 0x80);
    ck_assert_ptr_nonnull(strstr(a, "caf\\\\u00e9"));
    ck_assert_ptr_nonnull(strstr(a, "\\\\ud83d\\\\ude00"));
    ck_assert_ptr_nonnull(strstr(a, "\"oov_token\": \"<\\u00fcnk>\""));
    libnn_tokenizer *back = from_json(a);
    char *b = json_of(back);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(index_of(back, "<ünk>"), 1);
    ck_assert_int_eq(index_of(back, "\"quoted\\\""), index_of(tok, "\"quoted\\\""));
    ck_assert_int_eq(libnn_tokenizer_document_count(back), 3);
    int64_t v;
    ck_assert_int_eq(libnn_tokenizer_get_int(back, LIBNN_TOKENIZER_NUM_WORDS, &v), LIBNN_OK);
    ck_assert_int_eq(v, 5);
    /* The copy converts as the original. */
    libnn_sequences *s1, *s2;
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(tok, 3, texts, &s1), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(back, 3, texts, &s2), LIBNN_OK);
    for (size_t i = 0; i < 3; i++) {
        int32_t x[32], y[32];
        size_t nx, ny;
        ck_assert_int_eq(libnn_sequences_get(s1, i, x, 32, &nx), LIBNN_OK);
        ck_assert_int_eq(libnn_sequences_get(s2, i, y, 32, &ny), LIBNN_OK);
        ck_assert_uint_eq(nx, ny);
        ck_assert_int_eq(memcmp(x, y, nx * sizeof *x), 0);
    }
    /* to_json's size contract. */
    size_t needed;
    char small[8];
    ck_assert_int_eq(libnn_tokenizer_to_json(tok, small, sizeof small, &needed), LIBNN_E_RANGE);
    ck_assert_uint_eq(needed, strlen(a) + 1);
    ck_assert_int_eq(libnn_tokenizer_to_json(tok, NULL, 5, &needed), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_to_json(NULL, NULL, 0, &needed), LIBNN_E_INVALID);
    libnn_sequences_free(s1);
    libnn_sequences_free(s2);
    free(a);
    free(b);
    libnn_tokenizer_free(back);
    libnn_tokenizer_free(tok);
}
END_TEST

/* keras_oov.json: Tokenizer(num_words=10, oov_token="<OOV>") fitted on
 * "The cat sat." and "The dog, the café!" (see fixtures/tokenizer/README.md):
 * the 3, cat, sat, dog, café 1 -> <OOV>=1, the=2, cat=3, sat=4, dog=5,
 * café=6. */
START_TEST(keras_file_reads)
{
    char *text = fixture("keras_oov.json");
    libnn_tokenizer *tok = from_json(text);
    ck_assert_int_eq(index_of(tok, "<OOV>"), 1);
    ck_assert_int_eq(index_of(tok, "the"), 2);
    ck_assert_int_eq(index_of(tok, "café"), 6);
    ck_assert_str_eq(libnn_tokenizer_index_word(tok, 5), "dog");
    ck_assert_int_eq(libnn_tokenizer_document_count(tok), 2);
    int64_t count, docs, v;
    ck_assert_int_eq(libnn_tokenizer_word_count(tok, "the", &count, &docs), LIBNN_OK);
    ck_assert_int_eq(count, 3);
    ck_assert_int_eq(docs, 2);
    ck_assert_str_eq(libnn_tokenizer_counted_word(tok, 4), "café");
    ck_assert_int_eq(libnn_tokenizer_get_int(tok, LIBNN_TOKENIZER_NUM_WORDS, &v), LIBNN_OK);
    ck_assert_int_eq(v, 10);
    /* "The café and the dog!": the=2, café=6, and -> <OOV>, the=2, dog=5. */
    const char *in[] = {"The café and the dog!"};
    libnn_sequences *seqs;
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(tok, 1, in, &seqs), LIBNN_OK);
    int32_t got[8];
    size_t len;
    ck_assert_int_eq(libnn_sequences_get(seqs, 0, got, 8, &len), LIBNN_OK);
    ck_assert_uint_eq(len, 5);
    const int32_t want[] = {2, 6, 1, 2, 5};
    ck_assert_int_eq(memcmp(got, want, sizeof want), 0);
    libnn_sequences_free(seqs);

    /* Fitting on after loading continues Keras' counts: "dog dog dog" makes
     * dog 4, so <OOV>=1, dog=2, the=3, cat=4, sat=5, café=6. */
    const char *more[] = {"dog dog dog"};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 1, more), LIBNN_OK);
    ck_assert_int_eq(index_of(tok, "dog"), 2);
    ck_assert_int_eq(index_of(tok, "the"), 3);
    ck_assert_int_eq(index_of(tok, "café"), 6);
    ck_assert_int_eq(libnn_tokenizer_document_count(tok), 3);
    libnn_tokenizer_free(tok);

    /* keras_char_level.json: char_level over "Aé😀a": a=1, é=2, 😀=3. */
    free(text);
    text = fixture("keras_char_level.json");
    tok = from_json(text);
    ck_assert_int_eq(index_of(tok, "😀"), 3);
    ck_assert_int_eq(libnn_tokenizer_get_int(tok, LIBNN_TOKENIZER_CHAR_LEVEL, &v), LIBNN_OK);
    ck_assert_int_eq(v, 1);
    const char *chars[] = {"É😀!"};
    ck_assert_int_eq(libnn_tokenizer_texts_to_sequences(tok, 1, chars, &seqs), LIBNN_OK);
    ck_assert_int_eq(libnn_sequences_get(seqs, 0, got, 8, &len), LIBNN_OK);
    ck_assert_uint_eq(len, 2);
    ck_assert_int_eq(got[0], 2);
    ck_assert_int_eq(got[1], 3);
    libnn_sequences_free(seqs);
    libnn_tokenizer_free(tok);
    free(text);
}
END_TEST

/* config[key] of a tokenizer JSON text, parsed by the test itself. */
static json_t *config_of(const char *text)
{
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    ck_assert_msg(root != NULL, "%s", err.text);
    return root;
}

/*
 * The same fit in libnn writes what Keras wrote: every field byte for byte
 * (hence the same layout, key order and escapes), except word_docs and
 * index_docs, whose order in Keras follows Python's set iteration; those are
 * compared as JSON objects.
 */
static void assert_writes_like_keras(const char *file, libnn_tokenizer *tok)
{
    char *keras = fixture(file);
    char *ours = json_of(tok);
    json_t *a = config_of(keras), *b = config_of(ours);
    json_t *ca = json_object_get(a, "config"), *cb = json_object_get(b, "config");
    ck_assert_str_eq(json_string_value(json_object_get(b, "class_name")), "Tokenizer");
    ck_assert_uint_eq(json_object_size(ca), json_object_size(cb));
    const char *key;
    json_t *va;
    json_object_foreach(ca, key, va) {
        json_t *vb = json_object_get(cb, key);
        ck_assert_msg(vb != NULL, "%s missing", key);
        if (strcmp(key, "word_docs") == 0 || strcmp(key, "index_docs") == 0) {
            json_t *x = json_loads(json_string_value(va), 0, NULL);
            json_t *y = json_loads(json_string_value(vb), 0, NULL);
            ck_assert_msg(json_equal(x, y), "%s differs", key);
            json_decref(x);
            json_decref(y);
        } else if (json_is_string(va)) {
            ck_assert_str_eq(json_string_value(vb), json_string_value(va));
        } else {
            ck_assert_msg(json_equal(va, vb), "%s differs", key);
        }
    }
    /* Everything up to word_docs comes out byte for byte. */
    const char *cut = strstr(keras, "\"word_docs\"");
    ck_assert_ptr_nonnull(cut);
    ck_assert_int_eq(strncmp(keras, ours, (size_t)(cut - keras)), 0);
    json_decref(a);
    json_decref(b);
    free(keras);
    free(ours);
}

START_TEST(writes_like_keras)
{
    libnn_tokenizer *tok;
    ck_assert_int_eq(libnn_tokenizer_new(&tok), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_NUM_WORDS, 10), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_string(tok, LIBNN_TOKENIZER_OOV_TOKEN, "<OOV>"),
                     LIBNN_OK);
    const char *texts[] = {"The cat sat.", "The dog, the café!"};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 2, texts), LIBNN_OK);
    assert_writes_like_keras("keras_oov.json", tok);
    libnn_tokenizer_free(tok);

    ck_assert_int_eq(libnn_tokenizer_new(&tok), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_int(tok, LIBNN_TOKENIZER_CHAR_LEVEL, 1), LIBNN_OK);
    const char *chars[] = {"Aé😀a"};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 1, chars), LIBNN_OK);
    assert_writes_like_keras("keras_char_level.json", tok);
    libnn_tokenizer_free(tok);
}
END_TEST

/* ---- hostile JSON ---- */

/* A valid tokenizer JSON with a = 1, b = 2 (both counted once); each bad
 * case replaces one piece. */
#define WC "\"{\\\"a\\\": 1, \\\"b\\\": 1}\""
#define WD "\"{\\\"a\\\": 1, \\\"b\\\": 1}\""
#define ID "\"{\\\"1\\\": 1, \\\"2\\\": 1}\""
#define IW "\"{\\\"1\\\": \\\"a\\\", \\\"2\\\": \\\"b\\\"}\""
#define WI "\"{\\\"a\\\": 1, \\\"b\\\": 2}\""
#define DOC(extra, wc, wd, id, iw, wi)                                                        \
    "{\"class_name\": \"Tokenizer\", \"config\": {" extra "\"word_counts\": " wc               \
    ", \"word_docs\": " wd ", \"index_docs\": " id ", \"index_word\": " iw                   \
    ", \"word_index\": " wi "}}"
#define GOOD DOC("", WC, WD, ID, IW, WI)

static const struct {
    const char *json;
    const char *message;
} bad_cases[] = {
    {"", "the tokenizer JSON is empty"},
    {"{\"config\": {}}, {}", "not valid JSON: more than one value"},
    {"[1, 2]", "the tokenizer JSON is not a JSON object"},
    {"{}", "\"config\" is missing"},
    {"{\"config\": 3}", "\"config\" is not a JSON object"},
    {"{\"class_name\": 5, \"config\": {}}", "\"class_name\" must be a string"},
    {"{\"config\": {}, \"config\": {}}", "the tokenizer JSON has a duplicate key"},
    {"{\"config\": {}} trailing", "not valid JSON"},
    {"{\"config\": {\"word_counts\": \"{}\"}}", "config.word_docs is missing"},
    {"{\"config\": {}}", "config.word_counts is missing"},
    {"{\"config\": {\"lo\xffwer\": 1}}", "not valid UTF-8: byte 0xff at offset 15"},
    {"{\"config\": {\"word_counts\": {}}}", "config.word_counts must be a string holding"},
    {DOC("", "\"{\\\"a\\\": }\"", WD, ID, IW, WI), "config.word_counts is not valid JSON at byte"},
    {DOC("", "\"[1]\"", WD, ID, IW, WI), "config.word_counts is not a JSON object"},
    {DOC("", "\"{\\\"a\\\": -1, \\\"b\\\": 1}\"", WD, ID, IW, WI),
     "config.word_counts: \"a\" must have an integer count >= 0"},
    {DOC("", "\"{\\\"a\\\": 1.5, \\\"b\\\": 1}\"", WD, ID, IW, WI),
     "config.word_counts: \"a\" must have an integer count"},
    {DOC("", "\"{\\\"a\\\": 1, \\\"a\\\": 1}\"", WD, ID, IW, WI),
     "config.word_counts has a duplicate key"},
    {DOC("", "\"{\\\"a\\\\u0000\\\": 1}\"", WD, ID, IW, WI), "config.word_counts is not valid JSON"},
    {DOC("", WC, "\"{\\\"z\\\": 1}\"", ID, IW, WI), "config.word_docs: \"z\" is not in word_counts"},
    {DOC("", WC, "\"{\\\"a\\\": \\\"1\\\"}\"", ID, IW, WI), "config.word_docs: \"a\" must have"},
    {DOC("", WC, WD, "\"{\\\"x1\\\": 1}\"", IW, WI), "config.index_docs: key \"x1\" is not an int"},
    {DOC("", WC, WD, "\"{\\\"1\\\": null}\"", IW, WI), "config.index_docs: \"1\" must have"},
    {DOC("", WC, WD, ID, IW, "\"{\\\"a\\\": 2147483648, \\\"b\\\": 2}\""),
     "config.word_index: \"a\" must have an integer index in [1, 2147483647]"},
    {DOC("", WC, WD, ID, IW, "\"{\\\"a\\\": 0, \\\"b\\\": 2}\""), "\"a\" must have an integer index"},
    {DOC("", WC, WD, ID, IW, "\"{\\\"a\\\": 99999999999999999999}\""),
     "config.word_index is not valid JSON"},
    {DOC("", WC, WD, ID, IW, "\"{\\\"a\\\": 1, \\\"b\\\": 1}\""),
     "config.word_index: \"a\" and \"b\" both have index 1"},
    {DOC("", WC, WD, ID, IW, "\"{\\\"a\\\": 1, \\\"a\\\": 2}\""),
     "config.word_index has a duplicate key"},
    {DOC("", WC, WD, ID, "\"{\\\"1\\\": \\\"b\\\", \\\"2\\\": \\\"a\\\"}\"", WI),
     "config.index_word: \"1\" is \"b\", but word_index does not give \"b\" index 1"},
    {DOC("", WC, WD, ID, "\"{\\\"1\\\": \\\"a\\\"}\"", WI),
     "config.index_word has 1 entries, word_index 2"},
    {DOC("", WC, WD, ID, "\"{\\\"01\\\": \\\"a\\\", \\\"2\\\": \\\"b\\\"}\"", WI),
     "config.index_word: key \"01\" is not an index"},
    {DOC("", WC, WD, ID, "\"{\\\"1\\\": 1, \\\"2\\\": \\\"b\\\"}\"", WI),
     "config.index_word: \"1\" must be a string"},
    {DOC("\"num_words\": -1, ", WC, WD, ID, IW, WI), "config.num_words must be null or an integer"},
    {DOC("\"num_words\": \"10\", ", WC, WD, ID, IW, WI), "config.num_words must be"},
    {DOC("\"lower\": 1, ", WC, WD, ID, IW, WI), "config.lower must be true or false"},
    {DOC("\"char_level\": null, ", WC, WD, ID, IW, WI), "config.char_level must be true or"},
    {DOC("\"split\": \"\", ", WC, WD, ID, IW, WI), "config.split must be a non-empty string"},
    {DOC("\"filters\": null, ", WC, WD, ID, IW, WI), "config.filters must be a string"},
    {DOC("\"oov_token\": 5, ", WC, WD, ID, IW, WI), "config.oov_token must be null or a string"},
    {DOC("\"document_count\": -3, ", WC, WD, ID, IW, WI), "config.document_count must be an int"},
};

START_TEST(hostile_json)
{
    const char *json = bad_cases[_i].json;
    libnn_tokenizer *tok = (libnn_tokenizer *)1;
    libnn_status st = libnn_tokenizer_from_json(json, strlen(json), &tok);
    ck_assert_msg(st == LIBNN_E_FORMAT, "case %d: got %s (%s)", _i, libnn_status_str(st),
                  libnn_last_error());
    ck_assert_ptr_null(tok);
    tu_assert_error_has(bad_cases[_i].message);
}
END_TEST

START_TEST(minimal_and_deep_json)
{
    /* The base of the hostile cases is valid, with Keras' defaults. */
    libnn_tokenizer *tok = from_json(GOOD);
    ck_assert_int_eq(index_of(tok, "b"), 2);
    const char *s;
    ck_assert_int_eq(libnn_tokenizer_get_string(tok, LIBNN_TOKENIZER_FILTERS, &s), LIBNN_OK);
    ck_assert_str_eq(s, "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n");
    libnn_tokenizer_free(tok);
    /* Unknown keys are ignored (newer Keras versions may add some). */
    tok = from_json(DOC("\"analyzer\": null, ", WC, WD, ID, IW, WI));
    libnn_tokenizer_free(tok);
    /* Nesting far beyond jansson's depth limit is refused, not recursed. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    ck_assert_int_eq(libnn_tokenizer_from_json(deep, 2 * depth, &tok), LIBNN_E_FORMAT);
    tu_assert_error_has("not valid JSON");
    free(deep);
    ck_assert_int_eq(libnn_tokenizer_from_json(NULL, 3, &tok), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_from_json("{}", 2, NULL), LIBNN_E_INVALID);
    /* A length shorter than the text reads only that much. */
    ck_assert_int_eq(libnn_tokenizer_from_json(GOOD, 10, &tok), LIBNN_E_FORMAT);
}
END_TEST

/* ---- files ---- */

START_TEST(save_and_load)
{
    char dir[256], path[300], bad[300];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/tok.json", dir);
    libnn_tokenizer *tok = from_json(GOOD), *back = NULL;
    ck_assert_int_eq(libnn_tokenizer_save(tok, path), LIBNN_OK);
    char *want = json_of(tok);
    io_assert_file_is(path, want, strlen(want));
    ck_assert_int_eq(libnn_tokenizer_load(path, &back), LIBNN_OK);
    char *got = json_of(back);
    ck_assert_str_eq(got, want);
    /* A failed save leaves the old file as it was. */
    snprintf(bad, sizeof bad, "%s/missing/tok.json", dir);
    ck_assert_int_eq(libnn_tokenizer_save(tok, bad), LIBNN_E_IO);
    tu_assert_error_has("missing");
    ck_assert_int_eq(libnn_tokenizer_save(tok, ""), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_save(NULL, path), LIBNN_E_INVALID);
    io_assert_file_is(path, want, strlen(want));
    ck_assert_int_eq(io_entry_count(dir), 1);
    /* Load errors. */
    libnn_tokenizer *none = (libnn_tokenizer *)1;
    ck_assert_int_eq(libnn_tokenizer_load(bad, &none), LIBNN_E_IO);
    ck_assert_ptr_null(none);
    ck_assert_int_eq(libnn_tokenizer_load(dir, &none), LIBNN_E_IO);
    tu_assert_error_has("not a regular file");
    io_write_file(path, "{\"config\": 1}", 13);
    ck_assert_int_eq(libnn_tokenizer_load(path, &none), LIBNN_E_FORMAT);
    tu_assert_error_has("tokenizer_load: \"config\" is not a JSON object");
    ck_assert_int_eq(libnn_tokenizer_load(NULL, &none), LIBNN_E_INVALID);
    free(want);
    free(got);
    libnn_tokenizer_free(tok);
    libnn_tokenizer_free(back);
    io_scratch_remove(dir);
}
END_TEST

/* ---- allocation failures ---- */

static libnn_status body_json_roundtrip(void *ctx)
{
    const char *text = ctx;
    libnn_tokenizer *tok = NULL, *back = NULL;
    char *buf = NULL;
    size_t needed = 0;
    libnn_status st = libnn_tokenizer_from_json(text, strlen(text), &tok);
    if (st == LIBNN_OK) {
        st = libnn_tokenizer_to_json(tok, NULL, 0, &needed);
        if (st == LIBNN_E_RANGE) {
            buf = malloc(needed);
            st = libnn_tokenizer_to_json(tok, buf, needed, &needed);
        }
    }
    if (st == LIBNN_OK)
        st = libnn_tokenizer_from_json(buf, needed - 1, &back);
    if (st == LIBNN_OK) {
        int64_t index;
        ck_assert_int_eq(libnn_tokenizer_word_index(back, "café", &index), LIBNN_OK);
        ck_assert_int_eq(index, 6);
    }
    free(buf);
    libnn_tokenizer_free(tok);
    libnn_tokenizer_free(back);
    return st;
}

typedef struct files_ctx {
    const libnn_tokenizer *tok;
    const char *path;
} files_ctx;

static libnn_status body_save_load(void *ctx)
{
    files_ctx *c = ctx;
    libnn_tokenizer *back = NULL;
    libnn_status st = libnn_tokenizer_save(c->tok, c->path);
    if (st == LIBNN_OK)
        st = libnn_tokenizer_load(c->path, &back);
    libnn_tokenizer_free(back);
    return st;
}

START_TEST(alloc_failures)
{
    char *text = fixture("keras_oov.json");
    ck_assert_int_gt(tu_alloc_fail_loop(body_json_roundtrip, text), 20);
    char dir[256], path[300];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/tok.json", dir);
    libnn_tokenizer *tok = from_json(text);
    files_ctx c = {tok, path};
    tu_alloc_fail_loop(body_save_load, &c);
    ck_assert_int_eq(io_entry_count(dir), 1); /* no temporary file left behind */
    libnn_tokenizer_free(tok);
    io_scratch_remove(dir);
    free(text);
}
END_TEST

/*
 * jansson's lexer misbehaves when growing its token buffer fails (see
 * lib/text/json_parse.c): every input, failing each allocation once and
 * then for good, must give its own status or LIBNN_E_NOMEM, never a crash,
 * and a malformed input always the same message. The inputs put tokens of
 * every length around the buffer's 16, 32 and 64 bytes, with escapes,
 * numbers and literals at the edge.
 */
static void assert_stable_under_failures(const char *json)
{
    size_t len = strlen(json);
    libnn_tokenizer *tok = NULL;
    tu_alloc_reset();
    libnn_status want = libnn_tokenizer_from_json(json, len, &tok);
    long total = tu_alloc_calls();
    char message[1024];
    snprintf(message, sizeof message, "%s", libnn_last_error());
    libnn_tokenizer_free(tok);
    for (int persistent = 0; persistent <= 1; persistent++)
        for (long n = 1; n <= total; n++) {
            tok = NULL;
            tu_alloc_fail_at(n, persistent);
            libnn_status st = libnn_tokenizer_from_json(json, len, &tok);
            tu_alloc_reset();
            libnn_tokenizer_free(tok);
            ck_assert_msg(st == want || st == LIBNN_E_NOMEM, "%s: allocation %ld: %s (%s)", json,
                          n, libnn_status_str(st), libnn_last_error());
            if (st == LIBNN_E_FORMAT)
                ck_assert_str_eq(libnn_last_error(), message);
        }
}

START_TEST(alloc_failures_token_lengths)
{
    char json[512], word[80];
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
        if (strlen(bad_cases[i].json) < 4096)
            assert_stable_under_failures(bad_cases[i].json);
    for (int n = 10; n <= 70; n++) {
        /* A word of n bytes with an escape at its end, a count of n digits
         * (clamped to int64), a literal of n letters. */
        memset(word, 'w', (size_t)n);
        memcpy(word + n - 3, "\\\\t", 4); /* an escaped \t in the inner text */
        snprintf(json, sizeof json,
                 DOC("\"document_count\": %.*s, ", "\"{\\\"%s\\\": 1}\"", "\"{}\"", "\"{}\"",
                     "\"{}\"", "\"{}\""),
                 n < 19 ? n : 18, "123456789012345678", word);
        assert_stable_under_failures(json);
        snprintf(json, sizeof json, DOC("\"lower\": tru%.*s, ", WC, WD, ID, IW, WI), n,
                 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
        assert_stable_under_failures(json);
    }
}
END_TEST

/* Counts at INT64_MAX (issue 13, finding 2): a fit that would pass them
 * fails with RANGE and changes nothing (they once wrapped negative), and
 * what to_json writes from_json reads again. */
#define MAX_COUNT "9223372036854775807"
START_TEST(counts_at_int64_max_never_wrap)
{
    libnn_tokenizer *tok =
        from_json(DOC("\"document_count\": " MAX_COUNT ", ",
                      "\"{\\\"a\\\": " MAX_COUNT ", \\\"b\\\": 1}\"",
                      "\"{\\\"a\\\": " MAX_COUNT ", \\\"b\\\": 1}\"", ID, IW, WI));
    char *before = json_of(tok);
    const char *a[] = {"a"}, *c[] = {"c"};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 1, a), LIBNN_E_RANGE);
    tu_assert_error_has("document_count 9223372036854775807 + 1 texts passes INT64_MAX");
    char *after = json_of(tok);
    ck_assert_str_eq(before, after);
    free(after);

    /* What it writes, it reads: the same text again. */
    libnn_tokenizer *again = from_json(before);
    after = json_of(again);
    ck_assert_str_eq(before, after);
    free(after);
    libnn_tokenizer_free(again);
    libnn_tokenizer_free(tok);
    free(before);

    /* A word's count at the top: new words still count, that one fails. */
    tok = from_json(DOC("", "\"{\\\"a\\\": " MAX_COUNT ", \\\"b\\\": 1}\"",
                        "\"{\\\"a\\\": 1, \\\"b\\\": 1}\"", ID, IW, WI));
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 1, c), LIBNN_OK);
    before = json_of(tok);
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 1, a), LIBNN_E_RANGE);
    tu_assert_error_has("the count of word \"a\" (9223372036854775807 times, in 1 texts) would "
                        "pass INT64_MAX");
    after = json_of(tok);
    ck_assert_str_eq(before, after);
    again = from_json(after);
    libnn_tokenizer_free(again);
    free(after);
    free(before);
    libnn_tokenizer_free(tok);
}
END_TEST

Suite *tokenizer_json_suite(void)
{
    Suite *s = suite_create("tokenizer_json");
    TCase *tc = tu_tcase("json");
    tcase_add_test(tc, roundtrip);
    tcase_add_test(tc, keras_file_reads);
    tcase_add_test(tc, writes_like_keras);
    tcase_add_loop_test(tc, hostile_json, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, minimal_and_deep_json);
    tcase_add_test(tc, save_and_load);
    tcase_add_test(tc, counts_at_int64_max_never_wrap);
    suite_add_tcase(s, tc);

    tc = tu_tcase("alloc-failures");
    tcase_add_test(tc, alloc_failures);
    tcase_add_test(tc, alloc_failures_token_lengths);
    suite_add_tcase(s, tc);
    return s;
}
