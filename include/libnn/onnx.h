/*
 * libnn: ONNX in and out.
 *
 *   libnn_model_export_onnx(m, "mnist.onnx", 0);      serve with ONNX Runtime, TensorRT, ...
 *   libnn_model_import_onnx("torch.onnx", &m2);       a PyTorch export, ready to predict
 *
 * Export writes ONNX opset LIBNN_ONNX_OPSET (13) with IR version
 * LIBNN_ONNX_IR_VERSION (7), one graph input "input" and one output
 * "output", the batch axis dynamic ("batch"). The exported graph takes the
 * same channels-last input as the libnn model (a Transpose to NCHW comes
 * first when the model starts with images) unless LIBNN_ONNX_CHANNELS_FIRST
 * asks for an NCHW input. Every layer kind is exported; what ONNX cannot
 * express (a mask on a sequence whose outputs are returned, recurrent
 * activations ONNX has no name for) is LIBNN_E_UNSUPPORTED naming the layer.
 * See docs/onnx.md for the operator each layer becomes.
 *
 * Import reads graphs that are a chain of operators libnn maps to layers:
 * what torch.onnx.export writes for an nn.Sequential of Linear, Conv2d,
 * MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), Flatten, ReLU, Sigmoid, Tanh,
 * Softmax, LeakyReLU, ELU, GELU, Dropout, Embedding, and RNN/LSTM/GRU with
 * batch_first (their zero initial state is recognised and folded), and what
 * libnn exports. Weights are converted to libnn's layouts (NCHW kernels to
 * NHWC, the Dense after a Flatten reordered to channels-last, gate orders,
 * LSTM biases summed). The model comes back compiled with SGD(0.01) and the
 * mean squared error, ready to predict; to train it further, compile it
 * again with the optimizer and loss wanted (compile keeps the weights).
 * Its input is channels-last (an NCHW image input [c, h, w] becomes
 * [h, w, c]); token ids come as whole numbers in a float tensor.
 *
 * Files are read whole and trusted in nothing: sizes, dims and tensor byte
 * lengths are checked before anything is allocated for them, and tensors
 * stored outside the file (external data) are refused, never opened.
 *
 * Without protobuf-c at build time (meson feature `onnx`) every call
 * returns LIBNN_E_UNSUPPORTED and libnn_onnx_available() is 0.
 *
 * Threading: as model.h; export reads the model.
 */
#ifndef LIBNN_ONNX_H
#define LIBNN_ONNX_H

#include <stddef.h>

#include "libnn/export.h"
#include "libnn/model.h"
#include "libnn/status.h"

LIBNN_BEGIN_DECLS

/* The operator set and IR version export writes. */
#define LIBNN_ONNX_OPSET 13
#define LIBNN_ONNX_IR_VERSION 7

/* Flags of libnn_model_export_onnx; values pinned. */
typedef enum libnn_onnx_flag {
    LIBNN_ONNX_CHANNELS_FIRST = 1 /* an image input is NCHW, as PyTorch's (default: NHWC) */
} libnn_onnx_flag;

/* 1 when this build reads and writes ONNX, else 0. */
LIBNN_API int libnn_onnx_available(void);

/*
 * Write a compiled model as an ONNX file at `path`, atomically (a failed
 * export leaves a previous file byte-identical). flags: 0 or
 * LIBNN_ONNX_CHANNELS_FIRST. The same model gives the same bytes.
 * Errors: LIBNN_E_INVALID (NULL argument, unknown flag), LIBNN_E_STATE (not
 * compiled), LIBNN_E_UNSUPPORTED (a layer or option ONNX cannot express:
 * the message names the layer; or a build without ONNX), LIBNN_E_IO,
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_export_onnx(const libnn_model *model, const char *path,
                                               unsigned flags);

/*
 * The bytes libnn_model_export_onnx would write, snprintf-style as
 * libnn_tensor_file_save_buffer: *needed always receives the size; the
 * bytes are written only when capacity >= *needed, else LIBNN_E_RANGE
 * (buf NULL and capacity 0 ask for the size).
 * Errors: as libnn_model_export_onnx but LIBNN_E_IO, plus LIBNN_E_RANGE.
 */
LIBNN_API libnn_status libnn_model_export_onnx_buffer(const libnn_model *model, unsigned flags,
                                                      void *buf, size_t capacity, size_t *needed);

/*
 * Read an ONNX file into a new model (see above), owned by the caller; on
 * failure *out is NULL.
 * Errors: LIBNN_E_INVALID (NULL argument), LIBNN_E_IO, LIBNN_E_FORMAT (not
 * an ONNX model, inconsistent sizes or names: the message says where),
 * LIBNN_E_UNSUPPORTED (an operator, attribute or graph shape libnn cannot
 * map: the message names the node and its op type), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_import_onnx(const char *path, libnn_model **out);

/* As libnn_model_import_onnx from `size` bytes at `data` (read only during
 * the call). Errors as libnn_model_import_onnx but LIBNN_E_IO. */
LIBNN_API libnn_status libnn_model_import_onnx_buffer(const void *data, size_t size,
                                                      libnn_model **out);

LIBNN_END_DECLS

#endif /* LIBNN_ONNX_H */
