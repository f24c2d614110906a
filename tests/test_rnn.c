/*
 * SimpleRNN, LSTM and GRU (and Bidirectional, for what they share):
 * gradients, Keras' masking and go_backwards semantics, states, errors,
 * allocation behaviour. Bidirectional's own behaviour: test_bidirectional.c.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gradcheck.h"
#include "rnn_helpers.h"
#include "tensor_literal.h"
#include "testutil.h"

#define B 3
#define T 4
#define F 3
#define U 3

/* Masks over [B, T]: padding at the front, at the back. */
static const float pre_pad[B * T] = {0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1};
static const float post_pad[B * T] = {1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1};

/* ---- Gradient checks. ---- */

typedef struct grad_case {
    libnn_layer_kind kind;
    int return_sequences, go_backwards;
    const float *mask;
    int bidirectional; /* 1 + merge mode, 0: none */
    int act, ract;     /* 1 + activation, 0: the default */
} grad_case;

static const grad_case grad_cases[] = {
    {LIBNN_LAYER_SIMPLE_RNN, 0, 0, NULL, 0, 0, 0},
    {LIBNN_LAYER_SIMPLE_RNN, 1, 0, NULL, 0, 0, 0},
    {LIBNN_LAYER_SIMPLE_RNN, 1, 1, NULL, 0, 0, 0},
    {LIBNN_LAYER_SIMPLE_RNN, 0, 0, post_pad, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 0, 0, NULL, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 1, 0, NULL, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 0, 1, NULL, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 1, 1, NULL, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 0, 0, pre_pad, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 1, 0, post_pad, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 1, 1, pre_pad, 0, 0, 0},
    {LIBNN_LAYER_GRU, 0, 0, NULL, 0, 0, 0},
    {LIBNN_LAYER_GRU, 1, 0, NULL, 0, 0, 0},
    {LIBNN_LAYER_GRU, 0, 1, NULL, 0, 0, 0},
    {LIBNN_LAYER_GRU, 1, 0, pre_pad, 0, 0, 0},
    {LIBNN_LAYER_GRU, 0, 1, post_pad, 0, 0, 0},
    {LIBNN_LAYER_LSTM, 1, 0, NULL, 1 + LIBNN_MERGE_CONCAT, 0, 0},
    {LIBNN_LAYER_GRU, 1, 0, NULL, 1 + LIBNN_MERGE_SUM, 0, 0},
    {LIBNN_LAYER_SIMPLE_RNN, 0, 0, NULL, 1 + LIBNN_MERGE_AVE, 0, 0},
    {LIBNN_LAYER_LSTM, 1, 0, NULL, 1 + LIBNN_MERGE_MUL, 0, 0},
    {LIBNN_LAYER_LSTM, 1, 0, post_pad, 1 + LIBNN_MERGE_CONCAT, 0, 0},
    {LIBNN_LAYER_GRU, 0, 0, pre_pad, 1 + LIBNN_MERGE_MUL, 0, 0},
    /* Other activations: softmax gates are per gate, over its units. */
    {LIBNN_LAYER_LSTM, 1, 0, NULL, 0, 1 + LIBNN_ACT_SOFTSIGN, 1 + LIBNN_ACT_SOFTMAX},
    {LIBNN_LAYER_GRU, 0, 0, post_pad, 0, 1 + LIBNN_ACT_ELU, 1 + LIBNN_ACT_SOFTSIGN},
    {LIBNN_LAYER_SIMPLE_RNN, 1, 0, NULL, 0, 1 + LIBNN_ACT_SOFTPLUS, 0},
};

