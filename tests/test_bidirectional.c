/*
 * Bidirectional: structure (ownership, names, weights), the merge modes and
 * masks against two standalone layers with the same weights. Its gradients
 * are in test_rnn.c's table with the other recurrent layers.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "layers/layer_internal.h"
#include "rnn_helpers.h"
#include "tensor_literal.h"
#include "testutil.h"

#define B 3
#define T 4
#define F 3
#define U 3


START_TEST(bidirectional_structure)
{
    libnn_layer *inner = rnn_new(LIBNN_LAYER_LSTM, U), *l = (libnn_layer *)1, *d;
    ck_assert_int_eq(libnn_bidirectional_new(NULL, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(libnn_dense_new(2, &d), LIBNN_OK);
    ck_assert_int_eq(libnn_bidirectional_new(d, &l), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "bidirectional: wraps a SimpleRNN, LSTM or GRU, got Dense (dense)");
    libnn_layer_free(d);
    ck_assert_int_eq(libnn_layer_build(inner, 2, (const int64_t[]){T, F}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_bidirectional_new(inner, &l), LIBNN_E_STATE);
    libnn_layer_free(inner); /* the caller kept it */

    inner = rnn_new(LIBNN_LAYER_LSTM, U);
    ck_assert_int_eq(libnn_layer_set_float(inner, LIBNN_PARAM_KERNEL_L2, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_bidirectional_new(inner, &l), LIBNN_OK);
    ck_assert_str_eq(libnn_layer_kind_name(l), "Bidirectional");
    ck_assert_str_eq(libnn_layer_name(l), "bidirectional");
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){T, F}, 1), LIBNN_OK);
    static const char *const names[6] = {"forward_kernel",  "forward_recurrent_kernel",
                                         "forward_bias",    "backward_kernel",
                                         "backward_recurrent_kernel", "backward_bias"};
    ck_assert_uint_eq(libnn_layer_weight_count(l), 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_str_eq(libnn_layer_weight_name(l, i), names[i]);
    ck_assert_uint_eq(libnn_layer_param_count(l), 2 * (F * 4 * U + U * 4 * U + 4 * U));
    int64_t shape[4];
    size_t nd;
    ck_assert_int_eq(libnn_layer_output_shape(l, 4, shape, &nd), LIBNN_OK);
    ck_assert_uint_eq(nd, 1);
    ck_assert_int_eq(shape[0], 2 * U);
    /* unit_forget_bias in both directions; the inner L2 applies to both kernels. */
    libnn_tensor *bias;
    ck_assert_int_eq(libnn_layer_get_weight(l, "backward_bias", &bias), LIBNN_OK);
    for (int j = 0; j < 4 * U; j++)
        ck_assert(libnn_tensor_data(bias)[j] == (j >= U && j < 2 * U ? 1.0f : 0.0f));
    libnn_tensor_free(bias);
    ck_assert(lnn_layer_regularization(l, false) > 0.0);
    libnn_layer_free(l);
}
END_TEST

static void check_bidirectional(int merge, int masked)
{
    static const float mask[B * T] = {1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1};
    libnn_layer *inner = rnn_new(LIBNN_LAYER_GRU, U), *l;
    rnn_set_bool(inner, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    ck_assert_int_eq(libnn_bidirectional_new(inner, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_MERGE_MODE, merge), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){T, F}, 6), LIBNN_OK);
    libnn_layer *fwd = rnn_new(LIBNN_LAYER_GRU, U), *bwd = rnn_new(LIBNN_LAYER_GRU, U);
    rnn_set_bool(fwd, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    rnn_set_bool(bwd, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    rnn_set_bool(bwd, LIBNN_PARAM_GO_BACKWARDS, 1);
    ck_assert_int_eq(libnn_layer_build(fwd, 2, (const int64_t[]){T, F}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(bwd, 2, (const int64_t[]){T, F}, 1), LIBNN_OK);
    rnn_copy_weights(l, fwd, "forward_");
    rnn_copy_weights(l, bwd, "backward_");
    libnn_tensor *m = tu_tensor_of(2, (const int64_t[]){B, T}, mask);
    if (masked) {
        ck_assert_int_eq(libnn_layer_set_mask(l, m), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_set_mask(fwd, m), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_set_mask(bwd, m), LIBNN_OK);
    }
    libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 4);
    libnn_tensor *y = rnn_run(l, x, 0), *yf = rnn_run(fwd, x, 0), *yb = rnn_run(bwd, x, 0);
    size_t width = merge == LIBNN_MERGE_CONCAT ? 2 * U : U;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *got = libnn_tensor_data(y) + (b * T + t) * width;
            const float *f = libnn_tensor_data(yf) + (b * T + t) * U;
            const float *r = libnn_tensor_data(yb) + (b * T + T - 1 - t) * U;
            bool zero = masked && mask[b * T + t] == 0.0f;
            for (int j = 0; j < U; j++) {
                /* Inside Bidirectional masked steps are zeros in both directions. */
                float fv = zero ? 0.0f : f[j], bv = zero ? 0.0f : r[j];
                float want = merge == LIBNN_MERGE_SUM   ? fv + bv
                             : merge == LIBNN_MERGE_AVE ? 0.5f * (fv + bv)
                             : merge == LIBNN_MERGE_MUL ? fv * bv
                                                        : fv;
                ck_assert_float_eq(got[j], want);
                if (merge == LIBNN_MERGE_CONCAT)
                    ck_assert_float_eq(got[U + j], bv);
            }
        }
    libnn_tensor_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yf);
    libnn_tensor_free(yb);
    libnn_layer_free(l);
    libnn_layer_free(fwd);
    libnn_layer_free(bwd);
}

START_TEST(bidirectional_matches_two_layers)
{
    for (int merge = LIBNN_MERGE_CONCAT; merge <= LIBNN_MERGE_MUL; merge++)
        check_bidirectional(merge, 0);
    check_bidirectional(LIBNN_MERGE_CONCAT, 1);
    check_bidirectional(LIBNN_MERGE_SUM, 1);
}
END_TEST

Suite *bidirectional_suite(void)
{
    Suite *s = suite_create("bidirectional");
    TCase *tc = tu_tcase("bidirectional");
    tcase_add_test(tc, bidirectional_structure);
    tcase_add_test(tc, bidirectional_matches_two_layers);
    suite_add_tcase(s, tc);
    return s;
}
