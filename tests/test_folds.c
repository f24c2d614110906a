/*
 * Cross-validation splitting: libnn_kfold and libnn_stratified_kfold against
 * scikit-learn's fold assignments (committed fixture, made by
 * tests/fixtures/make_fold_fixtures.py), the partition properties with and
 * without shuffling, libnn_take, libnn_train_test_split_ex, bad input, and
 * every call under the allocation-failure loop.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_helpers.h"
#include "io_helpers.h"
#include "testutil.h"

/* The test fold of each sample, read back through the public getters; also
 * checks that train and test of every fold are complementary and ascending. */
static void assignment(const libnn_folds *f, int64_t *fold_of)
{
    size_t n = libnn_folds_sample_count(f), k = libnn_folds_count(f), m, mt;
    int64_t *test = malloc((n + 1) * sizeof *test), *train = malloc((n + 1) * sizeof *train);
    for (size_t i = 0; i < n; i++)
        fold_of[i] = -1;
    for (size_t fold = 0; fold < k; fold++) {
        ck_assert_int_eq(libnn_folds_test_indices(f, fold, test, n, &m), LIBNN_OK);
        ck_assert_int_eq(libnn_folds_train_indices(f, fold, train, n, &mt), LIBNN_OK);
        ck_assert_uint_eq(m + mt, n);
        for (size_t j = 0; j < m; j++) {
            ck_assert(j == 0 || test[j] > test[j - 1]);
            ck_assert_int_eq(fold_of[test[j]], -1); /* in one test fold only */
            fold_of[test[j]] = (int64_t)fold;
        }
        for (size_t j = 0; j < mt; j++) {
            ck_assert(j == 0 || train[j] > train[j - 1]);
            ck_assert_int_ne(fold_of[train[j]], (int64_t)fold);
        }
    }
    for (size_t i = 0; i < n; i++)
        ck_assert_int_ge(fold_of[i], 0);
    free(test);
    free(train);
}

/* Fold sizes as KFold's: n / k each, the first n % k one larger. */
static void assert_fold_sizes(const libnn_folds *f)
{
    size_t n = libnn_folds_sample_count(f), k = libnn_folds_count(f), m;
    for (size_t fold = 0; fold < k; fold++) {
        ck_assert_int_eq(libnn_folds_test_indices(f, fold, NULL, 0, &m),
                         (n / k + (fold < n % k)) ? LIBNN_E_RANGE : LIBNN_OK);
        ck_assert_uint_eq(m, n / k + (fold < n % k));
    }
}

static libnn_tensor *labels(size_t n, const float *v)
{
    libnn_tensor *t;
    ck_assert_int_eq(libnn_tensor_new_from_data(1, (const int64_t[]){(int64_t)n}, v, n, &t),
                     LIBNN_OK);
    return t;
}

START_TEST(sklearn_assignments)
{
    FILE *fp = fopen(tu_path("fixtures/folds/sklearn_folds.txt"), "r");
    ck_assert_ptr_nonnull(fp);
    char kind[16];
    long n, k;
    int cases = 0;
    while (fscanf(fp, "%15s %ld %ld y", kind, &n, &k) == 3) {
        float *y = calloc((size_t)n * 3, sizeof *y);
        int64_t *want = malloc((size_t)n * sizeof *want), *got = malloc((size_t)n * sizeof *got);
        libnn_folds *f = NULL;
        if (!strcmp(kind, "kfold")) {
            ck_assert_int_eq(fscanf(fp, " -"), 0);
            ck_assert_int_eq(libnn_kfold(n, k, 0, 99, &f), LIBNN_OK);
        } else {
            for (long i = 0; i < n; i++)
                ck_assert_int_eq(fscanf(fp, "%f", &y[i]), 1);
            libnn_tensor *t = labels((size_t)n, y);
            if (!strcmp(kind, "onehot")) {
                libnn_tensor *hot;
                ck_assert_int_eq(libnn_one_hot(t, 3, &hot), LIBNN_OK);
                libnn_tensor_free(t);
                t = hot;
            }
            ck_assert_int_eq(libnn_stratified_kfold(t, k, 0, 99, &f), LIBNN_OK);
            libnn_tensor_free(t);
        }
        ck_assert_int_eq(fscanf(fp, " folds"), 0);
        for (long i = 0; i < n; i++)
            ck_assert_int_eq(fscanf(fp, "%" SCNd64, &want[i]), 1);
        ck_assert_uint_eq(libnn_folds_count(f), (size_t)k);
        assignment(f, got);
        assert_fold_sizes(f);
        for (long i = 0; i < n; i++)
            ck_assert_msg(got[i] == want[i], "case %d (%s n=%ld k=%ld): sample %ld in fold %lld, "
                          "scikit-learn %lld", cases, kind, n, k, i, (long long)got[i],
                          (long long)want[i]);
        libnn_folds_free(f);
        free(y);
        free(want);
        free(got);
        cases++;
    }
    fclose(fp);
    ck_assert_int_eq(cases, 11);
}
END_TEST

