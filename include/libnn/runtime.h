/*
 * libnn: process-wide runtime settings: allocator, log output, threads and
 * the BLAS backend.
 *
 * These settings are global to the process. Change them at start-up, before
 * any other libnn call and while no libnn object is alive; they are not
 * synchronised with calls running on other threads.
 */
#ifndef LIBNN_RUNTIME_H
#define LIBNN_RUNTIME_H

#include <stddef.h>

#include "libnn/export.h"
#include "libnn/status.h"

LIBNN_BEGIN_DECLS

typedef void *(*libnn_malloc_fn)(size_t size, void *user);
typedef void *(*libnn_realloc_fn)(void *ptr, size_t size, void *user);
typedef void (*libnn_free_fn)(void *ptr, void *user);

/*
 * Route every heap allocation of libnn through the given functions. All
 * three set, or all three NULL to restore the C library's malloc, realloc
 * and free. `user` is passed back unchanged. The functions may be called
 * from any thread that uses libnn, concurrently. libnn never asks for 0 bytes.
 * While a custom allocator is set, JSON parsing inside libnn (jansson) uses it
 * too; jansson's allocator is process-wide, so a host program that uses
 * jansson itself must not rely on jansson's defaults while it is set.
 * Errors: LIBNN_E_INVALID when only some of the functions are given.
 */
LIBNN_API libnn_status libnn_set_allocator(libnn_malloc_fn malloc_fn,
                                           libnn_realloc_fn realloc_fn,
                                           libnn_free_fn free_fn, void *user);

typedef enum libnn_log_level {
    LIBNN_LOG_ERROR = 0,
    LIBNN_LOG_WARNING = 1,
    LIBNN_LOG_INFO = 2,
    LIBNN_LOG_DEBUG = 3
} libnn_log_level;

/*
 * Callback that receives libnn's log messages: one line, no trailing newline,
 * owned by libnn and valid only during the call. May be called from any
 * thread that calls into libnn.
 */
typedef void (*libnn_log_fn)(libnn_log_level level, const char *message, void *user);

/*
 * Install the log handler (NULL: silent, the default). libnn never writes to
 * stdout or stderr by itself; this callback is its only output channel
 * besides the progress bar the caller switches on. Installing a handler also
 * runs the one-time BLAS check, so a mis-detected CPU is reported to it.
 */
LIBNN_API void libnn_set_log_handler(libnn_log_fn fn, void *user);

/*
 * Number of threads OpenBLAS uses for libnn's matrix products. libnn's own
 * element-wise passes run on the calling thread between them, so n threads
 * never become more than n busy threads.
 * Errors: LIBNN_E_RANGE when n < 1 or n > 1024.
 */
LIBNN_API libnn_status libnn_set_num_threads(int n);

/* The current thread count (>= 1). */
LIBNN_API int libnn_get_num_threads(void);

/*
 * One line describing the BLAS backend: configuration, the core kernel
 * OpenBLAS selected and its thread count, e.g.
 * "OpenBLAS 0.3.21 DYNAMIC_ARCH ...; core Haswell; 2 threads".
 * The buffer is thread-local and owned by libnn; valid until the next call
 * on this thread.
 */
LIBNN_API const char *libnn_blas_info(void);

LIBNN_END_DECLS

#endif /* LIBNN_RUNTIME_H */
