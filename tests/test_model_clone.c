/*
 * libnn_model_clone: same architecture and settings, fresh or copied
 * weights, independent of the original.
 */
#include <string.h>

#include "model_zoo.h"
#include "testutil.h"

static libnn_tensor *predict(libnn_model *m, const libnn_tensor *x)
{
    libnn_tensor *p;
    ck_assert_int_eq(libnn_model_predict(m, x, 4, &p), LIBNN_OK);
    return p;
}

START_TEST(clone_copies_weights_and_settings)
{
    int which = _i;
    libnn_model *m = tu_zoo_model(which, 7), *c = NULL;
    libnn_tensor *x, *y;
    tu_zoo_data(which, 6, 3, &x, &y);
    ck_assert_int_eq(libnn_model_clone(m, 99, LIBNN_CLONE_WEIGHTS, &c), LIBNN_OK);
    libnn_tensor *a = predict(m, x), *b = predict(c, x);
    tu_assert_tensors_identical(a, b);
    ck_assert_uint_eq(libnn_model_param_count(c), libnn_model_param_count(m));
    ck_assert_uint_eq(libnn_model_trainable_param_count(c), libnn_model_trainable_param_count(m));
    for (size_t i = 0; i < libnn_model_layer_count(m); i++)
        ck_assert_str_eq(libnn_layer_name(libnn_model_layer(c, i)),
                         libnn_layer_name(libnn_model_layer(m, i)));
    ck_assert_str_eq(libnn_optimizer_kind_name(libnn_model_optimizer(c)), "Adam");
    double v;
    ck_assert_int_eq(libnn_optimizer_get_float(libnn_model_optimizer(c), LIBNN_OPT_BETA_2, &v),
                     LIBNN_OK);
    ck_assert_double_eq_tol(v, 0.99, 1e-12);
    ck_assert_int_eq(libnn_model_get_float(c, LIBNN_MODEL_SEED, &v), LIBNN_OK);
    ck_assert_double_eq(v, 99);

    /* Training the clone leaves the original alone, and the same step on
     * both gives the same weights: loss, options and metrics were copied. */
    double la, lb;
    ck_assert_int_eq(libnn_model_train_on_batch(c, x, y, &lb), LIBNN_OK);
    libnn_tensor *a2 = predict(m, x);
    tu_assert_tensors_identical(a, a2);
    if (which != 0) { /* the CNN's dropout draws from each model's own generator */
        ck_assert_int_eq(libnn_model_train_on_batch(m, x, y, &la), LIBNN_OK);
        ck_assert_double_eq(la, lb);
        libnn_tensor *a3 = predict(m, x), *b3 = predict(c, x);
        tu_assert_tensors_identical(a3, b3);
        libnn_tensor_free(a3);
        libnn_tensor_free(b3);
    }
    ck_assert_int_eq(libnn_model_evaluate(c, x, y, 4, NULL), LIBNN_OK);
    ck_assert_uint_eq(libnn_model_history_length(c), 0);
    libnn_tensor_free(a);
    libnn_tensor_free(a2);
    libnn_tensor_free(b);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(c);
    libnn_model_free(m);
}
END_TEST

START_TEST(clone_fresh_weights_follow_the_seed)
{
    libnn_model *m = tu_zoo_model(1, 5), *same = tu_zoo_model(1, 11), *c, *d;
    libnn_tensor *x;
    tu_zoo_data(1, 4, 1, &x, NULL);
    ck_assert_int_eq(libnn_model_clone(m, 11, 0, &c), LIBNN_OK);
    ck_assert_int_eq(libnn_model_clone(m, 12, 0, &d), LIBNN_OK);
    libnn_tensor *pc = predict(c, x), *ps = predict(same, x), *pd = predict(d, x);
    tu_assert_tensors_identical(pc, ps); /* seed 11 either way */
    ck_assert_int_ne(memcmp(libnn_tensor_data(pc), libnn_tensor_data(pd), 4 * sizeof(float)), 0);
    libnn_tensor_free(pc);
    libnn_tensor_free(ps);
    libnn_tensor_free(pd);
    libnn_tensor_free(x);
    libnn_model_free(c);
    libnn_model_free(d);
    libnn_model_free(same);
    libnn_model_free(m);
}
END_TEST

START_TEST(clone_uncompiled_and_misuse)
{
    libnn_model *m, *c = (libnn_model *)1;
    libnn_layer *l;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_clone(m, 0, 0, &c), LIBNN_E_STATE);
    ck_assert_ptr_null(c);
    tu_assert_error_has("no input shape");
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){3}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    c = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_clone(m, -1, 0, &c), LIBNN_E_INVALID);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(libnn_model_clone(m, 0, 8, &c), LIBNN_E_INVALID);
    tu_assert_error_has("unknown flags");
    ck_assert_int_eq(libnn_model_clone(NULL, 0, 0, &c), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_clone(m, 0, 0, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_clone(m, 3, LIBNN_CLONE_WEIGHTS, &c), LIBNN_OK);
    ck_assert_uint_eq(libnn_model_layer_count(c), 1);
    ck_assert_uint_eq(libnn_model_param_count(c), 0); /* not compiled, no weights */
    int64_t units;
    ck_assert_int_eq(libnn_layer_get_int(libnn_model_layer(c, 0), LIBNN_PARAM_UNITS, &units),
                     LIBNN_OK);
    ck_assert_int_eq(units, 2);
    libnn_model_free(c);
    libnn_model_free(m);
}
END_TEST

static libnn_status clone_body(void *ctx)
{
    libnn_model *c = NULL;
    libnn_status st = libnn_model_clone(ctx, 4, LIBNN_CLONE_WEIGHTS, &c);
    if (st != LIBNN_OK)
        ck_assert_ptr_null(c);
    libnn_model_free(c);
    return st;
}

START_TEST(clone_allocation_failures)
{
    for (int which = 0; which < TU_ZOO_COUNT; which++) {
        libnn_model *m = tu_zoo_model(which, 2);
        ck_assert_int_gt(tu_alloc_fail_loop(clone_body, m), 0);
        libnn_model_free(m);
    }
}
END_TEST

Suite *model_clone_suite(void)
{
    Suite *s = suite_create("model_clone");
    TCase *tc = tu_tcase("model_clone");
    tcase_add_loop_test(tc, clone_copies_weights_and_settings, 0, TU_ZOO_COUNT);
    tcase_add_test(tc, clone_fresh_weights_follow_the_seed);
    tcase_add_test(tc, clone_uncompiled_and_misuse);
    tcase_add_test(tc, clone_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