START_TEST(kfold_partitions)
{
    static const long sizes[][2] = {{2, 2}, {5, 2}, {10, 3}, {11, 5}, {64, 64}, {1000, 7}};
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        long n = sizes[c][0], k = sizes[c][1];
        int64_t *plain = malloc((size_t)n * sizeof *plain), *mixed = malloc((size_t)n * sizeof *mixed);
        int64_t *again = malloc((size_t)n * sizeof *again);
        libnn_folds *f;
        ck_assert_int_eq(libnn_kfold(n, k, 0, 5, &f), LIBNN_OK);
        assignment(f, plain);
        assert_fold_sizes(f);
        for (long i = 1; i < n; i++) /* in order: consecutive blocks */
            ck_assert_int_ge(plain[i], plain[i - 1]);
        libnn_folds_free(f);
        ck_assert_int_eq(libnn_kfold(n, k, LIBNN_SPLIT_SHUFFLE, 5, &f), LIBNN_OK);
        assignment(f, mixed);
        assert_fold_sizes(f);
        libnn_folds_free(f);
        ck_assert_int_eq(libnn_kfold(n, k, LIBNN_SPLIT_SHUFFLE, 5, &f), LIBNN_OK);
        assignment(f, again);
        libnn_folds_free(f);
        ck_assert(memcmp(mixed, again, (size_t)n * sizeof *again) == 0); /* seeded */
        if (n >= 10)
            ck_assert(memcmp(mixed, plain, (size_t)n * sizeof *plain) != 0);
        free(plain);
        free(mixed);
        free(again);
    }
}
END_TEST

/* Shuffling moves samples between folds within their class only: every
 * fold keeps the per-class counts of the ordered split. */
START_TEST(stratified_shuffle_keeps_counts)
{
    enum { N = 200, K = 6, C = 4 };
    float y[N];
    for (int i = 0; i < N; i++)
        y[i] = (float)((i * 7 + i / 3) % 10 < 6 ? 0 : (i % 3) + 1);
    libnn_tensor *t = labels(N, y);
    int64_t a[N], b[N];
    int counts[2][K][C] = {{{0}}};
    libnn_folds *f;
    ck_assert_int_eq(libnn_stratified_kfold(t, K, 0, 1, &f), LIBNN_OK);
    assignment(f, a);
    assert_fold_sizes(f);
    libnn_folds_free(f);
    ck_assert_int_eq(libnn_stratified_kfold(t, K, LIBNN_SPLIT_SHUFFLE, 1, &f), LIBNN_OK);
    assignment(f, b);
    assert_fold_sizes(f);
    libnn_folds_free(f);
    for (int i = 0; i < N; i++) {
        counts[0][a[i]][(int)y[i]]++;
        counts[1][b[i]][(int)y[i]]++;
    }
    ck_assert(memcmp(counts[0], counts[1], sizeof counts[0]) == 0);
    ck_assert(memcmp(a, b, sizeof a) != 0);
    /* each class spread evenly: per-fold counts differ by at most one */
    for (int c = 0; c < C; c++) {
        int lo = N, hi = 0;
        for (int fold = 0; fold < K; fold++) {
            lo = counts[0][fold][c] < lo ? counts[0][fold][c] : lo;
            hi = counts[0][fold][c] > hi ? counts[0][fold][c] : hi;
        }
        ck_assert_int_le(hi - lo, 1);
    }
    libnn_tensor_free(t);
}
END_TEST

