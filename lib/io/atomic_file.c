/*
 * Atomic file replacement: temporary file, fsync, rename, fsync of the folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file_internal.h"
#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "sysio_internal.h"

struct lnn_atomic_file {
    const char *who;
    int fd;
    char *path;   /* the target */
    char *tmp;    /* the temporary file beside it */
    char *dir;    /* the folder holding both, for its fsync */
};

/* Distinguishes the temporary files of concurrent saves within one process;
 * the pid does it across processes. */
static atomic_ulong tmp_counter;

/* Retries when a stale temporary file of the same name is in the way. */
#define TMP_ATTEMPTS 100

static libnn_status io_error(const lnn_atomic_file *af, const char *what, const char *name,
                             int err)
{
    char buf[128];
    return lnn_error(LIBNN_E_IO, "%s: %s '%s': %s", af->who, what, name,
                     lnn_strerror(err, buf, sizeof buf));
}

static void atomic_free(lnn_atomic_file *af)
{
    lnn_free(af->path);
    lnn_free(af->tmp);
    lnn_free(af->dir);
    lnn_free(af);
}

static libnn_status split_path(lnn_atomic_file *af, const char *path)
{
    size_t len = strlen(path);
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) : 0;
    /* room for ".tmp-<pid>-<counter>" */
    size_t tmp_cap = len + 64;
    af->path = lnn_strdup(path);
    af->dir = slash ? lnn_strndup(path, dir_len ? dir_len : 1) : lnn_strdup(".");
    af->tmp = lnn_malloc(tmp_cap);
    if (!af->path || !af->dir || !af->tmp)
        return lnn_error_nomem(af->who, tmp_cap);
    return LIBNN_OK;
}

static libnn_status create_tmp(lnn_atomic_file *af)
{
    size_t cap = strlen(af->path) + 64;
    for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        unsigned long n = atomic_fetch_add(&tmp_counter, 1);
        snprintf(af->tmp, cap, "%s.tmp-%ld-%lu", af->path, (long)getpid(), n);
        int fd;
        do
            fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        while (fd < 0 && errno == EINTR);
        if (fd >= 0) {
            af->fd = fd;
            return LIBNN_OK;
        }
        if (errno != EEXIST)
            return io_error(af, "cannot create temporary file", af->tmp, errno);
    }
    return lnn_error(LIBNN_E_IO, "%s: cannot create a temporary file beside '%s': %d names taken",
                     af->who, af->path, TMP_ATTEMPTS);
}

libnn_status lnn_atomic_open(const char *who, const char *path, lnn_atomic_file **out)
{
    *out = NULL;
    size_t len = strlen(path);
    if (len == 0 || path[len - 1] == '/')
        return lnn_error(LIBNN_E_INVALID, "%s: '%s' does not name a file", who, path);
    lnn_atomic_file *af = lnn_calloc(1, sizeof *af);
    if (!af)
        return lnn_error_nomem(who, sizeof *af);
    af->who = who;
    af->fd = -1;
    libnn_status st = split_path(af, path);
    if (st == LIBNN_OK)
        st = create_tmp(af);
    if (st != LIBNN_OK) {
        atomic_free(af);
        return st;
    }
    /* Replacing a file should not change who may read it. */
    struct stat old;
    if (stat(path, &old) == 0 && S_ISREG(old.st_mode) &&
        fchmod(af->fd, old.st_mode & 07777) != 0) {
        st = io_error(af, "cannot set the permissions of", af->tmp, errno);
        lnn_atomic_abort(af);
        return st;
    }
    *out = af;
    return LIBNN_OK;
}

libnn_status lnn_atomic_write(lnn_atomic_file *af, const void *data, size_t n)
{
    return lnn_write_full(af->who, af->tmp, af->fd, data, n);
}

void lnn_atomic_abort(lnn_atomic_file *af)
{
    if (!af)
        return;
    if (af->fd >= 0)
        close(af->fd);
    unlink(af->tmp);
    atomic_free(af);
}

/* Without this the rename itself may not survive a power cut. Filesystems
 * that cannot sync a folder say EINVAL; there is nothing more to do then. */
static libnn_status sync_dir(lnn_atomic_file *af)
{
    int fd;
    do
        fd = open(af->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return io_error(af, "replaced the file, but cannot open its folder", af->dir, errno);
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0 && err != EINVAL && err != ENOTSUP)
        return io_error(af, "replaced the file, but cannot flush its folder", af->dir, err);
    return LIBNN_OK;
}

libnn_status lnn_atomic_commit(lnn_atomic_file *af)
{
    libnn_status st;
    if (fsync(af->fd) != 0) {
        st = io_error(af, "cannot flush", af->tmp, errno);
        lnn_atomic_abort(af);
        return st;
    }
    int rc = close(af->fd);
    af->fd = -1;
    if (rc != 0) {
        st = io_error(af, "cannot close", af->tmp, errno);
        lnn_atomic_abort(af);
        return st;
    }
    if (rename(af->tmp, af->path) != 0) {
        char buf[128];
        st = lnn_error(LIBNN_E_IO, "%s: cannot rename '%s' to '%s': %s", af->who, af->tmp,
                       af->path, lnn_strerror(errno, buf, sizeof buf));
        lnn_atomic_abort(af);
        return st;
    }
    st = sync_dir(af);
    atomic_free(af);
    return st;
}

libnn_status lnn_atomic_write_file(const char *who, const char *path, const void *data, size_t n)
{
    lnn_atomic_file *af;
    libnn_status st = lnn_atomic_open(who, path, &af);
    if (st != LIBNN_OK)
        return st;
    st = lnn_atomic_write(af, data, n);
    if (st != LIBNN_OK) {
        lnn_atomic_abort(af);
        return st;
    }
    return lnn_atomic_commit(af);
}
