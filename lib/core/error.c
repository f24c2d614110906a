/*
 * Status strings and the thread-local error message.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LNN_ERROR_DEFINITIONS /* the functions themselves, not the analyzer's view */
#include "error_internal.h"

/* Long enough for a message that names a layer and two rank-8 shapes. */
#define LNN_ERROR_CAP 1024

static _Thread_local char last_error[LNN_ERROR_CAP];

const char *libnn_status_str(libnn_status status)
{
    switch (status) {
    case LIBNN_OK: return "ok";
    case LIBNN_E_INVALID: return "invalid argument";
    case LIBNN_E_SHAPE: return "shape mismatch";
    case LIBNN_E_NOMEM: return "out of memory";
    case LIBNN_E_IO: return "input/output error";
    case LIBNN_E_FORMAT: return "malformed data";
    case LIBNN_E_STATE: return "wrong state for this call";
    case LIBNN_E_UNSUPPORTED: return "not supported";
    case LIBNN_E_NONFINITE: return "non-finite value";
    case LIBNN_E_RANGE: return "out of range";
    case LIBNN_E_NOTFOUND: return "not found";
    }
    return "unknown status";
}

const char *libnn_last_error(void)
{
    return last_error;
}

void libnn_clear_error(void)
{
    last_error[0] = '\0';
}

libnn_status libnn_set_error(libnn_status status, const char *message)
{
    snprintf(last_error, sizeof last_error, "%s", message ? message : "");
    return status;
}

libnn_status lnn_error(libnn_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

libnn_status lnn_error_prefix(libnn_status status, const char *fmt, ...)
{
    char prefix[256];
    char old[LNN_ERROR_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    /* Truncation is intended: the prefix wins, the old text fills the rest. */
    size_t used = strlen(prefix);
    if (used > sizeof last_error - 3)
        used = sizeof last_error - 3;
    memcpy(last_error, prefix, used);
    memcpy(last_error + used, ": ", 2);
    used += 2;
    size_t rest = strnlen(old, sizeof old - 1);
    if (rest > sizeof last_error - 1 - used)
        rest = sizeof last_error - 1 - used;
    memcpy(last_error + used, old, rest);
    last_error[used + rest] = '\0';
    return status;
}

libnn_status lnn_error_nomem(const char *what, size_t bytes)
{
    return lnn_error(LIBNN_E_NOMEM, "%s: out of memory (%zu bytes)", what, bytes);
}

char *lnn_format_shape(char *buf, size_t cap, size_t ndim, const int64_t *shape)
{
    size_t used = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i <= ndim && used < cap; i++) {
        int n;
        if (i == ndim)
            n = snprintf(buf + used, cap - used, "]");
        else
            n = snprintf(buf + used, cap - used, "%s%" PRId64, i ? ", " : "[", shape[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (ndim == 0)
        snprintf(buf, cap, "[]");
    return buf;
}