START_TEST(gradients)
{
    const grad_case *c = &grad_cases[_i];
    libnn_layer *l = rnn_new(c->kind, U);
    rnn_set_bool(l, LIBNN_PARAM_RETURN_SEQUENCES, c->return_sequences);
    rnn_set_bool(l, LIBNN_PARAM_GO_BACKWARDS, c->go_backwards);
    /* Non-zero biases, so that every bias path is exercised. */
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_BIAS_INITIALIZER, LIBNN_INIT_RANDOM_UNIFORM),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_BIAS_INIT_B, 0.5), LIBNN_OK);
    if (c->act)
        ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, c->act - 1), LIBNN_OK);
    if (c->ract)
        ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_RECURRENT_ACTIVATION, c->ract - 1),
                         LIBNN_OK);
    if (c->bidirectional) {
        libnn_layer *w;
        ck_assert_int_eq(libnn_bidirectional_new(l, &w), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_set_int(w, LIBNN_PARAM_MERGE_MODE, c->bidirectional - 1),
                         LIBNN_OK);
        l = w;
    }
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){T, F}, 11 + (uint64_t)_i), LIBNN_OK);
    if (c->mask) {
        libnn_tensor *m = tu_tensor_of(2, (const int64_t[]){B, T}, c->mask);
        ck_assert_int_eq(libnn_layer_set_mask(l, m), LIBNN_OK);
        libnn_tensor_free(m);
    }
    libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 5 + (uint64_t)_i);
    char label[96];
    snprintf(label, sizeof label, "case %d: kind %d seq %d back %d mask %s bidir %d act %d/%d",
             _i, (int)c->kind, c->return_sequences, c->go_backwards,
             c->mask == pre_pad ? "pre" : c->mask ? "post" : "none", c->bidirectional, c->act,
             c->ract);
    tu_gradcheck opt = tu_gradcheck_defaults();
    opt.label = label;
    tu_gradcheck_layer(l, x, 3, &opt);
    libnn_tensor_free(x);
    libnn_layer_free(l);
}
END_TEST

/* ---- Semantics. ---- */

START_TEST(go_backwards_outputs_in_processing_order)
{
    libnn_layer *back = rnn_new(LIBNN_LAYER_LSTM, U), *fwd = rnn_new(LIBNN_LAYER_LSTM, U);
    rnn_set_bool(back, LIBNN_PARAM_GO_BACKWARDS, 1);
    rnn_set_bool(back, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    rnn_set_bool(fwd, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    ck_assert_int_eq(libnn_layer_build(back, 2, (const int64_t[]){T, F}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(fwd, 2, (const int64_t[]){T, F}, 2), LIBNN_OK);
    rnn_copy_weights(back, fwd, "");
    libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 1);
    libnn_tensor *xr = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 1);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            memcpy(libnn_tensor_data(xr) + (b * T + t) * F,
                   libnn_tensor_data(x) + (b * T + T - 1 - t) * F, F * sizeof(float));
    libnn_tensor *yb = rnn_run(back, x, 0), *yf = rnn_run(fwd, xr, 0);
    /* y[:, 0] follows x[:, T-1]: the same as running forwards over the reversed input. */
    ck_assert_mem_eq(libnn_tensor_data(yb), libnn_tensor_data(yf), B * T * U * sizeof(float));
    libnn_tensor_free(x);
    libnn_tensor_free(xr);
    libnn_tensor_free(yb);
    libnn_tensor_free(yf);
    libnn_layer_free(back);
    libnn_layer_free(fwd);
}
END_TEST

/* A layer of `kind` for `steps` steps with the weights of `like`. */
static libnn_layer *twin(libnn_layer_kind kind, const libnn_layer *like, int64_t steps)
{
    libnn_layer *l = rnn_new(kind, U);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){steps, F}, 9), LIBNN_OK);
    rnn_copy_weights(like, l, "");
    return l;
}

/* Row `b` of x, steps [from, to), as a batch of one. */
static libnn_tensor *slice(const libnn_tensor *x, int b, int from, int to)
{
    libnn_tensor *s;
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){1, to - from, F}, &s), LIBNN_OK);
    memcpy(libnn_tensor_data(s),
           libnn_tensor_data((libnn_tensor *)x) + ((size_t)b * T + (size_t)from) * F,
           (size_t)(to - from) * F * sizeof(float));
    return s;
}

