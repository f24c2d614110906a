/*
 * The layer object (options, names, build, weights, standalone passes) and
 * the Dense layer.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gradcheck.h"
#include "layers/layer_internal.h"
#include "tensor_literal.h"
#include "testutil.h"

static libnn_tensor *random_tensor(size_t ndim, const int64_t *shape, uint64_t seed)
{
    libnn_tensor *t = NULL;
    ck_assert_int_eq(libnn_tensor_new(ndim, shape, &t), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill_uniform(t, -1, 1, seed), LIBNN_OK);
    return t;
}

START_TEST(options_are_validated_by_the_table)
{
    libnn_layer *l = (libnn_layer *)1;
    ck_assert_int_eq(libnn_dense_new(0, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_str_eq(libnn_last_error(), "dense: units must be >= 1, got 0");
    ck_assert_int_eq(libnn_dense_new(4, NULL), LIBNN_E_INVALID);

    ck_assert_int_eq(libnn_dense_new(4, &l), LIBNN_OK);
    ck_assert_str_eq(libnn_layer_name(l), "dense");
    ck_assert_str_eq(libnn_layer_kind_name(l), "Dense");
    ck_assert_int_eq(libnn_layer_kind_of(l), LIBNN_LAYER_DENSE);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_MASK_ZERO, 1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "dense has no parameter mask_zero");
    ck_assert_int_eq(libnn_layer_set_int(l, (libnn_param)999, 1), LIBNN_E_INVALID);
    tu_assert_error_has("unknown parameter key 999");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, 99), LIBNN_E_INVALID);
    tu_assert_error_has("activation has no value 99");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, 2), LIBNN_E_INVALID);
    tu_assert_error_has("use_bias is a boolean");
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_UNITS, 3.5), LIBNN_E_INVALID);
    tu_assert_error_has("units takes an integer");
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, -1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "dense: kernel_l2 must be >= 0, got -1");
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, NAN), LIBNN_E_INVALID);

    int64_t v;
    double f;
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_UNITS, &v), LIBNN_OK);
    ck_assert_int_eq(v, 4);
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_USE_BIAS, &v), LIBNN_OK);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_KERNEL_INITIALIZER, &v), LIBNN_OK);
    ck_assert_int_eq(v, LIBNN_INIT_GLOROT_UNIFORM);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L1, 0.25), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_float(l, LIBNN_PARAM_KERNEL_L1, &f), LIBNN_OK);
    ck_assert(f == 0.25);
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_KERNEL_L1, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_STRIDES, &v), LIBNN_E_INVALID);

    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){3}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_UNITS, 2), LIBNN_E_STATE);
    tu_assert_error_has("options are fixed once the layer is built");
    libnn_layer_free(l);
}
END_TEST

START_TEST(names)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_dense_new(1, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_name(l, "output_1.a-b"), LIBNN_OK);
    ck_assert_str_eq(libnn_layer_name(l), "output_1.a-b");
    ck_assert_int_eq(libnn_layer_set_name(l, ""), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_set_name(l, "has space"), LIBNN_E_INVALID);
    tu_assert_error_has("name character 3 (0x20)");
    char long_name[80];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[79] = '\0';
    ck_assert_int_eq(libnn_layer_set_name(l, long_name), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_layer_name(l), "output_1.a-b");
    ck_assert_int_eq(libnn_layer_set_name(NULL, "x"), LIBNN_E_INVALID);
    ck_assert_ptr_null(libnn_layer_name(NULL));
    libnn_layer_free(l);
    libnn_layer_free(NULL);
}
END_TEST

START_TEST(build_and_shapes)
{
    libnn_layer *l;
    int64_t shape[8];
    size_t ndim = 0;
    ck_assert_int_eq(libnn_dense_new(3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_output_shape(l, 8, shape, &ndim), LIBNN_E_STATE);
    ck_assert_uint_eq(libnn_layer_param_count(l), 0);
    ck_assert_uint_eq(libnn_layer_weight_count(l), 0);
    ck_assert_int_eq(libnn_layer_build(l, 0, shape, 1), LIBNN_E_SHAPE);
    tu_assert_error_has("rank 1..7, got 0");
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){0, 4}, 1), LIBNN_E_SHAPE);
    tu_assert_error_has("input shape [0, 4] has an empty dimension");
    ck_assert_int_eq(libnn_layer_is_built(l), 0);

    /* Rank 2 samples: applied on the last axis, as Keras. */
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){5, 4}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_is_built(l), 1);
    ck_assert_int_eq(libnn_layer_output_shape(l, 8, shape, &ndim), LIBNN_OK);
    ck_assert_uint_eq(ndim, 2);
    ck_assert_int_eq(shape[0], 5);
    ck_assert_int_eq(shape[1], 3);
    ck_assert_int_eq(libnn_layer_output_shape(l, 1, shape, &ndim), LIBNN_E_RANGE);
    ck_assert_uint_eq(libnn_layer_param_count(l), 4 * 3 + 3);
    ck_assert_uint_eq(libnn_layer_weight_count(l), 2);
    ck_assert_str_eq(libnn_layer_weight_name(l, 0), "kernel");
    ck_assert_str_eq(libnn_layer_weight_name(l, 1), "bias");
    ck_assert_ptr_null(libnn_layer_weight_name(l, 2));
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_dense_new(3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){4}, 1), LIBNN_OK);
    ck_assert_uint_eq(libnn_layer_param_count(l), 12);
    ck_assert_uint_eq(libnn_layer_weight_count(l), 1);
    libnn_layer_free(l);
}
END_TEST

