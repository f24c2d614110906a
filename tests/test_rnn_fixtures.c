/*
 * Embedding, SimpleRNN, LSTM, GRU and Bidirectional against PyTorch, from
 * the committed fixtures in tests/fixtures/rnn/ (written by
 * tests/fixtures/make_rnn_fixtures.py, whose docstring gives the format and
 * how PyTorch's weights map onto Keras').
 *
 * Each case builds the layer from the file's metadata, sets the weights,
 * the mask and initial states it holds, and compares the output, dx, the
 * weight gradients, the final states and the output mask.
 *
 * Tolerance: |got - want| <= 1e-5 * |want| + 1e-6. The reference is
 * float64 rounded once to float32; libnn runs in float32 through 5
 * recurrent steps, each adding a few float32 roundings (~6e-8 relative) that
 * the recurrence carries on, which stays well inside 1e-5 relative. The
 * absolute term is for values that are small because they cancel (dx of
 * 5e-4 from terms of 0.1): they keep the absolute error of their terms, up
 * to 6e-8 in these cases, which no relative bound covers. When written, the
 * worst element of all cases used 0.16 of this bound
 * (LIBNN_RNN_FIXTURES_VERBOSE=1 prints it).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_helpers.h"
#include "io_helpers.h"
#include "layers/layer_internal.h"
#include "testutil.h"

#define RX_RTOL 1e-5
#define RX_ATOL 1e-6
#define RX_NAME_CAP 64

/* A new layer of class `cls` with its arguments and options. */
static libnn_layer *construct(const char *cls, const json_t *args, const json_t *options,
                              const char *case_name)
{
    libnn_layer *l = NULL;
    int64_t a0 = json_integer_value(json_array_get(args, 0));
    int64_t a1 = json_integer_value(json_array_get(args, 1));
    libnn_status st = strcmp(cls, "Embedding") == 0 ? libnn_embedding_new(a0, a1, &l)
                      : strcmp(cls, "SimpleRNN") == 0 ? libnn_simple_rnn_new(a0, &l)
                      : strcmp(cls, "LSTM") == 0      ? libnn_lstm_new(a0, &l)
                      : strcmp(cls, "GRU") == 0       ? libnn_gru_new(a0, &l)
                                                      : LIBNN_E_INVALID;
    ck_assert_msg(st == LIBNN_OK, "%s: constructing %s: %s", case_name, cls, libnn_last_error());
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)options, name, value) {
        const lnn_param_def *def = fx_param_named(l, name);
        ck_assert_msg(def && json_is_integer(value), "%s: option %s", case_name, name);
        ck_assert_int_eq(libnn_layer_set_int(l, def->key, json_integer_value(value)), LIBNN_OK);
    }
    return l;
}

static const char *merge_modes[] = {"concat", "sum", "ave", "mul"};

static libnn_layer *layer_of(const libnn_tensor_file *f, const char *case_name)
{
    const char *cls = libnn_tensor_file_metadata_get(f, "class");
    json_t *args = fx_metadata_json(f, "args", case_name);
    json_t *options = fx_metadata_json(f, "options", case_name);
    ck_assert_msg(cls != NULL, "%s: no class", case_name);
    libnn_layer *l;
    if (strcmp(cls, "Bidirectional") == 0) {
        json_t *inner = fx_metadata_json(f, "inner", case_name);
        libnn_layer *in = construct(json_string_value(json_object_get(inner, "class")),
                                    json_object_get(inner, "args"),
                                    json_object_get(inner, "options"), case_name);
        ck_assert_int_eq(libnn_bidirectional_new(in, &l), LIBNN_OK);
        const char *mode = json_string_value(json_object_get(options, "merge_mode"));
        for (int m = 0; m < 4; m++)
            if (mode && strcmp(mode, merge_modes[m]) == 0)
                ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_MERGE_MODE, m), LIBNN_OK);
        json_decref(inner);
    } else {
        l = construct(cls, args, options, case_name);
    }
    json_decref(args);
    json_decref(options);
    return l;
}

/* Largest |got - want| / (RX_RTOL |want| + RX_ATOL) seen: 1 is the bound. */
static double worst;

static void compare(const char *case_name, const char *what, const libnn_tensor *got,
                    const libnn_tensor *want)
{
    size_t n = libnn_tensor_size(want);
    ck_assert_msg(libnn_tensor_size(got) == n, "%s: %s has %zu values, PyTorch %zu", case_name,
                  what, libnn_tensor_size(got), n);
    const float *g = fx_data(got), *w = fx_data(want);
    for (size_t i = 0; i < n; i++) {
        double diff = fabs((double)g[i] - w[i]), tol = RX_RTOL * fabs((double)w[i]) + RX_ATOL;
        if (diff / tol > worst)
            worst = diff / tol;
        ck_assert_msg(diff <= tol, "%s: %s[%zu] = %.9g, PyTorch gives %.9g (|diff| %.3g > %.3g)",
                      case_name, what, i, (double)g[i], (double)w[i], diff, tol);
    }
}

static libnn_tensor *new_like(const libnn_tensor *t)
{
    int64_t shape[LIBNN_MAX_RANK];
    libnn_tensor *n = NULL;
    ck_assert_int_eq(libnn_tensor_shape(t, LIBNN_MAX_RANK, shape), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(libnn_tensor_ndim(t), shape, &n), LIBNN_OK);
    return n;
}

