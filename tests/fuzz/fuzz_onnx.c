/*
 * libFuzzer target for the ONNX importer (libnn_model_import_onnx_buffer).
 * A file that imports must export again, and that export must import: the
 * exporter then runs on whatever layer stacks the fuzzer makes the importer
 * build. A failure must leave *out NULL and say why.
 */
#include <stdint.h>
#include <stdlib.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const libnn_model *m)
{
    size_t needed = 0;
    if (libnn_model_export_onnx_buffer(m, 0, NULL, 0, &needed) != LIBNN_E_RANGE)
        abort();
    unsigned char *buf = malloc(needed);
    if (!buf)
        return;
    libnn_model *again = NULL;
    if (libnn_model_export_onnx_buffer(m, 0, buf, needed, &needed) != LIBNN_OK ||
        libnn_model_import_onnx_buffer(buf, needed, &again) != LIBNN_OK ||
        libnn_model_layer_count(again) != libnn_model_layer_count(m) ||
        libnn_model_param_count(again) != libnn_model_param_count(m))
        abort();
    libnn_model_free(again);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libnn_model *m = (libnn_model *)1;
    libnn_clear_error();
    if (libnn_model_import_onnx_buffer(data, size, &m) == LIBNN_OK) {
        check_roundtrip(m);
        libnn_model_free(m);
    } else if (m != NULL || libnn_last_error()[0] == '\0') {
        abort();
    }
    return 0;
}
