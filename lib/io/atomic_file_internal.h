/*
 * Private: atomic replacement of a file. The bytes go to a temporary file in
 * the target's folder; commit flushes it (fsync), renames it over the target
 * and flushes the folder. Until the rename succeeds the target is untouched,
 * so a failed or interrupted save leaves the old file byte-identical.
 * Used by tensor files, model files and the CSV logger.
 */
#ifndef LIBNN_ATOMIC_FILE_INTERNAL_H
#define LIBNN_ATOMIC_FILE_INTERNAL_H

#include <stddef.h>

#include "libnn/status.h"

typedef struct lnn_atomic_file lnn_atomic_file;

/*
 * Create the temporary file for replacing `path`. `who` starts every error
 * message and must stay valid until commit or abort. An existing target's
 * permission bits are copied to the temporary file; a new file gets 0666 less
 * the umask. Errors: LIBNN_E_INVALID (empty path or one ending in '/'),
 * LIBNN_E_IO, LIBNN_E_NOMEM. On error *out is NULL.
 */
libnn_status lnn_atomic_open(const char *who, const char *path, lnn_atomic_file **out);

/* Append n bytes. Errors: LIBNN_E_IO (the file stays open: call abort). */
libnn_status lnn_atomic_write(lnn_atomic_file *af, const void *data, size_t n);

/*
 * Make the written bytes the new content of the target: fsync, close,
 * rename, fsync of the folder. Always frees `af`; on failure before the
 * rename the temporary file is removed and the target is unchanged.
 * Errors: LIBNN_E_IO.
 */
libnn_status lnn_atomic_commit(lnn_atomic_file *af);

/* Give up: close and remove the temporary file, free `af`. NULL is ignored. */
void lnn_atomic_abort(lnn_atomic_file *af);

/* open + write + commit of one buffer. */
libnn_status lnn_atomic_write_file(const char *who, const char *path, const void *data,
                                   size_t n);

#endif
