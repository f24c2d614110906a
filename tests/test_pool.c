/*
 * MaxPooling2D, AveragePooling2D and the global pools: exact small cases
 * worked by hand (padding that never wins a max, averages over the real
 * cells), and gradient checks over strides, padding and window shapes.
 * Their errors and allocation checks run with Conv2D's in test_conv.c.
 */
#include <stdio.h>

#include "conv_helpers.h"
#include "tensor_literal.h"
#include "testutil.h"

START_TEST(pool_forward_by_hand)
{
    const conv_window same = {.padding = LIBNN_PADDING_SAME};
    const int64_t xs[4] = {1, 3, 3, 1};
    float neg[9];
    for (int i = 0; i < 9; i++)
        neg[i] = -conv_x3[i];
    libnn_tensor *xn = tu_tensor_of(4, xs, neg), *xp = tu_tensor_of(4, xs, conv_x3);

    /* 2x2, stride 2 (the default), same on 3x3: out 2x2, the padding at the
     * bottom/right. All inputs negative: a zero pad would win the three
     * padded windows; -inf padding never does. */
    libnn_layer *l = conv_pool_with(true, 2, 2, &same, xs);
    ck_assert_str_eq(libnn_layer_kind_name(l), "MaxPooling2D");
    ck_assert_str_eq(libnn_layer_name(l), "max_pooling2d");
    libnn_tensor *y = conv_forward(l, xn);
    conv_assert_values(y, (const float[]){-1, -3, -7, -9}, 4);
    /* Each gradient lands on its window's winner only. */
    libnn_tensor *dx = conv_zeros(4, xs);
    ck_assert_int_eq(libnn_tensor_fill(y, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
    conv_assert_values(dx, (const float[]){1, 0, 1, 0, 0, 0, 1, 0, 1}, 9);
    libnn_tensor_free(y);
    libnn_layer_free(l);

    /* Average, same: divided by the real cells of each window (4, 2, 2, 1),
     * not by the pool area. */
    l = conv_pool_with(false, 2, 2, &same, xs);
    ck_assert_str_eq(libnn_layer_kind_name(l), "AveragePooling2D");
    y = conv_forward(l, xp);
    conv_assert_values(y, (const float[]){3, 4.5f, 7.5f, 9}, 4);
    ck_assert_int_eq(libnn_tensor_fill(y, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
    conv_assert_values(dx, (const float[]){0.25f, 0.25f, 0.5f, 0.25f, 0.25f, 0.5f, 0.5f, 0.5f, 1},
                       9);
    libnn_tensor_free(y);
    libnn_layer_free(l);

    /* Valid, 2x2, stride 1: overlapping windows. */
    l = conv_pool_with(true, 2, 2, &(conv_window){.sh = 1, .sw = 1}, xs);
    y = conv_forward(l, xp);
    conv_assert_values(y, (const float[]){5, 6, 8, 9}, 4);
    libnn_tensor_free(y);
    libnn_layer_free(l);
    libnn_tensor_free(dx);
    libnn_tensor_free(xn);
    libnn_tensor_free(xp);
}
END_TEST

START_TEST(pool_gradients)
{
    const int64_t xs[4] = {2, 5, 7, 2};
    const struct {
        int64_t ph, pw;
        conv_window o;
    } cases[] = {
        {2, 2, {0}},                       /* stride = pool */
        {2, 2, {.padding = 1}},            /* ragged last window, same */
        {3, 3, {.sh = 2, .sw = 2}},        /* overlapping */
        {3, 3, {.sh = 2, .sw = 2, .padding = 1}},
        {2, 3, {.sh = 1, .sw = 2}},        /* non-square */
        {2, 3, {.sh = 1, .sw = 2, .padding = 1}},
    };
    libnn_tensor *x = conv_distinct_tensor(4, xs, 11);
    for (int max = 0; max <= 1; max++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            libnn_layer *l = conv_pool_with(max, cases[i].ph, cases[i].pw, &cases[i].o, xs);
            char label[64];
            snprintf(label, sizeof label, "%s case %zu", max ? "max" : "avg", i);
            /* Distinct values 0.05 apart: no step of eps = 1e-2 changes a
             * winner, so kinked only guards against surprises. */
            conv_gradcheck_layer(l, x, label, max);
            libnn_layer_free(l);
        }
    libnn_tensor_free(x);
}
END_TEST

START_TEST(global_pools)
{
    const int64_t xs[4] = {1, 2, 2, 2};
    /* Pixels (channel 0, channel 1): (1, -4), (3, -2), (2, -1), (0, -3). */
    libnn_tensor *x = tu_tensor_of(4, xs, (const float[]){1, -4, 3, -2, 2, -1, 0, -3});
    libnn_layer *l;
    ck_assert_int_eq(libnn_global_max_pooling2d_new(&l), LIBNN_OK);
    ck_assert_str_eq(libnn_layer_kind_name(l), "GlobalMaxPooling2D");
    ck_assert_int_eq(libnn_layer_build(l, 3, xs + 1, 1), LIBNN_OK);
    libnn_tensor *y = conv_forward(l, x), *dx = conv_zeros(4, xs);
    conv_assert_values(y, (const float[]){3, -1}, 2);
    ck_assert_int_eq(libnn_tensor_fill(y, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
    conv_assert_values(dx, (const float[]){0, 0, 1, 0, 0, 1, 0, 0}, 8);
    libnn_tensor_free(y);
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_global_average_pooling2d_new(&l), LIBNN_OK);
    ck_assert_str_eq(libnn_layer_name(l), "global_average_pooling2d");
    ck_assert_int_eq(libnn_layer_build(l, 3, xs + 1, 1), LIBNN_OK);
    y = conv_forward(l, x);
    conv_assert_values(y, (const float[]){1.5f, -2.5f}, 2);
    libnn_tensor_free(y);
    libnn_layer_free(l);
    libnn_tensor_free(x);
    libnn_tensor_free(dx);

    /* Gradient checks on [2, 3, 4, 3]; distinct values keep the max unique. */
    const int64_t gs[4] = {2, 3, 4, 3};
    x = conv_distinct_tensor(4, gs, 5);
    for (int max = 0; max <= 1; max++) {
        ck_assert_int_eq(max ? libnn_global_max_pooling2d_new(&l)
                             : libnn_global_average_pooling2d_new(&l),
                         LIBNN_OK);
        ck_assert_int_eq(libnn_layer_build(l, 3, gs + 1, 1), LIBNN_OK);
        int64_t shape[LIBNN_MAX_RANK];
        ck_assert_uint_eq(conv_out_shape(l, shape), 1);
        ck_assert_int_eq(shape[0], 3);
        conv_gradcheck_layer(l, x, max ? "global max" : "global avg", max);
        libnn_layer_free(l);
    }
    libnn_tensor_free(x);
}
END_TEST

Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tu_tcase("pool");
    tcase_add_test(tc, pool_forward_by_hand);
    tcase_add_test(tc, pool_gradients);
    tcase_add_test(tc, global_pools);
    suite_add_tcase(s, tc);
    return s;
}
