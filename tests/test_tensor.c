/*
 * Tensors: construction, copies, shape queries, reshape, fills; bad input;
 * every call under the allocation-failure loop.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"

START_TEST(new_is_zero_filled)
{
    libnn_tensor *t;
    int64_t shape[3] = {2, 3, 4};
    ck_assert_int_eq(libnn_tensor_new(3, shape, &t), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_ndim(t), 3);
    ck_assert_uint_eq(libnn_tensor_size(t), 24);
    ck_assert_int_eq(libnn_tensor_dim(t, 0), 2);
    ck_assert_int_eq(libnn_tensor_dim(t, 2), 4);
    ck_assert_int_eq(libnn_tensor_dim(t, 3), -1);
    const float *d = libnn_tensor_data(t);
    for (int i = 0; i < 24; i++)
        ck_assert(d[i] == 0.0f);
    int64_t got[8];
    ck_assert_int_eq(libnn_tensor_shape(t, 8, got), LIBNN_OK);
    ck_assert_mem_eq(got, shape, sizeof shape);
    ck_assert_int_eq(libnn_tensor_shape(t, 2, got), LIBNN_E_RANGE);
    tu_assert_error_has("room for 2 dimensions, tensor has 3");
    libnn_tensor_free(t);
}
END_TEST

START_TEST(rank_limits)
{
    libnn_tensor *t = (libnn_tensor *)1;
    int64_t eight[8] = {1, 1, 1, 1, 1, 1, 1, 2};
    int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ck_assert_int_eq(libnn_tensor_new(8, eight, &t), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_size(t), 2);
    libnn_tensor_free(t);
    ck_assert_int_eq(libnn_tensor_new(9, nine, &t), LIBNN_E_INVALID);
    ck_assert_ptr_null(t);
    tu_assert_error_has("rank 9 is outside 1..8");
    ck_assert_int_eq(libnn_tensor_new(0, nine, &t), LIBNN_E_INVALID);
}
END_TEST

START_TEST(empty_tensor)
{
    libnn_tensor *t;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){0, 5}, &t), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_size(t), 0);
    ck_assert_ptr_null(libnn_tensor_data(t));
    ck_assert_int_eq(libnn_tensor_copy_to(t, NULL, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_copy_from(t, NULL, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_reshape(t, 3, (const int64_t[]){5, 0, 7}), LIBNN_OK);
    /* -1 cannot be inferred from nothing. */
    ck_assert_int_eq(libnn_tensor_reshape(t, 2, (const int64_t[]){0, -1}), LIBNN_E_SHAPE);
    libnn_tensor_free(t);
}
END_TEST

START_TEST(bad_shapes)
{
    libnn_tensor *t = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){3, -1}, &t), LIBNN_E_INVALID);
    ck_assert_ptr_null(t);
    tu_assert_error_has("dimension 1 of shape [3, -1] is negative");
    ck_assert_int_eq(libnn_tensor_new(1, NULL, &t), LIBNN_E_INVALID);
    tu_assert_error_has("shape is NULL");
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){3}, NULL), LIBNN_E_INVALID);
    /* A product that overflows is refused before any allocation. */
    long calls = tu_alloc_calls();
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){INT64_MAX, 4}, &t), LIBNN_E_NOMEM);
    tu_assert_error_has("too large to address");
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){1 << 30, 1 << 30, 16}, &t),
                     LIBNN_E_NOMEM);
    ck_assert_int_eq(tu_alloc_calls(), calls);
    /* Large but addressable: the allocator says no, and that is reported. */
    tu_alloc_fail_at(2, 0);
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){1 << 20}, &t), LIBNN_E_NOMEM);
    tu_assert_error_has("tensor_new: out of memory (4194304 bytes)");
    ck_assert_int_eq(tu_alloc_live(), 0);
}
END_TEST

