/*
 * libFuzzer target for libnn_model_load_buffer. A file that loads must
 * save to bytes that load again and save to the same bytes (save -> load
 * -> save is the identity). Any status is fine
 * for a file that does not load; a crash, sanitizer report or abort is not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *save(const libnn_model *m, unsigned flags, size_t *n)
{
    if (libnn_model_save_buffer(m, flags, NULL, 0, n) != LIBNN_E_RANGE)
        abort();
    unsigned char *buf = malloc(*n);
    if (buf && libnn_model_save_buffer(m, flags, buf, *n, n) != LIBNN_OK)
        abort();
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libnn_model *m = NULL;
    if (libnn_model_load_buffer(data, size, &m) != LIBNN_OK) {
        if (m)
            abort();
        return 0;
    }
    for (unsigned flags = 0; flags <= LIBNN_SAVE_CHECKPOINT; flags++) {
        size_t na, nb;
        unsigned char *a = save(m, flags, &na);
        libnn_model *back = NULL;
        if (a && libnn_model_load_buffer(a, na, &back) != LIBNN_OK)
            abort();
        unsigned char *b = back ? save(back, flags, &nb) : NULL;
        if (b && (na != nb || memcmp(a, b, na) != 0))
            abort();
        free(a);
        free(b);
        libnn_model_free(back);
    }
    libnn_model_free(m);
    return 0;
}
