/*
 * libnn_cross_validate: the same numbers as doing it by hand (kfold, clone
 * with the fold's seed, take, fit, evaluate), the model left untouched,
 * callbacks run per fold, stratified folds, bad input with messages naming
 * the argument, the results' getters, and the allocation-failure loop.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model_helpers.h"
#include "testutil.h"

enum { N = 60, K = 3, EPOCHS = 3, BATCH = 16 };

static void blobs(libnn_tensor **x, libnn_tensor **y)
{
    libnn_tensor *flat;
    tu_blobs(N, 9, x, &flat);
    *y = tu_column(flat);
    libnn_tensor_free(flat);
}

/* Fold `fold` by hand: the reference the library must match bit for bit. */
static void by_hand(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                    const libnn_folds *f, size_t fold, int64_t seed, double out[4])
{
    int64_t idx[N];
    size_t count;
    libnn_tensor *xtr, *ytr, *xte, *yte;
    libnn_model *c;
    ck_assert_int_eq(libnn_folds_train_indices(f, fold, idx, N, &count), LIBNN_OK);
    ck_assert_int_eq(libnn_take(x, idx, count, &xtr), LIBNN_OK);
    ck_assert_int_eq(libnn_take(y, idx, count, &ytr), LIBNN_OK);
    ck_assert_int_eq(libnn_folds_test_indices(f, fold, idx, N, &count), LIBNN_OK);
    ck_assert_int_eq(libnn_take(x, idx, count, &xte), LIBNN_OK);
    ck_assert_int_eq(libnn_take(y, idx, count, &yte), LIBNN_OK);
    ck_assert_int_eq(libnn_model_clone(m, seed, 0, &c), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(c, xtr, ytr, EPOCHS, BATCH), LIBNN_OK);
    ck_assert_int_eq(libnn_model_evaluate(c, xte, yte, BATCH, &out[0]), LIBNN_OK);
    ck_assert_int_eq(libnn_model_result(c, "accuracy", &out[1]), LIBNN_OK);
    ck_assert_int_eq(libnn_model_evaluate(c, xtr, ytr, BATCH, &out[2]), LIBNN_OK);
    ck_assert_int_eq(libnn_model_result(c, "accuracy", &out[3]), LIBNN_OK);
    libnn_model_free(c);
    libnn_tensor_free(xtr);
    libnn_tensor_free(ytr);
    libnn_tensor_free(xte);
    libnn_tensor_free(yte);
}

START_TEST(matches_by_hand)
{
    static const char *const names[] = {"test_loss", "test_accuracy", "train_loss",
                                        "train_accuracy"};
    libnn_tensor *x, *y;
    blobs(&x, &y);
    libnn_model *m = tu_binary_model(40);
    float before[64], after[64];
    size_t nw = tu_weights_of(m, before, 64);
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        unsigned flags = shuffled ? LIBNN_SPLIT_SHUFFLE : 0;
        libnn_cv_results *r;
        ck_assert_int_eq(libnn_cross_validate(m, x, y, K, EPOCHS, BATCH, flags, &r), LIBNN_OK);
        ck_assert_uint_eq(libnn_cv_results_fold_count(r), K);
        ck_assert_uint_eq(libnn_cv_results_count(r), 5);
        ck_assert_str_eq(libnn_cv_results_name(r, 0), "epochs");
        for (size_t i = 0; i < 4; i++)
            ck_assert_str_eq(libnn_cv_results_name(r, i + 1), names[i]);
        ck_assert_ptr_null(libnn_cv_results_name(r, 5));
        libnn_folds *f;
        ck_assert_int_eq(libnn_kfold(N, K, flags, 40, &f), LIBNN_OK);
        double sum[4] = {0}, sq[4] = {0}, want[K][4], got;
        for (size_t fold = 0; fold < K; fold++) {
            by_hand(m, x, y, f, fold, 40 + (int64_t)fold, want[fold]);
            for (size_t i = 0; i < 4; i++) {
                ck_assert_int_eq(libnn_cv_results_get(r, names[i], fold, &got), LIBNN_OK);
                ck_assert_msg(got == want[fold][i], "fold %zu %s: %.17g, by hand %.17g", fold,
                              names[i], got, want[fold][i]);
                sum[i] += got;
            }
            ck_assert_int_eq(libnn_cv_results_get(r, "epochs", fold, &got), LIBNN_OK);
            ck_assert(got == EPOCHS);
        }
        for (size_t i = 0; i < 4; i++) {
            double mean, std;
            for (size_t fold = 0; fold < K; fold++)
                sq[i] += (want[fold][i] - sum[i] / K) * (want[fold][i] - sum[i] / K);
            ck_assert_int_eq(libnn_cv_results_mean(r, names[i], &mean), LIBNN_OK);
            ck_assert_int_eq(libnn_cv_results_std(r, names[i], &std), LIBNN_OK);
            ck_assert_double_eq_tol(mean, sum[i] / K, 1e-15);
            ck_assert_double_eq_tol(std, sqrt(sq[i] / K), 1e-15); /* population std */
        }
        /* blobs this far apart are learnt in every fold */
        ck_assert_int_eq(libnn_cv_results_mean(r, "test_accuracy", &got), LIBNN_OK);
        ck_assert_double_ge(got, 0.9);
        libnn_folds_free(f);
        libnn_cv_results_free(r);
    }
    /* the model itself is neither trained nor changed */
    ck_assert_uint_eq(tu_weights_of(m, after, 64), nw);
    ck_assert(memcmp(before, after, nw * sizeof(float)) == 0);
    ck_assert_uint_eq(libnn_model_history_length(m), 0);
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

