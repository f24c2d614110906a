/*
 * Helpers of the optimizer suites (test_optim.c, test_schedules.c): two
 * weights with their gradients, and optimizers made and set up under Check
 * assertions.
 */
#ifndef LIBNN_OPTIM_HELPERS_H
#define LIBNN_OPTIM_HELPERS_H

#include <stdint.h>

#include "optim/optim_internal.h"

/* Two weights, "dense/kernel" [0.5, -1, 2] and "dense/bias" [1.5, -0.25],
 * and the gradients of two steps, G1 then G2 (kernel then bias). */
extern const float OPTIM_W0[5], OPTIM_G1[5], OPTIM_G2[5];

typedef struct optim_fixture {
    float w[5], g[5]; /* kernel = [0..2], bias = [3..4] */
    lnn_param_ref refs[2];
} optim_fixture;

/* Weights OPTIM_W0, zero gradients, and the references a bind takes. */
void optim_fixture_init(optim_fixture *f);

/* A new optimizer from its constructor. */
libnn_optimizer *optim_make(libnn_status (*ctor)(float, libnn_optimizer **), float lr);

/* Set a float or an integer option. */
void optim_set_f(libnn_optimizer *o, libnn_opt_param key, double v);
void optim_set_i(libnn_optimizer *o, libnn_opt_param key, int64_t v);

#endif
