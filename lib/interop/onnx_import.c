#include "core/error_internal.h"
#include "libnn/onnx.h"
libnn_status libnn_model_import_onnx(const char *path, libnn_model **out) { if (out) *out = NULL; return lnn_error(LIBNN_E_UNSUPPORTED, "todo"); }
libnn_status libnn_model_import_onnx_buffer(const void *data, size_t size, libnn_model **out) { if (out) *out = NULL; return lnn_error(LIBNN_E_UNSUPPORTED, "todo"); }
