/*
 * Central-difference gradient check of a built layer, shared by the layer
 * suites.
 */
#ifndef LIBNN_GRADCHECK_H
#define LIBNN_GRADCHECK_H

#include "libnn.h"

typedef struct tu_gradcheck {
    double eps;        /* step of the central difference (in float32: 1e-2 .. 1e-3) */
    double atol, rtol; /* pass when |analytic - numeric| <= atol + rtol * |numeric| */
    int skip_dx;       /* the layer's input is not differentiable (token ids) */
    int training;      /* forward in training mode */
    size_t max_checks; /* per tensor, spread evenly over its elements; 0: all */
    const char *label; /* names the case in failure messages */
    int kinked;        /* piecewise-linear layer (relu, max-pool): points where
                        * the one-sided differences disagree straddle a kink
                        * and are skipped; at most 1 in 10 may be */
} tu_gradcheck;

/* Defaults suitable for float32 layers on inputs of magnitude ~1:
 * eps 1e-2, atol 2e-3, rtol 2e-2, all elements up to 300 per tensor. */
tu_gradcheck tu_gradcheck_defaults(void);

/*
 * Checks dL/dx and the gradient of every weight of `layer` (built for x's
 * sample shape) at x, for L = sum(y * r) with r drawn uniform(-1, 1) from
 * `seed`. Fails the running Check test with the first element off, naming
 * the tensor and index. Leaves the weights as they were.
 */
void tu_gradcheck_layer(libnn_layer *layer, const libnn_tensor *x, uint64_t seed,
                        const tu_gradcheck *opt);

#endif
