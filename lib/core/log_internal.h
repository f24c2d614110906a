/*
 * Private: the log channel. Messages reach the handler installed with
 * libnn_set_log_handler(), and nowhere else.
 */
#ifndef LIBNN_LOG_INTERNAL_H
#define LIBNN_LOG_INTERNAL_H

#include <stdbool.h>

#include "libnn/runtime.h"
#include "error_internal.h"

void lnn_log(libnn_log_level level, const char *fmt, ...) LNN_PRINTF(2, 3);

/* True when a handler is installed (to skip formatting otherwise). */
bool lnn_log_enabled(void);

/* One-time check that OpenBLAS recognised this CPU; see blas.c. */
void lnn_blas_check(void);

/* The OPENBLAS_CORETYPE to suggest when OpenBLAS runs the generic kernels
 * `core` on a CPU with these features; NULL when nothing is wrong. */
const char *lnn_blas_suggest_coretype(const char *core, bool has_avx2, bool has_avx512);

#endif