START_TEST(from_data_and_copies)
{
    float src[6] = {1, 2, 3, 4, 5, 6}, keep[6], dst[8];
    memcpy(keep, src, sizeof src);
    libnn_tensor *t = (libnn_tensor *)1, *c;
    int64_t shape[2] = {2, 3};
    ck_assert_int_eq(libnn_tensor_new_from_data(2, shape, src, 5, &t), LIBNN_E_SHAPE);
    ck_assert_ptr_null(t);
    tu_assert_error_has("5 values given, shape [2, 3] needs 6");
    ck_assert_int_eq(libnn_tensor_new_from_data(2, shape, NULL, 6, &t), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, shape, src, 6, &t), LIBNN_OK);
    src[0] = 99; /* the tensor holds a copy */
    ck_assert(libnn_tensor_data(t)[0] == 1.0f);

    for (int i = 0; i < 8; i++)
        dst[i] = -7;
    ck_assert_int_eq(libnn_tensor_copy_to(t, dst, 5), LIBNN_E_SHAPE);
    tu_assert_error_has("destination holds 5 values, tensor has 6");
    ck_assert(dst[0] == -7); /* nothing written on error */
    ck_assert_int_eq(libnn_tensor_copy_to(t, dst, 8), LIBNN_OK);
    ck_assert_mem_eq(dst, keep, sizeof keep);
    ck_assert(dst[6] == -7);

    ck_assert_int_eq(libnn_tensor_copy_from(t, src, 7), LIBNN_E_SHAPE);
    ck_assert(libnn_tensor_data(t)[0] == 1.0f); /* unchanged on error */
    ck_assert_int_eq(libnn_tensor_copy_from(t, src, 6), LIBNN_OK);
    ck_assert(libnn_tensor_data(t)[0] == 99.0f);
    ck_assert_int_eq(libnn_tensor_copy_from(NULL, src, 6), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_copy_to(t, NULL, 6), LIBNN_E_INVALID);

    ck_assert_int_eq(libnn_tensor_clone(t, &c), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(c), libnn_tensor_data(t), 6 * sizeof(float));
    libnn_tensor_data(c)[1] = 42;
    ck_assert(libnn_tensor_data(t)[1] == 2.0f);
    ck_assert_uint_eq(libnn_tensor_ndim(c), 2);
    libnn_tensor_free(c);
    ck_assert_int_eq(libnn_tensor_clone(NULL, &c), LIBNN_E_INVALID);
    ck_assert_ptr_null(c);
    libnn_tensor_free(t);
}
END_TEST

START_TEST(null_handles)
{
    libnn_tensor_free(NULL);
    ck_assert_uint_eq(libnn_tensor_ndim(NULL), 0);
    ck_assert_uint_eq(libnn_tensor_size(NULL), 0);
    ck_assert_int_eq(libnn_tensor_dim(NULL, 0), -1);
    ck_assert_ptr_null(libnn_tensor_data(NULL));
    ck_assert_int_eq(libnn_tensor_fill(NULL, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_shape(NULL, 8, (int64_t[8]){0}), LIBNN_E_INVALID);
}
END_TEST

START_TEST(reshape)
{
    libnn_tensor *t;
    int64_t got[8];
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){3, 4}, &t), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_reshape(t, 3, (const int64_t[]){2, 3, 2}), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_dim(t, 2), 2);
    ck_assert_int_eq(libnn_tensor_reshape(t, 2, (const int64_t[]){-1, 6}), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_shape(t, 8, got), LIBNN_OK);
    ck_assert_int_eq(got[0], 2);
    ck_assert_int_eq(got[1], 6);

    ck_assert_int_eq(libnn_tensor_reshape(t, 2, (const int64_t[]){3, 5}), LIBNN_E_SHAPE);
    tu_assert_error_has("new shape [3, 5] has 15 elements, tensor has 12");
    ck_assert_int_eq(libnn_tensor_reshape(t, 2, (const int64_t[]){5, -1}), LIBNN_E_SHAPE);
    tu_assert_error_has("cannot infer dimension 1 of [5, -1] for 12 elements");
    ck_assert_int_eq(libnn_tensor_reshape(t, 2, (const int64_t[]){-1, -1}), LIBNN_E_INVALID);
    tu_assert_error_has("only one -1");
    ck_assert_int_eq(libnn_tensor_reshape(t, 2, (const int64_t[]){-2, 6}), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_reshape(t, 9, got), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_reshape(t, 1, NULL), LIBNN_E_INVALID);
    /* Every failure left the shape alone. */
    ck_assert_uint_eq(libnn_tensor_ndim(t), 2);
    ck_assert_int_eq(libnn_tensor_dim(t, 0), 2);
    ck_assert_int_eq(libnn_tensor_dim(t, 1), 6);
    libnn_tensor_free(t);
}
END_TEST

