/*
 * Embedding and Masking: the layers that start a sequence model and make
 * its mask.
 */
#include <math.h>
#include <string.h>

#include "gradcheck.h"
#include "layers/layer_internal.h"
#include "tensor_literal.h"
#include "testutil.h"

static libnn_layer *embedding(int64_t vocab, int64_t dim, int mask_zero, int64_t steps)
{
    libnn_layer *l = NULL;
    ck_assert_int_eq(libnn_embedding_new(vocab, dim, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_MASK_ZERO, mask_zero), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){steps}, 7), LIBNN_OK);
    return l;
}

START_TEST(embedding_lookup_and_mask)
{
    libnn_layer *l = (libnn_layer *)1;
    ck_assert_int_eq(libnn_embedding_new(0, 4, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_str_eq(libnn_last_error(), "embedding: input_dim must be >= 1, got 0");
    l = embedding(5, 3, 1, 4);
    ck_assert_str_eq(libnn_layer_kind_name(l), "Embedding");
    /* Keras' default initialiser: uniform(-0.05, 0.05). */
    libnn_tensor *w;
    ck_assert_int_eq(libnn_layer_get_weight(l, "embeddings", &w), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_dim(w, 0), 5);
    ck_assert_int_eq(libnn_tensor_dim(w, 1), 3);
    for (int i = 0; i < 15; i++) {
        float v = libnn_tensor_data(w)[i];
        ck_assert(v >= -0.05f && v < 0.05f && v != 0.0f);
        libnn_tensor_data(w)[i] = (float)i;
    }
    ck_assert_int_eq(libnn_layer_set_weight(l, "embeddings", w), LIBNN_OK);
    libnn_tensor *x = T2(2, 4, 1, 4, 0, 0, 0, 2, 2, 3);
    libnn_tensor *y;
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){2, 4, 3}, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 3; j++)
            ck_assert_float_eq(libnn_tensor_data(y)[i * 3 + j],
                               3 * libnn_tensor_data(x)[i] + (float)j);
    libnn_tensor *m;
    ck_assert_int_eq(libnn_layer_get_mask(l, &m), LIBNN_OK);
    static const float want_mask[8] = {1, 1, 0, 0, 0, 1, 1, 1};
    ck_assert_mem_eq(libnn_tensor_data(m), want_mask, sizeof want_mask);
    libnn_tensor_free(m);

    /* Backward: dy summed into the rows looked up; dx (ids) is zeros. */
    libnn_tensor *dx = T2(2, 4, 9, 9, 9, 9, 9, 9, 9, 9);
    ck_assert_int_eq(libnn_tensor_fill(y, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
    for (int i = 0; i < 8; i++)
        ck_assert(libnn_tensor_data(dx)[i] == 0.0f);
    libnn_tensor *g;
    ck_assert_int_eq(libnn_layer_get_gradient(l, "embeddings", &g), LIBNN_OK);
    static const float count[5] = {3, 1, 2, 1, 1};
    for (int r = 0; r < 5; r++)
        for (int j = 0; j < 3; j++)
            ck_assert_float_eq(libnn_tensor_data(g)[r * 3 + j], count[r]);
    libnn_tensor_free(g);

    /* Without mask_zero the output has no mask. */
    libnn_layer *plain = embedding(5, 3, 0, 4);
    ck_assert_int_eq(libnn_layer_forward(plain, x, y, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_mask(plain, &m), LIBNN_E_NOTFOUND);
    libnn_layer_free(plain);
    libnn_tensor_free(w);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_layer_free(l);
}
END_TEST

static void bad_id(libnn_layer *l, float id, libnn_status want, const char *message)
{
    float ids[6] = {1, 2, 3, 0, 1, 2};
    ids[4] = id;
    libnn_tensor *x = tu_tensor_of(2, (const int64_t[]){2, 3}, ids), *y;
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), want);
    ck_assert_str_eq(libnn_last_error(), message);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}

START_TEST(embedding_rejects_bad_ids)
{
    libnn_layer *l = embedding(10, 2, 0, 3);
    bad_id(l, 10, LIBNN_E_RANGE,
           "embedding: token id 10 at sample 1, position 1 is outside [0, 10)");
    bad_id(l, -1, LIBNN_E_RANGE,
           "embedding: token id -1 at sample 1, position 1 is outside [0, 10)");
    bad_id(l, 1e30f, LIBNN_E_RANGE,
           "embedding: token id 1000000015047466219876688855040 at sample 1, position 1 is "
           "outside [0, 10)");
    bad_id(l, 2.5f, LIBNN_E_INVALID,
           "embedding: token id 2.5 at sample 1, position 1 is not a whole number");
    bad_id(l, NAN, LIBNN_E_INVALID,
           "embedding: token id nan at sample 1, position 1 is not a whole number");
    bad_id(l, INFINITY, LIBNN_E_RANGE,
           "embedding: token id inf at sample 1, position 1 is outside [0, 10)");
    /* A failed forward leaves nothing for backward. */
    libnn_tensor *dy;
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &dy), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, dy, NULL), LIBNN_E_STATE);
    libnn_tensor_free(dy);
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_embedding_new(10, 2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_MASK_ZERO, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){3, 4}, 0), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "embedding: with mask_zero expects input [steps], got input shape [3, 4]");
    ck_assert_int_eq(libnn_layer_build(l, 7, (const int64_t[]){1, 1, 1, 1, 1, 1, 1}, 0),
                     LIBNN_E_SHAPE);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_MASK_ZERO, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){3, 4}, 0), LIBNN_OK);
    int64_t shape[8];
    size_t nd;
    ck_assert_int_eq(libnn_layer_output_shape(l, 8, shape, &nd), LIBNN_OK);
    ck_assert_uint_eq(nd, 3);
    ck_assert_int_eq(shape[2], 2);
    libnn_layer_free(l);
}
END_TEST

