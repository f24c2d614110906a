/*
 * Activations. One loop per activation (a switch outside the loop), so each
 * loop body is a straight-line expression the compiler can vectorise.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "activation_internal.h"
#include "reduce_internal.h"
#include "vmath_internal.h"

/* Keras' SELU constants (Klambauer et al., 2017). */
#define SELU_ALPHA 1.6732632423543772848170429916717f
#define SELU_SCALE 1.0507009873554804934193349852946f
#define SQRT1_2 0.70710678118654752440f   /* 1 / sqrt(2) */
#define INV_SQRT2PI 0.39894228040143267794f /* 1 / sqrt(2 pi) */

/* exp() only ever sees -|x|, so it cannot overflow: for x < 0 the result is
 * e / (1 + e) rather than 1 / (1 + exp(-x)). */
static inline float sigmoid(float x)
{
    float e = expf(-fabsf(x));
    float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

/* v where c holds, else +0, without a branch: with random signs (relu
 * after a conv) a branch mispredicts half the time, and GCC at -O2 keeps
 * the plain ?: as one. Bit-identical to c ? v : 0.0f. */
static inline float keep_if(bool c, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits &= -(uint32_t)c;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void softmax_rows(const float *x, float *y, size_t rows, size_t cols)
{
    if (cols == 0)
        return;
    for (size_t r = 0; r < rows; r++, x += cols, y += cols) {
        /* Shifting by the row maximum keeps exp() <= 1: no overflow, and at
         * least one term is exactly 1, so the sum is >= 1. */
        float m = x[0];
        for (size_t j = 1; j < cols; j++)
            m = x[j] > m ? x[j] : m;
        for (size_t j = 0; j < cols; j++)
            y[j] = x[j] - m;
        lnn_vexp(y, y, cols);
        float inv = (float)(1.0 / lnn_sum(y, cols));
        for (size_t j = 0; j < cols; j++)
            y[j] *= inv;
    }
}

/*
 * out[i] = expr for each element i: one straight loop per activation.
 * Blocks of MAP_BLOCK go through a local array, loads before stores: with
 * a constant trip count and no possible overlap (out may equal an input),
 * GCC vectorises the cheap bodies (relu: 10x) even at -O2, whose vectoriser
 * leaves loops of unknown length scalar.
 */
#define MAP_BLOCK 8
#define MAP(out, expr)                                                                         \
    do {                                                                                       \
        size_t i;                                                                              \
        for (size_t b_ = 0; b_ + MAP_BLOCK <= n; b_ += MAP_BLOCK) {                            \
            float t_[MAP_BLOCK];                                                               \
            for (size_t k_ = 0; k_ < MAP_BLOCK; k_++) {                                        \
                i = b_ + k_;                                                                   \
                t_[k_] = (expr);                                                               \
            }                                                                                  \
            memcpy((out) + b_, t_, sizeof t_);                                                 \
        }                                                                                      \
        for (i = n - n % MAP_BLOCK; i < n; i++)                                                \
            (out)[i] = (expr);                                                                 \
    } while (0)

void lnn_act_forward(lnn_act act, float alpha, const float *x, float *y, size_t rows,
                     size_t cols)
{
    const size_t n = rows * cols;
    switch (act) {
    case LNN_ACT_LINEAR:
        if (y != x)
            memcpy(y, x, n * sizeof *y);
        break;
    case LNN_ACT_RELU:
        MAP(y, keep_if(x[i] > 0.0f, x[i]));
        break;
    case LNN_ACT_SIGMOID:
        lnn_vsigmoid(x, y, n);
        break;
    case LNN_ACT_TANH:
        lnn_vtanh(x, y, n);
        break;
    case LNN_ACT_SOFTMAX:
        softmax_rows(x, y, rows, cols);
        break;
    case LNN_ACT_LEAKY_RELU:
        MAP(y, x[i] > 0.0f ? x[i] : alpha * x[i]);
        break;
    case LNN_ACT_ELU:
        MAP(y, x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]));
        break;
    case LNN_ACT_SELU:
        MAP(y, SELU_SCALE * (x[i] > 0.0f ? x[i] : SELU_ALPHA * expm1f(x[i])));
        break;
    case LNN_ACT_GELU:
        MAP(y, 0.5f * x[i] * (1.0f + erff(x[i] * SQRT1_2)));
        break;
    case LNN_ACT_SOFTPLUS:
        /* log(1 + e^x) = log1p(e^-|x|) + max(x, 0): exp() never overflows,
         * and log1p keeps the small values for very negative x. */
        MAP(y, log1pf(expf(-fabsf(x[i]))) + (x[i] > 0.0f ? x[i] : 0.0f));
        break;
    case LNN_ACT_SWISH:
        MAP(y, x[i] * sigmoid(x[i]));
        break;
    case LNN_ACT_HARD_SIGMOID:
        /* tf.keras 2.x's definition. Keras 3 redefined hard_sigmoid as
         * relu6(x + 3) / 6 (slope 1/6); libnn follows tf.keras 2 here. */
        MAP(y, fminf(fmaxf(0.2f * x[i] + 0.5f, 0.0f), 1.0f));
        break;
    case LNN_ACT_SOFTSIGN:
        MAP(y, x[i] / (1.0f + fabsf(x[i])));
        break;
    case LNN_ACT_RELU6:
        MAP(y, fminf(fmaxf(x[i], 0.0f), 6.0f));
        break;
    case LNN_ACT_EXPONENTIAL:
        lnn_vexp(x, y, n);
        break;
    case LNN_ACT_COUNT:
        break;
    }
}

