/*
 * I/O failures, injected through the library's I/O layer: every reader and
 * writer with its 1st, 2nd, ... system call failing (EIO, ENOSPC) and with
 * every transfer cut short. A failure is LIBNN_E_IO naming the path and the
 * reason, leaks neither memory nor descriptors, leaves the previous file
 * byte-identical and no temporary file. Then the temporary-file policy:
 * orphans of dead savers are removed, those of live ones kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "io_helpers.h"
#include "iofault_helpers.h"
#include "model_helpers.h"
#include "model_zoo.h"
#include "testutil.h"

/* ---- writers ---- */

typedef struct writer {
    char dir[64], path[128];
    const char *old;
    unsigned char *fresh;  /* what a successful save writes */
    size_t fresh_n;
    libnn_tensor_file *file;
    libnn_tokenizer *tok;
    libnn_model *model;
    char orphan[160];  /* when set: a dead saver's temporary file, for the sweep */
} writer;

static const char old_bytes[] = "the previous file, which no failure may touch";

static void writer_init(writer *w, const char *name)
{
    io_scratch_new(w->dir, sizeof w->dir);
    snprintf(w->path, sizeof w->path, "%s/%s", w->dir, name);
    w->old = old_bytes;
}

static void writer_done(writer *w)
{
    free(w->fresh);
    libnn_tensor_file_free(w->file);
    libnn_tokenizer_free(w->tok);
    libnn_model_free(w->model);
    io_scratch_remove(w->dir);
}

/* The bytes a save without faults writes, saved elsewhere. */
static void fresh_bytes(writer *w, libnn_status (*run)(void *ctx))
{
    char keep[sizeof w->path];
    memcpy(keep, w->path, sizeof keep);
    snprintf(w->path, sizeof w->path, "%s/ref", w->dir);
    ck_assert_int_eq(run(w), LIBNN_OK);
    w->fresh = io_read_file(w->path, &w->fresh_n);
    ck_assert_int_eq(unlink(w->path), 0);
    snprintf(w->path, sizeof w->path, "%s", keep);
}

static libnn_status save_tensor_file(void *ctx)
{
    writer *w = ctx;
    io_write_file(w->path, w->old, sizeof old_bytes);
    if (w->orphan[0])
        io_write_file(w->orphan, "x", 1);
    return libnn_tensor_file_save(w->file, w->path);
}

static libnn_status save_tokenizer(void *ctx)
{
    writer *w = ctx;
    io_write_file(w->path, w->old, sizeof old_bytes);
    return libnn_tokenizer_save(w->tok, w->path);
}

static libnn_status save_model(void *ctx)
{
    writer *w = ctx;
    io_write_file(w->path, w->old, sizeof old_bytes);
    return libnn_model_save(w->model, w->path, LIBNN_SAVE_CHECKPOINT);
}

static libnn_status save_weights(void *ctx)
{
    writer *w = ctx;
    io_write_file(w->path, w->old, sizeof old_bytes);
    return libnn_model_save_weights(w->model, w->path);
}

static void check_writer(void *ctx, libnn_status st, const iof_run *r)
{
    writer *w = ctx;
    /* The sweep is best effort: a failure on the orphan, or on listing the
     * folder, leaves it there. */
    bool on_orphan = w->orphan[0] && r->fired && strcmp(r->path, w->orphan) == 0;
    bool on_listing = r->fired && r->op == LNN_IO_OPEN && strcmp(r->path, w->dir) == 0;
    if (w->orphan[0] && unlink(w->orphan) == 0)
        ck_assert_msg(on_orphan || on_listing, "call %ld (%s '%s') failing: the orphan stayed",
                      r->target, lnn_io_op_name(r->op), r->path);
    if (st == LIBNN_OK) {
        ck_assert_msg(!r->fired || on_orphan || iof_absorbable(r, w->dir),
                      "call %ld (%s '%s') failed, yet the save succeeded", r->target,
                      lnn_io_op_name(r->op), r->path);
        io_assert_file_is(w->path, w->fresh, w->fresh_n);
    } else if (strcmp(r->path, w->dir) == 0 ||
               (r->op == LNN_IO_CLOSE && strcmp(r->path, w->path) == 0)) {
        /* After the rename: the new content is in place, not confirmed. */
        io_assert_file_is(w->path, w->fresh, w->fresh_n);
    } else {
        io_assert_file_is(w->path, w->old, sizeof old_bytes);
    }
    ck_assert_int_eq(io_entry_count(w->dir), 1);
}