static void check_mask_semantics(libnn_layer_kind kind)
{
    /* Row 0 post-padded (2 real steps), row 1 pre-padded (1 real), row 2 all padding. */
    static const float mask[B * T] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    static const int from[B] = {0, 3, 0}, to[B] = {2, 4, 0};
    libnn_layer *seq = rnn_new(kind, U), *last = rnn_new(kind, U);
    rnn_set_bool(seq, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    ck_assert_int_eq(libnn_layer_build(seq, 2, (const int64_t[]){T, F}, 4), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(last, 2, (const int64_t[]){T, F}, 5), LIBNN_OK);
    rnn_copy_weights(seq, last, "");
    libnn_tensor *m = tu_tensor_of(2, (const int64_t[]){B, T}, mask);
    ck_assert_int_eq(libnn_layer_set_mask(seq, m), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_mask(last, m), LIBNN_OK);
    libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 8);
    libnn_tensor *ys = rnn_run(seq, x, 0), *yl = rnn_run(last, x, 0);
    const float *s = libnn_tensor_data(ys), *y = libnn_tensor_data(yl);
    for (int b = 0; b < B; b++) {
        float zero[U] = {0};
        const float *want = zero;
        libnn_tensor *xs = NULL, *ys1 = NULL;
        libnn_layer *one = NULL;
        if (to[b] > from[b]) {
            /* The real steps alone, as a sequence of their own. */
            one = twin(kind, seq, to[b] - from[b]);
            xs = slice(x, b, from[b], to[b]);
            ys1 = rnn_run(one, xs, 0);
            want = libnn_tensor_data(ys1);
        }
        rnn_assert_close(y + b * U, want, U, 1e-6, "last output");
        /* The sequence: zeros before the first real step, the state after it. */
        for (int t = 0; t < T; t++) {
            const float *at = s + ((size_t)b * T + (size_t)t) * U;
            if (t < from[b] || to[b] == 0)
                rnn_assert_close(at, zero, U, 0, "output before the first real step");
            else if (t >= to[b])
                rnn_assert_close(at, s + ((size_t)b * T + (size_t)to[b] - 1) * U, U, 0,
                             "output of a masked step");
        }
        rnn_assert_close(s + ((size_t)b * T + T - 1) * U, y + b * U, U, 0, "sequence end");
        libnn_tensor_free(xs);
        libnn_tensor_free(ys1);
        libnn_layer_free(one);
    }
    /* The final state of the all-padding row is the initial one: zeros. */
    libnn_tensor *h;
    ck_assert_int_eq(libnn_layer_get_final_state(last, 0, &h), LIBNN_OK);
    for (int j = 0; j < U; j++)
        ck_assert(libnn_tensor_data(h)[2 * U + j] == 0.0f);
    libnn_tensor_free(h);
    /* With return_sequences the output mask is the input's; without, none. */
    libnn_tensor *got;
    ck_assert_int_eq(libnn_layer_get_mask(seq, &got), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(got), mask, sizeof mask);
    libnn_tensor_free(got);
    ck_assert_int_eq(libnn_layer_get_mask(last, &got), LIBNN_E_NOTFOUND);
    libnn_tensor_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(ys);
    libnn_tensor_free(yl);
    libnn_layer_free(seq);
    libnn_layer_free(last);
}

START_TEST(masks_follow_keras)
{
    check_mask_semantics(LIBNN_LAYER_SIMPLE_RNN);
    check_mask_semantics(LIBNN_LAYER_LSTM);
    check_mask_semantics(LIBNN_LAYER_GRU);
}
END_TEST

