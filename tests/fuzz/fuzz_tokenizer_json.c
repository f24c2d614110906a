/*
 * libFuzzer target for the tokenizer's JSON reader (Keras' to_json format).
 * A JSON that loads must write and load again to the same JSON, and the
 * tokenizer must convert texts and indices without trouble. The input is
 * read again with one allocation failing, and fitted on as a text, which
 * exercises the tokenizing of arbitrary (often invalid) UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *to_json(const libnn_tokenizer *tok, size_t *len)
{
    size_t needed = 0;
    if (libnn_tokenizer_to_json(tok, NULL, 0, &needed) != LIBNN_E_RANGE)
        abort();
    char *buf = malloc(needed);
    if (!buf)
        return NULL;
    if (libnn_tokenizer_to_json(tok, buf, needed, &needed) != LIBNN_OK)
        abort();
    *len = needed - 1;
    return buf;
}

static void check_roundtrip(const libnn_tokenizer *tok)
{
    size_t len_a = 0, len_b = 0;
    char *a = to_json(tok, &len_a);
    libnn_tokenizer *back = NULL;
    if (!a)
        return;
    if (libnn_tokenizer_from_json(a, len_a, &back) != LIBNN_OK)
        abort();
    char *b = to_json(back, &len_b);
    if (b && (len_a != len_b || memcmp(a, b, len_a) != 0))
        abort();
    free(a);
    free(b);
    libnn_tokenizer_free(back);
}

static void exercise(const libnn_tokenizer *tok)
{
    static const char *const texts[] = {"The cat sat on the mat.", "naïve café 日本語", ""};
    libnn_sequences *seqs = NULL;
    libnn_status st = libnn_tokenizer_texts_to_sequences(tok, 3, texts, &seqs);
    if (st != LIBNN_OK && st != LIBNN_E_STATE)
        abort();
    libnn_tensor *padded = NULL;
    if (seqs && libnn_pad_sequences(seqs, 0, LIBNN_PAD_PRE, LIBNN_PAD_POST, 0.0f, &padded) !=
                    LIBNN_OK)
        abort();
    libnn_tensor_free(padded);
    libnn_sequences_free(seqs);
    int32_t ids[8];
    int64_t top = libnn_tokenizer_max_index(tok);
    for (int i = 0; i < 8; i++)
        ids[i] = (int32_t)(top - 3 + i);
    char text[4096];
    size_t needed;
    st = libnn_tokenizer_sequence_to_text(tok, ids, 8, text, sizeof text, &needed);
    if (st != LIBNN_OK && st != LIBNN_E_STATE && st != LIBNN_E_RANGE)
        abort();
}

static void fit_as_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    libnn_tokenizer *tok = NULL;
    if (!text || libnn_tokenizer_new(&tok) != LIBNN_OK) {
        free(text);
        return;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    const char *texts[] = {text};
    libnn_status st = libnn_tokenizer_fit_on_texts(tok, 1, texts);
    if (st != LIBNN_OK && st != LIBNN_E_FORMAT)
        abort();
    libnn_tokenizer_free(tok);
    free(text);
}

/* An allocator whose allocation number fail_at fails (and every later one
 * when persistent). */
static long calls, fail_at;
static int persistent;

static void *failing_malloc(size_t n, void *user)
{
    (void)user;
    long k = ++calls;
    return k == fail_at || (persistent && k > fail_at) ? NULL : malloc(n);
}

static void *failing_realloc(void *p, size_t n, void *user)
{
    (void)user;
    long k = ++calls;
    return k == fail_at || (persistent && k > fail_at) ? NULL : realloc(p, n);
}

static void plain_free(void *p, void *user)
{
    (void)user;
    free(p);
}

/* The same input with one allocation failing, picked from the input's
 * bytes: jansson's lexer is fragile exactly there (see
 * lib/text/json_parse.c). Only the status of the clean run or
 * LIBNN_E_NOMEM may come out. */
static void under_failure(const uint8_t *data, size_t size, libnn_status want)
{
    unsigned long h = 5381;
    for (size_t i = 0; i < size; i++)
        h = h * 33 + data[i];
    libnn_tokenizer *tok = NULL;
    libnn_set_allocator(failing_malloc, failing_realloc, plain_free, NULL);
    calls = 0;
    fail_at = 1 + (long)(h % 160);
    persistent = (h >> 8) & 1;
    libnn_status st = libnn_tokenizer_from_json((const char *)data, size, &tok);
    libnn_tokenizer_free(tok);
    libnn_set_allocator(NULL, NULL, NULL, NULL);
    if (st != want && st != LIBNN_E_NOMEM)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libnn_tokenizer *tok = NULL;
    libnn_clear_error();
    libnn_status st = libnn_tokenizer_from_json((const char *)data, size, &tok);
    if (st == LIBNN_OK) {
        check_roundtrip(tok);
        exercise(tok);
        libnn_tokenizer_free(tok);
    } else if (tok != NULL || libnn_last_error()[0] == '\0') {
        abort(); /* a failure must leave *out NULL and say why */
    }
    under_failure(data, size, st);
    fit_as_text(data, size);
    return 0;
}
