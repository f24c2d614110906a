/*
 * ONNX in a build without protobuf-c: every call says how to get it.
 */
#include "core/error_internal.h"
#include "libnn/onnx.h"

#define LNN_NO_ONNX(what)                                                                      \
    lnn_error(LIBNN_E_UNSUPPORTED,                                                             \
              "%s: this libnn was built without ONNX; install libprotobuf-c-dev, "             \
              "protobuf-c-compiler and python3-onnx (for onnx.proto) and rebuild "            \
              "(meson setup -Donnx=enabled)",                                                 \
              what)

int libnn_onnx_available(void)
{
    return 0;
}

libnn_status libnn_model_export_onnx(const libnn_model *model, const char *path, unsigned flags)
{
    return LNN_NO_ONNX("model_export_onnx");
}

libnn_status libnn_model_export_onnx_buffer(const libnn_model *model, unsigned flags, void *buf,
                                            size_t capacity, size_t *needed)
{
    if (needed)
        *needed = 0;
    return LNN_NO_ONNX("model_export_onnx_buffer");
}

libnn_status libnn_model_import_onnx(const char *path, libnn_model **out)
{
    if (out)
        *out = NULL;
    return LNN_NO_ONNX("model_import_onnx");
}

libnn_status libnn_model_import_onnx_buffer(const void *data, size_t size, libnn_model **out)
{
    if (out)
        *out = NULL;
    return LNN_NO_ONNX("model_import_onnx_buffer");
}
