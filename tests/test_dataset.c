/*
 * The data set helpers (shuffle, train/test split, slice, one-hot, min-max
 * and standard scaling) on small exact cases, and every call under the
 * allocation-failure loop.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "data_helpers.h"
#include "io_helpers.h"
#include "testutil.h"

/* x [n, 2] with rows (i, 10 i); y [n] with i. */
static void numbered(size_t n, libnn_tensor **x, libnn_tensor **y)
{
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 2}, x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){(int64_t)n}, y), LIBNN_OK);
    for (size_t i = 0; i < n; i++) {
        libnn_tensor_data(*x)[2 * i] = (float)i;
        libnn_tensor_data(*x)[2 * i + 1] = 10.0f * (float)i;
        libnn_tensor_data(*y)[i] = (float)i;
    }
}

START_TEST(shuffle_pairs)
{
    enum { N = 20 };
    libnn_tensor *x, *y, *x2, *y2;
    numbered(N, &x, &y);
    numbered(N, &x2, &y2);
    ck_assert_int_eq(libnn_shuffle(x, y, 42), LIBNN_OK);
    int seen[N] = {0}, moved = 0;
    for (int i = 0; i < N; i++) {
        float k = libnn_tensor_data(y)[i];
        ck_assert(libnn_tensor_data(x)[2 * i] == k && libnn_tensor_data(x)[2 * i + 1] == 10 * k);
        seen[(int)k]++;
        moved += k != (float)i;
    }
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_gt(moved, N / 2);
    /* reproducible: the same seed, the same order, with or without y */
    ck_assert_int_eq(libnn_shuffle(x2, NULL, 42), LIBNN_OK);
    io_assert_same_tensor(x, x2);
    ck_assert_int_eq(libnn_shuffle(y2, NULL, 43), LIBNN_OK);
    ck_assert(memcmp(libnn_tensor_data(y), libnn_tensor_data(y2), N * sizeof(float)) != 0);

    /* lengths must match; nothing moves */
    libnn_tensor *short_y;
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){N - 1}, &short_y), LIBNN_OK);
    ck_assert_int_eq(libnn_shuffle(x, short_y, 1), LIBNN_E_SHAPE);
    tu_assert_error_has("x [20, 2] has 20 rows, y [19] has 19");
    io_assert_same_tensor(x, x2);
    ck_assert_int_eq(libnn_shuffle(NULL, y, 1), LIBNN_E_INVALID);
    libnn_tensor_free(short_y);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(x2);
    libnn_tensor_free(y2);
}
END_TEST

START_TEST(split_sizes)
{
    libnn_tensor *x, *y, *xtr, *ytr, *xte, *yte;
    numbered(10, &x, &y);
    ck_assert_int_eq(libnn_train_test_split(x, y, 0.25, 7, &xtr, &ytr, &xte, &yte), LIBNN_OK);
    /* ceil(2.5) = 3 test rows, as scikit-learn */
    data_assert_shape(xtr, 2, (const int64_t[]){7, 2});
    data_assert_shape(ytr, 1, (const int64_t[]){7});
    data_assert_shape(xte, 2, (const int64_t[]){3, 2});
    data_assert_shape(yte, 1, (const int64_t[]){3});
    /* = shuffling copies with the same seed, then train first, test last */
    libnn_tensor *sx, *sy, *part;
    ck_assert_int_eq(libnn_tensor_clone(x, &sx), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_clone(y, &sy), LIBNN_OK);
    ck_assert_int_eq(libnn_shuffle(sx, sy, 7), LIBNN_OK);
    ck_assert_int_eq(libnn_slice(sx, 0, 7, &part), LIBNN_OK);
    io_assert_same_tensor(part, xtr);
    libnn_tensor_free(part);
    ck_assert_int_eq(libnn_slice(sy, 7, 3, &part), LIBNN_OK);
    io_assert_same_tensor(part, yte);
    libnn_tensor_free(part);
    libnn_tensor_free(sx);
    libnn_tensor_free(sy);
    for (int i = 0; i < 3; i++)
        ck_assert(libnn_tensor_data(xte)[2 * i] == libnn_tensor_data(yte)[i]);
    libnn_tensor *outs[4] = {xtr, ytr, xte, yte};
    for (int i = 0; i < 4; i++)
        libnn_tensor_free(outs[i]);

    /* without y */
    ytr = yte = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_train_test_split(x, NULL, 0.5, 7, &xtr, &ytr, &xte, &yte), LIBNN_OK);
    ck_assert_ptr_null(ytr);
    ck_assert_ptr_null(yte);
    ck_assert_int_eq(libnn_tensor_dim(xte, 0), 5);
    libnn_tensor_free(xtr);
    libnn_tensor_free(xte);
    ck_assert_int_eq(libnn_train_test_split(x, NULL, 0.5, 7, &xtr, NULL, &xte, NULL), LIBNN_OK);
    libnn_tensor_free(xtr);
    libnn_tensor_free(xte);

    /* errors leave every output NULL */
    const double fractions[4] = {0.0, 1.0, -0.5, NAN};
    for (int i = 0; i < 4; i++) {
        xtr = (libnn_tensor *)1;
        ck_assert_int_eq(libnn_train_test_split(x, y, fractions[i], 7, &xtr, &ytr, &xte, &yte),
                         LIBNN_E_INVALID);
        ck_assert_ptr_null(xtr);
        tu_assert_error_has("test_fraction must lie in (0, 1)");
    }
    ck_assert_int_eq(libnn_train_test_split(x, y, 0.95, 7, &xtr, &ytr, &xte, &yte),
                     LIBNN_E_RANGE);
    tu_assert_error_has("10 rows with test_fraction 0.95 leave no training rows");
    ck_assert_int_eq(libnn_train_test_split(x, y, 0.5, 7, &xtr, NULL, &xte, &yte),
                     LIBNN_E_INVALID);
    tu_assert_error_has("y_train is NULL");
    libnn_tensor *y9;
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){9}, &y9), LIBNN_OK);
    ck_assert_int_eq(libnn_train_test_split(x, y9, 0.5, 7, &xtr, &ytr, &xte, &yte),
                     LIBNN_E_SHAPE);
    libnn_tensor_free(y9);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

