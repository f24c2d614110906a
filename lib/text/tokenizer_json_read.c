/*
 * Reading the JSON of Keras' tokenizer.to_json() (and of
 * libnn_tokenizer_to_json). Nothing in it is trusted: every field is
 * type-checked, counts and indices are range-checked, word_index must be a
 * one-to-one map and index_word its exact inverse, so that the tokenizer
 * built from it behaves as the one that wrote it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "io/sysio_internal.h"
#include "io/utf8_internal.h"
#include "json_parse_internal.h"
#include "tokenizer_internal.h"

/* A tokenizer file larger than this is refused before it is read. */
#define MAX_FILE ((uint64_t)1 << 30)

/* Words in messages are cut so that the rest of the message survives. */
#define WORD "\"%.100s\""

static bool get_count(const json_t *v, int64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* A canonical decimal integer (Python's str(int)): optional '-', no leading
 * zero, within int64. */
static bool parse_decimal(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    const char *p = s + neg;
    if (!*p || (p[0] == '0' && p[1]) || (neg && p[0] == '0'))
        return false;
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - (*p - '0')) / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* ---- options ---- */

static libnn_status bad_field(const char *who, const char *name, const char *want)
{
    return lnn_error(LIBNN_E_FORMAT, "%s: config.%s must be %s", who, name, want);
}

static libnn_status read_bool(const char *who, const json_t *config, const char *name,
                              libnn_tokenizer_option key, libnn_tokenizer *tok)
{
    const json_t *v = json_object_get(config, name);
    if (!v)
        return LIBNN_OK;
    if (!json_is_boolean(v))
        return bad_field(who, name, "true or false");
    return libnn_tokenizer_set_int(tok, key, json_is_true(v));
}

static libnn_status read_string(const char *who, const json_t *config, const char *name,
                                libnn_tokenizer_option key, libnn_tokenizer *tok)
{
    const json_t *v = json_object_get(config, name);
    bool nullable = key == LIBNN_TOKENIZER_OOV_TOKEN;
    if (!v)
        return LIBNN_OK;
    if (nullable && json_is_null(v))
        return libnn_tokenizer_set_string(tok, key, NULL);
    if (!json_is_string(v))
        return bad_field(who, name, nullable ? "null or a string" : "a string");
    if (key == LIBNN_TOKENIZER_SPLIT && json_string_length(v) == 0)
        return bad_field(who, name, "a non-empty string");
    return libnn_tokenizer_set_string(tok, key, json_string_value(v));
}

static libnn_status read_options(const char *who, const json_t *config, libnn_tokenizer *tok)
{
    const json_t *v = json_object_get(config, "num_words");
    if (v && !json_is_null(v)) {
        int64_t n;
        if (!get_count(v, &n))
            return bad_field(who, "num_words", "null or an integer >= 0");
        tok->num_words = n;
    }
    v = json_object_get(config, "document_count");
    if (v && !get_count(v, &tok->document_count))
        return bad_field(who, "document_count", "an integer >= 0");
    libnn_status st = read_bool(who, config, "lower", LIBNN_TOKENIZER_LOWER, tok);
    if (st == LIBNN_OK)
        st = read_bool(who, config, "char_level", LIBNN_TOKENIZER_CHAR_LEVEL, tok);
    if (st == LIBNN_OK)
        st = read_string(who, config, "filters", LIBNN_TOKENIZER_FILTERS, tok);
    if (st == LIBNN_OK)
        st = read_string(who, config, "split", LIBNN_TOKENIZER_SPLIT, tok);
    if (st == LIBNN_OK)
        st = read_string(who, config, "oov_token", LIBNN_TOKENIZER_OOV_TOKEN, tok);
    return st;
}

/* ---- the five tables ---- */

typedef libnn_status (*table_fn)(const char *who, libnn_tokenizer *tok, const char *key,
                                 const json_t *value);

static libnn_status word_counts_entry(const char *who, libnn_tokenizer *tok, const char *key,
                                      const json_t *value)
{
    int64_t count;
    if (!get_count(value, &count))
        return lnn_error(LIBNN_E_FORMAT, "%s: config.word_counts: " WORD " must have an integer "
                         "count >= 0", who, key);
    size_t id;
    libnn_status st = lnn_keymap_intern(&tok->vocab, key, strlen(key), &id, NULL, who);
    if (st != LIBNN_OK)
        return st;
    lnn_word *w = lnn_tok_word(tok, id);
    w->counted = true;
    w->count = count;
    w->seen = tok->next_seen++;
    return LIBNN_OK;
}

static libnn_status word_docs_entry(const char *who, libnn_tokenizer *tok, const char *key,
                                    const json_t *value)
{
    size_t id;
    if (!lnn_keymap_find(&tok->vocab, key, strlen(key), &id))
        return lnn_error(LIBNN_E_FORMAT, "%s: config.word_docs: " WORD " is not in word_counts",
                         who, key);
    if (!get_count(value, &lnn_tok_word(tok, id)->docs))
        return lnn_error(LIBNN_E_FORMAT, "%s: config.word_docs: " WORD " must have an integer "
                         "count >= 0", who, key);
    return LIBNN_OK;
}

/* index_docs is rebuilt from word_docs when written (as fit_on_texts does):
 * it is only checked. */
static libnn_status index_docs_entry(const char *who, libnn_tokenizer *tok, const char *key,
                                     const json_t *value)
{
    int64_t index, docs;
    if (!parse_decimal(key, &index))
        return lnn_error(LIBNN_E_FORMAT, "%s: config.index_docs: key " WORD " is not an integer",
                         who, key);
    if (!get_count(value, &docs))
        return lnn_error(LIBNN_E_FORMAT, "%s: config.index_docs: \"%s\" must have an integer "
                         "count >= 0", who, key);
    return LIBNN_OK;
}

static libnn_status word_index_entry(const char *who, libnn_tokenizer *tok, const char *key,
                                     const json_t *value)
{
    if (!json_is_integer(value) || json_integer_value(value) < 1 ||
        json_integer_value(value) > INT32_MAX)
        return lnn_error(LIBNN_E_FORMAT, "%s: config.word_index: " WORD " must have an integer "
                         "index in [1, 2147483647]", who, key);
    size_t id;
    libnn_status st = lnn_keymap_intern(&tok->vocab, key, strlen(key), &id, NULL, who);
    if (st == LIBNN_OK)
        lnn_tok_word(tok, id)->index = (int32_t)json_integer_value(value);
    return st;
}

/* Runs after word_index, whose indices are known to be used once: each
 * entry must invert one of its entries and (checked by the caller) there
 * must be as many, so index_word is exactly its inverse. */
static libnn_status index_word_entry(const char *who, libnn_tokenizer *tok, const char *key,
                                     const json_t *value)
{
    int64_t index;
    size_t id;
    if (!parse_decimal(key, &index) || index < 1 || index > INT32_MAX)
        return lnn_error(LIBNN_E_FORMAT, "%s: config.index_word: key " WORD " is not an index "
                         "in [1, 2147483647]", who, key);
    if (!json_is_string(value))
        return lnn_error(LIBNN_E_FORMAT, "%s: config.index_word: \"%s\" must be a string", who,
                         key);
    const char *word = json_string_value(value);
    if (!lnn_keymap_find(&tok->vocab, word, json_string_length(value), &id) ||
        lnn_tok_word(tok, id)->index != index)
        return lnn_error(LIBNN_E_FORMAT, "%s: config.index_word: \"%s\" is " WORD ", but "
                         "word_index does not give " WORD " index %s", who, key, word, word, key);
    return LIBNN_OK;
}

/* In reading order: word_docs needs word_counts, index_word word_index. */
enum { WORD_COUNTS, WORD_DOCS, INDEX_DOCS, WORD_INDEX, INDEX_WORD, N_TABLES };

static const struct {
    const char *name;
    table_fn entry;
} tables[N_TABLES] = {
    {"word_counts", word_counts_entry},
    {"word_docs", word_docs_entry},
    {"index_docs", index_docs_entry},
    {"word_index", word_index_entry},
    {"index_word", index_word_entry},
};

/* Parse config[name] (a JSON text in a string) and feed its entries, in
 * order, to `entry`; *size receives the number of entries. */
static libnn_status read_table(const char *who, const json_t *config, size_t t,
                               libnn_tokenizer *tok, size_t *size)
{
    const char *name = tables[t].name;
    const json_t *v = json_object_get(config, name);
    if (!v)
        return lnn_error(LIBNN_E_FORMAT, "%s: config.%s is missing", who, name);
    if (!json_is_string(v))
        return lnn_error(LIBNN_E_FORMAT, "%s: config.%s must be a string holding a JSON object "
                         "(as Keras writes it)", who, name);
    char what[32];
    snprintf(what, sizeof what, "config.%s", name);
    json_t *obj;
    libnn_status st = lnn_json_parse_object(who, what, json_string_value(v),
                                            json_string_length(v), &obj);
    if (st != LIBNN_OK)
        return st;
    *size = json_object_size(obj);
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        st = tables[t].entry(who, tok, key, value);
        if (st != LIBNN_OK)
            break;
    }
    json_decref(obj);
    return st;
}

/* Install the orders and check that no index is used twice. */
static libnn_status finish_orders(const char *who, libnn_tokenizer *tok)
{
    lnn_tok_orders orders;
    libnn_status st = lnn_tok_orders_alloc(who, tok->vocab.count, &orders);
    if (st != LIBNN_OK)
        return st;
    lnn_tok_orders_commit(tok, &orders, false);
    for (size_t i = 1; i < tok->n_indexed; i++) {
        size_t a = tok->by_index[i - 1], b = tok->by_index[i];
        if (lnn_tok_word(tok, a)->index == lnn_tok_word(tok, b)->index)
            return lnn_error(LIBNN_E_FORMAT, "%s: config.word_index: " WORD " and " WORD " both "
                             "have index %ld", who, lnn_keymap_key(&tok->vocab, a, NULL),
                             lnn_keymap_key(&tok->vocab, b, NULL),
                             (long)lnn_tok_word(tok, a)->index);
    }
    return LIBNN_OK;
}

static libnn_status read_tables(const char *who, const json_t *config, libnn_tokenizer *tok)
{
    size_t sizes[N_TABLES] = {0};
    libnn_status st = LIBNN_OK;
    for (size_t t = 0; st == LIBNN_OK && t < INDEX_WORD; t++)
        st = read_table(who, config, t, tok, &sizes[t]);
    /* A doubly used index is the clearer message, so it is looked for first. */
    if (st == LIBNN_OK)
        st = finish_orders(who, tok);
    if (st == LIBNN_OK)
        st = read_table(who, config, INDEX_WORD, tok, &sizes[INDEX_WORD]);
    if (st == LIBNN_OK && sizes[INDEX_WORD] != sizes[WORD_INDEX])
        st = lnn_error(LIBNN_E_FORMAT, "%s: config.index_word has %zu entries, word_index %zu: "
                       "it must be its inverse", who, sizes[INDEX_WORD], sizes[WORD_INDEX]);
    return st;
}

static libnn_status read_root(const char *who, const json_t *root, libnn_tokenizer *tok)
{
    const json_t *name = json_object_get(root, "class_name");
    if (name && !json_is_string(name))
        return lnn_error(LIBNN_E_FORMAT, "%s: \"class_name\" must be a string", who);
    const json_t *config = json_object_get(root, "config");
    if (!json_is_object(config))
        return lnn_error(LIBNN_E_FORMAT, "%s: \"config\" is %s", who,
                         config ? "not a JSON object" : "missing");
    libnn_status st = read_options(who, config, tok);
    if (st == LIBNN_OK)
        st = read_tables(who, config, tok);
    return st;
}

static libnn_status from_json(const char *who, const char *json, size_t length,
                              libnn_tokenizer **out)
{
    size_t bad;
    if (!lnn_utf8_valid((const unsigned char *)json, length, &bad))
        return lnn_error(LIBNN_E_FORMAT, "%s: not valid UTF-8: byte 0x%02x at offset %zu", who,
                         (unsigned char)json[bad], bad);
    json_t *root;
    libnn_status st = lnn_json_parse_object(who, "the tokenizer JSON", json, length, &root);
    if (st != LIBNN_OK)
        return st;
    libnn_tokenizer *tok;
    st = libnn_tokenizer_new(&tok);
    if (st == LIBNN_OK) {
        st = read_root(who, root, tok);
        if (st != LIBNN_OK)
            libnn_tokenizer_free(tok);
        else
            *out = tok;
    }
    json_decref(root);
    return st;
}

libnn_status libnn_tokenizer_from_json(const char *json, size_t length, libnn_tokenizer **out)
{
    static const char who[] = "tokenizer_from_json";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (!json && length > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: json is NULL with length %zu", who, length);
    return from_json(who, json ? json : "", length, out);
}

libnn_status libnn_tokenizer_load(const char *path, libnn_tokenizer **out)
{
    static const char who[] = "tokenizer_load";
    if (!out || !path)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, out ? "path" : "out");
    *out = NULL;
    int fd;
    uint64_t size;
    libnn_status st = lnn_open_read(who, path, &fd, &size);
    if (st != LIBNN_OK)
        return st;
    char *buf = NULL;
    if (size > MAX_FILE)
        st = lnn_error(LIBNN_E_FORMAT, "%s: '%s' is %llu bytes, above the cap of %llu", who, path,
                       (unsigned long long)size, (unsigned long long)MAX_FILE);
    else if (!(buf = lnn_malloc((size_t)size)))
        st = lnn_error_nomem(who, (size_t)size);
    else
        st = lnn_pread_full(who, path, fd, buf, (size_t)size, 0);
    lnn_close_read(fd, path);
    if (st == LIBNN_OK)
        st = from_json(who, buf, (size_t)size, out);
    lnn_free(buf);
    return st;
}
