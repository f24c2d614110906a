/*
 * The file-system calls of the whole library, with the fault hook of the
 * tests in front of each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "sysio_internal.h"

/* Linux caps one read or write at a little under 2 GiB; asking for less
 * keeps every request within ssize_t on any platform. */
#define IO_CHUNK ((size_t)1 << 30)

static lnn_io_fault_fn fault_fn;
static void *fault_user;

void lnn_io_set_fault(lnn_io_fault_fn fn, void *user)
{
    fault_fn = fn;
    fault_user = user;
}

const char *lnn_io_op_name(lnn_io_op op)
{
    static const char *const names[LNN_IO_OP_COUNT] = {
        "open", "tmpfile", "stat", "read", "write", "fsync", "dirsync",
        "close", "rename", "link", "unlink", "chmod", "lock"};
    return op >= 0 && op < LNN_IO_OP_COUNT ? names[op] : "?";
}

/* 0, or the errno the hook wants; sets errno too. */
static int fault(lnn_io_op op, const char *path, size_t *len)
{
    size_t none = 0;
    int err = fault_fn ? fault_fn(op, path, len ? len : &none, fault_user) : 0;
    if (err)
        errno = err;
    return err;
}

int lnn_sys_open(const char *path, int flags, mode_t mode)
{
    if (fault(LNN_IO_OPEN, path, NULL))
        return -1;
    int fd;
    do
        fd = open(path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

int lnn_sys_open_tmpfile(const char *dir, mode_t mode)
{
    if (fault(LNN_IO_TMPFILE, dir, NULL))
        return -1;
#ifdef O_TMPFILE
    int fd;
    do
        fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
#else
    errno = EOPNOTSUPP;
    return -1;
#endif
}

int lnn_sys_fstat(int fd, const char *path, struct stat *st)
{
    return fault(LNN_IO_STAT, path, NULL) ? -1 : fstat(fd, st);
}

int lnn_sys_stat(const char *path, struct stat *st, int follow)
{
    if (fault(LNN_IO_STAT, path, NULL))
        return -1;
    return follow ? stat(path, st) : lstat(path, st);
}

int lnn_sys_fsync(int fd, const char *path)
{
    if (fault(LNN_IO_FSYNC, path, NULL))
        return -1;
    int rc;
    do
        rc = fsync(fd);
    while (rc != 0 && errno == EINTR);
    return rc;
}

int lnn_sys_close(int fd, const char *path)
{
    /* The descriptor is gone whatever close says (Linux, and POSIX 2024):
     * never retry it, and release it even when the hook fails the call. */
    int err = fault(LNN_IO_CLOSE, path, NULL);
    int rc = close(fd);
    if (err) {
        errno = err;
        return -1;
    }
    return rc != 0 && errno == EINTR ? 0 : rc;
}

int lnn_sys_rename(const char *from, const char *to)
{
    return fault(LNN_IO_RENAME, to, NULL) ? -1 : rename(from, to);
}

int lnn_sys_link_fd(int fd, const char *path)
{
    if (fault(LNN_IO_LINK, path, NULL))
        return -1;
    /* linkat(fd, "", ..., AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the
     * /proc link of the descriptor works for everyone. */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

int lnn_sys_unlink(const char *path)
{
    return fault(LNN_IO_UNLINK, path, NULL) ? -1 : unlink(path);
}

int lnn_sys_fchmod(int fd, const char *path, mode_t mode)
{
    return fault(LNN_IO_CHMOD, path, NULL) ? -1 : fchmod(fd, mode);
}

int lnn_sys_trylock(int fd, const char *path)
{
    if (fault(LNN_IO_LOCK, path, NULL))
        return -1;
    int rc;
    do
        rc = flock(fd, LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    return rc;
}

const char *lnn_strerror(int err, char *buf, size_t cap)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, buf, cap);
#else
    if (strerror_r(err, buf, cap) != 0)
        snprintf(buf, cap, "error %d", err);
    return buf;
#endif
}

libnn_status lnn_io_error(const char *who, const char *what, const char *path, int err)
{
    char buf[128];
    return lnn_error(LIBNN_E_IO, "%s: %s '%s': %s", who, what, path,
                     lnn_strerror(err, buf, sizeof buf));
}

libnn_status lnn_open_read(const char *who, const char *path, int *fd, uint64_t *size)
{
    /* O_NONBLOCK: a FIFO must not hang the caller before fstat rejects it;
     * reads of a regular file ignore the flag. */
    int d = lnn_sys_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    if (d < 0)
        return lnn_io_error(who, "cannot open", path, errno);
    struct stat st;
    if (lnn_sys_fstat(d, path, &st) != 0) {
        int err = errno;
        lnn_close_read(d, path);
        return lnn_io_error(who, "cannot stat", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
        lnn_close_read(d, path);
        return lnn_error(LIBNN_E_IO, "%s: '%s' is not a regular file", who, path);
    }
    *fd = d;
    *size = (uint64_t)st.st_size;
    return LIBNN_OK;
}

libnn_status lnn_pread_full(const char *who, const char *path, int fd, void *buf, size_t n,
                            uint64_t offset)
{
    unsigned char *p = buf;
    while (n > 0) {
        size_t want = n < IO_CHUNK ? n : IO_CHUNK;
        ssize_t got = fault(LNN_IO_READ, path, &want) ? -1 : pread(fd, p, want, (off_t)offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            char ebuf[128];
            return lnn_error(LIBNN_E_IO, "%s: cannot read '%s' at byte %llu: %s", who, path,
                             (unsigned long long)offset, lnn_strerror(errno, ebuf, sizeof ebuf));
        }
        if (got == 0)
            return lnn_error(LIBNN_E_IO,
                             "%s: '%s' ended at byte %llu while reading it (changed meanwhile?)",
                             who, path, (unsigned long long)offset);
        p += got;
        n -= (size_t)got;
        offset += (uint64_t)got;
    }
    return LIBNN_OK;
}

libnn_status lnn_write_full(const char *who, const char *path, int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        size_t want = n < IO_CHUNK ? n : IO_CHUNK;
        ssize_t put = fault(LNN_IO_WRITE, path, &want) ? -1 : write(fd, p, want);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return lnn_io_error(who, "cannot write", path, put < 0 ? errno : EIO);
        p += put;
        n -= (size_t)put;
    }
    return LIBNN_OK;
}

void lnn_close_read(int fd, const char *path)
{
    (void)lnn_sys_close(fd, path);
}

libnn_status lnn_close_written(const char *who, const char *path, int fd)
{
    if (lnn_sys_close(fd, path) != 0)
        return lnn_io_error(who, "cannot close", path, errno);
    return LIBNN_OK;
}
