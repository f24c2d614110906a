/*
 * Helpers of the convolution and pooling layer suites (test_conv.c,
 * test_pool.c): inputs, window options, standalone passes and gradient
 * checks. Failures are Check assertions.
 */
#ifndef LIBNN_CONV_HELPERS_H
#define LIBNN_CONV_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnn.h"

/* 1..9: a 3x3 image. */
extern const float conv_x3[9];

/* A new tensor of zeros. */
libnn_tensor *conv_zeros(size_t ndim, const int64_t *shape);

/* An input with no two values closer than 0.05 (a seeded permutation of
 * 0.05 * i, centred), so a gradient-check step of 1e-2 never changes which
 * pixel a max pool picks. */
libnn_tensor *conv_distinct_tensor(size_t ndim, const int64_t *shape, uint64_t seed);

/* Gradient check with gradcheck.h's defaults (eps 1e-2, |diff| <= 2e-3 +
 * 2e-2 |numeric|: float32 layers on inputs of magnitude ~1). kinked for
 * relu and max pools: points whose step crosses a kink are skipped (at most
 * 1 in 10). */
void conv_gradcheck_layer(libnn_layer *l, const libnn_tensor *x, const char *label, int kinked);

/* Per-sample output shape of a built layer. */
size_t conv_out_shape(const libnn_layer *l, int64_t *shape);

/* Forward of a built layer on x; the output tensor belongs to the caller. */
libnn_tensor *conv_forward(libnn_layer *l, const libnn_tensor *x);

/* The values of t are exactly want. */
void conv_assert_values(libnn_tensor *t, const float *want, size_t n);

/* Window options of a case; 0 leaves the default. */
typedef struct conv_window {
    int64_t sh, sw, dh, dw;
    int padding;
} conv_window;

void conv_set_window(libnn_layer *l, const conv_window *o);

/* A built MaxPooling2D (max) or AveragePooling2D with window options o. */
libnn_layer *conv_pool_with(bool max, int64_t ph, int64_t pw, const conv_window *o,
                            const int64_t *xs);

#endif