START_TEST(slice_rows)
{
    libnn_tensor *x, *y, *s;
    numbered(6, &x, &y);
    ck_assert_int_eq(libnn_slice(x, 2, 3, &s), LIBNN_OK);
    data_assert_shape(s, 2, (const int64_t[]){3, 2});
    data_assert_values(s, (const float[]){2, 20, 3, 30, 4, 40}, 6);
    libnn_tensor_free(s);
    ck_assert_int_eq(libnn_slice(y, 6, 0, &s), LIBNN_OK);
    data_assert_shape(s, 1, (const int64_t[]){0});
    libnn_tensor_free(s);
    s = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_slice(x, 4, 3, &s), LIBNN_E_RANGE);
    ck_assert_ptr_null(s);
    tu_assert_error_has("rows [4, 4 + 3) lie outside the 6 rows");
    ck_assert_int_eq(libnn_slice(x, -1, 1, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(x, 0, -1, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(x, 7, 0, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(x, 1, INT64_MAX, &s), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_slice(NULL, 0, 1, &s), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_slice(x, 0, 1, NULL), LIBNN_E_INVALID);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

START_TEST(one_hot_cases)
{
    libnn_tensor *l, *o;
    ck_assert_int_eq(libnn_tensor_new_from_data(1, (const int64_t[]){3}, (const float[]){2, 0, 3},
                                                3, &l),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 4, &o), LIBNN_OK);
    data_assert_shape(o, 2, (const int64_t[]){3, 4});
    data_assert_values(o, (const float[]){0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1}, 12);
    libnn_tensor_free(o);
    ck_assert_int_eq(libnn_one_hot(l, 0, &o), LIBNN_OK); /* inferred: 3 + 1 classes */
    data_assert_shape(o, 2, (const int64_t[]){3, 4});
    libnn_tensor_free(o);
    ck_assert_int_eq(libnn_one_hot(l, 3, &o), LIBNN_E_RANGE);
    ck_assert_ptr_null(o);
    tu_assert_error_has("label element 2 is 3, not a class index in [0, 3)");
    /* [n, 1] gives [n, classes]; [2, 2] gives [2, 2, classes] */
    ck_assert_int_eq(libnn_tensor_reshape(l, 2, (const int64_t[]){3, 1}), LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 5, &o), LIBNN_OK);
    data_assert_shape(o, 2, (const int64_t[]){3, 5});
    libnn_tensor_free(o);
    libnn_tensor_free(l);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){2, 2},
                                                (const float[]){1, 0, 0, 1}, 4, &l),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 2, &o), LIBNN_OK);
    data_assert_shape(o, 3, (const int64_t[]){2, 2, 2});
    data_assert_values(o, (const float[]){0, 1, 1, 0, 1, 0, 0, 1}, 8);
    libnn_tensor_free(o);
    const float bad[3] = {-1, 0.5f, NAN};
    for (int i = 0; i < 3; i++) {
        libnn_tensor_data(l)[3] = bad[i];
        ck_assert_int_eq(libnn_one_hot(l, 2, &o), LIBNN_E_RANGE);
        tu_assert_error_has("label element 3 is");
    }
    ck_assert_int_eq(libnn_one_hot(l, -1, &o), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_one_hot(NULL, 2, &o), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_one_hot(l, 2, NULL), LIBNN_E_INVALID);
    libnn_tensor_free(l);
    ck_assert_int_eq(libnn_tensor_new(8, (const int64_t[]){1, 1, 1, 1, 1, 1, 1, 2}, &l),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_one_hot(l, 2, &o), LIBNN_E_SHAPE);
    tu_assert_error_has("labels of rank 8 give a result of rank 9, above 8");
    libnn_tensor_free(l);
}
END_TEST

