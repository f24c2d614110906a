/*
 * The I/O-failure loop of tests/test_iofault.c (and of any suite with a
 * reader or writer): make the 1st, 2nd, ... call of the library's I/O layer
 * fail with an errno, and check what every failure must leave behind.
 */
#ifndef LIBNN_IOFAULT_HELPERS_H
#define LIBNN_IOFAULT_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "io/sysio_internal.h"
#include "libnn.h"

/* What the hook did in one run. */
typedef struct iof_run {
    long target;            /* the call to fail (1-based), 0: none */
    int err;                /* the errno it fails with */
    bool shorten;           /* instead: halve every read and write */
    bool no_tmpfile;        /* and: refuse O_TMPFILE, as many file systems do */
    long calls;             /* calls seen */
    bool fired;
    lnn_io_op op;           /* the call that failed */
    char path[512];
} iof_run;

/*
 * One case of the loop. `run` makes the call under test and frees what it
 * made; `check` (may be NULL) looks at the result of a run whose fault fired:
 * the status, the file system. The loop itself asserts, for every run: the
 * status is LIBNN_OK or LIBNN_E_IO (a fault may be absorbed: see
 * iof_absorbable), a LIBNN_E_IO message names the failed call's path, no
 * allocation and no descriptor leaked.
 */
typedef struct iof_case {
    const char *name;
    libnn_status (*run)(void *ctx);
    void (*check)(void *ctx, libnn_status st, const iof_run *r);
    void *ctx;
} iof_case;

/*
 * Run the case failing each call in turn with `err`, until a run ends
 * before reaching the failing call; returns the number of calls of a
 * complete run (the failure points exercised).
 */
long iof_loop(const iof_case *c, int err, bool no_tmpfile);

/* One run with every read and write cut short; it must succeed. */
void iof_short_run(const iof_case *c);

/* iof_loop with EIO; for a writer also with ENOSPC, and with EIO again
 * where O_TMPFILE is refused (the named temporary files of other systems);
 * then iof_short_run. Returns the failure points exercised. */
long iof_all(const iof_case *c, bool writer);

/* Descriptors open in this process. */
int iof_open_fds(void);

/* Whether an injected failure of this call may leave the call successful:
 * the O_TMPFILE attempt, listing the folder for orphans (both fall back)
 * and closing the folder, all of which name the folder `dir`. */
bool iof_absorbable(const iof_run *r, const char *dir);

/* Names in `dir` containing ".libnn-tmp-". */
int iof_temp_count(const char *dir);

#endif
