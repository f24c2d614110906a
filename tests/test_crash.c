/*
 * Crash consistency (suite "slow"): a forked child saves two versions of a
 * tensor file, or of a model checkpoint, in turn, forever, and is killed with SIGKILL at 200 moments spread
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
#include "model_zoo.h"
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

/* What the loop saves: version i % 2 of the file, by whatever API. */
typedef struct subject {
    const char *name;
    libnn_status (*save)(const struct subject *s, int which, const char *path);
    void (*verify)(const struct subject *s, int which, const char *path);
    const void *versions[2];
    unsigned char *bytes[2];  /* each version's file */
    size_t sizes[2];
} subject;

static void sigkill_loop(const subject *s)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    ck_assert_int_eq(s->save(s, 0, path), LIBNN_OK);

    /* How long one save takes here, to spread the kills over a few. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(s->save(s, i % 2, path), LIBNN_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long save_us = ((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000) / 10;
    long span_us = 4 * save_us + 200;  /* the child's start-up, then ~4 saves */

    unsigned seed = 13;
    int seen[2] = {0, 0}, max_temps = 0, orphaned = 0;
    for (int k = 0; k < KILLS; k++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            for (unsigned i = 0;; i++)
                s->save(s, (int)(i % 2), path);
        }
        sleep_us((long)(rand_r(&seed) % (unsigned)span_us));
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);

        size_t n;
        unsigned char *now = io_read_file(path, &n);
        int which = same_bytes(now, n, s->bytes[0], s->sizes[0])   ? 0
                    : same_bytes(now, n, s->bytes[1], s->sizes[1]) ? 1
                                                                   : -1;
        free(now);
        ck_assert_msg(which >= 0, "%s, kill %d: the file (%zu bytes) is neither version",
                      s->name, k, n);
        s->verify(s, which, path);
        seen[which]++;
        int temps = iof_temp_count(dir);
        orphaned += temps > 0;
        if (temps > max_temps)
            max_temps = temps;
        ck_assert_msg(temps <= 1, "%s, kill %d: %d temporary files", s->name, k, temps);
    }
    ck_assert_int_eq(s->save(s, 1, path), LIBNN_OK);
    ck_assert_int_eq(iof_temp_count(dir), 0);
    ck_assert_int_eq(io_entry_count(dir), 1);
    /* Both versions were caught: the kills did land during saves. */
    ck_assert_int_gt(seen[0], 0);
    ck_assert_int_gt(seen[1], 0);
    if (getenv("LIBNN_TEST_REPORT"))
        fprintf(stderr,
                "crash: %s: %d SIGKILLs, one save ~%ld us: versions %d/%d, %d kills left an "
                "orphan (at most %d at once), all removed by the next save\n",
                s->name, KILLS, save_us, seen[0], seen[1], orphaned, max_temps);
    io_scratch_remove(dir);
}

/* ---- tensor files ---- */

static libnn_status save_tensor_file(const subject *s, int which, const char *path)
{
    return libnn_tensor_file_save(s->versions[which], path);
}

static void verify_tensor_file(const subject *s, int which, const char *path)
{
    libnn_tensor_file *g;
    ck_assert_int_eq(libnn_tensor_file_load(path, &g), LIBNN_OK);
    io_assert_same_file(g, s->versions[which]);
    libnn_tensor_file_free(g);
}

START_TEST(sigkill_during_tensor_saves)
{
    /* Different sizes, so that a mix of the two could not pass for one. */
    libnn_tensor_file *a = version(1, 40000), *b = version(2, 60000);
    subject s = {.name = "tensor_file_save", .save = save_tensor_file, .verify = verify_tensor_file,
                 .versions = {a, b}};
    s.bytes[0] = io_save_to_memory(a, &s.sizes[0]);
    s.bytes[1] = io_save_to_memory(b, &s.sizes[1]);
    sigkill_loop(&s);
    free(s.bytes[0]);
    free(s.bytes[1]);
    libnn_tensor_file_free(a);
    libnn_tensor_file_free(b);
}
END_TEST

/* ---- model checkpoints ---- */

static libnn_status save_model(const subject *s, int which, const char *path)
{
    return libnn_model_save(s->versions[which], path, LIBNN_SAVE_CHECKPOINT);
}

static void verify_model(const subject *s, int which, const char *path)
{
    (void)s;
    (void)which;
    libnn_model *m;
    ck_assert_int_eq(libnn_model_load(path, &m), LIBNN_OK);
    libnn_model_free(m);
}

static unsigned char *model_bytes(const libnn_model *m, size_t *n)
{
    ck_assert_int_eq(libnn_model_save_buffer(m, LIBNN_SAVE_CHECKPOINT, NULL, 0, n),
                     LIBNN_E_RANGE);
    unsigned char *b = malloc(*n);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(libnn_model_save_buffer(m, LIBNN_SAVE_CHECKPOINT, b, *n, n), LIBNN_OK);
    return b;
}

START_TEST(sigkill_during_model_saves)
{
    /* Two zoo models of different kinds: the files differ in every part. */
    libnn_model *a = tu_zoo_model(0, 1), *b = tu_zoo_model(1, 2);
    subject s = {.name = "model_save", .save = save_model, .verify = verify_model,
                 .versions = {a, b}};
    s.bytes[0] = model_bytes(a, &s.sizes[0]);
    s.bytes[1] = model_bytes(b, &s.sizes[1]);
    sigkill_loop(&s);
    free(s.bytes[0]);
    free(s.bytes[1]);
    libnn_model_free(a);
    libnn_model_free(b);
}
END_TEST

Suite *crash_suite(void)
{
    Suite *s = suite_create("crash");
    TCase *tc = tu_tcase("sigkill");
    tcase_add_test(tc, sigkill_during_tensor_saves);
    tcase_add_test(tc, sigkill_during_model_saves);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    return s;
}