START_TEST(initialisation_is_seeded)
{
    libnn_layer *a, *b;
    libnn_tensor *ka, *kb;
    ck_assert_int_eq(libnn_dense_new(16, &a), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(16, &b), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(a, 1, (const int64_t[]){32}, 7), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(b, 1, (const int64_t[]){32}, 7), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_weight(a, "kernel", &ka), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_weight(b, "kernel", &kb), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(ka), libnn_tensor_data(kb), 32 * 16 * sizeof(float));
    /* glorot_uniform: limit sqrt(6 / (32 + 16)) */
    float limit = sqrtf(6.0f / 48.0f), maxabs = 0;
    for (size_t i = 0; i < 32 * 16; i++)
        maxabs = fmaxf(maxabs, fabsf(libnn_tensor_data(ka)[i]));
    ck_assert(maxabs <= limit && maxabs > 0.9f * limit);
    libnn_tensor_free(kb);
    ck_assert_int_eq(libnn_layer_build(b, 1, (const int64_t[]){32}, 8), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_weight(b, "kernel", &kb), LIBNN_OK);
    ck_assert(memcmp(libnn_tensor_data(ka), libnn_tensor_data(kb), 32 * 16 * sizeof(float)) != 0);
    libnn_tensor *bias;
    ck_assert_int_eq(libnn_layer_get_weight(b, "bias", &bias), LIBNN_OK);
    for (int i = 0; i < 16; i++)
        ck_assert(libnn_tensor_data(bias)[i] == 0.0f);
    libnn_tensor_free(bias);
    libnn_tensor_free(ka);
    libnn_tensor_free(kb);
    libnn_layer_free(a);
    libnn_layer_free(b);
}
END_TEST

