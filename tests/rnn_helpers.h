/*
 * Helpers of the recurrent-layer suites (test_rnn.c, test_bidirectional.c).
 * Failures are Check assertions.
 */
#ifndef LIBNN_RNN_HELPERS_H
#define LIBNN_RNN_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "libnn.h"

/* Uniform(-1, 1) values of the given shape. */
libnn_tensor *rnn_random_tensor(size_t ndim, const int64_t *shape, uint64_t seed);

/* A new, unbuilt SimpleRNN, LSTM or GRU of `units`. */
libnn_layer *rnn_new(libnn_layer_kind kind, int64_t units);

/* Set a boolean option. */
void rnn_set_bool(libnn_layer *l, libnn_param key, int on);

/* Forward (standalone) into a new output tensor. */
libnn_tensor *rnn_run(libnn_layer *l, const libnn_tensor *x, int training);

/* Copy every weight of `to` from the weight of `from` named prefix + name. */
void rnn_copy_weights(const libnn_layer *from, libnn_layer *to, const char *prefix);

/* |got - want| <= tol elementwise; `what` names the failure. */
void rnn_assert_close(const float *got, const float *want, size_t n, double tol,
                      const char *what);

#endif
