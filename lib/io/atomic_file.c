/*
 * Atomic file replacement: temporary file, fsync, rename, fsync of the folder.
 *
 * Temporary files never accumulate:
 *  - Where the file system allows it (Linux O_TMPFILE, /proc mounted) the
 *    bytes go to an unnamed file in the target's folder: a process killed
 *    while writing leaves nothing behind. The file gets its temporary name
 *    only after its fsync, just before the rename over the target.
 *  - Otherwise, and in that short window, the temporary file is named
 *    "<target>.libnn-tmp-<pid>-<n>" and its owner holds an exclusive flock()
 *    on it until the rename is done. Every save first removes the temporary
 *    files of the same target that nobody holds locked: their owner died.
 *    A lock, unlike the pid, cannot be confused by pid reuse or by a process
 *    in another pid namespace; the kernel drops it when its owner dies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
    bool unnamed;  /* O_TMPFILE: no name until commit */
    char *path;    /* the target */
    char *tmp;     /* the temporary name (an unnamed file gets it at commit) */
    char *dir;     /* the folder holding both, for its fsync */
    const char *base;  /* the target's name inside path */
};

#define TMP_MARK ".libnn-tmp-"

/* Distinguishes the temporary files of concurrent saves within one process;
 * the pid does it across processes. */
static atomic_ulong tmp_counter;

/* Retries when a temporary file of the same name is in the way. */
#define TMP_ATTEMPTS 100

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
    /* room for TMP_MARK "<pid>-<counter>" */
    size_t tmp_cap = len + 64;
    af->path = lnn_strdup(path);
    af->dir = slash ? lnn_strndup(path, dir_len ? dir_len : 1) : lnn_strdup(".");
    af->tmp = lnn_malloc(tmp_cap);
    if (!af->path || !af->dir || !af->tmp)
        return lnn_error_nomem(af->who, tmp_cap);
    af->base = af->path + (slash ? (size_t)(slash - path) + 1 : 0);
    return LIBNN_OK;
}

static void next_tmp_name(lnn_atomic_file *af)
{
    unsigned long n = atomic_fetch_add(&tmp_counter, 1);
    snprintf(af->tmp, strlen(af->path) + 64, "%s" TMP_MARK "%ld-%lu", af->path, (long)getpid(), n);
}

/* The pid in a temporary name "<base>.libnn-tmp-<pid>-<n>", or 0 when `name`
 * is not one of this target's. */
static long tmp_owner(const char *name, const char *base)
{
    size_t blen = strlen(base), mlen = strlen(TMP_MARK);
    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, TMP_MARK, mlen) != 0)
        return 0;
    const char *p = name + blen + mlen;
    char *end;
    long pid = strtol(p, &end, 10);
    if (end == p || *end != '-' || pid <= 0)
        return 0;
    p = end + 1;
    (void)strtoul(p, &end, 10);
    return end != p && *end == '\0' ? pid : 0;
}

/* Remove `full` if no process holds it locked and it is still the file we
 * locked (another sweeper may have replaced the name meanwhile). */
static void remove_if_orphan(const char *full)
{
    /* A temporary file has its target's permissions only just before the
     * rename; one that is write-only by then still opens for writing. */
    int fd = lnn_sys_open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0);
    if (fd < 0 && errno == EACCES)
        fd = lnn_sys_open(full, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0);
    if (fd < 0)
        return;
    struct stat held, named;
    if (lnn_sys_trylock(fd, full) == 0 && lnn_sys_fstat(fd, full, &held) == 0 &&
        lnn_sys_stat(full, &named, 0) == 0 && S_ISREG(held.st_mode) &&
        held.st_ino == named.st_ino && held.st_dev == named.st_dev)
        (void)lnn_sys_unlink(full);
    lnn_close_read(fd, full);
}

/* Best effort: a folder that cannot be listed keeps its orphans, and the
 * save goes on. Errors: LIBNN_E_NOMEM only. */
static libnn_status sweep_orphans(const lnn_atomic_file *af)
{
    size_t cap = strlen(af->dir) + 2 + strlen(af->base) + 64;
    char *full = lnn_malloc(cap);
    if (!full)
        return lnn_error_nomem(af->who, cap);
    int dfd = lnn_sys_open(af->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            lnn_close_read(dfd, af->dir);
        lnn_free(full);
        return LIBNN_OK;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = tmp_owner(e->d_name, af->base);
        /* This process's own are alive by definition. */
        if (pid == 0 || pid == (long)getpid() || strlen(e->d_name) >= cap - strlen(af->dir) - 2)
            continue;
        snprintf(full, cap, "%s/%s", af->dir, e->d_name);
        remove_if_orphan(full);
    }
    lnn_free(full);
    closedir(d);
    return LIBNN_OK;
}

/* Lock the new temporary file so no sweeper takes it for an orphan. A file
 * system without flock() cannot tell orphans either, so it sweeps nothing
 * and there is nothing to protect against. */
static libnn_status lock_tmp(lnn_atomic_file *af)
{
    if (lnn_sys_trylock(af->fd, af->tmp) == 0 || errno == ENOLCK || errno == EOPNOTSUPP ||
        errno == ENOSYS || errno == EINVAL)
        return LIBNN_OK;
    return lnn_io_error(af->who, "cannot lock temporary file", af->tmp, errno);
}

static bool try_unnamed(lnn_atomic_file *af)
{
    /* Naming the file at commit goes through /proc/self/fd. */
    if (access("/proc/self/fd", X_OK) != 0)
        return false;
    af->fd = lnn_sys_open_tmpfile(af->dir, 0666);
    af->unnamed = af->fd >= 0;
    return af->unnamed;
}