START_TEST(states_carry_over)
{
    /* Running steps 0..1, then 2..3 from the states reached, is one run of 0..3. */
    libnn_layer *full = rnn_new(LIBNN_LAYER_LSTM, U);
    ck_assert_int_eq(libnn_layer_build(full, 2, (const int64_t[]){T, F}, 3), LIBNN_OK);
    libnn_layer *half = twin(LIBNN_LAYER_LSTM, full, 2);
    libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 2);
    libnn_tensor *x1, *x2;
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){B, 2, F}, &x1), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(3, (const int64_t[]){B, 2, F}, &x2), LIBNN_OK);
    for (int b = 0; b < B; b++) {
        memcpy(libnn_tensor_data(x1) + b * 2 * F, libnn_tensor_data(x) + b * T * F,
               2 * F * sizeof(float));
        memcpy(libnn_tensor_data(x2) + b * 2 * F, libnn_tensor_data(x) + (b * T + 2) * F,
               2 * F * sizeof(float));
    }
    libnn_tensor *y = rnn_run(full, x, 0), *y1 = rnn_run(half, x1, 0);
    libnn_tensor *h, *c;
    ck_assert_int_eq(libnn_layer_get_final_state(half, 0, &h), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_final_state(half, 1, &c), LIBNN_OK);
    /* Without return_sequences and mask, the output is h. */
    ck_assert_mem_eq(libnn_tensor_data(h), libnn_tensor_data(y1), B * U * sizeof(float));
    ck_assert_int_eq(libnn_layer_set_initial_state(half, 0, h), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_initial_state(half, 1, c), LIBNN_OK);
    libnn_tensor *y2 = rnn_run(half, x2, 0);
    rnn_assert_close(libnn_tensor_data(y2), libnn_tensor_data(y), B * U, 1e-6, "continued run");

    /* Errors. */
    ck_assert_int_eq(libnn_layer_set_initial_state(half, 2, h), LIBNN_E_RANGE);
    ck_assert_str_eq(libnn_last_error(), "lstm: state 2 does not exist (the layer has 2)");
    ck_assert_int_eq(libnn_layer_set_initial_state(half, 0, x), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "lstm: state 0 has shape [batch, 3], got [3, 4, 3]");
    libnn_tensor *one = rnn_random_tensor(2, (const int64_t[]){1, U}, 1);
    ck_assert_int_eq(libnn_layer_set_initial_state(half, 0, one), LIBNN_OK);
    libnn_tensor *y3 = NULL;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){B, U}, &y3), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(half, x2, y3, 0), LIBNN_E_SHAPE);
    tu_assert_error_has("initial state 0 is for a batch of 1, x has 3");
    /* NULL goes back to zeros: the first run again. */
    ck_assert_int_eq(libnn_layer_set_initial_state(half, 0, NULL), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_initial_state(half, 1, NULL), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(half, x1, y3, 0), LIBNN_OK);
    ck_assert_mem_eq(libnn_tensor_data(y3), libnn_tensor_data(y1), B * U * sizeof(float));
    libnn_layer *d;
    ck_assert_int_eq(libnn_dense_new(2, &d), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(d, 1, (const int64_t[]){3}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_initial_state(d, 0, h), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "dense: a Dense layer has no recurrent state");
    libnn_tensor *none = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_layer_get_final_state(full, 0, &none), LIBNN_OK);
    libnn_tensor_free(none);
    libnn_layer *fresh = rnn_new(LIBNN_LAYER_GRU, U);
    ck_assert_int_eq(libnn_layer_get_final_state(fresh, 0, &none), LIBNN_E_STATE);
    ck_assert_ptr_null(none);
    ck_assert_int_eq(libnn_layer_build(fresh, 2, (const int64_t[]){T, F}, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_final_state(fresh, 0, &none), LIBNN_E_STATE);
    tu_assert_error_has("no forward pass yet");
    libnn_layer_free(fresh);
    libnn_layer_free(d);
    libnn_tensor_free(one);
    libnn_tensor_free(y3);
    libnn_tensor_free(x);
    libnn_tensor_free(x1);
    libnn_tensor_free(x2);
    libnn_tensor_free(y);
    libnn_tensor_free(y1);
    libnn_tensor_free(y2);
    libnn_tensor_free(h);
    libnn_tensor_free(c);
    libnn_layer_free(full);
    libnn_layer_free(half);
}
END_TEST

/* ---- Options and errors. ---- */

