/*
 * Callbacks: the caller's own, EarlyStopping, ReduceLROnPlateau, CSVLogger.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model_internal.h"
#include "model_helpers.h"
#include "testutil.h"

struct epoch_snap {
    float weights[64];
    int epochs_seen;
};

static int snap_epoch0(libnn_model *m, int64_t epoch, const libnn_logs *logs, void *user)
{
    struct epoch_snap *s = user;
    (void)logs;
    if (epoch == 0)
        tu_weights_of(m, s->weights, 64);
    s->epochs_seen++;
    return 0;
}

START_TEST(early_stopping_restores_the_best_weights)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(64, 7, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(3);
    struct epoch_snap snap = {{0}, 0};
    libnn_callback *mine, *es;
    ck_assert_int_eq(libnn_callback_new(NULL, snap_epoch0, NULL, &snap, &mine), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, mine), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, mine), LIBNN_E_STATE);
    ck_assert_int_eq(libnn_early_stopping_new("loss", &es), LIBNN_OK);
    /* No later epoch can beat the first by 1e9: patience 2 stops at epoch 2. */
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_MIN_DELTA, 1e9), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_PATIENCE, 2), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_RESTORE_BEST_WEIGHTS, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_FACTOR, 0.5), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_PATIENCE, -1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_add_callback(m, es), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 10, 16), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_stopped_epoch(es), 2);
    ck_assert_uint_eq(libnn_model_history_length(m), 3);
    ck_assert_int_eq(snap.epochs_seen, 3);
    float now[64];
    size_t n = tu_weights_of(m, now, 64);
    ck_assert_uint_eq(n, 2 * 8 + 8 + 8 + 1);
    ck_assert_mem_eq(now, snap.weights, n * sizeof(float));
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

START_TEST(reduce_lr_on_plateau)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(32, 9, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(4);
    libnn_callback *cb;
    ck_assert_int_eq(libnn_reduce_lr_on_plateau_new("loss", &cb), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_MIN_DELTA, 1e9), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_PATIENCE, 2), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_FACTOR, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_RESTORE_BEST_WEIGHTS, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 5, 32), LIBNN_OK);
    /* Epoch 0 sets the best; 1, 2 wait; reduce at 2 (0.025); 3, 4 wait;
     * reduce at 4 (0.0125). The history's lr is the rate the epoch used. */
    double lr;
    ck_assert_int_eq(libnn_optimizer_get_float(libnn_model_optimizer(m), LIBNN_OPT_LEARNING_RATE, &lr),
                     LIBNN_OK);
    ck_assert_double_eq_tol(lr, 0.0125, 1e-9);
    ck_assert_int_eq(libnn_model_history_get(m, "lr", 3, &lr), LIBNN_OK);
    ck_assert_double_eq_tol(lr, 0.025, 1e-9);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

struct counter {
    int batches, epochs;
};

static int count_batches(libnn_model *m, int64_t batch, const libnn_logs *logs, void *user)
{
    struct counter *c = user;
    double loss;
    (void)m;
    (void)batch;
    ck_assert_int_eq(libnn_logs_get(logs, "loss", &loss), LIBNN_OK);
    ck_assert_str_eq(libnn_logs_name(logs, 0), "loss");
    return ++c->batches == 7; /* stop after the 7th batch */
}

START_TEST(callbacks_can_stop_training)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(40, 11, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(5);
    struct counter c = {0, 0};
    libnn_callback *cb;
    ck_assert_int_eq(libnn_callback_new(NULL, NULL, count_batches, &c, &cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    /* 40 samples in batches of 16: 3 batches an epoch; the 7th is in epoch 3. */
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 10, 16), LIBNN_OK);
    ck_assert_int_eq(c.batches, 7);
    ck_assert_uint_eq(libnn_model_history_length(m), 3);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

START_TEST(csv_logger)
{
    char path[] = "/tmp/libnn-csv-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    libnn_tensor *x, *y, *yc;
    tu_blobs(32, 13, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(6);
    libnn_callback *cb;
    ck_assert_int_eq(libnn_csv_logger_new(path, &cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 3, 32), LIBNN_OK);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "epoch,accuracy,loss,lr\n");
    int rows = 0;
    while (fgets(line, sizeof line, f))
        ck_assert_int_eq(atoi(line), rows++);
    ck_assert_int_eq(rows, 3);
    fclose(f);
    unlink(path);
    libnn_model_free(m);

    /* A path that cannot be written fails fit with LIBNN_E_IO. */
    m = tu_binary_model(6);
    ck_assert_int_eq(libnn_csv_logger_new("/nonexistent-dir/h.csv", &cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 1, 32), LIBNN_E_IO);
    tu_assert_error_has("csv_logger: cannot open '/nonexistent-dir/h.csv'");
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

/* Keras' initial_epoch: epochs is the final epoch; callbacks see 3 and 4. */
static int record_epoch(libnn_model *m, int64_t epoch, const libnn_logs *logs, void *user)
{
    int64_t *seen = user;
    (void)m;
    (void)logs;
    seen[seen[0] + 1] = epoch;
    seen[0]++;
    return 0;
}

START_TEST(initial_epoch_counts_like_keras)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(16, 37, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(11);
    int64_t seen[8] = {0};
    libnn_callback *cb;
    ck_assert_int_eq(libnn_callback_new(record_epoch, NULL, NULL, seen, &cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, cb), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_INITIAL_EPOCH, 3), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 5, 8), LIBNN_OK);
    ck_assert_int_eq(seen[0], 2);
    ck_assert_int_eq(seen[1], 3);
    ck_assert_int_eq(seen[2], 4);
    ck_assert_uint_eq(libnn_model_history_length(m), 2);
    /* Nothing left to train. */
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 3, 8), LIBNN_OK);
    ck_assert_int_eq(seen[0], 2);
    ck_assert_uint_eq(libnn_model_history_length(m), 0);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

START_TEST(terminate_on_nan)
{
    libnn_callback *cb;
    libnn_logs logs;
    ck_assert_int_eq(libnn_terminate_on_nan_new(&cb), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(cb, LIBNN_CB_PATIENCE, 1), LIBNN_E_INVALID);
    lnn_logs_clear(&logs);
    lnn_logs_set(&logs, "loss", 0.5);
    ck_assert_int_eq(cb->on_batch_end(NULL, 0, &logs, cb->user), 0);
    lnn_logs_set(&logs, "loss", NAN);
    ck_assert_int_ne(cb->on_batch_end(NULL, 1, &logs, cb->user), 0);
    lnn_logs_set(&logs, "loss", -INFINITY);
    ck_assert_int_ne(cb->on_batch_end(NULL, 2, &logs, cb->user), 0);
    libnn_callback_free(cb);
}
END_TEST

Suite *callbacks_suite(void)
{
    Suite *s = suite_create("callbacks");
    TCase *tc = tu_tcase("callbacks");
    tcase_add_test(tc, early_stopping_restores_the_best_weights);
    tcase_add_test(tc, reduce_lr_on_plateau);
    tcase_add_test(tc, callbacks_can_stop_training);
    tcase_add_test(tc, csv_logger);
    tcase_add_test(tc, initial_epoch_counts_like_keras);
    tcase_add_test(tc, terminate_on_nan);
    suite_add_tcase(s, tc);
    return s;
}
