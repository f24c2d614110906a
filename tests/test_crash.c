/*
 * Crash consistency (suite "slow"): a forked child saves two versions of a
 * file in turn, forever, and is killed with SIGKILL at 200 moments spread
 * over its saves. After every kill the file must load as exactly one of the
 * two versions, and temporary files must not pile up: at most the one the
 * last kill interrupted, which the next save removes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io_helpers.h"
#include "iofault_helpers.h"
#include "testutil.h"

#define KILLS 200

/* A file of `floats` values, all equal to `v`, plus metadata naming it. */
static libnn_tensor_file *version(float v, int64_t floats)
{
    libnn_tensor_file *f;
    ck_assert_int_eq(libnn_tensor_file_new(&f), LIBNN_OK);
    float *data = malloc((size_t)floats * sizeof *data);
    ck_assert_ptr_nonnull(data);
    for (int64_t i = 0; i < floats; i++)
        data[i] = v;
    io_add_tensor(f, "w", 1, &floats, data);
    free(data);
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, "version", v > 1 ? "b" : "a"), LIBNN_OK);
    return f;
}

static bool same_bytes(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    return na == nb && memcmp(a, b, na) == 0;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

START_TEST(sigkill_during_saves)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    /* Different sizes, so that a mix of the two could not pass for one. */
    libnn_tensor_file *a = version(1, 40000), *b = version(2, 60000);
    size_t na, nb;
    unsigned char *ba = io_save_to_memory(a, &na), *bb = io_save_to_memory(b, &nb);
    ck_assert_int_eq(libnn_tensor_file_save(a, path), LIBNN_OK);

    /* How long one save takes here, to spread the kills over a few. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(libnn_tensor_file_save(i % 2 ? a : b, path), LIBNN_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long save_us = ((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000) / 10;
    long span_us = 4 * save_us + 200;  /* the child's start-up, then ~4 saves */

    unsigned seed = 13;
    int seen_a = 0, seen_b = 0, max_temps = 0, orphaned = 0;
    for (int k = 0; k < KILLS; k++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            for (unsigned i = 0;; i++)
                libnn_tensor_file_save(i % 2 ? a : b, path);
        }
        sleep_us((long)(rand_r(&seed) % (unsigned)span_us));
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);

        size_t n;
        unsigned char *now = io_read_file(path, &n);
        bool is_a = same_bytes(now, n, ba, na), is_b = same_bytes(now, n, bb, nb);
        ck_assert_msg(is_a || is_b, "kill %d: the file (%zu bytes) is neither version", k, n);
        free(now);
        libnn_tensor_file *g;
        ck_assert_int_eq(libnn_tensor_file_load(path, &g), LIBNN_OK);
        io_assert_same_file(g, is_a ? a : b);
        libnn_tensor_file_free(g);
        seen_a += is_a;
        seen_b += is_b;
        int temps = iof_temp_count(dir);
        orphaned += temps > 0;
        if (temps > max_temps)
            max_temps = temps;
        ck_assert_msg(temps <= 1, "kill %d: %d temporary files", k, temps);
    }
    ck_assert_int_eq(libnn_tensor_file_save(b, path), LIBNN_OK);
    ck_assert_int_eq(iof_temp_count(dir), 0);
    ck_assert_int_eq(io_entry_count(dir), 1);
    /* Both versions were caught: the kills did land during saves. */
    ck_assert_int_gt(seen_a, 0);
    ck_assert_int_gt(seen_b, 0);
    if (getenv("LIBNN_TEST_REPORT"))
        fprintf(stderr,
                "crash: %d SIGKILLs, one save ~%ld us: old/new version %d/%d, %d kills left "
                "an orphan (at most %d at once), all removed by the next save\n",
                KILLS, save_us, seen_a, seen_b, orphaned, max_temps);
    free(ba);
    free(bb);
    libnn_tensor_file_free(a);
    libnn_tensor_file_free(b);
    io_scratch_remove(dir);
}
END_TEST

Suite *crash_suite(void)
{
    Suite *s = suite_create("crash");
    TCase *tc = tu_tcase("sigkill");
    tcase_add_test(tc, sigkill_during_saves);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    return s;
}