START_TEST(folds_bad_input)
{
    libnn_folds *f = (libnn_folds *)&f;
    ck_assert_int_eq(libnn_kfold(10, 1, 0, 0, &f), LIBNN_E_INVALID);
    ck_assert_ptr_null(f);
    tu_assert_error_has("k (the number of folds) must be >= 2, got 1");
    ck_assert_int_eq(libnn_kfold(10, INT64_MIN, 0, 0, &f), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_kfold(3, 4, 0, 0, &f), LIBNN_E_RANGE);
    tu_assert_error_has("k = 4 folds for 3 samples");
    ck_assert_int_eq(libnn_kfold(-1, 2, 0, 0, &f), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_kfold(INT64_MAX, 2, 0, 0, &f), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_kfold(10, 2, LIBNN_SPLIT_STRATIFY, 0, &f), LIBNN_E_INVALID);
    tu_assert_error_has("only LIBNN_SPLIT_SHUFFLE");
    ck_assert_int_eq(libnn_kfold(10, 2, 0, 0, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_stratified_kfold(NULL, 2, 0, 0, &f), LIBNN_E_INVALID);
    tu_assert_error_has("y is NULL");

    static const struct {
        float v[6];
        const char *message;
    } bad[] = {
        {{0, 1, 0, 1, 0.5f, 1}, "y sample 4 is 0.5, not a class label"},
        {{0, 1, NAN, 1, 0, 1}, "y sample 2 is nan"},
        {{0, 1, 0, INFINITY, 0, 1}, "y sample 3 is inf"},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        libnn_tensor *t = labels(6, bad[c].v);
        ck_assert_int_eq(libnn_stratified_kfold(t, 2, 0, 0, &f), LIBNN_E_RANGE);
        ck_assert_ptr_null(f);
        tu_assert_error_has(bad[c].message);
        libnn_tensor_free(t);
    }
    /* every class smaller than k; k above n */
    libnn_tensor *t = labels(6, (const float[]){0, 1, 2, 0, 1, 2});
    ck_assert_int_eq(libnn_stratified_kfold(t, 3, 0, 0, &f), LIBNN_E_RANGE);
    tu_assert_error_has("every class of y has fewer members (the largest has 2)");
    ck_assert_int_eq(libnn_stratified_kfold(t, 7, 0, 0, &f), LIBNN_E_RANGE);
    tu_assert_error_has("k = 7 folds for 6 samples");
    ck_assert_int_eq(libnn_stratified_kfold(t, 2, 0, 0, &f), LIBNN_OK);
    int64_t idx[6];
    size_t m = 99;
    ck_assert_int_eq(libnn_folds_test_indices(f, 2, idx, 6, &m), LIBNN_E_RANGE);
    tu_assert_error_has("fold 2 does not exist (k = 2)");
    ck_assert_int_eq(libnn_folds_train_indices(f, 0, idx, 2, &m), LIBNN_E_RANGE);
    ck_assert_uint_eq(m, 3);
    tu_assert_error_has("fold 0 has 3 indices, capacity is 2");
    ck_assert_int_eq(libnn_folds_train_indices(f, 0, NULL, 6, &m), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_folds_train_indices(f, 0, idx, 6, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_folds_train_indices(NULL, 0, idx, 6, &m), LIBNN_E_INVALID);
    ck_assert_uint_eq(libnn_folds_count(NULL), 0);
    ck_assert_uint_eq(libnn_folds_sample_count(NULL), 0);
    libnn_folds_free(f);
    libnn_folds_free(NULL);
    libnn_tensor_free(t);

    /* one-hot rows must be one-hot; rank 3 is no label */
    libnn_tensor *hot;
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){3, 2},
                                                (const float[]){1, 0, 0, 1, 1, 1}, 6, &hot),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_stratified_kfold(hot, 2, 0, 0, &f), LIBNN_E_RANGE);
    tu_assert_error_has("y row 2 is not one-hot");
    ck_assert_int_eq(libnn_tensor_reshape(hot, 3, (const int64_t[]){3, 2, 1}), LIBNN_OK);
    ck_assert_int_eq(libnn_stratified_kfold(hot, 2, 0, 0, &f), LIBNN_E_SHAPE);
    tu_assert_error_has("class labels y must be [n], [n, 1] or one-hot [n, classes], got [3, 2, 1]");
    libnn_tensor_free(hot);
}
END_TEST

