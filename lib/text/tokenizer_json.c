/*
 * Writing a tokenizer as the JSON of Keras' tokenizer.to_json(): the same
 * keys in the same order, the five tables as JSON texts inside strings, and
 * Python's json.dumps() layout (", " and ": " separators, non-ASCII as
 * \uXXXX), so that Keras' tokenizer_from_json() reads it.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "io/atomic_file_internal.h"
#include "tokenizer_internal.h"

/* json.dumps() defaults: ensure_ascii, separators (", ", ": "). */
#define DUMP_FLAGS (JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER)

/* Set obj[key] = value, taking value; false (value released) on failure. */
static bool put(json_t *obj, const char *key, json_t *value)
{
    return value && json_object_set_new_nocheck(obj, key, value) == 0;
}

static bool put_index_key(json_t *obj, int64_t key, json_t *value)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)key);
    return put(obj, text, value);
}

/* The five tables of Keras' config, in its order. */
typedef enum table_kind {
    WORD_COUNTS, WORD_DOCS, INDEX_DOCS, INDEX_WORD, WORD_INDEX, N_TABLES
} table_kind;

static const char *const table_names[N_TABLES] = {"word_counts", "word_docs", "index_docs",
                                                  "index_word", "word_index"};

/* One table as a JSON object, in Keras' order: word_counts, word_docs and
 * index_docs by first counting, index_word and word_index by index. */
static json_t *table(const libnn_tokenizer *tok, table_kind kind)
{
    json_t *obj = json_object();
    bool ok = obj != NULL;
    bool by_index = kind == INDEX_WORD || kind == WORD_INDEX;
    size_t n = by_index ? tok->n_indexed : tok->n_counted;
    for (size_t i = 0; ok && i < n; i++) {
        size_t id = by_index ? tok->by_index[i] : tok->by_seen[i];
        const char *word = lnn_keymap_key(&tok->vocab, id, NULL);
        const lnn_word *w = lnn_tok_word(tok, id);
        switch (kind) {
        case WORD_COUNTS: ok = put(obj, word, json_integer(w->count)); break;
        case WORD_DOCS: ok = put(obj, word, json_integer(w->docs)); break;
        case INDEX_DOCS:
            ok = w->index == 0 || put_index_key(obj, w->index, json_integer(w->docs));
            break;
        case INDEX_WORD: ok = put_index_key(obj, w->index, json_string_nocheck(word)); break;
        default: ok = put(obj, word, json_integer(w->index)); break;
        }
    }
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* jansson writes \u escapes with upper-case hex digits, Python's json.dumps
 * with lower-case ones: match Python, byte for byte. Runs over one level of
 * JSON text (a nested text's escapes are then "\\u...", left alone). */
static void lower_hex_escapes(char *text, size_t len)
{
    for (size_t i = 0; i + 1 < len;) {
        if (text[i] != '\\') {
            i++;
            continue;
        }
        if (text[i + 1] == 'u' && i + 5 < len)
            for (size_t k = i + 2; k < i + 6; k++)
                if (text[k] >= 'A' && text[k] <= 'F')
                    text[k] = (char)(text[k] - 'A' + 'a');
        i += text[i + 1] == 'u' ? 6 : 2;
    }
}

/* A table as the JSON string holding its text, as Keras' get_config()
 * stores it; NULL when out of memory. */
static json_t *table_text(const libnn_tokenizer *tok, table_kind kind)
{
    json_t *obj = table(tok, kind);
    if (!obj)
        return NULL;
    json_t *str = NULL;
    size_t len = json_dumpb(obj, NULL, 0, DUMP_FLAGS);
    char *buf = len ? lnn_malloc(len) : NULL;
    if (buf && json_dumpb(obj, buf, len, DUMP_FLAGS) == len) {
        lower_hex_escapes(buf, len);
        str = json_stringn_nocheck(buf, len);
    }
    lnn_free(buf);
    json_decref(obj);
    return str;
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string_nocheck(s) : json_null();
}

static json_t *config_json(const libnn_tokenizer *tok)
{
    json_t *c = json_object();
    bool ok = c && put(c, "num_words", tok->num_words ? json_integer(tok->num_words) : json_null()) &&
              put(c, "filters", json_string_nocheck(tok->filters)) &&
              put(c, "lower", json_boolean(tok->lower)) &&
              put(c, "split", json_string_nocheck(tok->split)) &&
              put(c, "char_level", json_boolean(tok->char_level)) &&
              put(c, "oov_token", string_or_null(tok->oov)) &&
              put(c, "document_count", json_integer(tok->document_count));
    for (int k = 0; ok && k < N_TABLES; k++)
        ok = put(c, table_names[k], table_text(tok, (table_kind)k));
    if (!ok) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* The whole JSON text, NUL-terminated, in a buffer from lnn_malloc. */
static libnn_status render(const libnn_tokenizer *tok, const char *who, char **text, size_t *len)
{
    *text = NULL;
    lnn_json_begin();
    json_t *root = json_object();
    bool ok = root && put(root, "class_name", json_string_nocheck("Tokenizer")) &&
              put(root, "config", config_json(tok));
    size_t n = ok ? json_dumpb(root, NULL, 0, DUMP_FLAGS) : 0;
    char *buf = n ? lnn_malloc(n + 1) : NULL;
    ok = buf && json_dumpb(root, buf, n, DUMP_FLAGS) == n && !lnn_json_failed();
    json_decref(root);
    if (!ok) {
        lnn_free(buf);
        return lnn_error(LIBNN_E_NOMEM, "%s: out of memory writing the JSON", who);
    }
    buf[n] = '\0';
    lower_hex_escapes(buf, n);
    *text = buf;
    *len = n;
    return LIBNN_OK;
}

libnn_status libnn_tokenizer_to_json(const libnn_tokenizer *tok, char *buf, size_t capacity,
                                     size_t *needed)
{
    static const char who[] = "tokenizer_to_json";
    if (!tok || !needed)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, tok ? "needed" : "tokenizer");
    if (!buf && capacity > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: buf is NULL with capacity %zu", who, capacity);
    char *text;
    size_t len;
    libnn_status st = render(tok, who, &text, &len);
    if (st != LIBNN_OK)
        return st;
    *needed = len + 1;
    if (capacity < len + 1)
        st = lnn_error(LIBNN_E_RANGE, "%s: the JSON needs %zu bytes, capacity is %zu", who,
                       len + 1, capacity);
    else
        memcpy(buf, text, len + 1);
    lnn_free(text);
    return st;
}

libnn_status libnn_tokenizer_save(const libnn_tokenizer *tok, const char *path)
{
    static const char who[] = "tokenizer_save";
    if (!tok || !path)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, tok ? "path" : "tokenizer");
    char *text;
    size_t len;
    libnn_status st = render(tok, who, &text, &len);
    if (st != LIBNN_OK)
        return st;
    st = lnn_atomic_write_file(who, path, text, len);
    lnn_free(text);
    return st;
}