START_TEST(weights_get_and_set)
{
    libnn_layer *l;
    libnn_tensor *w, *bad;
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_weight(l, "kernel", &w), LIBNN_E_STATE);
    ck_assert_ptr_null(w);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){3}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_weight(l, "gamma", &w), LIBNN_E_NOTFOUND);
    ck_assert_str_eq(libnn_last_error(), "dense has no weight \"gamma\" (it has: kernel, bias)");

    const float k[6] = {1, 2, 3, 4, 5, 6};
    w = tu_tensor_of(2, (const int64_t[]){3, 2}, k);
    ck_assert_int_eq(libnn_layer_set_weight(l, "kernel", w), LIBNN_OK);
    bad = tu_tensor_of(2, (const int64_t[]){2, 3}, k);
    ck_assert_int_eq(libnn_layer_set_weight(l, "kernel", bad), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "dense: kernel has shape [3, 2], value has [2, 3]");
    libnn_tensor_free(bad);
    const float nan_k[6] = {1, 2, 3, NAN, 5, 6};
    bad = tu_tensor_of(2, (const int64_t[]){3, 2}, nan_k);
    ck_assert_int_eq(libnn_layer_set_weight(l, "kernel", bad), LIBNN_E_NONFINITE);
    ck_assert_str_eq(libnn_last_error(), "dense: kernel value 3 is nan");
    libnn_tensor_free(bad);
    libnn_tensor_free(w);
    /* Unchanged by the failures. */
    ck_assert_int_eq(libnn_layer_get_weight(l, "kernel", &w), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(w), k, sizeof k);
    libnn_tensor_free(w);
    libnn_layer_free(l);
}
END_TEST

START_TEST(dense_forward_exact)
{
    /* y = relu(x . K + b) by hand: x = [[1, 2, 3], [-1, 0, 1]],
     * K = [[1, 2], [3, 4], [5, 6]], b = [0.5, -20]. */
    libnn_layer *l;
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){3}, 1), LIBNN_OK);
    libnn_tensor *k = T2(3, 2, 1, 2, 3, 4, 5, 6);
    libnn_tensor *b = T1(2, 0.5f, -20);
    libnn_tensor *x = T2(2, 3, 1, 2, 3, -1, 0, 1);
    libnn_tensor *y, *dx;
    ck_assert_int_eq(libnn_layer_set_weight(l, "kernel", k), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_weight(l, "bias", b), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 2}, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 3}, &dx), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_E_STATE);
    tu_assert_error_has("backward needs a forward pass first");
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    /* [22.5, 28 - 20] and [4.5, 4 - 20 -> 0] */
    const float want[4] = {22.5f, 8, 4.5f, 0};
    ck_assert_mem_eq(libnn_tensor_data(y), want, sizeof want);

    /* dy = 1 everywhere: dz = [[1, 1], [1, 0]] (relu cut the last),
     * dx = dz . K^T = [[3, 7, 11], [1, 3, 5]], dK = x^T dz, db = [2, 1]. */
    ck_assert_int_eq(libnn_tensor_fill(y, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
    const float want_dx[6] = {3, 7, 11, 1, 3, 5};
    ck_assert_mem_eq(libnn_tensor_data(dx), want_dx, sizeof want_dx);
    libnn_tensor *g;
    ck_assert_int_eq(libnn_layer_get_gradient(l, "kernel", &g), LIBNN_OK);
    const float want_dk[6] = {0, 1, 2, 2, 4, 3};
    ck_assert_mem_eq(libnn_tensor_data(g), want_dk, sizeof want_dk);
    libnn_tensor_free(g);
    /* A second backward accumulates. */
    ck_assert_int_eq(libnn_layer_backward(l, y, NULL), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_gradient(l, "bias", &g), LIBNN_OK);
    ck_assert(libnn_tensor_data(g)[0] == 4.0f && libnn_tensor_data(g)[1] == 2.0f);
    libnn_tensor_free(g);
    ck_assert_int_eq(libnn_layer_zero_grad(l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_gradient(l, "bias", &g), LIBNN_OK);
    ck_assert(libnn_tensor_data(g)[0] == 0.0f);
    libnn_tensor_free(g);

    /* Wrong shapes are refused with both shapes named. */
    libnn_tensor *x4 = random_tensor(2, (const int64_t[]){2, 4}, 1);
    ck_assert_int_eq(libnn_layer_forward(l, x4, y, 0), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "dense: x must have shape [2, 3], got [2, 4]");
    ck_assert_int_eq(libnn_layer_forward(l, x, dx, 0), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "dense: y must have shape [2, 2], got [2, 3]");
    ck_assert_int_eq(libnn_layer_backward(l, dx, NULL), LIBNN_E_SHAPE);
    libnn_tensor_free(x4);
    libnn_tensor_free(k);
    libnn_tensor_free(b);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_layer_free(l);
}
END_TEST

/* Gradient check of Dense for every activation, with and without bias, on
 * rank 1 and rank 2 samples. Tolerances: the defaults of gradcheck.h
 * (eps 1e-2, |diff| <= 2e-3 + 2e-2 |numeric|), float32 throughout. */
static void dense_gradcheck(libnn_activation act, int use_bias, size_t ndim,
                            const int64_t *x_shape, uint64_t x_seed)
/* relu cases skip the points whose step straddles the kink (gradcheck.h). */
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_dense_new(3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, act), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, use_bias), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_BIAS_INITIALIZER, LIBNN_INIT_RANDOM_NORMAL),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_BIAS_INIT_B, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, ndim - 1, x_shape + 1, 11), LIBNN_OK);
    libnn_tensor *x = random_tensor(ndim, x_shape, x_seed);
    tu_gradcheck opt = tu_gradcheck_defaults();
    char label[80];
    snprintf(label, sizeof label, "dense act %d bias %d rank %zu", (int)act, use_bias, ndim - 1);
    opt.label = label;
    opt.kinked = act == LIBNN_ACT_RELU || act == LIBNN_ACT_LEAKY_RELU;
    tu_gradcheck_layer(l, x, 99, &opt);
    libnn_tensor_free(x);
    libnn_layer_free(l);
}