START_TEST(take_rows)
{
    libnn_tensor *x, *out;
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){4, 2},
                                                (const float[]){0, 1, 10, 11, 20, 21, 30, 31},
                                                8, &x),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_take(x, (const int64_t[]){3, 0, 3}, 3, &out), LIBNN_OK);
    data_assert_shape(out, 2, (const int64_t[]){3, 2});
    data_assert_values(out, (const float[]){30, 31, 0, 1, 30, 31}, 6);
    libnn_tensor_free(out);
    ck_assert_int_eq(libnn_take(x, NULL, 0, &out), LIBNN_OK);
    data_assert_shape(out, 2, (const int64_t[]){0, 2});
    libnn_tensor_free(out);
    static const int64_t bad[] = {-1, 4, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < 4; i++) {
        out = x;
        ck_assert_int_eq(libnn_take(x, (const int64_t[]){1, bad[i]}, 2, &out), LIBNN_E_RANGE);
        ck_assert_ptr_null(out);
        tu_assert_error_has("take: indices[1] = ");
        tu_assert_error_has("lies outside the 4 rows");
    }
    ck_assert_int_eq(libnn_take(x, NULL, 1, &out), LIBNN_E_INVALID);
    tu_assert_error_has("indices is NULL");
    ck_assert_int_eq(libnn_take(NULL, bad, 1, &out), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_take(x, bad, 1, NULL), LIBNN_E_INVALID);
    libnn_tensor_free(x);
}
END_TEST

/* x [n, 1] holding i, y [n] holding the class of i. */
static void classed(size_t n, const float *y, libnn_tensor **xt, libnn_tensor **yt)
{
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 1}, xt), LIBNN_OK);
    for (size_t i = 0; i < n; i++)
        libnn_tensor_data(*xt)[i] = (float)i;
    *yt = labels(n, y);
}

START_TEST(split_ex_modes)
{
    enum { N = 40 };
    float y[N];
    for (int i = 0; i < N; i++) /* 30 zeros, 6 ones, 4 twos */
        y[i] = i % 10 < 7 ? 0.0f : i % 10 < 9 ? 1.0f : 2.0f;
    for (int i = 0; i < 5; i++) /* 26 zeros, 10 ones, 4 twos */
        y[i * 5] = y[i * 5] == 0 ? 1.0f : y[i * 5];
    libnn_tensor *x, *yt, *o[4], *r[4];
    classed(N, y, &x, &yt);
    int per_class[3] = {0};
    for (int i = 0; i < N; i++)
        per_class[(int)y[i]]++;

    /* 0: ordered, as scikit-learn's shuffle=False */
    ck_assert_int_eq(libnn_train_test_split_ex(x, yt, 0.25, 3, 0, &o[0], &o[1], &o[2], &o[3]),
                     LIBNN_OK);
    for (int i = 0; i < 30; i++)
        ck_assert_float_eq(libnn_tensor_data(o[0])[i], (float)i);
    for (int i = 0; i < 10; i++)
        ck_assert_float_eq(libnn_tensor_data(o[2])[i], (float)(30 + i));
    for (int i = 0; i < 4; i++)
        libnn_tensor_free(o[i]);

    /* SHUFFLE: exactly libnn_train_test_split */
    ck_assert_int_eq(libnn_train_test_split_ex(x, yt, 0.3, 3, LIBNN_SPLIT_SHUFFLE, &o[0], &o[1],
                                               &o[2], &o[3]),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_train_test_split(x, yt, 0.3, 3, &r[0], &r[1], &r[2], &r[3]), LIBNN_OK);
    for (int i = 0; i < 4; i++) {
        io_assert_same_tensor(o[i], r[i]);
        libnn_tensor_free(o[i]);
        libnn_tensor_free(r[i]);
    }

    /* STRATIFY: test counts 26, 10, 4 times 10 / 40 = 6.5, 2.5, 1 -> the two
     * remainders tie at one half: the first class seen (1, at sample 0)
     * rounds up */
    ck_assert_int_eq(libnn_train_test_split_ex(x, yt, 0.25, 3,
                                               LIBNN_SPLIT_SHUFFLE | LIBNN_SPLIT_STRATIFY, &o[0],
                                               &o[1], &o[2], &o[3]),
                     LIBNN_OK);
    data_assert_shape(o[2], 2, (const int64_t[]){10, 1});
    int test_count[3] = {0}, seen[N] = {0};
    for (int part = 0; part < 2; part++) {
        libnn_tensor *xs = o[2 * part], *ys = o[2 * part + 1];
        for (int64_t i = 0; i < libnn_tensor_dim(xs, 0); i++) {
            int row = (int)libnn_tensor_data(xs)[i];
            ck_assert_float_eq(libnn_tensor_data(ys)[i], y[row]); /* pairs kept */
            seen[row]++;
            test_count[(int)y[row]] += part;
        }
    }
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_eq(test_count[0], 6);
    ck_assert_int_eq(test_count[1], 3);
    ck_assert_int_eq(test_count[2], 1);
    ck_assert_int_eq(per_class[0] + per_class[1] + per_class[2], N);
    for (int i = 0; i < 4; i++)
        libnn_tensor_free(o[i]);

    /* errors: stratify without shuffle or labels, bad flags, too few rows */
    ck_assert_int_eq(libnn_train_test_split_ex(x, yt, 0.25, 3, LIBNN_SPLIT_STRATIFY, &o[0], &o[1],
                                               &o[2], &o[3]),
                     LIBNN_E_INVALID);
    tu_assert_error_has("LIBNN_SPLIT_STRATIFY needs LIBNN_SPLIT_SHUFFLE");
    ck_assert_ptr_null(o[0]);
    ck_assert_int_eq(libnn_train_test_split_ex(x, NULL, 0.25, 3, 3, &o[0], NULL, &o[2], NULL),
                     LIBNN_E_INVALID);
    tu_assert_error_has("needs the labels y");
    ck_assert_int_eq(libnn_train_test_split_ex(x, yt, 0.25, 3, 8, &o[0], &o[1], &o[2], &o[3]),
                     LIBNN_E_INVALID);
    tu_assert_error_has("unknown flags 0x8");
    ck_assert_int_eq(libnn_train_test_split_ex(x, yt, 0.05, 3, 3, &o[0], &o[1], &o[2], &o[3]),
                     LIBNN_E_RANGE);
    tu_assert_error_has("y has 3 classes; stratifying needs at least as many test and training "
                        "rows, the split gives 2 test and 38 training rows");
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_null(o[i]);
    libnn_tensor_data(yt)[7] = 1.5f;
    ck_assert_int_eq(libnn_train_test_split_ex(x, yt, 0.25, 3, 3, &o[0], &o[1], &o[2], &o[3]),
                     LIBNN_E_RANGE);
    tu_assert_error_has("train_test_split_ex: y sample 7 is 1.5");
    libnn_tensor_free(x);
    libnn_tensor_free(yt);
}
END_TEST

