/*
 * SGD, as Keras 3: with momentum mu > 0 a velocity m is kept,
 *   m = mu * m - lr * g;  w += m            (or, Nesterov: w += mu * m - lr * g)
 * and without it w -= lr * g.
 */
#include "optim_kind_internal.h"

enum { SGD_MOMENTUM };

static const char *const sgd_slots[] = {[SGD_MOMENTUM] = "momentum"};

static const lnn_param_def sgd_params[] = {
    LNN_OPT_COMMON_ROWS(0),
    LNN_OPT_FLOAT(MOMENTUM, momentum, 0, 0, 1),
    LNN_OPT_BOOL(NESTEROV, nesterov, 0),
};

/* Keras keeps the velocity only when momentum != 0. */
static unsigned sgd_slot_mask(const lnn_param_value *opt)
{
    return opt[LIBNN_OPT_MOMENTUM].f != 0 ? 1u << SGD_MOMENTUM : 0;
}

static void sgd_update(const lnn_opt_step *s, float *w, const float *g, float *const *slot,
                       size_t n)
{
    const float lr = s->lr;
    float *m = slot[SGD_MOMENTUM];
    if (!m) {
        for (size_t i = 0; i < n; i++)
            w[i] -= g[i] * lr;
        return;
    }
    const float mu = (float)s->opt[LIBNN_OPT_MOMENTUM].f;
    if (s->opt[LIBNN_OPT_NESTEROV].i != 0) {
        for (size_t i = 0; i < n; i++) {
            m[i] = m[i] * mu - g[i] * lr;
            w[i] += m[i] * mu - g[i] * lr;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            m[i] = m[i] * mu - g[i] * lr;
            w[i] += m[i];
        }
    }
}

const lnn_optim_ops lnn_sgd_ops =
    LNN_OPTIM_OPS("SGD", "sgd", sgd_params, sgd_slots, sgd_slot_mask, NULL, sgd_update);

libnn_status libnn_sgd_new(float learning_rate, libnn_optimizer **out)
{
    return lnn_optimizer_create(&lnn_sgd_ops, learning_rate, out);
}
