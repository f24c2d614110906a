/*
 * Private: atomic replacement of a file. The bytes go to a temporary file in
 * the target's folder; commit flushes it (fsync), renames it over the target
 * and flushes the folder. Until the rename succeeds the target is untouched,
 * so a failed or interrupted save leaves the old file byte-identical.
 * Temporary files are unnamed (O_TMPFILE) or locked while their owner lives,
 * and each open removes the orphans of earlier saves of the same target
 * (atomic_file.c says how). Used by tensor, model and tokenizer files.
 */
#ifndef LIBNN_ATOMIC_FILE_INTERNAL_H
#define LIBNN_ATOMIC_FILE_INTERNAL_H

#include <stddef.h>

#include "libnn/status.h"

typedef struct lnn_atomic_file lnn_atomic_file;

/*
 * Create the temporary file for replacing `path`, after removing the orphaned
 * temporary files of `path`. `who` starts every error message and must stay
 * valid until commit or abort. At commit an existing target's permission bits
 * are copied to the new file; a new file gets 0666 less the umask. Errors: LIBNN_E_INVALID (empty path or one ending in '/'),
 * LIBNN_E_IO, LIBNN_E_NOMEM. On error *out is NULL.
 */
libnn_status lnn_atomic_open(const char *who, const char *path, lnn_atomic_file **out);

/* Append n bytes. Errors: LIBNN_E_IO (the file stays open: call abort). */
libnn_status lnn_atomic_write(lnn_atomic_file *af, const void *data, size_t n);

/*
 * Make the written bytes the new content of the target: fsync, permissions,
 * (name an unnamed file), rename, close, fsync of the folder. Always frees
 * `af`; on failure before the rename the temporary file is removed and the
 * target is unchanged; after it (close, folder) the new content is in place.
 * Errors: LIBNN_E_IO.
 */
libnn_status lnn_atomic_commit(lnn_atomic_file *af);

/* Give up: close and remove the temporary file, free `af`. NULL is ignored. */
void lnn_atomic_abort(lnn_atomic_file *af);

/* open + write + commit of one buffer. */
libnn_status lnn_atomic_write_file(const char *who, const char *path, const void *data,
                                   size_t n);

#endif
