/*
 * The ModelCheckpoint callback: file name templates, save_best_only,
 * weights only, saving every N batches, and its errors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_zoo.h"
#include "testutil.h"

static char dir[256];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "%s/libnn-ckpt-%ld", P_tmpdir, (long)getpid());
    mkdir(dir, 0700);
}

static void remove_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static bool exists(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static libnn_callback *checkpoint(const char *tmpl, const char *monitor)
{
    char path[400];
    libnn_callback *cb;
    snprintf(path, sizeof path, "%s/%s", dir, tmpl);
    ck_assert_int_eq(libnn_model_checkpoint_new(path, monitor, &cb), LIBNN_OK);
    return cb;
}

START_TEST(every_epoch_with_template)
{
    make_dir();
    libnn_model *m = tu_zoo_model(3, 1), *r;
    libnn_tensor *x, *y;
    tu_zoo_data(3, 12, 2, &x, &y);
    ck_assert_int_eq(libnn_model_add_callback(m, checkpoint("m-{epoch:02d}-{loss:.3f}.st", NULL)),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 3, 4), LIBNN_OK);
    for (size_t e = 0; e < 3; e++) {
        double loss;
        ck_assert_int_eq(libnn_model_history_get(m, "loss", e, &loss), LIBNN_OK);
        char name[100];
        snprintf(name, sizeof name, "m-%02zu-%.3f.st", e + 1, loss);
        ck_assert_msg(exists(name), "%s missing", name);
    }
    /* The last one is the trained model, and a checkpoint of it. */
    double loss;
    ck_assert_int_eq(libnn_model_history_get(m, "loss", 2, &loss), LIBNN_OK);
    char path[400];
    snprintf(path, sizeof path, "%s/m-03-%.3f.st", dir, loss);
    ck_assert_int_eq(libnn_model_load(path, &r), LIBNN_OK);
    double epoch;
    ck_assert_int_eq(libnn_model_get_float(r, LIBNN_MODEL_INITIAL_EPOCH, &epoch), LIBNN_OK);
    ck_assert_double_eq(epoch, 3);
    libnn_tensor *p, *q;
    ck_assert_int_eq(libnn_model_predict(m, x, 4, &p), LIBNN_OK);
    ck_assert_int_eq(libnn_model_predict(r, x, 4, &q), LIBNN_OK);
    tu_assert_tensors_identical(p, q);
    libnn_tensor_free(p);
    libnn_tensor_free(q);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(r);
    libnn_model_free(m);
    remove_dir();
}
END_TEST

/* Keeps the model of the epoch with the best monitored value. */
START_TEST(save_best_only)
{
    make_dir();
    libnn_model *m = tu_zoo_model(1, 4), *r;
    libnn_tensor *x, *y;
    tu_zoo_data(1, 16, 3, &x, &y);
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_VALIDATION_SPLIT, 0.25), LIBNN_OK);
    libnn_callback *cb = checkpoint("best.st", "val_loss");
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_SAVE_BEST_ONLY, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 6, 4), LIBNN_OK);
    size_t best = 0;
    double best_v = 1e300, v;
    for (size_t e = 0; e < 6; e++) {
        ck_assert_int_eq(libnn_model_history_get(m, "val_loss", e, &v), LIBNN_OK);
        if (v < best_v)
            best_v = v, best = e;
    }
    char path[400];
    snprintf(path, sizeof path, "%s/best.st", dir);
    ck_assert_int_eq(libnn_model_load(path, &r), LIBNN_OK);
    double epoch;
    ck_assert_int_eq(libnn_model_get_float(r, LIBNN_MODEL_INITIAL_EPOCH, &epoch), LIBNN_OK);
    ck_assert_double_eq(epoch, (double)best + 1);
    libnn_model_free(r);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(m);
    remove_dir();
}
END_TEST

START_TEST(weights_only_every_two_batches)
{
    make_dir();
    libnn_model *m = tu_zoo_model(2, 4), *c;
    libnn_tensor *x, *y;
    tu_zoo_data(2, 12, 3, &x, &y);
    libnn_callback *cb = checkpoint("w-{epoch}.st", "loss");
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_SAVE_WEIGHTS_ONLY, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_SAVE_FREQ, 2), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    /* 3 batches per epoch, counted across epochs as Keras does: saves after
     * batches 2, 4 and 6, in epochs 1, 2 and 2. */
    ck_assert_int_eq(libnn_model_fit(m, x, y, 2, 4), LIBNN_OK);
    ck_assert(exists("w-1.st"));
    ck_assert(exists("w-2.st"));
    ck_assert(!exists("w-3.st"));
    char path[400];
    snprintf(path, sizeof path, "%s/w-2.st", dir);
    libnn_model *r = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_load(path, &r), LIBNN_E_FORMAT); /* weights only */
    ck_assert_int_eq(libnn_model_clone(m, 9, 0, &c), LIBNN_OK);
    ck_assert_int_eq(libnn_model_load_weights(c, path, 0), LIBNN_OK);
    libnn_model_free(c);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(m);
    remove_dir();
}
END_TEST

START_TEST(errors)
{
    static const char *const bad[] = {"a{", "a{}", "{epoch:.2f}", "{loss:03d}", "{x{y}}",
                                      "b}", "{epoch:q}", "{loss:.3}"};
    libnn_callback *cb = (libnn_callback *)1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(libnn_model_checkpoint_new(bad[i], NULL, &cb), LIBNN_E_INVALID);
        ck_assert_ptr_null(cb);
        tu_assert_error_has("malformed field");
    }
    ck_assert_int_eq(libnn_model_checkpoint_new("", NULL, &cb), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_checkpoint_new(NULL, NULL, &cb), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_checkpoint_new("x", "", &cb), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_checkpoint_new("x", NULL, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_checkpoint_new("x-{epoch:03d}-{val_acc:.2e}", NULL, &cb),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_SAVE_FREQ, 1.5), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_SAVE_BEST_ONLY, 2), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_PATIENCE, 2), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_MODE, 2), LIBNN_OK);

    /* Fit fails for a value it does not log, and for a folder it cannot write. */
    libnn_model *m = tu_zoo_model(3, 1);
    libnn_tensor *x, *y;
    tu_zoo_data(3, 8, 2, &x, &y);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 1, 4), LIBNN_E_INVALID);
    tu_assert_error_has("names {val_acc}");
    libnn_model_free(m);
    m = tu_zoo_model(3, 1);
    ck_assert_int_eq(libnn_model_checkpoint_new("/nonexistent-dir/{epoch}.st", NULL, &cb),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 2, 4), LIBNN_E_IO);
    tu_assert_error_has("/nonexistent-dir/1.st");
    ck_assert_uint_eq(libnn_model_history_length(m), 1);
    libnn_model_free(m);
    m = tu_zoo_model(3, 1);
    ck_assert_int_eq(libnn_model_checkpoint_new("/nonexistent-dir/b.st", NULL, &cb), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_SAVE_FREQ, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 2, 4), LIBNN_E_IO);
    tu_assert_error_has("/nonexistent-dir/b.st");
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

Suite *model_checkpoint_suite(void)
{
    Suite *s = suite_create("model_checkpoint");
    TCase *tc = tu_tcase("model_checkpoint");
    tcase_add_test(tc, every_epoch_with_template);
    tcase_add_test(tc, save_best_only);
    tcase_add_test(tc, weights_only_every_two_batches);
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    return s;
}
