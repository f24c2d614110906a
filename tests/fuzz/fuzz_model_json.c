/*
 * libFuzzer target for libnn_model_from_json (tf.keras' to_json format). A
 * JSON that loads must write back to JSON that loads to the same JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *to_json(const libnn_model *m)
{
    size_t n;
    if (libnn_model_to_json(m, NULL, 0, &n) != LIBNN_OK)
        abort();
    char *buf = malloc(n + 1);
    if (buf && libnn_model_to_json(m, buf, n + 1, &n) != LIBNN_OK)
        abort();
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    libnn_model *m = NULL;
    libnn_status st = libnn_model_from_json(text, &m);
    free(text);
    if (st != LIBNN_OK) {
        if (m)
            abort();
        return 0;
    }
    char *a = to_json(m), *b = NULL;
    libnn_model *back = NULL;
    if (a && libnn_model_from_json(a, &back) != LIBNN_OK)
        abort();
    if (back)
        b = to_json(back);
    if (a && b && strcmp(a, b) != 0)
        abort();
    free(a);
    free(b);
    libnn_model_free(back);
    libnn_model_free(m);
    return 0;
}