typedef struct seen {
    libnn_model *owner;
    int epochs, fits_on_clones;
} seen;

static int count_epoch(libnn_model *model, int64_t epoch, const libnn_logs *logs, void *user)
{
    seen *s = user;
    s->epochs++;
    s->fits_on_clones += epoch == 0 && model != s->owner;
    return 0;
}

START_TEST(callbacks_per_fold)
{
    libnn_tensor *x, *y;
    blobs(&x, &y);
    libnn_model *m = tu_binary_model(41);
    libnn_callback *es, *mine;
    seen s = {m, 0, 0};
    /* min_delta 10: no epoch counts as better, so each fold stops after its
     * second epoch (Keras never stops at the first) */
    ck_assert_int_eq(libnn_early_stopping_new("loss", &es), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_MIN_DELTA, 10), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, es), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_new(NULL, count_epoch, NULL, &s, &mine), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, mine), LIBNN_OK);
    libnn_cv_results *r;
    ck_assert_int_eq(libnn_cross_validate(m, x, y, K, 10, BATCH, 0, &r), LIBNN_OK);
    for (size_t fold = 0; fold < K; fold++) {
        double e;
        ck_assert_int_eq(libnn_cv_results_get(r, "epochs", fold, &e), LIBNN_OK);
        ck_assert(e == 2);
    }
    ck_assert_int_eq(s.epochs, 2 * K);
    ck_assert_int_eq(s.fits_on_clones, K);
    ck_assert_int_eq(libnn_callback_stopped_epoch(es), 1);
    /* the callbacks are still the model's (freed with it) and run again */
    libnn_cv_results_free(r);
    ck_assert_int_eq(libnn_cross_validate(m, x, y, 2, 10, BATCH, 0, &r), LIBNN_OK);
    ck_assert_int_eq(s.epochs, 2 * K + 4);
    libnn_cv_results_free(r);

    /* a fit that fails in a fold says which */
    libnn_callback *csv;
    ck_assert_int_eq(libnn_csv_logger_new("/nonexistent-dir/log.csv", &csv), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(m, csv), LIBNN_OK);
    r = (libnn_cv_results *)&r;
    ck_assert_int_eq(libnn_cross_validate(m, x, y, K, 2, BATCH, 0, &r), LIBNN_E_IO);
    ck_assert_ptr_null(r);
    tu_assert_error_has("cross_validate: fold 1/3: csv_logger: cannot open");
    tu_assert_error_has("/nonexistent-dir/log.csv");
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

