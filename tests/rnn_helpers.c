/*
 * Helpers of the recurrent-layer suites.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>

#include "rnn_helpers.h"

libnn_tensor *rnn_random_tensor(size_t ndim, const int64_t *shape, uint64_t seed)
{
    libnn_tensor *t = NULL;
    ck_assert_int_eq(libnn_tensor_new(ndim, shape, &t), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill_uniform(t, -1, 1, seed), LIBNN_OK);
    return t;
}

libnn_layer *rnn_new(libnn_layer_kind kind, int64_t units)
{
    libnn_layer *l = NULL;
    libnn_status st = kind == LIBNN_LAYER_LSTM  ? libnn_lstm_new(units, &l)
                      : kind == LIBNN_LAYER_GRU ? libnn_gru_new(units, &l)
                                                : libnn_simple_rnn_new(units, &l);
    ck_assert_int_eq(st, LIBNN_OK);
    return l;
}

void rnn_set_bool(libnn_layer *l, libnn_param key, int on)
{
    ck_assert_int_eq(libnn_layer_set_int(l, key, on), LIBNN_OK);
}

libnn_tensor *rnn_run(libnn_layer *l, const libnn_tensor *x, int training)
{
    int64_t shape[LIBNN_MAX_RANK];
    size_t nd;
    shape[0] = libnn_tensor_dim(x, 0);
    ck_assert_int_eq(libnn_layer_output_shape(l, LIBNN_MAX_RANK - 1, shape + 1, &nd), LIBNN_OK);
    libnn_tensor *y = NULL;
    ck_assert_int_eq(libnn_tensor_new(nd + 1, shape, &y), LIBNN_OK);
    ck_assert_msg(libnn_layer_forward(l, x, y, training) == LIBNN_OK, "forward: %s",
                  libnn_last_error());
    return y;
}

void rnn_copy_weights(const libnn_layer *from, libnn_layer *to, const char *prefix)
{
    size_t n = libnn_layer_weight_count(to);
    for (size_t i = 0; i < n; i++) {
        const char *name = libnn_layer_weight_name(to, i);
        char src[64];
        snprintf(src, sizeof src, "%s%s", prefix, name);
        libnn_tensor *w;
        ck_assert_int_eq(libnn_layer_get_weight(from, src, &w), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_set_weight(to, name, w), LIBNN_OK);
        libnn_tensor_free(w);
    }
}

void rnn_assert_close(const float *got, const float *want, size_t n, double tol, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs((double)got[i] - want[i]) <= tol, "%s[%zu]: %.8g, want %.8g", what, i,
                      (double)got[i], (double)want[i]);
}