START_TEST(dense_gradients)
{
    const int64_t flat[2] = {4, 5}, seq[3] = {2, 3, 4};
    for (int act = LIBNN_ACT_LINEAR; act <= LIBNN_ACT_EXPONENTIAL; act++) {
        if (act == LIBNN_ACT_HARD_SIGMOID || act == LIBNN_ACT_RELU6)
            continue; /* piecewise linear with clips: covered by relu below */
        dense_gradcheck((libnn_activation)act, 1, 2, flat, 5);
    }
    /* Seed 5 puts a pre-activation 4e-5 from the kink, which touches 10 of
     * the 35 points checked: too many to skip. */
    dense_gradcheck(LIBNN_ACT_RELU, 0, 2, flat, 7);
    dense_gradcheck(LIBNN_ACT_TANH, 1, 3, seq, 5);
    dense_gradcheck(LIBNN_ACT_SOFTMAX, 0, 3, seq, 5);
}
END_TEST

START_TEST(regularisation)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L1, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, 0.25), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){2}, 1), LIBNN_OK);
    libnn_tensor *k = T2(2, 2, 1, -2, 0, 4);
    ck_assert_int_eq(libnn_layer_set_weight(l, "kernel", k), LIBNN_OK);
    libnn_tensor_free(k);
    /* 0.5 * (1 + 2 + 0 + 4) + 0.25 * (1 + 4 + 0 + 16); the bias has none. */
    ck_assert_double_eq(lnn_layer_regularization(l, false), 8.75);
    ck_assert_double_eq(lnn_layer_regularization(l, true), 8.75);
    libnn_tensor *g;
    ck_assert_int_eq(libnn_layer_get_gradient(l, "kernel", &g), LIBNN_OK);
    /* l1 * sign(w) + 2 * l2 * w */
    const float want[4] = {1, -1.5f, 0, 2.5f};
    ck_assert_mem_eq(libnn_tensor_data(g), want, sizeof want);
    libnn_tensor_free(g);
    libnn_layer_free(l);
}
END_TEST

