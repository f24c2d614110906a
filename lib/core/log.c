/*
 * The log channel: the only way libnn says anything by itself.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "log_internal.h"

/* Read on every log call from any thread, written once at start-up: keep
 * the pair consistent enough by publishing the function last. */
static void *_Atomic log_user;
static _Atomic(libnn_log_fn) log_fn;

void libnn_set_log_handler(libnn_log_fn fn, void *user)
{
    atomic_store(&log_user, user);
    atomic_store(&log_fn, fn);
    if (fn)
        lnn_blas_check();
}

bool lnn_log_enabled(void)
{
    return atomic_load(&log_fn) != NULL;
}

void lnn_log(libnn_log_level level, const char *fmt, ...)
{
    libnn_log_fn fn = atomic_load(&log_fn);
    if (!fn)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fn(level, line, atomic_load(&log_user));
}