START_TEST(minmax_train_test)
{
    libnn_tensor *x, *t, *lo, *hi;
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){3, 2},
                                                (const float[]){1, 5, 3, 5, 2, 5}, 6, &x),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_minmax_scale(x, &lo, &hi), LIBNN_OK);
    data_assert_values(x, (const float[]){0, 0, 1, 0, 0.5f, 0}, 6);
    data_assert_shape(lo, 1, (const int64_t[]){2});
    data_assert_values(lo, (const float[]){1, 5}, 2);
    data_assert_values(hi, (const float[]){3, 5}, 2);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){2, 2},
                                                (const float[]){5, 6, 0, 4}, 4, &t),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, hi), LIBNN_OK);
    data_assert_values(t, (const float[]){2, 1, -0.5f, -1}, 4);
    /* bad statistics are refused */
    libnn_tensor_data(lo)[0] = 4;
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, hi), LIBNN_E_RANGE);
    tu_assert_error_has("feature 0 has max 3 below min 4");
    libnn_tensor_data(lo)[0] = NAN;
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, hi), LIBNN_E_NONFINITE);
    tu_assert_error_has("min element 0 is nan");
    ck_assert_int_eq(libnn_minmax_scale_apply(t, lo, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_minmax_scale_apply(x, x, hi), LIBNN_E_SHAPE);
    tu_assert_error_has("min has 6 elements, x has 2 features per row");
    libnn_tensor_free(lo);
    libnn_tensor_free(hi);
    /* statistics not wanted */
    ck_assert_int_eq(libnn_minmax_scale(t, NULL, NULL), LIBNN_OK);
    libnn_tensor_free(t);
    libnn_tensor_free(x);
}
END_TEST

START_TEST(standard_train_test)
{
    libnn_tensor *x, *mean, *sd, *t;
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){4, 2},
                                                (const float[]){1, 7, 2, 7, 3, 7, 4, 7}, 8, &x),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_standard_scale(x, &mean, &sd), LIBNN_OK);
    data_assert_values(mean, (const float[]){2.5f, 7}, 2);
    float s = (float)sqrt(1.25); /* population deviation of 1..4 */
    data_assert_values(sd, (const float[]){s, 1}, 2); /* constant: 1, as scale_ */
    float e[8];
    for (int i = 0; i < 4; i++) {
        e[2 * i] = (float)(((double)(i + 1) - 2.5) / (double)s);
        e[2 * i + 1] = 0;
    }
    data_assert_values(x, e, 8);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){1, 2}, (const float[]){5, 9},
                                                2, &t),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_standard_scale_apply(t, mean, sd), LIBNN_OK);
    data_assert_values(t, (const float[]){(float)(2.5 / (double)s), 2}, 2);
    libnn_tensor_data(sd)[1] = -1;
    ck_assert_int_eq(libnn_standard_scale_apply(t, mean, sd), LIBNN_E_RANGE);
    tu_assert_error_has("feature 1 has std -1 < 0");
    libnn_tensor_free(t);

    /* fitting refuses non-finite data and rowless x, and leaves x alone */
    libnn_tensor *m2 = (libnn_tensor *)1;
    libnn_tensor_data(x)[5] = INFINITY;
    ck_assert_int_eq(libnn_standard_scale(x, &m2, NULL), LIBNN_E_NONFINITE);
    ck_assert_ptr_null(m2);
    tu_assert_error_has("standard_scale: x row 2, feature 1 is inf");
    ck_assert(libnn_tensor_data(x)[4] == e[4]);
    ck_assert_int_eq(libnn_minmax_scale(NULL, NULL, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_standard_scale_apply(NULL, mean, sd), LIBNN_E_INVALID);
    libnn_tensor *empty;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){0, 3}, &empty), LIBNN_OK);
    ck_assert_int_eq(libnn_standard_scale(empty, NULL, NULL), LIBNN_E_SHAPE);
    tu_assert_error_has("x has no rows to fit on");
    libnn_tensor_free(empty);
    libnn_tensor_free(mean);
    libnn_tensor_free(sd);
    libnn_tensor_free(x);
}
END_TEST

/* Fitting equals applying the returned statistics to the unscaled data,
 * bit for bit, on images (statistics of a row's shape) and on rank 1. */
