/*
 * RMSprop, as Keras 3:
 *   v = rho * v + (1 - rho) * g^2
 *   centered: a = rho * a + (1 - rho) * g;  d = v - a^2 + epsilon,  else d = v + epsilon
 *   inc = lr * g / sqrt(d)
 *   momentum mu > 0: p = mu * p + inc; w -= p,  else w -= inc
 * Epsilon is inside the square root here, unlike Adam's.
 */
#include "optim_kind_internal.h"

enum { RMS_VELOCITY, RMS_MOMENTUM, RMS_AVERAGE };

static const char *const rmsprop_slots[] = {
    [RMS_VELOCITY] = "velocity", [RMS_MOMENTUM] = "momentum", [RMS_AVERAGE] = "average_gradient"};

static const lnn_param_def rmsprop_params[] = {
    LNN_OPT_COMMON_ROWS(0),
    LNN_OPT_FLOAT(RHO, rho, 0.9, 0, 1),
    LNN_OPT_FLOAT(MOMENTUM, momentum, 0, 0, 1),
    LNN_OPT_NONNEG(EPSILON, epsilon, 1e-7),
    LNN_OPT_BOOL(CENTERED, centered, 0),
};

static unsigned rmsprop_slot_mask(const lnn_param_value *opt)
{
    unsigned mask = 1u << RMS_VELOCITY;
    if (opt[LIBNN_OPT_MOMENTUM].f > 0)
        mask |= 1u << RMS_MOMENTUM;
    if (opt[LIBNN_OPT_CENTERED].i != 0)
        mask |= 1u << RMS_AVERAGE;
    return mask;
}

static void rmsprop_update(const lnn_opt_step *s, float *w, const float *g, float *const *slot,
                           size_t n)
{
    const float lr = s->lr, rho = (float)s->opt[LIBNN_OPT_RHO].f;
    const float c = (float)(1.0 - s->opt[LIBNN_OPT_RHO].f);
    const float eps = (float)s->opt[LIBNN_OPT_EPSILON].f, mu = (float)s->opt[LIBNN_OPT_MOMENTUM].f;
    float *v = slot[RMS_VELOCITY], *p = slot[RMS_MOMENTUM], *a = slot[RMS_AVERAGE];
    for (size_t i = 0; i < n; i++) {
        v[i] = rho * v[i] + c * (g[i] * g[i]);
        float d;
        if (a) {
            a[i] = rho * a[i] + c * g[i];
            d = v[i] - a[i] * a[i] + eps;
        } else {
            d = v[i] + eps;
        }
        float inc = lr * g[i] / sqrtf(d);
        if (p) {
            p[i] = mu * p[i] + inc;
            w[i] -= p[i];
        } else {
            w[i] -= inc;
        }
    }
}

const lnn_optim_ops lnn_rmsprop_ops = LNN_OPTIM_OPS(
    "RMSprop", "rmsprop", rmsprop_params, rmsprop_slots, rmsprop_slot_mask, NULL, rmsprop_update);

libnn_status libnn_rmsprop_new(float learning_rate, libnn_optimizer **out)
{
    return lnn_optimizer_create(&lnn_rmsprop_ops, learning_rate, out);
}