START_TEST(options_and_errors)
{
    libnn_layer *l = rnn_new(LIBNN_LAYER_SIMPLE_RNN, 4);
    ck_assert_str_eq(libnn_layer_kind_name(l), "SimpleRNN");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_RECURRENT_ACTIVATION, LIBNN_ACT_TANH),
                     LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "simple_rnn has no parameter recurrent_activation");
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_DROPOUT, 1.0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){5}, 0), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "simple_rnn: expects input [steps, features], got input shape [5]");
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){2, 5, 1}, 0), LIBNN_E_SHAPE);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){0, 5}, 0), LIBNN_E_SHAPE);
    tu_assert_error_has("has an empty dimension");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_GELU), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){2, 5}, 0), LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("activation gelu is not supported in a recurrent layer");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){2, 5}, 0), LIBNN_OK);
    ck_assert_uint_eq(libnn_layer_param_count(l), 5 * 4 + 4 * 4 + 4);
    /* A failed rebuild leaves the layer as it was. */
    ck_assert_int_eq(libnn_layer_build(l, 1, (const int64_t[]){5}, 0), LIBNN_E_SHAPE);
    libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){1, 2, 5}, 1);
    libnn_tensor *y = rnn_run(l, x, 0);
    libnn_tensor_free(y);
    ck_assert_int_eq(libnn_tensor_reshape(x, 3, (const int64_t[]){1, 5, 2}), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_forward(l, x, x, 0), LIBNN_E_SHAPE);
    libnn_tensor_free(x);
    libnn_layer_free(l);

    l = rnn_new(LIBNN_LAYER_GRU, 2);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_RESET_AFTER, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){2, 5}, 0), LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("reset_after=0");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_RESET_AFTER, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_RECURRENT_ACTIVATION, LIBNN_ACT_SWISH),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){2, 5}, 0), LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("recurrent_activation swish");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_RECURRENT_ACTIVATION,
                                         LIBNN_ACT_HARD_SIGMOID), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){2, 5}, 0), LIBNN_OK);
    libnn_tensor *bias;
    ck_assert_int_eq(libnn_layer_get_weight(l, "bias", &bias), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_ndim(bias), 2);
    ck_assert_int_eq(libnn_tensor_dim(bias, 0), 2);
    ck_assert_int_eq(libnn_tensor_dim(bias, 1), 6);
    libnn_tensor_free(bias);
    libnn_layer_free(l);

    /* LSTM: unit_forget_bias on by default, over any bias initialiser. */
    l = rnn_new(LIBNN_LAYER_LSTM, 2);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_BIAS_INITIALIZER, LIBNN_INIT_ONES), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_UNIT_FORGET_BIAS, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){2, 5}, 0), LIBNN_OK);
    ck_assert_uint_eq(libnn_layer_weight_count(l), 2);
    libnn_layer_free(l);

    /* One step: no recurrence at all. */
    l = rnn_new(LIBNN_LAYER_LSTM, 2);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){1, 3}, 0), LIBNN_OK);
    x = rnn_random_tensor(3, (const int64_t[]){2, 1, 3}, 4);
    tu_gradcheck opt = tu_gradcheck_defaults();
    opt.label = "one step";
    tu_gradcheck_layer(l, x, 1, &opt);
    libnn_tensor_free(x);
    libnn_layer_free(l);
}
END_TEST

START_TEST(dropout_is_one_mask_per_sequence)
{
    libnn_layer *l = rnn_new(LIBNN_LAYER_LSTM, U);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_DROPOUT, 0.5), LIBNN_OK);
    rnn_set_bool(l, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    ck_assert_int_eq(libnn_layer_build(l, 2, (const int64_t[]){T, 8}, 0), LIBNN_OK);
    libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){B, T, 8}, 3);
    libnn_tensor *dx = rnn_random_tensor(3, (const int64_t[]){B, T, 8}, 3);
    libnn_tensor *yi = rnn_run(l, x, 0), *yt = rnn_run(l, x, 1);
    ck_assert(memcmp(libnn_tensor_data(yi), libnn_tensor_data(yt), B * T * U * sizeof(float)) != 0);
    ck_assert_int_eq(libnn_layer_backward(l, yt, dx), LIBNN_OK);
    /* A dropped feature has no gradient at any step; a kept one has one at all. */
    const float *g = libnn_tensor_data(dx);
    size_t dropped = 0;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < 8; i++) {
            bool zero = g[(b * T) * 8 + i] == 0.0f;
            dropped += zero;
            for (int t = 1; t < T; t++)
                ck_assert((g[(b * T + t) * 8 + i] == 0.0f) == zero);
        }
    ck_assert(dropped > 0 && dropped < B * 8);
    /* Inference ignores it. */
    libnn_tensor *again = rnn_run(l, x, 0);
    ck_assert_mem_eq(libnn_tensor_data(again), libnn_tensor_data(yi), B * T * U * sizeof(float));
    libnn_tensor_free(again);
    libnn_tensor_free(x);
    libnn_tensor_free(dx);
    libnn_tensor_free(yi);
    libnn_tensor_free(yt);
    libnn_layer_free(l);
}
END_TEST

/* ---- Allocation. ---- */

