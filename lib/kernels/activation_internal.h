/*
 * Private: activation functions, forward and backward, and their Keras
 * names.
 *
 * What the backward pass needs (so the layer keeps the right buffer):
 *   - linear:                      nothing (dx = dy)
 *   - gelu, swish:                 the input x (y cannot be inverted)
 *   - every other activation:      the output y only, so the forward pass may
 *                                  run in place over x.
 * lnn_act_backward_needs_input() and _needs_output() answer this in code.
 */
#ifndef LIBNN_ACTIVATION_INTERNAL_H
#define LIBNN_ACTIVATION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* Values are private; the public enum maps onto these in the layer code. */
typedef enum lnn_act {
    LNN_ACT_LINEAR = 0,
    LNN_ACT_RELU,
    LNN_ACT_SIGMOID,
    LNN_ACT_TANH,
    LNN_ACT_SOFTMAX,      /* over the last axis (each row of cols values) */
    LNN_ACT_LEAKY_RELU,   /* x < 0: alpha * x; alpha >= 0 (y-based backward) */
    LNN_ACT_ELU,          /* x < 0: alpha * (exp(x) - 1); alpha > 0 */
    LNN_ACT_SELU,
    LNN_ACT_GELU,         /* exact (erf) form, Keras' approximate=False */
    LNN_ACT_SOFTPLUS,
    LNN_ACT_SWISH,        /* also "silu" */
    LNN_ACT_HARD_SIGMOID, /* tf.keras 2: clip(0.2x + 0.5, 0, 1) */
    LNN_ACT_SOFTSIGN,
    LNN_ACT_RELU6,
    LNN_ACT_EXPONENTIAL,
    LNN_ACT_COUNT
} lnn_act;

/*
 * y = act(x) for x [rows, cols]; only softmax uses the row structure, for
 * the others it is rows * cols elements. y may equal x (in place) but must
 * not otherwise overlap it. alpha is the slope of leaky_relu and the alpha
 * of elu (Keras defaults: 0.2 for the leaky_relu activation, 0.3 for the
 * LeakyReLU layer, 1.0 for elu); other activations ignore it.
 */
void lnn_act_forward(lnn_act act, float alpha, const float *x, float *y, size_t rows,
                     size_t cols);

/*
 * dx = dL/dx from dy = dL/dy, the forward output y and (gelu, swish only)
 * the forward input x; the argument an activation does not need may be NULL.
 * dx may equal dy.
 */
void lnn_act_backward(lnn_act act, float alpha, const float *x, const float *y, const float *dy,
                      float *dx, size_t rows, size_t cols);

bool lnn_act_backward_needs_input(lnn_act act);
bool lnn_act_backward_needs_output(lnn_act act);

/* Keras' name ("relu", "swish", ...); NULL for a value out of range. */
const char *lnn_act_name(lnn_act act);

/* The activation named `name` as Keras spells it ("silu" is swish); false
 * when unknown. */
bool lnn_act_from_name(const char *name, lnn_act *act);

#endif
