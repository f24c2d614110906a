/*
 * POSIX file helpers shared by lib/io.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "sysio_internal.h"

/* Linux caps one read or write at a little under 2 GiB; asking for less
 * keeps every request within ssize_t on any platform. */
#define IO_CHUNK ((size_t)1 << 30)

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

static libnn_status errno_error(const char *who, const char *what, const char *path, int err)
{
    char buf[128];
    return lnn_error(LIBNN_E_IO, "%s: %s '%s': %s", who, what, path,
                     lnn_strerror(err, buf, sizeof buf));
}

libnn_status lnn_open_read(const char *who, const char *path, int *fd, uint64_t *size)
{
    /* O_NONBLOCK: a FIFO must not hang the caller before fstat rejects it;
     * reads of a regular file ignore the flag. */
    int d;
    do
        d = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    while (d < 0 && errno == EINTR);
    if (d < 0)
        return errno_error(who, "cannot open", path, errno);
    struct stat st;
    if (fstat(d, &st) != 0) {
        int err = errno;
        close(d);
        return errno_error(who, "cannot stat", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
        close(d);
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
        ssize_t got = pread(fd, p, want, (off_t)offset);
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
        ssize_t put = write(fd, p, want);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return errno_error(who, "cannot write", path, put < 0 ? errno : EIO);
        p += put;
        n -= (size_t)put;
    }
    return LIBNN_OK;
}
