/*
 * Small models and data sets shared by the model and callback suites.
 */
#ifndef LIBNN_MODEL_HELPERS_H
#define LIBNN_MODEL_HELPERS_H

#include "libnn.h"

/* Two Gaussian blobs in 2-D around (-1, -1) and (1, 1), labels 0/1 ([n]). */
void tu_blobs(size_t n, uint64_t seed, libnn_tensor **x, libnn_tensor **y);
/* Dense(8, relu) -> Dense(1, sigmoid), Adam(0.05), binary cross-entropy,
 * accuracy, compiled with `seed`. */
libnn_model *tu_binary_model(uint64_t seed);
/* The same with another activation of the hidden layer. */
libnn_model *tu_binary_model_with(uint64_t seed, libnn_activation hidden);
/* A copy of y reshaped to [n, 1]. */
libnn_tensor *tu_column(const libnn_tensor *y);
/* Every weight of the model, flattened into out (cap floats); the count. */
size_t tu_weights_of(libnn_model *m, float *out, size_t cap);

#endif
