/*
 * The counting, failing allocator and the allocation-failure loop.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static atomic_long live;
static atomic_long calls;
static atomic_long fail_at;   /* 0: never */
static atomic_int fail_persistent;

static int should_fail(void)
{
    long n = atomic_fetch_add(&calls, 1) + 1;
    long at = atomic_load(&fail_at);
    if (at == 0)
        return 0;
    return atomic_load(&fail_persistent) ? n >= at : n == at;
}

static void *count_malloc(size_t size, void *user)
{
    (void)user;
    if (should_fail())
        return NULL;
    void *p = malloc(size);
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}

static void *count_realloc(void *ptr, size_t size, void *user)
{
    (void)user;
    if (should_fail())
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        atomic_fetch_add(&live, 1);
    return p;
}

static void count_free(void *ptr, void *user)
{
    (void)user;
    if (ptr)
        atomic_fetch_sub(&live, 1);
    free(ptr);
}

void tu_alloc_reset(void)
{
    atomic_store(&calls, 0);
    atomic_store(&fail_at, 0);
    atomic_store(&fail_persistent, 0);
}

void tu_alloc_install(void)
{
    tu_alloc_reset();
    atomic_store(&live, 0);
    ck_assert_int_eq(libnn_set_allocator(count_malloc, count_realloc, count_free, NULL), LIBNN_OK);
}

void tu_alloc_uninstall(void)
{
    long leaked = tu_alloc_live();
    ck_assert_int_eq(libnn_set_allocator(NULL, NULL, NULL, NULL), LIBNN_OK);
    ck_assert_msg(leaked == 0, "%ld blocks allocated by libnn were not freed", leaked);
}

long tu_alloc_live(void)
{
    return atomic_load(&live);
}

long tu_alloc_calls(void)
{
    return atomic_load(&calls);
}

void tu_alloc_fail_at(long n, int persistent)
{
    atomic_store(&calls, 0);
    atomic_store(&fail_persistent, persistent);
    atomic_store(&fail_at, n);
}

long tu_alloc_fail_loop(tu_body_fn body, void *ctx)
{
    /* A successful reference run tells how many allocations there are. */
    long base_live = tu_alloc_live();
    tu_alloc_reset();
    libnn_status st = body(ctx);
    ck_assert_msg(st == LIBNN_OK, "reference run failed: %s (%s)", libnn_status_str(st),
                  libnn_last_error());
    long total = tu_alloc_calls();
    ck_assert_int_eq(tu_alloc_live(), base_live);

    for (int persistent = 0; persistent <= 1; persistent++) {
        for (long n = 1; n <= total; n++) {
            libnn_clear_error();
            tu_alloc_fail_at(n, persistent);
            st = body(ctx);
            long reached = tu_alloc_calls();
            tu_alloc_reset();
            ck_assert_msg(st == LIBNN_OK || st == LIBNN_E_NOMEM,
                          "allocation %ld failing (%s): got %s (%s)", n,
                          persistent ? "from then on" : "once", libnn_status_str(st),
                          libnn_last_error());
            ck_assert_msg(tu_alloc_live() == base_live,
                          "allocation %ld failing (%s): %ld blocks leaked", n,
                          persistent ? "from then on" : "once", tu_alloc_live() - base_live);
            if (st == LIBNN_E_NOMEM)
                ck_assert_msg(strstr(libnn_last_error(), "out of memory") != NULL,
                              "NOMEM without a message: \"%s\"", libnn_last_error());
            /* Once-only failures may be absorbed by a retry; persistent
             * failures that were reached must surface. */
            if (persistent && reached >= n)
                ck_assert_msg(st == LIBNN_E_NOMEM,
                              "allocation %ld failed for good, yet the call succeeded", n);
        }
    }
    /* The figures of docs/reliability.md. */
    if (getenv("LIBNN_TEST_REPORT"))
        fprintf(stderr, "alloc faults: %ld allocations failed in turn, once and for good\n",
                total);
    return total;
}

static void tcase_setup(void)
{
    tu_alloc_install();
    libnn_clear_error();
}

static void tcase_teardown(void)
{
    tu_alloc_uninstall();
}

TCase *tu_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, tcase_setup, tcase_teardown);
    tcase_set_timeout(tc, 300);
    return tc;
}

const char *tu_path(const char *relative)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", LIBNN_TEST_SRCDIR, relative);
    return buf;
}