START_TEST(tensor_file_save_faults)
{
    writer w = {0};
    writer_init(&w, "model.safetensors");
    w.file = io_sample_file();
    w.fresh = io_save_to_memory(w.file, &w.fresh_n);
    iof_case c = {"tensor_file_save", save_tensor_file, check_writer, &w};
    long points = iof_all(&c, true);
    ck_assert_int_ge(points, 2 * 8); /* open(s), write, fsync, rename, close, dir */
    /* Again with an orphan to sweep: its open, lock, stats, unlink, close. */
    snprintf(w.orphan, sizeof w.orphan, "%s.libnn-tmp-999999-0", w.path);
    ck_assert_int_ge(iof_all(&c, true), points + 2 * 6);
    writer_done(&w);
}
END_TEST

START_TEST(tokenizer_save_faults)
{
    writer w = {0};
    writer_init(&w, "tokenizer.json");
    ck_assert_int_eq(libnn_tokenizer_new(&w.tok), LIBNN_OK);
    const char *texts[] = {"the cat sat", "the dog ran far"};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(w.tok, 2, texts), LIBNN_OK);
    fresh_bytes(&w, save_tokenizer);
    iof_case c = {"tokenizer_save", save_tokenizer, check_writer, &w};
    iof_all(&c, true);
    writer_done(&w);
}
END_TEST

START_TEST(model_save_faults)
{
    writer w = {0};
    writer_init(&w, "model.safetensors");
    w.model = tu_zoo_model(_i, 7);
    libnn_status (*run)(void *) = _i % 2 ? save_weights : save_model;
    fresh_bytes(&w, run);
    iof_case c = {_i % 2 ? "model_save_weights" : "model_save", run, check_writer, &w};
    iof_all(&c, true);
    writer_done(&w);
}
END_TEST

/* The CSV logger appends as training goes: no atomicity to check, only the
 * status, the message and the leaks. */
typedef struct logger {
    char dir[64], path[128];
    libnn_tensor *x, *y;
} logger;

static libnn_status fit_with_logger(void *ctx)
{
    logger *g = ctx;
    libnn_model *m = tu_binary_model(3);
    libnn_callback *cb;
    libnn_status st = libnn_csv_logger_new(g->path, &cb);
    if (st == LIBNN_OK)
        st = libnn_model_add_callback(m, cb);
    if (st == LIBNN_OK)
        st = libnn_model_fit(m, g->x, g->y, 2, 16);
    libnn_model_free(m);
    return st;
}

static void check_logger(void *ctx, libnn_status st, const iof_run *r)
{
    logger *g = ctx;
    if (st == LIBNN_OK) {
        ck_assert(!r->fired || r->op == LNN_IO_CLOSE);
        size_t n;
        char *text = (char *)io_read_file(g->path, &n);
        int lines = 0;
        for (size_t i = 0; i < n; i++)
            lines += text[i] == '\n';
        ck_assert_int_eq(lines, 3);
        free(text);
    } else {
        tu_assert_error_has("csv_logger");
    }
}

START_TEST(csv_logger_faults)
{
    logger g;
    io_scratch_new(g.dir, sizeof g.dir);
    snprintf(g.path, sizeof g.path, "%s/log.csv", g.dir);
    libnn_tensor *y;
    tu_blobs(32, 5, &g.x, &y);
    g.y = tu_column(y);
    libnn_tensor_free(y);
    iof_case c = {"csv_logger", fit_with_logger, check_logger, &g};
    iof_all(&c, true);
    libnn_tensor_free(g.x);
    libnn_tensor_free(g.y);
    io_scratch_remove(g.dir);
}
END_TEST

