/*
 * Flatten, Reshape, Dropout and Activation layers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gradcheck.h"
#include "testutil.h"

static libnn_tensor *new_tensor(size_t ndim, const int64_t *shape)
{
    libnn_tensor *t = NULL;
    ck_assert_int_eq(libnn_tensor_new(ndim, shape, &t), LIBNN_OK);
    return t;
}

static void out_shape_is(libnn_layer *l, size_t ndim, const int64_t *want)
{
    int64_t got[8];
    size_t n;
    ck_assert_int_eq(libnn_layer_output_shape(l, 8, got, &n), LIBNN_OK);
    ck_assert_uint_eq(n, ndim);
    ck_assert_mem_eq(got, want, ndim * sizeof *want);
}

START_TEST(flatten)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_flatten_new(&l), LIBNN_OK);
    ck_assert_str_eq(libnn_layer_kind_name(l), "Flatten");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_UNITS, 3), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "flatten has no parameter units");
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){5, 5, 64}, 0), LIBNN_OK);
    out_shape_is(l, 1, (const int64_t[]){1600});
    ck_assert_uint_eq(libnn_layer_param_count(l), 0);
    libnn_tensor *x = new_tensor(4, (const int64_t[]){2, 5, 5, 64});
    libnn_tensor *y = new_tensor(2, (const int64_t[]){2, 1600});
    ck_assert_int_eq(libnn_tensor_fill_uniform(x, -1, 1, 3), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 1), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(x), libnn_tensor_data(y), 3200 * sizeof(float));
    ck_assert_int_eq(libnn_layer_backward(l, y, x), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(x), libnn_tensor_data(y), 3200 * sizeof(float));
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_layer_free(l);
}
END_TEST

START_TEST(reshape)
{
    libnn_layer *l = (libnn_layer *)1;
    ck_assert_int_eq(libnn_reshape_new(2, (const int64_t[]){-1, -1}, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    tu_assert_error_has("target shape [-1, -1] needs dimensions >= 1 and at most one -1");
    ck_assert_int_eq(libnn_reshape_new(2, (const int64_t[]){0, 4}, &l), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_reshape_new(0, (const int64_t[]){4}, &l), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_reshape_new(1, NULL, &l), LIBNN_E_INVALID);

    ck_assert_int_eq(libnn_reshape_new(2, (const int64_t[]){-1, 2}, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){3, 3}, 0), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "reshape: cannot reshape input [3, 3] (9 values) to [-1, 2]");
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){3, 4}, 0), LIBNN_OK);
    out_shape_is(l, 2, (const int64_t[]){6, 2});
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_reshape_new(3, (const int64_t[]){2, 2, 3}, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){13}, 0), LIBNN_E_SHAPE);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){12}, 0), LIBNN_OK);
    out_shape_is(l, 3, (const int64_t[]){2, 2, 3});
    libnn_tensor *x = new_tensor(2, (const int64_t[]){1, 12});
    libnn_tensor *y = new_tensor(4, (const int64_t[]){1, 2, 2, 3});
    for (int i = 0; i < 12; i++)
        libnn_tensor_data(x)[i] = (float)i;
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    ck_assert(libnn_tensor_data(y)[11] == 11.0f);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_layer_free(l);
}
END_TEST

START_TEST(dropout_options)
{
    libnn_layer *l = (libnn_layer *)1;
    ck_assert_int_eq(libnn_dropout_new(1.0f, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_str_eq(libnn_last_error(), "dropout: rate must be < 1, got 1");
    ck_assert_int_eq(libnn_dropout_new(-0.1f, &l), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_dropout_new(NAN, &l), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_dropout_new(0.5f, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_SEED, -1), LIBNN_E_INVALID);
    libnn_layer_free(l);
}
END_TEST

/* Runs a training forward of Dropout(rate) over ones; returns the output. */
static libnn_tensor *dropout_ones(float rate, int64_t seed, int training, libnn_layer **keep)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_dropout_new(rate, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_SEED, seed), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){1000}, 0), LIBNN_OK);
    libnn_tensor *x = new_tensor(2, (const int64_t[]){10, 1000});
    libnn_tensor *y = new_tensor(2, (const int64_t[]){10, 1000});
    ck_assert_int_eq(libnn_tensor_fill(x, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, training), LIBNN_OK);
    libnn_tensor_free(x);
    if (keep)
        *keep = l;
    else
        libnn_layer_free(l);
    return y;
}

START_TEST(dropout_behaviour)
{
    /* Inference: the identity. */
    libnn_tensor *y = dropout_ones(0.3f, 1, 0, NULL);
    for (int i = 0; i < 10000; i++)
        ck_assert(libnn_tensor_data(y)[i] == 1.0f);
    libnn_tensor_free(y);

    /* Training: kept elements scaled by exactly 1 / (1 - rate); the dropped
     * fraction within 5 sigma of rate (sigma = sqrt(0.3 * 0.7 / 10000)). */
    libnn_layer *l;
    y = dropout_ones(0.3f, 1, 1, &l);
    size_t dropped = 0;
    float scale = 1.0f / (1.0f - 0.3f);
    for (int i = 0; i < 10000; i++) {
        float v = libnn_tensor_data(y)[i];
        ck_assert(v == 0.0f || v == scale);
        dropped += v == 0.0f;
    }
    ck_assert_double_eq_tol(dropped / 10000.0, 0.3, 5 * 0.00458);
    /* Backward routes dy through the same mask. */
    libnn_tensor *dy = new_tensor(2, (const int64_t[]){10, 1000});
    libnn_tensor *dx = new_tensor(2, (const int64_t[]){10, 1000});
    ck_assert_int_eq(libnn_tensor_fill(dy, 2), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, dy, dx), LIBNN_OK);
    for (int i = 0; i < 10000; i++)
        ck_assert(libnn_tensor_data(dx)[i] == 2.0f * libnn_tensor_data(y)[i]);
    libnn_layer_free(l);

    /* The seed fixes the mask; another seed gives another one. */
    libnn_tensor *again = dropout_ones(0.3f, 1, 1, NULL);
    ck_assert_mem_eq(libnn_tensor_data(y), libnn_tensor_data(again), 10000 * sizeof(float));
    libnn_tensor *other = dropout_ones(0.3f, 2, 1, NULL);
    ck_assert(memcmp(libnn_tensor_data(y), libnn_tensor_data(other), 10000 * sizeof(float)) != 0);
    libnn_tensor_free(again);
    libnn_tensor_free(other);
    libnn_tensor_free(dy);
    libnn_tensor_free(dx);
    libnn_tensor_free(y);

    /* rate 0 in training is the identity too. */
    y = dropout_ones(0.0f, 1, 1, NULL);
    ck_assert(libnn_tensor_data(y)[123] == 1.0f);
    libnn_tensor_free(y);
}
END_TEST