START_TEST(stratified_and_own_folds)
{
    libnn_tensor *x, *y;
    blobs(&x, &y);
    libnn_model *m = tu_binary_model(42);
    libnn_cv_results *a, *b;
    ck_assert_int_eq(libnn_cross_validate(m, x, y, 4, 2, BATCH,
                                          LIBNN_SPLIT_STRATIFY | LIBNN_SPLIT_SHUFFLE, &a),
                     LIBNN_OK);
    libnn_folds *f;
    ck_assert_int_eq(libnn_stratified_kfold(y, 4, LIBNN_SPLIT_SHUFFLE, 42, &f), LIBNN_OK);
    ck_assert_int_eq(libnn_cross_validate_folds(m, x, y, f, 2, BATCH, &b), LIBNN_OK);
    for (size_t i = 0; i < libnn_cv_results_count(a); i++)
        for (size_t fold = 0; fold < 4; fold++) {
            double va, vb;
            const char *name = libnn_cv_results_name(a, i);
            ck_assert_int_eq(libnn_cv_results_get(a, name, fold, &va), LIBNN_OK);
            ck_assert_int_eq(libnn_cv_results_get(b, name, fold, &vb), LIBNN_OK);
            ck_assert(va == vb);
        }
    libnn_cv_results_free(b);
    libnn_folds_free(f);
    /* folds for another number of samples */
    ck_assert_int_eq(libnn_kfold(N + 1, 4, 0, 0, &f), LIBNN_OK);
    b = a;
    ck_assert_int_eq(libnn_cross_validate_folds(m, x, y, f, 2, BATCH, &b), LIBNN_E_SHAPE);
    ck_assert_ptr_null(b);
    tu_assert_error_has("cross_validate_folds: the folds partition 61 samples, x has 60");
    ck_assert_int_eq(libnn_cross_validate_folds(m, x, y, NULL, 2, BATCH, &b), LIBNN_E_INVALID);
    tu_assert_error_has("folds is NULL");
    libnn_folds_free(f);

    /* getters */
    double v = 7;
    ck_assert_int_eq(libnn_cv_results_get(a, "test_auc", 0, &v), LIBNN_E_NOTFOUND);
    tu_assert_error_has("no value named \"test_auc\"");
    ck_assert_int_eq(libnn_cv_results_get(a, "test_loss", 4, &v), LIBNN_E_RANGE);
    tu_assert_error_has("fold 4 does not exist (k = 4)");
    ck_assert_int_eq(libnn_cv_results_mean(NULL, "test_loss", &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_cv_results_std(a, NULL, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_cv_results_std(a, "test_loss", NULL), LIBNN_E_INVALID);
    ck_assert(v == 7);
    ck_assert_uint_eq(libnn_cv_results_count(NULL), 0);
    ck_assert_uint_eq(libnn_cv_results_fold_count(NULL), 0);
    ck_assert_ptr_null(libnn_cv_results_name(NULL, 0));
    libnn_cv_results_free(a);
    libnn_cv_results_free(NULL);
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

START_TEST(bad_input)
{
    libnn_tensor *x, *y, *short_y, *half;
    blobs(&x, &y);
    ck_assert_int_eq(libnn_slice(y, 0, N - 1, &short_y), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_clone(y, &half), LIBNN_OK);
    libnn_tensor_data(half)[5] = 0.5f;
    libnn_model *m = tu_binary_model(43), *raw;
    libnn_layer *l;
    ck_assert_int_eq(libnn_model_new(&raw), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(raw, 1, (const int64_t[]){2}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(1, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(raw, l), LIBNN_OK);
    static const struct {
        int model; /* 0 m, 1 uncompiled, 2 NULL */
        int y;     /* 0 y, 1 short, 2 fractional, 3 NULL */
        int64_t k, epochs, batch;
        unsigned flags;
        libnn_status status;
        const char *message;
    } cases[] = {
        {1, 0, 3, 1, 8, 0, LIBNN_E_STATE, "cross_validate: the model is not compiled"},
        {2, 0, 3, 1, 8, 0, LIBNN_E_INVALID, "cross_validate: model is NULL"},
        {0, 3, 3, 1, 8, 0, LIBNN_E_INVALID, "cross_validate: y is NULL"},
        {0, 0, 1, 1, 8, 0, LIBNN_E_INVALID, "k (the number of folds) must be >= 2, got 1"},
        {0, 0, -5, 1, 8, 0, LIBNN_E_INVALID, "k (the number of folds) must be >= 2, got -5"},
        {0, 0, N + 1, 1, 8, 0, LIBNN_E_RANGE, "k = 61 folds for 60 samples"},
        {0, 0, INT64_MAX, 1, 8, 2, LIBNN_E_RANGE, "stratified_kfold: k = 9223372036854775807"},
        {0, 1, 3, 1, 8, 0, LIBNN_E_SHAPE, "cross_validate: y [59, 1] has 59 samples, x [60, 2] has 60"},
        {0, 2, 3, 1, 8, 2, LIBNN_E_RANGE, "y sample 5 is 0.5, not a class label"},
        {0, 0, 3, 0, 8, 0, LIBNN_E_INVALID, "cross_validate: epochs must be >= 1, got 0"},
        {0, 0, 3, 1, 0, 0, LIBNN_E_INVALID, "cross_validate: batch_size must be >= 1, got 0"},
        {0, 0, 3, 1, 8, 4, LIBNN_E_INVALID, "cross_validate: unknown flags 0x4"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        libnn_model *models[] = {m, raw, NULL};
        const libnn_tensor *ys[] = {y, short_y, half, NULL};
        libnn_cv_results *r = (libnn_cv_results *)&r;
        ck_assert_int_eq(libnn_cross_validate(models[cases[c].model], x, ys[cases[c].y],
                                              cases[c].k, cases[c].epochs, cases[c].batch,
                                              cases[c].flags, &r),
                         cases[c].status);
        ck_assert_ptr_null(r);
        tu_assert_error_has(cases[c].message);
    }
    ck_assert_int_eq(libnn_cross_validate(m, x, y, 3, 1, 8, 0, NULL), LIBNN_E_INVALID);
    tu_assert_error_has("out is NULL");
    libnn_model_free(m);
    libnn_model_free(raw);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(short_y);
    libnn_tensor_free(half);
}
END_TEST

typedef struct cv_ctx {
    libnn_model *m;
    libnn_tensor *x, *y;
} cv_ctx;

static libnn_status body_cv(void *ctx)
{
    cv_ctx *c = ctx;
    libnn_cv_results *r = NULL;
    libnn_status st = libnn_cross_validate(c->m, c->x, c->y, 2, 2, 8,
                                           LIBNN_SPLIT_SHUFFLE | LIBNN_SPLIT_STRATIFY, &r);
    double v;
    if (st == LIBNN_OK)
        st = libnn_cv_results_std(r, "train_accuracy", &v);
    libnn_cv_results_free(r);
    return st;
}

START_TEST(alloc_failures)
{
    cv_ctx c;
    libnn_tensor *flat;
    tu_blobs(12, 3, &c.x, &flat);
    c.y = tu_column(flat);
    libnn_tensor_free(flat);
    /* EarlyStopping restoring the best weights allocates in every fold */
    c.m = tu_binary_model(44);
    libnn_callback *es;
    ck_assert_int_eq(libnn_early_stopping_new("loss", &es), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_int(es, LIBNN_CB_RESTORE_BEST_WEIGHTS, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add_callback(c.m, es), LIBNN_OK);
    /* ...into a buffer it keeps: a first run sizes it, so that the loop's
     * leak check sees only what each run allocates */
    ck_assert_int_eq(body_cv(&c), LIBNN_OK);
    ck_assert_int_gt(tu_alloc_fail_loop(body_cv, &c), 20);
    libnn_model_free(c.m);
    libnn_tensor_free(c.x);
    libnn_tensor_free(c.y);
}
END_TEST

Suite *cross_validate_suite(void)
{
    Suite *s = suite_create("cross_validate");
    TCase *tc = tu_tcase("cross_validate");
    tcase_add_test(tc, matches_by_hand);
    tcase_add_test(tc, callbacks_per_fold);
    tcase_add_test(tc, stratified_and_own_folds);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    tc = tu_tcase("alloc");
    tcase_add_test(tc, alloc_failures);
    suite_add_tcase(s, tc);
    return s;
}