/* ModelCheckpoint: fit saves after each of 2 epochs. Whatever fails, the
 * file is the old bytes or a whole checkpoint, with no temporary file. */
static libnn_status fit_with_checkpoint(void *ctx)
{
    writer *w = ctx;
    io_write_file(w->path, w->old, sizeof old_bytes);
    libnn_model *m = tu_zoo_model(0, 5);
    libnn_tensor *x, *y;
    tu_zoo_data(0, 16, 5, &x, &y);
    libnn_callback *cb;
    libnn_status st = libnn_model_checkpoint_new(w->path, NULL, &cb);
    if (st == LIBNN_OK)
        st = libnn_model_add_callback(m, cb);
    if (st == LIBNN_OK)
        st = libnn_model_fit(m, x, y, 2, 8);
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    return st;
}

static void check_checkpoint(void *ctx, libnn_status st, const iof_run *r)
{
    writer *w = ctx;
    if (st == LIBNN_OK)
        ck_assert(!r->fired || iof_absorbable(r, w->dir));
    size_t n;
    unsigned char *now = io_read_file(w->path, &n);
    libnn_model *m;
    if (n != sizeof old_bytes || memcmp(now, w->old, n) != 0) {
        ck_assert_int_eq(libnn_model_load(w->path, &m), LIBNN_OK);
        libnn_model_free(m);
    }
    free(now);
    ck_assert_int_eq(io_entry_count(w->dir), 1);
}

START_TEST(checkpoint_faults)
{
    writer w = {0};
    writer_init(&w, "ckpt.safetensors");
    iof_case c = {"model_checkpoint", fit_with_checkpoint, check_checkpoint, &w};
    iof_all(&c, true);
    writer_done(&w);
}
END_TEST

/* ---- readers ---- */

typedef struct reader {
    char dir[64], path[128];
    const float *want;  /* the values a successful load gives */
    size_t want_n;
    libnn_tensor_file *file;
    libnn_model *model;  /* load_weights' target */
} reader;

static void check_reader(void *ctx, libnn_status st, const iof_run *r)
{
    (void)ctx;
    if (st == LIBNN_OK)
        ck_assert_msg(!r->fired || r->op == LNN_IO_CLOSE,
                      "call %ld (%s) failed, yet the load succeeded", r->target,
                      lnn_io_op_name(r->op));
}

/* Compare a loaded tensor with the expected values, then free it. */
static libnn_status same_values(const reader *rd, libnn_tensor *t)
{
    ck_assert_uint_eq(libnn_tensor_size(t), rd->want_n);
    ck_assert_mem_eq(libnn_tensor_data(t), rd->want, rd->want_n * sizeof(float));
    libnn_tensor_free(t);
    return LIBNN_OK;
}

static libnn_status load_tensor_file(void *ctx)
{
    reader *rd = ctx;
    libnn_tensor_file *g = (libnn_tensor_file *)1;
    libnn_status st = libnn_tensor_file_load(rd->path, &g);
    if (st != LIBNN_OK) {
        ck_assert_ptr_null(g);
        return st;
    }
    io_assert_same_file(rd->file, g);
    libnn_tensor_file_free(g);
    return st;
}

static libnn_status load_model(void *ctx)
{
    reader *rd = ctx;
    libnn_model *m = (libnn_model *)1;
    libnn_status st = libnn_model_load(rd->path, &m);
    if (st != LIBNN_OK) {
        ck_assert_ptr_null(m);
        return st;
    }
    libnn_model_free(m);
    return st;
}

static libnn_status load_weights(void *ctx)
{
    reader *rd = ctx;
    return libnn_model_load_weights(rd->model, rd->path, 0);
}

static libnn_status load_idx(void *ctx)
{
    reader *rd = ctx;
    libnn_tensor *t = (libnn_tensor *)1;
    libnn_status st = libnn_idx_load(rd->path, 0, &t);
    if (st != LIBNN_OK) {
        ck_assert_ptr_null(t);
        return st;
    }
    return same_values(rd, t);
}