START_TEST(embedding_gradient_and_regularisation)
{
    libnn_layer *l = embedding(6, 3, 0, 4);
    libnn_tensor *x = T2(2, 4, 5, 0, 5, 2, 1, 1, 3, 0);
    tu_gradcheck opt = tu_gradcheck_defaults();
    opt.skip_dx = 1;
    opt.label = "embedding";
    tu_gradcheck_layer(l, x, 4, &opt);
    libnn_layer_free(l);

    ck_assert_int_eq(libnn_embedding_new(2, 2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_EMBEDDINGS_L2, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_EMBEDDINGS_INITIALIZER, LIBNN_INIT_ONES),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){3}, 0), LIBNN_OK);
    ck_assert_double_eq(lnn_layer_regularization(l, false), 2.0);
    libnn_layer_free(l);
    libnn_tensor_free(x);
}
END_TEST

START_TEST(masking_layer)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_masking_new(NAN, &l), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_masking_new(-1.0f, &l), LIBNN_OK);
    ck_assert_str_eq(libnn_layer_kind_name(l), "Masking");
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){4}, 0), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "masking: expects input [steps, features], got input shape [4]");
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){3, 2}, 0), LIBNN_OK);
    /* A step is masked only when every feature is the mask value. */
    const float xv[12] = {-1, -1, -1, 2, 3, 4, 5, 6, -1, -1, -1, -1};
    libnn_tensor *x = tu_tensor_of(3, (const int64_t[]){2, 3, 2}, xv), *y, *m, *dx;
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &dx), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
    const float want[12] = {0, 0, -1, 2, 3, 4, 5, 6, 0, 0, 0, 0};
    ck_assert_mem_eq(libnn_tensor_data(y), want, sizeof want);
    ck_assert_int_eq(libnn_layer_get_mask(l, &m), LIBNN_OK);
    const float want_mask[6] = {0, 1, 1, 1, 0, 0};
    ck_assert_mem_eq(libnn_tensor_data(m), want_mask, sizeof want_mask);
    ck_assert_int_eq(libnn_tensor_fill(y, 3), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
    for (int i = 0; i < 12; i++)
        ck_assert_float_eq(libnn_tensor_data(dx)[i], 3 * want_mask[i / 2]);
    /* No central-difference check here: moving a masked feature off the mask
     * value unmasks its step, a jump. dx above is the whole derivative. */

    /* Masking then LSTM is the LSTM under that mask. */
    libnn_layer *a, *b;
    ck_assert_int_eq(libnn_lstm_new(2, &a), LIBNN_OK);
    ck_assert_int_eq(libnn_lstm_new(2, &b), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(a, 2, (const int64_t[]){3, 2}, 4), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(b, 2, (const int64_t[]){3, 2}, 4), LIBNN_OK);
    libnn_tensor *ya, *yb, *xm;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 2}, &ya), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 2}, &yb), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &xm), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, xm, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_mask(a, m), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(a, xm, ya, 0), LIBNN_OK);
    /* The raw input under the same mask gives the same. */
    libnn_tensor *m2 = T2(2, 3, 0, 1, 1, 1, 0, 0);
    ck_assert_int_eq(libnn_layer_set_mask(b, m2), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(b, x, yb, 0), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(ya), libnn_tensor_data(yb), 4 * sizeof(float));
    libnn_tensor_free(m2);
    libnn_tensor_free(ya);
    libnn_tensor_free(yb);
    libnn_tensor_free(xm);
    libnn_layer_free(a);
    libnn_layer_free(b);
    libnn_tensor_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_layer_free(l);
}
END_TEST

