/*
 * libFuzzer target for the safetensors reader. A file that loads must also
 * save and load again to the same tensors, which exercises the writer on
 * whatever shapes, names and metadata the fuzzer invents.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const libnn_tensor_file *f)
{
    size_t needed = 0;
    if (libnn_tensor_file_save_buffer(f, NULL, 0, &needed) != LIBNN_E_RANGE)
        abort();
    unsigned char *buf = malloc(needed);
    if (!buf)
        return;
    libnn_tensor_file *g = NULL;
    if (libnn_tensor_file_save_buffer(f, buf, needed, &needed) != LIBNN_OK ||
        libnn_tensor_file_load_buffer(buf, needed, &g) != LIBNN_OK ||
        libnn_tensor_file_count(g) != libnn_tensor_file_count(f) ||
        libnn_tensor_file_metadata_count(g) != libnn_tensor_file_metadata_count(f))
        abort();
    for (size_t i = 0; i < libnn_tensor_file_count(f); i++) {
        const char *name = libnn_tensor_file_name(f, i);
        const libnn_tensor *a, *b;
        if (libnn_tensor_file_get(f, name, &a) != LIBNN_OK ||
            libnn_tensor_file_get(g, name, &b) != LIBNN_OK ||
            libnn_tensor_size(a) != libnn_tensor_size(b) ||
            (libnn_tensor_size(a) > 0 &&
             memcmp(libnn_tensor_data((libnn_tensor *)a), libnn_tensor_data((libnn_tensor *)b),
                    libnn_tensor_size(a) * sizeof(float)) != 0))
            abort();
    }
    libnn_tensor_file_free(g);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libnn_tensor_file *f = NULL;
    libnn_clear_error();
    if (libnn_tensor_file_load_buffer(data, size, &f) == LIBNN_OK) {
        check_roundtrip(f);
        libnn_tensor_file_free(f);
    } else if (f != NULL || libnn_last_error()[0] == '\0') {
        abort(); /* a failure must leave *out NULL and say why */
    }
    return 0;
}
