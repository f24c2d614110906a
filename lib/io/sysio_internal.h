/*
 * Private: the library's one door to the file system. Every open, stat,
 * read, write, fsync, close, rename, link, unlink and lock of libnn goes
 * through these functions (tensor and model files, IDX, CSV, tokenizer JSON,
 * the CSV logger), so that EINTR and short transfers are handled once, error
 * messages name the operation, the path and the system's reason, and tests
 * can make any single call fail (lnn_io_set_fault).
 */
#ifndef LIBNN_SYSIO_INTERNAL_H
#define LIBNN_SYSIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "libnn/status.h"

/* ---- the fault hook (tests only: not exported) ---- */

typedef enum lnn_io_op {
    LNN_IO_OPEN,     /* open, create, a folder to list or flush */
    LNN_IO_TMPFILE,  /* an unnamed file in a folder (O_TMPFILE) */
    LNN_IO_STAT,     /* fstat, stat */
    LNN_IO_READ,
    LNN_IO_WRITE,
    LNN_IO_FSYNC,    /* of a file */
    LNN_IO_DIRSYNC,  /* of the folder after a rename */
    LNN_IO_CLOSE,
    LNN_IO_RENAME,
    LNN_IO_LINK,     /* giving an O_TMPFILE file its temporary name */
    LNN_IO_UNLINK,
    LNN_IO_CHMOD,
    LNN_IO_LOCK,
    LNN_IO_OP_COUNT
} lnn_io_op;

/*
 * Called before every operation with the path it concerns (for READ and
 * WRITE also *len, the bytes about to be transferred). Return 0 to let the
 * call proceed, or an errno value to make it fail with that error without
 * touching the system; lowering *len (to at least 1) makes a read or write
 * short instead.
 */
typedef int (*lnn_io_fault_fn)(lnn_io_op op, const char *path, size_t *len, void *user);

/* Install (or with NULL remove) the hook. Process-wide; not synchronised:
 * set it while no other thread does I/O through libnn. */
void lnn_io_set_fault(lnn_io_fault_fn fn, void *user);

/* Short name of an operation, e.g. "fsync". */
const char *lnn_io_op_name(lnn_io_op op);

/* ---- thin wrappers: the POSIX call's result and errno, EINTR retried ---- */

int lnn_sys_open(const char *path, int flags, mode_t mode);
/* An unnamed file in folder `dir`, open for writing (Linux O_TMPFILE); -1
 * with errno EOPNOTSUPP where the system has no such thing. */
int lnn_sys_open_tmpfile(const char *dir, mode_t mode);
int lnn_sys_fstat(int fd, const char *path, struct stat *st);
/* stat, or with follow false lstat. */
int lnn_sys_stat(const char *path, struct stat *st, int follow);
int lnn_sys_fsync(int fd, const char *path);
int lnn_sys_close(int fd, const char *path);
int lnn_sys_rename(const char *from, const char *to);
/* Give the open (O_TMPFILE) file fd the name `path`. */
int lnn_sys_link_fd(int fd, const char *path);
int lnn_sys_unlink(const char *path);
int lnn_sys_fchmod(int fd, const char *path, mode_t mode);
/* flock(fd, LOCK_EX | LOCK_NB). */
int lnn_sys_trylock(int fd, const char *path);

/* ---- with messages: "<who>: cannot <what> '<path>': <reason>" ---- */

/* The system's text for errno value `err`, thread-safe; returns a pointer to
 * the text (buf or a static string). */
const char *lnn_strerror(int err, char *buf, size_t cap);

/* Set the message "<who>: <what> '<path>': <strerror(err)>"; LIBNN_E_IO. */
libnn_status lnn_io_error(const char *who, const char *what, const char *path, int err);

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

/* Close a descriptor that was only read: nothing can be lost, so an error
 * is of no interest. */
void lnn_close_read(int fd, const char *path);

/* Close a written descriptor; its error (NFS reports write-back failures
 * here) is LIBNN_E_IO. The descriptor is released either way. */
libnn_status lnn_close_written(const char *who, const char *path, int fd);

#endif