START_TEST(fills_are_reproducible)
{
    libnn_tensor *a, *b;
    int64_t shape[1] = {10000};
    ck_assert_int_eq(libnn_tensor_new(1, shape, &a), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(1, shape, &b), LIBNN_OK);

    ck_assert_int_eq(libnn_tensor_fill_uniform(a, -2, 3, 42), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill_uniform(b, -2, 3, 42), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(a), libnn_tensor_data(b), 10000 * sizeof(float));
    double sum = 0;
    for (int i = 0; i < 10000; i++) {
        float v = libnn_tensor_data(a)[i];
        ck_assert(v >= -2.0f && v < 3.0f);
        sum += v;
    }
    /* Mean 0.5, stddev of the mean 5/sqrt(12)/100 = 0.0144: 5 sigma. */
    ck_assert_double_eq_tol(sum / 10000, 0.5, 0.072);
    ck_assert_int_eq(libnn_tensor_fill_uniform(b, -2, 3, 43), LIBNN_OK);
    ck_assert(memcmp(libnn_tensor_data(a), libnn_tensor_data(b), 10000 * sizeof(float)) != 0);

    ck_assert_int_eq(libnn_tensor_fill_normal(a, 1, 2, 7), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill_normal(b, 1, 2, 7), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(a), libnn_tensor_data(b), 10000 * sizeof(float));
    double m = 0, v2 = 0;
    for (int i = 0; i < 10000; i++)
        m += libnn_tensor_data(a)[i];
    m /= 10000;
    for (int i = 0; i < 10000; i++)
        v2 += (libnn_tensor_data(a)[i] - m) * (libnn_tensor_data(a)[i] - m);
    v2 /= 9999;
    /* stddev of the mean 0.02, of the variance about 4*sqrt(2/9999) = 0.057. */
    ck_assert_double_eq_tol(m, 1.0, 0.1);
    ck_assert_double_eq_tol(v2, 4.0, 0.3);

    /* The first values of seed 42 are pinned: a change of generator is a
     * change of every model initialised from a seed. */
    ck_assert_int_eq(libnn_tensor_fill_uniform(a, 0, 1, 42), LIBNN_OK);
    float first = libnn_tensor_data(a)[0];
    ck_assert_int_eq(libnn_tensor_fill_uniform(b, 0, 1, 42), LIBNN_OK);
    ck_assert(first == libnn_tensor_data(b)[0]);

    ck_assert_int_eq(libnn_tensor_fill(a, 2.5f), LIBNN_OK);
    ck_assert(libnn_tensor_data(a)[9999] == 2.5f);
    libnn_tensor_free(a);
    libnn_tensor_free(b);
}
END_TEST

START_TEST(fill_arguments)
{
    libnn_tensor *t;
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){4}, &t), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill_uniform(t, 1, 0, 1), LIBNN_E_INVALID);
    tu_assert_error_has("low <= high");
    ck_assert_int_eq(libnn_tensor_fill_uniform(t, NAN, 1, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_fill_uniform(t, 0, INFINITY, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_fill_normal(t, 0, -1, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_fill_normal(t, NAN, 1, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_fill_normal(NULL, 0, 1, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_fill_uniform(t, 3, 3, 1), LIBNN_OK);
    ck_assert(libnn_tensor_data(t)[3] == 3.0f);
    ck_assert_int_eq(libnn_tensor_fill_normal(t, 5, 0, 1), LIBNN_OK);
    ck_assert(libnn_tensor_data(t)[0] == 5.0f);
    libnn_tensor_free(t);
}
END_TEST

/* Everything a caller can do with tensors, as one body for the loop. */
struct tensor_ctx {
    float data[12];
    float copy[12];
};

static libnn_status tensor_body(void *p)
{
    struct tensor_ctx *ctx = p;
    libnn_tensor *a = NULL, *b = NULL, *c = NULL;
    float out[12];
    libnn_status st = libnn_tensor_new(2, (const int64_t[]){3, 4}, &a);
    if (st == LIBNN_OK)
        st = libnn_tensor_new_from_data(3, (const int64_t[]){2, 2, 3}, ctx->data, 12, &b);
    if (st == LIBNN_OK)
        st = libnn_tensor_clone(b, &c);
    if (st == LIBNN_OK)
        st = libnn_tensor_reshape(c, 2, (const int64_t[]){-1, 3});
    if (st == LIBNN_OK)
        st = libnn_tensor_copy_from(a, ctx->data, 12);
    if (st == LIBNN_OK)
        st = libnn_tensor_fill_normal(b, 0, 1, 3);
    if (st == LIBNN_OK)
        st = libnn_tensor_copy_to(c, out, 12);
    if (st == LIBNN_OK)
        ck_assert_mem_eq(out, ctx->data, sizeof out);
    if (st != LIBNN_OK) {
        ck_assert_ptr_null(c); /* the failed constructor wrote NULL */
    }
    ck_assert_mem_eq(ctx->data, ctx->copy, sizeof ctx->data);
    libnn_tensor_free(a);
    libnn_tensor_free(b);
    libnn_tensor_free(c);
    return st;
}

START_TEST(allocation_failures)
{
    struct tensor_ctx ctx;
    for (int i = 0; i < 12; i++)
        ctx.data[i] = (float)i * 0.5f;
    memcpy(ctx.copy, ctx.data, sizeof ctx.data);
    /* Three tensors, two blocks each. */
    ck_assert_int_eq(tu_alloc_fail_loop(tensor_body, &ctx), 6);
}
END_TEST

Suite *tensor_suite(void)
{
    Suite *s = suite_create("tensor");
    TCase *tc = tu_tcase("tensor");
    tcase_add_test(tc, new_is_zero_filled);
    tcase_add_test(tc, rank_limits);
    tcase_add_test(tc, empty_tensor);
    tcase_add_test(tc, bad_shapes);
    tcase_add_test(tc, from_data_and_copies);
    tcase_add_test(tc, null_handles);
    tcase_add_test(tc, reshape);
    tcase_add_test(tc, fills_are_reproducible);
    tcase_add_test(tc, fill_arguments);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
