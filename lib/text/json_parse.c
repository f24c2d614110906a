/*
 * Parsing untrusted JSON text with jansson 2.14 under an allocator that may
 * fail.
 *
 * jansson's lexer keeps the current token in a buffer of 16 bytes that it
 * doubles when a token outgrows it, and ignores a failure to grow (upstream
 * issue #362, also met in lib/io/safetensors_header.c): the byte is dropped.
 * A dropped digit or letter then fails an assert() (abort) when the lexer
 * gives back its look-ahead byte, a dropped escape letter fails another, and
 * a dropped closing quote makes it decode past the end of its buffer. So the
 * text is parsed as the second element of ["xxx...x", <text>], whose first
 * string is longer than any token of the text: every growth of the buffer
 * happens while that string is read, where a dropped 'x' is harmless (the
 * closing quote is placed where no growth happens), and no later token
 * needs to grow it. What can still fail (value allocations, the string
 * copies) fails cleanly; since a failed allocation may then be reported as
 * a syntax error, a failure counts as a malformed text only when two parses
 * give the same error while memory is still available.
 */
#include <stdbool.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "json_parse_internal.h"

static bool token_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-' || c == '+' || c == '.';
}

/* An upper bound of the bytes jansson's lexer holds for any token of the
 * text: strings with their quotes and raw escapes, numbers and literals (one
 * run of letters, digits and signs) with the look-ahead byte. */
static size_t longest_token(const char *s, size_t n)
{
    size_t best = 1;
    for (size_t i = 0; i < n;) {
        size_t start = i;
        if (s[i] == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            i++;
        } else if (token_char(s[i])) {
            while (i < n && token_char(s[i]))
                i++;
            i++;
        } else {
            i++;
            continue;
        }
        if (i - start > best)
            best = i - start;
    }
    return best;
}

/* The wrapped text: ["x...x",<text>]. *prefix receives the bytes before
 * <text>. NULL when out of memory. */
static char *wrap(const char *text, size_t len, size_t *prefix, size_t *total)
{
    /* Growth happens when 15, 31, 63, ... bytes are held (7 mod 8); the
     * closing quote comes after n + 1 bytes, or n with one 'x' dropped, and
     * n = 2 (mod 8) keeps both off those counts. */
    size_t n = longest_token(text, len) + 16;
    n += (8 + 2 - n % 8) % 8;
    size_t size;
    if (!lnn_add_size(len, n + 6, &size))
        return NULL;
    char *buf = lnn_malloc(size);
    if (!buf)
        return NULL;
    buf[0] = '[';
    buf[1] = '"';
    memset(buf + 2, 'x', n);
    memcpy(buf + 2 + n, "\",", 2);
    memcpy(buf + 4 + n, text, len);
    buf[4 + n + len] = ']';
    *prefix = 4 + n;
    *total = 5 + n + len;
    return buf;
}

/* The parsed wrapper, or NULL: malformed, or out of memory (*out_of_memory).
 * See lnn_json_begin() for why jansson never sees a failed allocation. */
static json_t *parse_wrapped(const char *buf, size_t size, json_error_t *err,
                             bool *out_of_memory)
{
    /* jansson leaves the error unset when it fails before lexing. */
    memset(err, 0, sizeof *err);
    lnn_json_begin();
    json_t *root = json_loadb(buf, size, JSON_REJECT_DUPLICATES, err);
    *out_of_memory = lnn_json_failed() || (!root && json_error_code(err) == json_error_out_of_memory);
    if (*out_of_memory) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static bool blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return false;
    return true;
}

libnn_status lnn_json_parse_object(const char *who, const char *what, const char *text,
                                   size_t len, json_t **root)
{
    *root = NULL;
    if (blank(text, len))
        return lnn_error(LIBNN_E_FORMAT, "%s: %s is empty", who, what);
    size_t prefix = 0, size = 0;
    char *buf = wrap(text, len, &prefix, &size);
    if (!buf)
        return lnn_error(LIBNN_E_NOMEM, "%s: out of memory parsing %s (%zu bytes)", who, what,
                         len);
    json_error_t err;
    bool out_of_memory;
    json_t *wrapper = parse_wrapped(buf, size, &err, &out_of_memory);
    lnn_free(buf);
    if (out_of_memory)
        return lnn_error(LIBNN_E_NOMEM, "%s: out of memory parsing %s (%zu bytes)", who, what,
                         len);
    if (!wrapper) {
        size_t at = (size_t)err.position > prefix ? (size_t)err.position - prefix : 0;
        const char *kind = json_error_code(&err) == json_error_duplicate_key
                               ? "has a duplicate key" : "is not valid JSON";
        return lnn_error(LIBNN_E_FORMAT, "%s: %s %s at byte %zu: %s", who, what, kind,
                         at < len ? at : len, err.text);
    }
    libnn_status st = LIBNN_OK;
    json_t *value = json_array_get(wrapper, 1);
    if (json_array_size(wrapper) != 2)
        st = lnn_error(LIBNN_E_FORMAT, "%s: %s is not valid JSON: more than one value", who,
                       what);
    else if (!json_is_object(value))
        st = lnn_error(LIBNN_E_FORMAT, "%s: %s is not a JSON object", who, what);
    else
        *root = json_incref(value);
    json_decref(wrapper);
    return st;
}