static libnn_status load_csv(void *ctx)
{
    reader *rd = ctx;
    libnn_csv_reader *r;
    libnn_status st = libnn_csv_reader_new(&r);
    libnn_tensor *x = (libnn_tensor *)1;
    if (st == LIBNN_OK)
        st = libnn_csv_reader_load(r, rd->path, &x, NULL);
    libnn_csv_reader_free(r);
    if (st != LIBNN_OK) {
        ck_assert_ptr_null(x);
        return st;
    }
    return same_values(rd, x);
}

static libnn_status load_tokenizer(void *ctx)
{
    reader *rd = ctx;
    libnn_tokenizer *t = (libnn_tokenizer *)1;
    libnn_status st = libnn_tokenizer_load(rd->path, &t);
    if (st != LIBNN_OK) {
        ck_assert_ptr_null(t);
        return st;
    }
    ck_assert_uint_eq(libnn_tokenizer_word_index_size(t), 5);
    libnn_tokenizer_free(t);
    return st;
}

START_TEST(tensor_file_load_faults)
{
    reader rd = {0};
    io_scratch_new(rd.dir, sizeof rd.dir);
    snprintf(rd.path, sizeof rd.path, "%s/m.safetensors", rd.dir);
    rd.file = io_sample_file();
    ck_assert_int_eq(libnn_tensor_file_save(rd.file, rd.path), LIBNN_OK);
    iof_case c = {"tensor_file_load", load_tensor_file, check_reader, &rd};
    ck_assert_int_ge(iof_all(&c, false), 5);
    libnn_tensor_file_free(rd.file);
    io_scratch_remove(rd.dir);
}
END_TEST

START_TEST(model_load_faults)
{
    reader rd = {0};
    io_scratch_new(rd.dir, sizeof rd.dir);
    snprintf(rd.path, sizeof rd.path, "%s/m.safetensors", rd.dir);
    rd.model = tu_zoo_model(_i, 3);
    bool weights = _i % 2;
    ck_assert_int_eq(weights ? libnn_model_save_weights(rd.model, rd.path)
                             : libnn_model_save(rd.model, rd.path, LIBNN_SAVE_CHECKPOINT),
                     LIBNN_OK);
    iof_case c = {weights ? "model_load_weights" : "model_load", weights ? load_weights : load_model,
                  check_reader, &rd};
    ck_assert_int_ge(iof_all(&c, false), 5);
    libnn_model_free(rd.model);
    io_scratch_remove(rd.dir);
}
END_TEST

static const unsigned char idx_bytes[] = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3,
                                          1, 2, 3, 250, 251, 252};
static const float idx_values[] = {1, 2, 3, 250, 251, 252};

START_TEST(idx_load_faults)
{
    reader rd = {.want = idx_values, .want_n = 6};
    io_scratch_new(rd.dir, sizeof rd.dir);
    /* _i = 0: plain; 1: gzip. */
    snprintf(rd.path, sizeof rd.path, "%s/d.idx%s", rd.dir, _i ? ".gz" : "");
    if (_i) {
        gzFile gz = gzopen(rd.path, "wb");
        ck_assert_ptr_nonnull(gz);
        ck_assert_int_eq(gzwrite(gz, idx_bytes, sizeof idx_bytes), (int)sizeof idx_bytes);
        ck_assert_int_eq(gzclose(gz), Z_OK);
    } else {
        io_write_file(rd.path, idx_bytes, sizeof idx_bytes);
    }
    iof_case c = {"idx_load", load_idx, check_reader, &rd};
    ck_assert_int_ge(iof_all(&c, false), 4);
    io_scratch_remove(rd.dir);
}
END_TEST