/* New, build, forward, backward of Embedding(mask_zero) and Masking. */
static libnn_status body(void *ctx)
{
    const float *ids = ctx;
    libnn_layer *e = NULL, *m = NULL;
    libnn_tensor *x = NULL, *y = NULL, *mask = NULL, *dx = NULL;
    libnn_status st = libnn_embedding_new(4, 2, &e);
    if (st == LIBNN_OK)
        st = libnn_layer_set_int(e, LIBNN_PARAM_MASK_ZERO, 1);
    if (st == LIBNN_OK)
        st = libnn_layer_build(e, 1, (const int64_t[]){3}, 1);
    if (st == LIBNN_OK)
        st = libnn_masking_new(0.0f, &m);
    if (st == LIBNN_OK)
        st = libnn_layer_build(m, 2, (const int64_t[]){3, 2}, 1);
    if (st == LIBNN_OK)
        st = libnn_tensor_new_from_data(2, (const int64_t[]){2, 3}, ids, 6, &x);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &y);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(3, (const int64_t[]){2, 3, 2}, &dx);
    if (st == LIBNN_OK)
        st = libnn_layer_forward(e, x, y, 1);
    if (st == LIBNN_OK)
        st = libnn_layer_backward(e, y, x);
    if (st == LIBNN_OK)
        st = libnn_layer_get_mask(e, &mask);
    if (st == LIBNN_OK)
        st = libnn_layer_forward(m, y, dx, 1);
    if (st == LIBNN_OK)
        st = libnn_layer_backward(m, y, dx);
    ck_assert(ids[0] == 3.0f);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_tensor_free(mask);
    libnn_layer_free(e);
    libnn_layer_free(m);
    return st;
}

START_TEST(allocation_failures)
{
    const float ids[6] = {3, 0, 1, 2, 2, 0};
    tu_alloc_fail_loop(body, (void *)ids);
}
END_TEST

Suite *embedding_suite(void)
{
    Suite *s = suite_create("embedding");
    TCase *tc = tu_tcase("embedding");
    tcase_add_test(tc, embedding_lookup_and_mask);
    tcase_add_test(tc, embedding_rejects_bad_ids);
    tcase_add_test(tc, embedding_gradient_and_regularisation);
    tcase_add_test(tc, masking_layer);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