START_TEST(scale_fit_equals_apply)
{
    const int64_t shapes[2][4] = {{50, 4, 3, 2}, {37, 0, 0, 0}};
    const size_t ranks[2] = {4, 1};
    for (int k = 0; k < 2; k++)
        for (int kind = 0; kind < 2; kind++) {
            libnn_tensor *x, *copy, *a, *b;
            ck_assert_int_eq(libnn_tensor_new(ranks[k], shapes[k], &x), LIBNN_OK);
            ck_assert_int_eq(libnn_tensor_fill_normal(x, 3.0f, 2.0f, 99), LIBNN_OK);
            ck_assert_int_eq(libnn_tensor_clone(x, &copy), LIBNN_OK);
            ck_assert_int_eq(kind ? libnn_standard_scale(x, &a, &b) : libnn_minmax_scale(x, &a, &b),
                             LIBNN_OK);
            ck_assert_uint_eq(libnn_tensor_ndim(a), k ? 1 : 3);
            ck_assert_int_eq(libnn_tensor_dim(a, 0), k ? 1 : 4);
            ck_assert_int_eq(kind ? libnn_standard_scale_apply(copy, a, b)
                                  : libnn_minmax_scale_apply(copy, a, b),
                             LIBNN_OK);
            io_assert_same_tensor(x, copy);
            const float *v = libnn_tensor_data(x);
            size_t outside = 0;
            for (size_t i = 0; !kind && i < libnn_tensor_size(x); i++)
                outside += !(v[i] >= 0 && v[i] <= 1);
            ck_assert_uint_eq(outside, 0);
            libnn_tensor_free(x);
            libnn_tensor_free(copy);
            libnn_tensor_free(a);
            libnn_tensor_free(b);
        }
}
END_TEST

/* ---- allocation failures ---- */

/* Every helper on a tensor that must come out of a failure unchanged. */
static libnn_status body_helpers(void *ctx)
{
    libnn_tensor *const *in = ctx, *x = in[0], *y = in[1];
    libnn_tensor *before = in[2];
    libnn_tensor *o[4] = {NULL, NULL, NULL, NULL};
    libnn_status st = libnn_train_test_split(x, y, 0.3, 5, &o[0], &o[1], &o[2], &o[3]);
    for (int i = 0; i < 4; i++) {
        if (st != LIBNN_OK)
            ck_assert_ptr_null(o[i]);
        libnn_tensor_free(o[i]);
        o[i] = NULL;
    }
    if (st == LIBNN_OK)
        st = libnn_slice(x, 1, 3, &o[0]);
    if (st == LIBNN_OK)
        st = libnn_one_hot(y, 0, &o[1]);
    if (st == LIBNN_OK)
        st = libnn_shuffle(o[0], NULL, 3);
    libnn_tensor *work = NULL;
    if (st == LIBNN_OK)
        st = libnn_tensor_clone(x, &work);
    for (int kind = 0; st == LIBNN_OK && kind < 2; kind++) {
        st = kind ? libnn_standard_scale(work, &o[2], &o[3]) : libnn_minmax_scale(work, &o[2], &o[3]);
        if (st != LIBNN_OK) {
            ck_assert_ptr_null(o[2]);
            ck_assert_ptr_null(o[3]);
            /* a failed fit leaves x as it was */
            if (kind == 0)
                io_assert_same_tensor(work, before);
            break;
        }
        st = kind ? libnn_standard_scale_apply(work, o[2], o[3])
                  : libnn_minmax_scale_apply(work, o[2], o[3]);
        libnn_tensor_free(o[2]);
        libnn_tensor_free(o[3]);
        o[2] = o[3] = NULL;
    }
    libnn_tensor_free(work);
    for (int i = 0; i < 4; i++)
        libnn_tensor_free(o[i]);
    return st;
}

START_TEST(alloc_failures_helpers)
{
    libnn_tensor *in[3];
    numbered(10, &in[0], &in[1]);
    ck_assert_int_eq(libnn_tensor_clone(in[0], &in[2]), LIBNN_OK);
    ck_assert_int_gt(tu_alloc_fail_loop(body_helpers, in), 10);
    io_assert_same_tensor(in[0], in[2]);
    for (int i = 0; i < 3; i++)
        libnn_tensor_free(in[i]);
}
END_TEST

Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tu_tcase("helpers");
    tcase_add_test(tc, shuffle_pairs);
    tcase_add_test(tc, split_sizes);
    tcase_add_test(tc, slice_rows);
    tcase_add_test(tc, one_hot_cases);
    tcase_add_test(tc, minmax_train_test);
    tcase_add_test(tc, standard_train_test);
    tcase_add_test(tc, scale_fit_equals_apply);
    suite_add_tcase(s, tc);
    tc = tu_tcase("alloc");
    tcase_add_test(tc, alloc_failures_helpers);
    suite_add_tcase(s, tc);
    return s;
}
