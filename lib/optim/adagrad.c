/*
 * Adagrad, as Keras 3: acc += g^2;  w -= lr * g / sqrt(acc + epsilon),
 * with the accumulator starting at initial_accumulator_value (0.1), read
 * when the optimizer is bound.
 */
#include "optim_kind_internal.h"

enum { ADAGRAD_ACC };

static const char *const adagrad_slots[] = {[ADAGRAD_ACC] = "accumulator"};

static const lnn_param_def adagrad_params[] = {
    LNN_OPT_COMMON_ROWS(0),
    LNN_OPT_NONNEG(INITIAL_ACCUMULATOR_VALUE, initial_accumulator_value, 0.1),
    LNN_OPT_NONNEG(EPSILON, epsilon, 1e-7),
};

static unsigned adagrad_slot_mask(const lnn_param_value *opt)
{
    return 1u << ADAGRAD_ACC;
}

static float adagrad_slot_init(const lnn_param_value *opt, size_t slot)
{
    return (float)opt[LIBNN_OPT_INITIAL_ACCUMULATOR_VALUE].f;
}

static void adagrad_update(const lnn_opt_step *s, float *w, const float *g, float *const *slot,
                           size_t n)
{
    const float lr = s->lr, eps = (float)s->opt[LIBNN_OPT_EPSILON].f;
    float *acc = slot[ADAGRAD_ACC];
    for (size_t i = 0; i < n; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= lr * g[i] / sqrtf(acc[i] + eps);
    }
}

const lnn_optim_ops lnn_adagrad_ops =
    LNN_OPTIM_OPS("Adagrad", "adagrad", adagrad_params, adagrad_slots, adagrad_slot_mask,
                  adagrad_slot_init, adagrad_update);

libnn_status libnn_adagrad_new(float learning_rate, libnn_optimizer **out)
{
    return lnn_optimizer_create(&lnn_adagrad_ops, learning_rate, out);
}