static void run_case(const char *case_name)
{
    char rel[RX_NAME_CAP + 32], name[RX_NAME_CAP + 8];
    snprintf(rel, sizeof rel, "fixtures/rnn/%s.safetensors", case_name);
    libnn_tensor_file *f = NULL;
    ck_assert_msg(libnn_tensor_file_load(tu_path(rel), &f) == LIBNN_OK, "%s: %s", case_name,
                  libnn_last_error());
    libnn_layer *l = layer_of(f, case_name);
    const libnn_tensor *x = fx_tensor(f, "x", case_name), *y_want = fx_tensor(f, "y", case_name);
    int64_t x_shape[LIBNN_MAX_RANK];
    ck_assert_int_eq(libnn_tensor_shape(x, LIBNN_MAX_RANK, x_shape), LIBNN_OK);
    ck_assert_msg(libnn_layer_build(l, libnn_tensor_ndim(x) - 1, x_shape + 1, 1) == LIBNN_OK,
                  "%s: build: %s", case_name, libnn_last_error());
    size_t n_weights = libnn_layer_weight_count(l);
    for (size_t i = 0; i < n_weights; i++) {
        const char *w = libnn_layer_weight_name(l, i);
        ck_assert_msg(libnn_layer_set_weight(l, w, fx_tensor(f, w, case_name)) == LIBNN_OK,
                      "%s: set %s: %s", case_name, w, libnn_last_error());
    }
    const libnn_tensor *mask = fx_find_tensor(f, "mask");
    if (mask)
        ck_assert_int_eq(libnn_layer_set_mask(l, mask), LIBNN_OK);
    for (size_t i = 0; i < LNN_MAX_STATES; i++) {
        snprintf(name, sizeof name, "state%zu", i);
        const libnn_tensor *s = fx_find_tensor(f, name);
        if (s)
            ck_assert_int_eq(libnn_layer_set_initial_state(l, i, s), LIBNN_OK);
    }

    libnn_tensor *y = new_like(y_want), *dx = new_like(x), *got;
    ck_assert_msg(libnn_layer_forward(l, x, y, 1) == LIBNN_OK, "%s: forward: %s", case_name,
                  libnn_last_error());
    compare(case_name, "y", y, y_want);
    ck_assert_int_eq(libnn_layer_zero_grad(l), LIBNN_OK);
    ck_assert_msg(libnn_layer_backward(l, fx_tensor(f, "dy", case_name), dx) == LIBNN_OK,
                  "%s: backward: %s", case_name, libnn_last_error());
    compare(case_name, "dx", dx, fx_tensor(f, "dx", case_name));
    for (size_t i = 0; i < n_weights; i++) {
        const char *w = libnn_layer_weight_name(l, i);
        snprintf(name, sizeof name, "d%s", w);
        ck_assert_int_eq(libnn_layer_get_gradient(l, w, &got), LIBNN_OK);
        compare(case_name, name, got, fx_tensor(f, name, case_name));
        libnn_tensor_free(got);
    }
    size_t finals = 0;
    for (size_t i = 0; i < LNN_MAX_STATES; i++) {
        snprintf(name, sizeof name, "final%zu", i);
        const libnn_tensor *want = fx_find_tensor(f, name);
        if (!want)
            continue;
        ck_assert_int_eq(libnn_layer_get_final_state(l, i, &got), LIBNN_OK);
        compare(case_name, name, got, want);
        libnn_tensor_free(got);
        finals++;
    }
    size_t width;
    ck_assert_uint_eq(finals, lnn_layer_states(l, &width));
    const libnn_tensor *mask_want = fx_find_tensor(f, "mask_out");
    ck_assert_int_eq(libnn_layer_get_mask(l, &got), mask_want ? LIBNN_OK : LIBNN_E_NOTFOUND);
    if (mask_want) {
        compare(case_name, "mask_out", got, mask_want);
        libnn_tensor_free(got);
    }
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_layer_free(l);
    libnn_tensor_file_free(f);
}

/* Every case of fixtures/rnn/cases.txt, in its order. */
START_TEST(matches_pytorch)
{
    size_t size, cases = 0;
    char *list = (char *)io_read_file(tu_path("fixtures/rnn/cases.txt"), &size);
    list = realloc(list, size + 1);
    ck_assert_ptr_nonnull(list);
    list[size] = '\0';
    for (char *save, *name = strtok_r(list, "\r\n", &save); name;
         name = strtok_r(NULL, "\r\n", &save)) {
        run_case(name);
        cases++;
        if (getenv("LIBNN_RNN_FIXTURES_VERBOSE"))
            printf("%s: worst error so far %.3g of the tolerance\n", name, worst);
    }
    /* 41 cases when written; a lost or truncated list must not pass quietly. */
    ck_assert_msg(cases >= 41, "fixtures/rnn/cases.txt lists %zu cases", cases);
    free(list);
}
END_TEST

Suite *rnn_fixtures_suite(void)
{
    Suite *s = suite_create("rnn_fixtures");
    TCase *tc = tu_tcase("rnn_fixtures");
    tcase_add_test(tc, matches_pytorch);
    suite_add_tcase(s, tc);
    return s;
}