START_TEST(activation_layer)
{
    libnn_layer *l = (libnn_layer *)1;
    ck_assert_int_eq(libnn_activation_new((libnn_activation)42, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    tu_assert_error_has("activation: activation has no value 42");
    /* Softmax over the last axis of a rank-3 input. */
    ck_assert_int_eq(libnn_activation_new(LIBNN_ACT_SOFTMAX, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){3, 4}, 0), LIBNN_OK);
    libnn_tensor *x = new_tensor(3, (const int64_t[]){2, 3, 4});
    libnn_tensor *y = new_tensor(3, (const int64_t[]){2, 3, 4});
    ck_assert_int_eq(libnn_tensor_fill_uniform(x, -3, 3, 9), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    for (int r = 0; r < 6; r++) {
        double sum = 0;
        for (int c = 0; c < 4; c++)
            sum += libnn_tensor_data(y)[r * 4 + c];
        ck_assert_double_eq_tol(sum, 1.0, 1e-6);
    }
    libnn_tensor_free(y);
    /* Gradients, tolerances as gradcheck.h's defaults. */
    for (int act = LIBNN_ACT_LINEAR; act <= LIBNN_ACT_EXPONENTIAL; act++) {
        libnn_layer *a;
        char label[40];
        snprintf(label, sizeof label, "activation %d", act);
        ck_assert_int_eq(libnn_activation_new((libnn_activation)act, &a), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_build(a, 2, (const int64_t[]){3, 4}, 0), LIBNN_OK);
        tu_gradcheck opt = tu_gradcheck_defaults();
        opt.label = label;
        opt.kinked = act == LIBNN_ACT_RELU || act == LIBNN_ACT_LEAKY_RELU ||
                     act == LIBNN_ACT_RELU6 || act == LIBNN_ACT_HARD_SIGMOID;
        tu_gradcheck_layer(a, x, 17, &opt);
        libnn_layer_free(a);
    }
    libnn_tensor_free(x);
    libnn_layer_free(l);
}
END_TEST

/* New, build, forward (training), backward for each simple kind. */
static libnn_status simple_body(void *ctx)
{
    const float *xin = ctx;
    libnn_layer *ls[4] = {NULL, NULL, NULL, NULL};
    libnn_tensor *x = NULL, *y = NULL, *dx = NULL;
    libnn_status st = libnn_flatten_new(&ls[0]);
    if (st == LIBNN_OK)
        st = libnn_reshape_new(2, (const int64_t[]){3, -1}, &ls[1]);
    if (st == LIBNN_OK)
        st = libnn_dropout_new(0.5f, &ls[2]);
    if (st == LIBNN_OK)
        st = libnn_activation_new(LIBNN_ACT_SWISH, &ls[3]);
    if (st == LIBNN_OK)
        st = libnn_tensor_new_from_data(3, (const int64_t[]){2, 2, 3}, xin, 12, &x);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(3, (const int64_t[]){2, 2, 3}, &dx);
    for (int i = 0; i < 4 && st == LIBNN_OK; i++) {
        int64_t shape[8];
        size_t nd;
        st = libnn_layer_build(ls[i], 2, (const int64_t[]){2, 3}, 1);
        if (st == LIBNN_OK)
            st = libnn_layer_output_shape(ls[i], 7, shape + 1, &nd);
        shape[0] = 2;
        if (st == LIBNN_OK)
            st = libnn_tensor_new(nd + 1, shape, &y);
        if (st == LIBNN_OK)
            st = libnn_layer_forward(ls[i], x, y, 1);
        if (st == LIBNN_OK)
            st = libnn_layer_backward(ls[i], y, dx);
        libnn_tensor_free(y);
        y = NULL;
    }
    ck_assert(xin[0] == 0.5f);
    for (int i = 0; i < 4; i++)
        libnn_layer_free(ls[i]);
    libnn_tensor_free(x);
    libnn_tensor_free(dx);
    return st;
}

START_TEST(allocation_failures)
{
    const float x[12] = {0.5f, 1, 2, 3, -1, -2, 0.25f, 4, 1, 1, 0, 2};
    tu_alloc_fail_loop(simple_body, (void *)x);
}
END_TEST

Suite *simple_layers_suite(void)
{
    Suite *s = suite_create("simple_layers");
    TCase *tc = tu_tcase("simple_layers");
    tcase_add_test(tc, flatten);
    tcase_add_test(tc, reshape);
    tcase_add_test(tc, dropout_options);
    tcase_add_test(tc, dropout_behaviour);
    tcase_add_test(tc, activation_layer);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