/* Whether the name af->tmp still is the file af->fd (*ours): a sweeper of
 * another process may have taken it for an orphan between its creation and
 * our lock. Errors: LIBNN_E_IO. */
static libnn_status still_ours(const lnn_atomic_file *af, bool *ours)
{
    struct stat held, named;
    if (lnn_sys_fstat(af->fd, af->tmp, &held) != 0)
        return lnn_io_error(af->who, "cannot stat", af->tmp, errno);
    int rc = lnn_sys_stat(af->tmp, &named, 0);
    if (rc != 0 && errno != ENOENT)
        return lnn_io_error(af->who, "cannot stat", af->tmp, errno);
    *ours = rc == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev;
    return LIBNN_OK;
}

static libnn_status create_tmp(lnn_atomic_file *af)
{
    next_tmp_name(af);
    /* Any failure of O_TMPFILE (old kernel, file system without it) leaves
     * the named way, which reports the real error if there is one. */
    if (try_unnamed(af))
        return lock_tmp(af);
    for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        af->fd = lnn_sys_open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (af->fd < 0 && errno != EEXIST)
            return lnn_io_error(af->who, "cannot create temporary file", af->tmp, errno);
        if (af->fd >= 0) {
            bool ours = false;
            libnn_status st = lock_tmp(af);
            if (st == LIBNN_OK)
                st = still_ours(af, &ours);
            if (st != LIBNN_OK || ours)
                return st;
            lnn_close_read(af->fd, af->tmp);
            af->fd = -1;
        }
        next_tmp_name(af);
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
        st = sweep_orphans(af);
    if (st != LIBNN_OK) {
        atomic_free(af);
        return st;
    }
    if ((st = create_tmp(af)) != LIBNN_OK) {
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
    if (af->fd >= 0 && !af->unnamed)
        (void)lnn_sys_unlink(af->tmp);
    /* Closing last keeps the lock until the name is gone. */
    if (af->fd >= 0)
        lnn_close_read(af->fd, af->tmp);
    atomic_free(af);
}

/* Without this the rename itself may not survive a power cut. Filesystems
 * that cannot sync a folder say EINVAL; there is nothing more to do then. */
static libnn_status sync_dir(const lnn_atomic_file *af)
{
    int fd = lnn_sys_open(af->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0)
        return lnn_io_error(af->who, "replaced the file, but cannot open its folder", af->dir,
                            errno);
    int rc = lnn_sys_fsync(fd, af->dir);
    int err = errno;
    lnn_close_read(fd, af->dir);
    if (rc != 0 && err != EINVAL && err != ENOTSUP)
        return lnn_io_error(af->who, "replaced the file, but cannot flush (fsync) its folder",
                            af->dir, err);
    return LIBNN_OK;
}

/* Replacing a file should not change who may read it. Done last, so that
 * the file is readable by its owner (and a sweeper) while it is written. */
static libnn_status copy_mode(const lnn_atomic_file *af)
{
    struct stat old;
    if (lnn_sys_stat(af->path, &old, 1) != 0) {
        /* No file there (or a link to none, or a loop): the rename
         * replaces the link itself. */
        if (errno == ENOENT || errno == ELOOP)
            return LIBNN_OK;
        return lnn_io_error(af->who, "cannot stat", af->path, errno);
    }
    if (!S_ISREG(old.st_mode))
        return LIBNN_OK;
    if (lnn_sys_fchmod(af->fd, af->tmp, old.st_mode & 07777) != 0)
        return lnn_io_error(af->who, "cannot set the permissions of", af->tmp, errno);
    return LIBNN_OK;
}

/* Give an unnamed file its temporary name. */
static libnn_status link_tmp(lnn_atomic_file *af)
{
    for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        if (lnn_sys_link_fd(af->fd, af->tmp) == 0) {
            af->unnamed = false;
            return LIBNN_OK;
        }
        if (errno != EEXIST)
            return lnn_io_error(af->who, "cannot link temporary file", af->tmp, errno);
        next_tmp_name(af);
    }
    return lnn_error(LIBNN_E_IO, "%s: cannot name a temporary file beside '%s': %d names taken",
                     af->who, af->path, TMP_ATTEMPTS);
}

libnn_status lnn_atomic_commit(lnn_atomic_file *af)
{
    libnn_status st = LIBNN_OK;
    if (lnn_sys_fsync(af->fd, af->tmp) != 0)
        st = lnn_io_error(af->who, "cannot flush (fsync)", af->tmp, errno);
    if (st == LIBNN_OK)
        st = copy_mode(af);
    if (st == LIBNN_OK && af->unnamed)
        st = link_tmp(af);
    if (st == LIBNN_OK && lnn_sys_rename(af->tmp, af->path) != 0) {
        char buf[128];
        st = lnn_error(LIBNN_E_IO, "%s: cannot rename '%s' to '%s': %s", af->who, af->tmp,
                       af->path, lnn_strerror(errno, buf, sizeof buf));
    }
    if (st != LIBNN_OK) {
        lnn_atomic_abort(af);
        return st;
    }
    /* The bytes are on disk (fsync) and in place: a failing close can no
     * longer lose them, but it is reported all the same. */
    int fd = af->fd;
    af->fd = -1;
    st = lnn_close_written(af->who, af->path, fd);
    if (st == LIBNN_OK)
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
