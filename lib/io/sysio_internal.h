/*
 * Private: the few POSIX file calls that the readers and writers of lib/io
 * share, with EINTR and short transfers handled once and error messages that
 * name the path and the system's reason.
 */
#ifndef LIBNN_SYSIO_INTERNAL_H
#define LIBNN_SYSIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/status.h"

/* The system's text for errno value `err`, thread-safe; returns a pointer to
 * the text (buf or a static string). */
const char *lnn_strerror(int err, char *buf, size_t cap);

/*
 * Open `path` for reading; it must be a regular file. *fd and *size receive
 * the descriptor (close-on-exec) and the file's length. Errors: LIBNN_E_IO,
 * with `who` and the path in the message.
 */
libnn_status lnn_open_read(const char *who, const char *path, int *fd, uint64_t *size);

/* Read exactly n bytes at `offset`; end of file before that is LIBNN_E_IO. */
libnn_status lnn_pread_full(const char *who, const char *path, int fd, void *buf, size_t n,
                            uint64_t offset);

/* Write all n bytes at the current position. Errors: LIBNN_E_IO. */
libnn_status lnn_write_full(const char *who, const char *path, int fd, const void *buf, size_t n);

#endif
