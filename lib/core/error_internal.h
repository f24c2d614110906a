/*
 * Private: setting the thread-local error message.
 */
#ifndef LIBNN_ERROR_INTERNAL_H
#define LIBNN_ERROR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/status.h"

#if defined(__GNUC__)
#define LNN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LNN_PRINTF(f, a)
#endif

/*
 * Record a printf-style message for libnn_last_error() and return `status`,
 * so error paths read `return lnn_error(LIBNN_E_SHAPE, "dense: ...", ...);`.
 * Messages longer than the buffer are truncated.
 */
libnn_status lnn_error(libnn_status status, const char *fmt, ...) LNN_PRINTF(2, 3);

/* Put "context: " in front of the current message (used when a callee's
 * message needs the caller's object name). Returns `status`. */
libnn_status lnn_error_prefix(libnn_status status, const char *fmt, ...) LNN_PRINTF(2, 3);

/* The message of an allocation failure: "<what>: out of memory (<bytes> bytes)". */
libnn_status lnn_error_nomem(const char *what, size_t bytes);

/* For the static analyzer (scan-build in CI): these return the status they
 * are given, which it cannot see from another translation unit; without
 * this every `return lnn_error(...)` looks like a path that may return
 * LIBNN_OK with its out-parameters unset (dozens of false reports). Only
 * the analyzer's view changes: compiled code calls the functions as is. */
#if defined(__clang_analyzer__) && !defined(LNN_ERROR_DEFINITIONS)
#define lnn_error(status, ...) (lnn_error((status), __VA_ARGS__), (libnn_status)(status))
#define lnn_error_prefix(status, ...)                                                        \
    (lnn_error_prefix((status), __VA_ARGS__), (libnn_status)(status))
#define lnn_error_nomem(what, bytes) (lnn_error_nomem((what), (bytes)), LIBNN_E_NOMEM)
#endif

/* Format a shape as "[2, 3, 4]" into buf (always NUL-terminated). Returns buf. */
char *lnn_format_shape(char *buf, size_t cap, size_t ndim, const int64_t *shape);

#endif