START_TEST(masks_pass_through_dense)
{
    libnn_layer *l;
    libnn_tensor *x, *y, *m, *got = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK);
    m = T2(2, 3, 1, 1, 0, 0, 1, 1);
    ck_assert_int_eq(libnn_layer_set_mask(l, m), LIBNN_E_STATE);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){3, 4}, 1), LIBNN_OK);
    x = random_tensor(3, (const int64_t[]){2, 3, 4}, 1);
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_mask(l, &got), LIBNN_E_STATE);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_mask(l, &got), LIBNN_E_NOTFOUND);

    ck_assert_int_eq(libnn_layer_set_mask(l, m), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_mask(l, &got), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(got), libnn_tensor_data(m), 6 * sizeof(float));
    libnn_tensor_free(got);

    libnn_tensor *bad = T2(2, 4, 1, 1, 1, 1, 1, 1, 1, 1);
    ck_assert_int_eq(libnn_layer_set_mask(l, bad), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "dense: a mask has shape [batch, 3], got [2, 4]");
    libnn_tensor_free(bad);
    bad = T2(2, 3, 1, 0.5f, 1, 1, 1, 1);
    ck_assert_int_eq(libnn_layer_set_mask(l, bad), LIBNN_E_INVALID);
    tu_assert_error_has("mask value 1 is 0.5");
    libnn_tensor_free(bad);
    bad = T2(1, 3, 1, 1, 1);
    ck_assert_int_eq(libnn_layer_set_mask(l, bad), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_E_SHAPE);
    tu_assert_error_has("the mask is for a batch of 1, x has 2");
    libnn_tensor_free(bad);
    ck_assert_int_eq(libnn_layer_set_mask(l, NULL), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_mask(l, &got), LIBNN_E_NOTFOUND);
    libnn_tensor_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_layer_free(l);
}
END_TEST

/* Everything a standalone Dense goes through, for the allocation loop. */
static libnn_status dense_body(void *ctx)
{
    const float *xin = ctx;
    libnn_layer *l = NULL;
    libnn_tensor *x = NULL, *y = NULL, *dx = NULL, *w = NULL;
    libnn_status st = libnn_dense_new(3, &l);
    if (st == LIBNN_OK)
        st = libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_GELU);
    if (st == LIBNN_OK)
        st = libnn_layer_build(l, 1, (const int64_t[]){4}, 3);
    if (st == LIBNN_OK)
        st = libnn_tensor_new_from_data(2, (const int64_t[]){2, 4}, xin, 8, &x);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(2, (const int64_t[]){2, 3}, &y);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(2, (const int64_t[]){2, 4}, &dx);
    if (st == LIBNN_OK)
        st = libnn_layer_forward(l, x, y, 1);
    if (st == LIBNN_OK)
        st = libnn_layer_backward(l, y, dx);
    if (st == LIBNN_OK)
        st = libnn_layer_get_weight(l, "kernel", &w);
    if (st == LIBNN_OK)
        st = libnn_layer_set_weight(l, "kernel", w);
    ck_assert_float_eq(xin[0], 0.25f);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_tensor_free(w);
    libnn_layer_free(l);
    return st;
}

START_TEST(dense_allocation_failures)
{
    const float x[8] = {0.25f, -1, 2, 0.5f, 1, 1, -3, 0};
    tu_alloc_fail_loop(dense_body, (void *)x);
}
END_TEST

Suite *layer_suite(void)
{
    Suite *s = suite_create("layer");
    TCase *tc = tu_tcase("layer");
    tcase_add_test(tc, options_are_validated_by_the_table);
    tcase_add_test(tc, names);
    tcase_add_test(tc, build_and_shapes);
    tcase_add_test(tc, initialisation_is_seeded);
    tcase_add_test(tc, weights_get_and_set);
    tcase_add_test(tc, dense_forward_exact);
    tcase_add_test(tc, dense_gradients);
    tcase_add_test(tc, regularisation);
    tcase_add_test(tc, masks_pass_through_dense);
    tcase_add_test(tc, dense_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
