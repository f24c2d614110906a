/*
 * Shared test helpers: a counting, failing allocator and the
 * allocation-failure loop that every suite uses.
 */
#ifndef LIBNN_TESTUTIL_H
#define LIBNN_TESTUTIL_H

#include <check.h>
#include <stddef.h>

#include "libnn.h"

/* Directory of the source tree's tests/ folder (fixtures live below it). */
#ifndef LIBNN_TEST_SRCDIR
#error "LIBNN_TEST_SRCDIR must be defined by the build"
#endif

/* Every suite's constructor, from the list in suites.h. */
#define LNN_SUITE(area) Suite *area##_suite(void);
#include "suites.h"
#undef LNN_SUITE

/* Install the counting allocator (each suite's tests run with it: see
 * tu_add_tcase) and reset its counters. */
void tu_alloc_install(void);
/* Back to the default allocator; asserts nothing leaked. */
void tu_alloc_uninstall(void);

/* Blocks currently allocated through libnn and not freed. */
long tu_alloc_live(void);
/* Allocation calls (malloc and realloc) since the counters were reset. */
long tu_alloc_calls(void);
void tu_alloc_reset(void);

/* Make allocation call number n (1-based, counted from now) fail; with
 * persistent, every call from the nth on fails. n = 0 disables failing. */
void tu_alloc_fail_at(long n, int persistent);

/*
 * Body of an allocation-failure test. It makes the calls under test, frees
 * everything it created (also on failure), checks with ck_assert that the
 * caller's data it passed in are unchanged, and returns the first non-OK
 * status it got (or LIBNN_OK).
 */
typedef libnn_status (*tu_body_fn)(void *ctx);

/*
 * Run `body` with allocation #1, #2, ... failing, first once and then from
 * that call on, until a run completes without reaching the failing call.
 * Asserts that every run returns LIBNN_OK or LIBNN_E_NOMEM (and that a
 * NOMEM run has a message), that no run leaks, and that the final run
 * succeeds. Returns the number of allocation calls of a successful run.
 */
long tu_alloc_fail_loop(tu_body_fn body, void *ctx);

/* Create a Check test case named `name` whose tests run with the counting
 * allocator installed and a leak check at the end of each test. */
TCase *tu_tcase(const char *name);

/* Path of a file below tests/ in the source tree, in a static buffer. */
const char *tu_path(const char *relative);

/* Assert that the last error message contains `needle`. */
#define tu_assert_error_has(needle)                                              \
    ck_assert_msg(strstr(libnn_last_error(), (needle)) != NULL,                  \
                  "last error \"%s\" lacks \"%s\"", libnn_last_error(), (needle))

#endif
