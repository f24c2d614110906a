/*
 * libnn: status codes and the thread-local error message.
 *
 * Every fallible libnn function returns a libnn_status. LIBNN_OK is 0; the
 * other values are pinned forever and new ones are only appended, so a
 * binding may hard-code them. When a call fails, libnn_last_error() on the
 * same thread says what was wrong and where: the object, the shape or the
 * byte offset at fault.
 */
#ifndef LIBNN_STATUS_H
#define LIBNN_STATUS_H

#include "libnn/export.h"

LIBNN_BEGIN_DECLS

typedef enum libnn_status {
    LIBNN_OK = 0,
    LIBNN_E_INVALID = 1,     /* an argument is invalid (NULL, negative, unknown key) */
    LIBNN_E_SHAPE = 2,       /* shapes or lengths do not agree */
    LIBNN_E_NOMEM = 3,       /* an allocation failed, or a size overflowed */
    LIBNN_E_IO = 4,          /* the operating system refused a read or write */
    LIBNN_E_FORMAT = 5,      /* a file or buffer is malformed */
    LIBNN_E_STATE = 6,       /* the object is not in a state that allows the call */
    LIBNN_E_UNSUPPORTED = 7, /* valid, but not supported by this build */
    LIBNN_E_NONFINITE = 8,   /* a NaN or infinity where a finite value is needed */
    LIBNN_E_RANGE = 9,       /* a value or index is out of its allowed range */
    LIBNN_E_NOTFOUND = 10    /* a named item does not exist */
} libnn_status;

/*
 * Short static description of a status code ("out of memory"). Unknown codes
 * give "unknown status". Never NULL; the string is owned by the library.
 */
LIBNN_API const char *libnn_status_str(libnn_status status);

/*
 * The detail message of the last failed libnn call on the calling thread,
 * e.g. "tensor_reshape: new shape [3, 5] has 15 elements, tensor has 12".
 * Empty string when no call failed since the last libnn_clear_error().
 * The buffer is thread-local and owned by the library; it stays valid until
 * the next libnn call on the same thread. Successful calls do not clear it.
 */
LIBNN_API const char *libnn_last_error(void);

/* Forget the calling thread's last error message. */
LIBNN_API void libnn_clear_error(void);

/*
 * Set the calling thread's message (copied, truncated to 1023 bytes; NULL
 * clears it) and return `status`: for code that libnn calls back (a
 * gradient hook, a reduce function) and companion libraries such as
 * libnn-mpi, so that their failures read like libnn's own.
 */
LIBNN_API libnn_status libnn_set_error(libnn_status status, const char *message);

LIBNN_END_DECLS

#endif /* LIBNN_STATUS_H */