/* Phi(x) + x phi(x). */
static inline float gelu_grad(float x)
{
    return 0.5f * (1.0f + erff(x * SQRT1_2)) + x * INV_SQRT2PI * expf(-0.5f * x * x);
}

/* sigmoid(x) (1 + x (1 - sigmoid(x))). */
static inline float swish_grad(float x)
{
    float s = sigmoid(x);
    return s * (1.0f + x * (1.0f - s));
}

/* 1 / (1 + |x|)^2 = (1 - |y|)^2. */
static inline float softsign_grad(float y)
{
    float t = 1.0f - fabsf(y);
    return t * t;
}

void lnn_act_backward(lnn_act act, float alpha, const float *x, const float *y, const float *dy,
                      float *dx, size_t rows, size_t cols)
{
    const size_t n = rows * cols;
    switch (act) {
    case LNN_ACT_LINEAR:
        if (dx != dy)
            memcpy(dx, dy, n * sizeof *dx);
        break;
    case LNN_ACT_RELU:
        MAP(dx, keep_if(y[i] > 0.0f, dy[i]));
        break;
    case LNN_ACT_SIGMOID:
        MAP(dx, dy[i] * y[i] * (1.0f - y[i]));
        break;
    case LNN_ACT_TANH:
        MAP(dx, dy[i] * (1.0f - y[i] * y[i]));
        break;
    case LNN_ACT_SOFTMAX:
        /* dx = y * (dy - <dy, y>) per row: the Jacobian diag(y) - y y^T
         * applied without forming it. */
        for (size_t r = 0; r < rows; r++, y += cols, dy += cols, dx += cols) {
            float dot = (float)lnn_dot(dy, y, cols);
            for (size_t j = 0; j < cols; j++)
                dx[j] = y[j] * (dy[j] - dot);
        }
        break;
    case LNN_ACT_LEAKY_RELU:
        /* y > 0 exactly where x > 0 as long as alpha >= 0. */
        MAP(dx, y[i] > 0.0f ? dy[i] : alpha * dy[i]);
        break;
    case LNN_ACT_ELU:
        /* For x <= 0, d/dx alpha (e^x - 1) = alpha e^x = y + alpha. */
        MAP(dx, y[i] > 0.0f ? dy[i] : dy[i] * (y[i] + alpha));
        break;
    case LNN_ACT_SELU:
        MAP(dx, y[i] > 0.0f ? SELU_SCALE * dy[i] : dy[i] * (y[i] + SELU_SCALE * SELU_ALPHA));
        break;
    case LNN_ACT_GELU:
        MAP(dx, dy[i] * gelu_grad(x[i]));
        break;
    case LNN_ACT_SOFTPLUS:
        /* sigmoid(x) = 1 - e^-y, since e^y = 1 + e^x; expm1 keeps it exact
         * for the tiny y of very negative x. */
        MAP(dx, -dy[i] * expm1f(-y[i]));
        break;
    case LNN_ACT_SWISH:
        MAP(dx, dy[i] * swish_grad(x[i]));
        break;
    case LNN_ACT_HARD_SIGMOID:
        MAP(dx, y[i] > 0.0f && y[i] < 1.0f ? 0.2f * dy[i] : 0.0f);
        break;
    case LNN_ACT_SOFTSIGN:
        MAP(dx, dy[i] * softsign_grad(y[i]));
        break;
    case LNN_ACT_RELU6:
        MAP(dx, y[i] > 0.0f && y[i] < 6.0f ? dy[i] : 0.0f);
        break;
    case LNN_ACT_EXPONENTIAL:
        MAP(dx, dy[i] * y[i]);
        break;
    case LNN_ACT_COUNT:
        break;
    }
}

#undef MAP
#undef MAP_BLOCK

bool lnn_act_backward_needs_input(lnn_act act)
{
    return act == LNN_ACT_GELU || act == LNN_ACT_SWISH;
}

bool lnn_act_backward_needs_output(lnn_act act)
{
    return act != LNN_ACT_LINEAR && !lnn_act_backward_needs_input(act) && act < LNN_ACT_COUNT;
}

/* Keras' spelling; the first row of an activation is its canonical name. */
static const struct {
    const char *name;
    lnn_act act;
} act_names[] = {
    {"linear", LNN_ACT_LINEAR},
    {"relu", LNN_ACT_RELU},
    {"sigmoid", LNN_ACT_SIGMOID},
    {"tanh", LNN_ACT_TANH},
    {"softmax", LNN_ACT_SOFTMAX},
    {"leaky_relu", LNN_ACT_LEAKY_RELU},
    {"elu", LNN_ACT_ELU},
    {"selu", LNN_ACT_SELU},
    {"gelu", LNN_ACT_GELU},
    {"softplus", LNN_ACT_SOFTPLUS},
    {"swish", LNN_ACT_SWISH},
    {"silu", LNN_ACT_SWISH},
    {"hard_sigmoid", LNN_ACT_HARD_SIGMOID},
    {"softsign", LNN_ACT_SOFTSIGN},
    {"relu6", LNN_ACT_RELU6},
    {"exponential", LNN_ACT_EXPONENTIAL},
};

const char *lnn_act_name(lnn_act act)
{
    for (size_t i = 0; i < sizeof act_names / sizeof act_names[0]; i++)
        if (act_names[i].act == act)
            return act_names[i].name;
    return NULL;
}

bool lnn_act_from_name(const char *name, lnn_act *act)
{
    for (size_t i = 0; name && i < sizeof act_names / sizeof act_names[0]; i++)
        if (strcmp(act_names[i].name, name) == 0) {
            *act = act_names[i].act;
            return true;
        }
    return false;
}