static libnn_status body_folds(void *ctx)
{
    libnn_tensor **in = ctx; /* x [12, 1], y [12] */
    libnn_folds *f = NULL;
    libnn_tensor *o[4] = {NULL, NULL, NULL, NULL};
    int64_t idx[12];
    size_t m;
    libnn_status st = libnn_kfold(12, 3, LIBNN_SPLIT_SHUFFLE, 1, &f);
    libnn_folds_free(f);
    f = NULL;
    if (st == LIBNN_OK)
        st = libnn_stratified_kfold(in[1], 3, LIBNN_SPLIT_SHUFFLE, 1, &f);
    if (st == LIBNN_OK)
        st = libnn_folds_train_indices(f, 1, idx, 12, &m);
    if (st == LIBNN_OK)
        st = libnn_take(in[0], idx, m, &o[0]);
    libnn_tensor_free(o[0]);
    o[0] = NULL;
    if (st == LIBNN_OK)
        st = libnn_train_test_split_ex(in[0], in[1], 0.5, 2,
                                       LIBNN_SPLIT_SHUFFLE | LIBNN_SPLIT_STRATIFY, &o[0], &o[1],
                                       &o[2], &o[3]);
    libnn_folds_free(f);
    for (int i = 0; i < 4; i++)
        libnn_tensor_free(o[i]);
    return st;
}

START_TEST(alloc_failures_folds)
{
    libnn_tensor *in[2];
    static const float y[12] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 0};
    classed(12, y, &in[0], &in[1]);
    ck_assert_int_gt(tu_alloc_fail_loop(body_folds, in), 8);
    libnn_tensor_free(in[0]);
    libnn_tensor_free(in[1]);
}
END_TEST

Suite *folds_suite(void)
{
    Suite *s = suite_create("folds");
    TCase *tc = tu_tcase("folds");
    tcase_add_test(tc, sklearn_assignments);
    tcase_add_test(tc, kfold_partitions);
    tcase_add_test(tc, stratified_shuffle_keeps_counts);
    tcase_add_test(tc, folds_bad_input);
    tcase_add_test(tc, take_rows);
    tcase_add_test(tc, split_ex_modes);
    suite_add_tcase(s, tc);
    tc = tu_tcase("alloc");
    tcase_add_test(tc, alloc_failures_folds);
    suite_add_tcase(s, tc);
    return s;
}