START_TEST(csv_load_faults)
{
    static const float values[] = {1.5f, -2, 3, 4e3f};
    reader rd = {.want = values, .want_n = 4};
    io_scratch_new(rd.dir, sizeof rd.dir);
    snprintf(rd.path, sizeof rd.path, "%s/t.csv", rd.dir);
    static const char text[] = "1.5,-2\n3,4e3\n";
    io_write_file(rd.path, text, sizeof text - 1);
    iof_case c = {"csv_reader_load", load_csv, check_reader, &rd};
    ck_assert_int_ge(iof_all(&c, false), 4);
    io_scratch_remove(rd.dir);
}
END_TEST

START_TEST(tokenizer_load_faults)
{
    reader rd = {0};
    io_scratch_new(rd.dir, sizeof rd.dir);
    snprintf(rd.path, sizeof rd.path, "%s/tok.json", rd.dir);
    libnn_tokenizer *tok;
    ck_assert_int_eq(libnn_tokenizer_new(&tok), LIBNN_OK);
    const char *texts[] = {"the cat sat", "the dog ran"};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(tok, 2, texts), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_save(tok, rd.path), LIBNN_OK);
    libnn_tokenizer_free(tok);
    iof_case c = {"tokenizer_load", load_tokenizer, check_reader, &rd};
    ck_assert_int_ge(iof_all(&c, false), 4);
    io_scratch_remove(rd.dir);
}
END_TEST

/* ---- the temporary-file policy ---- */

static void touch(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    io_write_file(p, "x", 1);
}

static bool exists(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

START_TEST(orphans_removed_live_kept)
{
    char dir[64], path[128], held[256];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    libnn_tensor_file *f = io_sample_file();
    /* Orphans of this target (pid 1 is alive: the lock, not the pid, tells). */
    touch(dir, "m.safetensors.libnn-tmp-1-0");
    touch(dir, "m.safetensors.libnn-tmp-999999-17");
    /* Held by a live saver: kept. */
    touch(dir, "m.safetensors.libnn-tmp-999998-3");
    snprintf(held, sizeof held, "%s/m.safetensors.libnn-tmp-999998-3", dir);
    int fd = open(held, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    /* Not ours: another target's, or not the pattern. */
    touch(dir, "other.safetensors.libnn-tmp-999999-1");
    touch(dir, "m.safetensors.libnn-tmp-abc-1");
    touch(dir, "m.safetensors.libnn-tmp-5-1x");
    touch(dir, "m.safetensors.tmp-5-1");

    ck_assert_int_eq(libnn_tensor_file_save(f, path), LIBNN_OK);
    ck_assert(!exists(dir, "m.safetensors.libnn-tmp-1-0"));
    ck_assert(!exists(dir, "m.safetensors.libnn-tmp-999999-17"));
    ck_assert(exists(dir, "m.safetensors.libnn-tmp-999998-3"));
    ck_assert(exists(dir, "other.safetensors.libnn-tmp-999999-1"));
    ck_assert(exists(dir, "m.safetensors.libnn-tmp-abc-1"));
    ck_assert(exists(dir, "m.safetensors.libnn-tmp-5-1x"));
    ck_assert(exists(dir, "m.safetensors.tmp-5-1"));
    /* Its owner gone, the next save removes it. */
    close(fd);
    ck_assert_int_eq(libnn_tensor_file_save(f, path), LIBNN_OK);
    ck_assert(!exists(dir, "m.safetensors.libnn-tmp-999998-3"));
    ck_assert_int_eq(io_entry_count(dir), 5);
    libnn_tensor_file_free(f);
    io_scratch_remove(dir);
}
END_TEST

/* In the child: die by SIGKILL at the first call of kind `op`. */
static int kill_at(lnn_io_op op, const char *path, size_t *len, void *user)
{
    (void)path;
    (void)len;
    if (op == *(const lnn_io_op *)user)
        raise(SIGKILL);
    return 0;
}

static void save_and_die(const libnn_tensor_file *f, const char *path, lnn_io_op op)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        lnn_io_set_fault(kill_at, &op);
        libnn_tensor_file_save(f, path);
        _exit(0); /* not reached */
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static bool tmpfile_works(const char *dir)
{
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_WRONLY, 0600);
    if (fd < 0)
        return false;
    close(fd);
    return access("/proc/self/fd", X_OK) == 0;
#else
    (void)dir;
    return false;
#endif
}

START_TEST(killed_saver_leaves_no_lasting_orphan)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    libnn_tensor_file *f = io_sample_file();
    size_t n;
    unsigned char *bytes = io_save_to_memory(f, &n);
    io_write_file(path, old_bytes, sizeof old_bytes);

    /* Killed while writing: with O_TMPFILE nothing at all remains. */
    save_and_die(f, path, LNN_IO_WRITE);
    io_assert_file_is(path, old_bytes, sizeof old_bytes);
    ck_assert_int_eq(iof_temp_count(dir), tmpfile_works(dir) ? 0 : 1);
    /* Killed between naming the file and the rename: one orphan... */
    save_and_die(f, path, LNN_IO_RENAME);
    io_assert_file_is(path, old_bytes, sizeof old_bytes);
    ck_assert_int_ge(iof_temp_count(dir), 1);
    /* ...which the next save removes. */
    ck_assert_int_eq(libnn_tensor_file_save(f, path), LIBNN_OK);
    ck_assert_int_eq(iof_temp_count(dir), 0);
    io_assert_file_is(path, bytes, n);
    free(bytes);
    libnn_tensor_file_free(f);
    io_scratch_remove(dir);
}
END_TEST

