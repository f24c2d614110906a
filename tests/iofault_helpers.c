/*
 * The I/O-failure loop.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iofault_helpers.h"
#include "testutil.h"

static int hook(lnn_io_op op, const char *path, size_t *len, void *user)
{
    iof_run *r = user;
    if (r->no_tmpfile && op == LNN_IO_TMPFILE)
        return EOPNOTSUPP;
    r->calls++;
    if (r->shorten) {
        if ((op == LNN_IO_READ || op == LNN_IO_WRITE) && *len > 1)
            *len /= 2;
        return 0;
    }
    if (r->calls != r->target)
        return 0;
    r->fired = true;
    r->op = op;
    snprintf(r->path, sizeof r->path, "%s", path);
    return r->err;
}

int iof_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

int iof_temp_count(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".libnn-tmp-") != NULL;
    closedir(d);
    return n;
}

bool iof_absorbable(const iof_run *r, const char *dir)
{
    if (r->op == LNN_IO_CLOSE && strcmp(r->path, dir) == 0)
        return true;
    return (r->op == LNN_IO_OPEN || r->op == LNN_IO_TMPFILE) && strcmp(r->path, dir) == 0;
}

static libnn_status one_run(const iof_case *c, iof_run *r)
{
    long live = tu_alloc_live();
    int fds = iof_open_fds();
    libnn_clear_error();
    lnn_io_set_fault(hook, r);
    libnn_status st = c->run(c->ctx);
    lnn_io_set_fault(NULL, NULL);
    ck_assert_msg(tu_alloc_live() == live, "%s, call %ld (%s) failing: %ld blocks leaked",
                  c->name, r->target, lnn_io_op_name(r->op), tu_alloc_live() - live);
    ck_assert_msg(iof_open_fds() == fds, "%s, call %ld (%s) failing: %d descriptors leaked",
                  c->name, r->target, lnn_io_op_name(r->op), iof_open_fds() - fds);
    return st;
}

long iof_loop(const iof_case *c, int err, bool no_tmpfile)
{
    for (long n = 1;; n++) {
        iof_run r = {.target = n, .err = err, .no_tmpfile = no_tmpfile};
        libnn_status st = one_run(c, &r);
        if (!r.fired) {
            ck_assert_msg(st == LIBNN_OK, "%s: the run without a fault failed: %s", c->name,
                          libnn_last_error());
            if (c->check)
                c->check(c->ctx, st, &r);
            /* The figures of docs/reliability.md. */
            if (getenv("LIBNN_TEST_REPORT"))
                fprintf(stderr, "io faults: %s, %s%s: %ld calls failed in turn\n", c->name,
                        strerror(err), no_tmpfile ? ", without O_TMPFILE" : "", n - 1);
            return n - 1;
        }
        ck_assert_msg(st == LIBNN_OK || st == LIBNN_E_IO,
                      "%s, call %ld (%s '%s') failing with %s: got %s (%s)", c->name, n,
                      lnn_io_op_name(r.op), r.path, strerror(err), libnn_status_str(st),
                      libnn_last_error());
        if (st == LIBNN_E_IO) {
            ck_assert_msg(strstr(libnn_last_error(), r.path) != NULL,
                          "%s, call %ld (%s) failing: the message \"%s\" lacks the path '%s'",
                          c->name, n, lnn_io_op_name(r.op), libnn_last_error(), r.path);
            ck_assert_msg(strstr(libnn_last_error(), strerror(err)) != NULL,
                          "%s, call %ld (%s) failing: the message \"%s\" lacks the reason",
                          c->name, n, lnn_io_op_name(r.op), libnn_last_error());
        }
        if (c->check)
            c->check(c->ctx, st, &r);
    }
}

void iof_short_run(const iof_case *c)
{
    iof_run r = {.shorten = true};
    libnn_status st = one_run(c, &r);
    ck_assert_msg(st == LIBNN_OK, "%s with short transfers: %s", c->name, libnn_last_error());
    if (c->check)
        c->check(c->ctx, st, &r);
}

long iof_all(const iof_case *c, bool writer)
{
    long points = iof_loop(c, EIO, false);
    /* ENOSPC and the named temporary files only concern writers. */
    if (writer) {
        points += iof_loop(c, ENOSPC, false);
        points += iof_loop(c, EIO, true);
    }
    iof_short_run(c);
    return points;
}