/* Each recurrent kind and a Bidirectional, built with a mask. */
static libnn_layer *alloc_layer(int which, libnn_status *st)
{
    libnn_layer *l = NULL, *w = NULL;
    libnn_layer_kind kinds[4] = {LIBNN_LAYER_SIMPLE_RNN, LIBNN_LAYER_LSTM, LIBNN_LAYER_GRU,
                                 LIBNN_LAYER_LSTM};
    libnn_layer_kind k = kinds[which];
    *st = k == LIBNN_LAYER_LSTM  ? libnn_lstm_new(U, &l)
          : k == LIBNN_LAYER_GRU ? libnn_gru_new(U, &l)
                                 : libnn_simple_rnn_new(U, &l);
    if (*st == LIBNN_OK)
        *st = libnn_layer_set_int(l, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    if (*st == LIBNN_OK && which == 3) {
        *st = libnn_bidirectional_new(l, &w);
        if (*st == LIBNN_OK)
            l = w;
    }
    if (*st == LIBNN_OK)
        *st = libnn_layer_build(l, 2, (const int64_t[]){T, F}, 1);
    return l;
}

static libnn_status rnn_body(void *ctx)
{
    const float *xin = ctx;
    libnn_status st = LIBNN_OK;
    for (int which = 0; which < 4 && st == LIBNN_OK; which++) {
        libnn_tensor *x = NULL, *y = NULL, *dx = NULL, *m = NULL, *h = NULL;
        libnn_layer *l = alloc_layer(which, &st);
        int64_t ys = which == 3 ? 2 * U : U;
        if (st == LIBNN_OK)
            st = libnn_tensor_new_from_data(3, (const int64_t[]){B, T, F}, xin, B * T * F, &x);
        if (st == LIBNN_OK)
            st = libnn_tensor_new(3, (const int64_t[]){B, T, ys}, &y);
        if (st == LIBNN_OK)
            st = libnn_tensor_new(3, (const int64_t[]){B, T, F}, &dx);
        if (st == LIBNN_OK)
            st = libnn_tensor_new_from_data(2, (const int64_t[]){B, T}, post_pad, B * T, &m);
        if (st == LIBNN_OK)
            st = libnn_layer_set_mask(l, m);
        if (st == LIBNN_OK)
            st = libnn_tensor_new_from_data(2, (const int64_t[]){B, U}, xin, B * U, &h);
        if (st == LIBNN_OK)
            st = libnn_layer_set_initial_state(l, 0, h);
        libnn_tensor_free(h);
        h = NULL;
        if (st == LIBNN_OK)
            st = libnn_layer_forward(l, x, y, 1);
        if (st == LIBNN_OK)
            st = libnn_layer_backward(l, y, dx);
        if (st == LIBNN_OK)
            st = libnn_layer_get_final_state(l, 0, &h);
        libnn_tensor_free(h);
        libnn_tensor_free(m);
        libnn_tensor_free(x);
        libnn_tensor_free(y);
        libnn_tensor_free(dx);
        libnn_layer_free(l);
    }
    ck_assert(xin[0] == 0.25f);
    return st;
}

START_TEST(allocation_failures)
{
    float x[B * T * F];
    for (int i = 0; i < B * T * F; i++)
        x[i] = 0.25f - 0.05f * (float)(i % 11);
    tu_alloc_fail_loop(rnn_body, x);
}
END_TEST

START_TEST(no_allocation_after_the_first_pass)
{
    for (int which = 0; which < 4; which++) {
        libnn_status st;
        libnn_layer *l = alloc_layer(which, &st);
        ck_assert_int_eq(st, LIBNN_OK);
        libnn_tensor *x = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 1);
        libnn_tensor *dx = rnn_random_tensor(3, (const int64_t[]){B, T, F}, 1);
        libnn_tensor *y = rnn_run(l, x, 1);
        ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
        tu_alloc_reset();
        ck_assert_int_eq(libnn_layer_forward(l, x, y, 1), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_backward(l, y, dx), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_forward(l, x, y, 0), LIBNN_OK);
        ck_assert_int_eq(tu_alloc_calls(), 0);
        libnn_tensor_free(x);
        libnn_tensor_free(dx);
        libnn_tensor_free(y);
        libnn_layer_free(l);
    }
}
END_TEST

Suite *rnn_suite(void)
{
    Suite *s = suite_create("rnn");
    TCase *tc = tu_tcase("rnn");
    tcase_add_loop_test(tc, gradients, 0, (int)(sizeof grad_cases / sizeof grad_cases[0]));
    tcase_add_test(tc, go_backwards_outputs_in_processing_order);
    tcase_add_test(tc, masks_follow_keras);
    tcase_add_test(tc, states_carry_over);
    tcase_add_test(tc, options_and_errors);
    tcase_add_test(tc, dropout_is_one_mask_per_sequence);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, no_allocation_after_the_first_pass);
    suite_add_tcase(s, tc);
    return s;
}