/* Without O_TMPFILE, a sweeper of another process may remove a new named
 * temporary file before its owner locks it; the owner must notice and take
 * another name. The hook plays that sweeper. */
static int sweep_before_lock(lnn_io_op op, const char *path, size_t *len, void *user)
{
    (void)len;
    int *swept = user;
    if (op == LNN_IO_TMPFILE)
        return EOPNOTSUPP;
    if (op == LNN_IO_LOCK && (*swept)++ == 0)
        ck_assert_int_eq(unlink(path), 0);
    return 0;
}

START_TEST(temporary_name_taken_before_lock)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    libnn_tensor_file *f = io_sample_file();
    int swept = 0;
    lnn_io_set_fault(sweep_before_lock, &swept);
    libnn_status st = libnn_tensor_file_save(f, path);
    lnn_io_set_fault(NULL, NULL);
    ck_assert_int_eq(st, LIBNN_OK);
    ck_assert_int_eq(swept, 2); /* the first name lost, the second kept */
    ck_assert_int_eq(io_entry_count(dir), 1);
    size_t n;
    unsigned char *bytes = io_save_to_memory(f, &n);
    io_assert_file_is(path, bytes, n);
    free(bytes);
    libnn_tensor_file_free(f);
    io_scratch_remove(dir);
}
END_TEST

Suite *iofault_suite(void)
{
    Suite *s = suite_create("iofault");
    TCase *tc = tu_tcase("writers");
    tcase_add_test(tc, tensor_file_save_faults);
    tcase_add_test(tc, tokenizer_save_faults);
    tcase_add_test(tc, csv_logger_faults);
    tcase_add_loop_test(tc, model_save_faults, 0, TU_ZOO_COUNT);
    tcase_add_test(tc, checkpoint_faults);
    suite_add_tcase(s, tc);

    tc = tu_tcase("readers");
    tcase_add_test(tc, tensor_file_load_faults);
    tcase_add_loop_test(tc, idx_load_faults, 0, 2);
    tcase_add_test(tc, csv_load_faults);
    tcase_add_test(tc, tokenizer_load_faults);
    tcase_add_loop_test(tc, model_load_faults, 0, TU_ZOO_COUNT);
    suite_add_tcase(s, tc);

    tc = tu_tcase("temporary-files");
    tcase_add_test(tc, orphans_removed_live_kept);
    tcase_add_test(tc, killed_saver_leaves_no_lasting_orphan);
    tcase_add_test(tc, temporary_name_taken_before_lock);
    suite_add_tcase(s, tc);
    return s;
}
