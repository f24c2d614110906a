/*
 * libnn: a neural-network library in C with a stable C ABI.
 *
 * Include this header only. Conventions (see docs/api.md):
 *  - every fallible function returns libnn_status (LIBNN_OK == 0) and, on
 *    failure, leaves a thread-local message in libnn_last_error();
 *  - handles are opaque; constructors write them through their last
 *    parameter; destructors accept NULL;
 *  - the library never aborts, exits or prints; output goes through the log
 *    handler of libnn_set_log_handler().
 *  - threading: one thread at a time per handle.
 */
#ifndef LIBNN_H
#define LIBNN_H

#include "libnn/export.h"
#include "libnn/version.h"
#include "libnn/status.h"
#include "libnn/runtime.h"
#include "libnn/tensor.h"
#include "libnn/layer.h"
#include "libnn/io.h"
#include "libnn/data.h"
#include "libnn/loss.h"
#include "libnn/optim.h"
#include "libnn/model.h"
#include "libnn/model_file.h"
#include "libnn/onnx.h"
#include "libnn/model_selection.h"
#include "libnn/text.h"

#endif /* LIBNN_H */
