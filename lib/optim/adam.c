/*
 * Adam and AdamW, as Keras 3. In Keras 3 AdamW is Adam whose weight decay
 * defaults to 0.004: the decoupled decay w -= w * wd * lr is the common
 * step every optimizer applies before its rule. The rule, at step t:
 *   m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
 *   (amsgrad: v_hat = max(v_hat, v), used in place of v)
 *   w -= m * alpha / (sqrt(v) + epsilon),
 *   alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
 * so epsilon sits outside the bias correction, as in Keras (not PyTorch).
 */
#include "kernels/vmath_internal.h"
#include "optim_kind_internal.h"

enum { ADAM_M, ADAM_V, ADAM_V_HAT };

static const char *const adam_slots[] = {
    [ADAM_M] = "momentum", [ADAM_V] = "velocity", [ADAM_V_HAT] = "velocity_hat"};

#define ADAM_ROWS(wd)                                                                            \
    LNN_OPT_COMMON_ROWS(wd), LNN_OPT_FRACTION_OPEN(BETA_1, beta_1, 0.9),                       \
    LNN_OPT_FRACTION_OPEN(BETA_2, beta_2, 0.999), LNN_OPT_NONNEG(EPSILON, epsilon, 1e-7),     \
    LNN_OPT_BOOL(AMSGRAD, amsgrad, 0)

static const lnn_param_def adam_params[] = {ADAM_ROWS(0)};
static const lnn_param_def adamw_params[] = {ADAM_ROWS(0.004)};

static unsigned adam_slot_mask(const lnn_param_value *opt)
{
    unsigned mask = 1u << ADAM_M | 1u << ADAM_V;
    return opt[LIBNN_OPT_AMSGRAD].i != 0 ? mask | 1u << ADAM_V_HAT : mask;
}

static void adam_update(const lnn_opt_step *s, float *w, const float *g, float *const *slot,
                        size_t n)
{
    const float b1 = (float)s->opt[LIBNN_OPT_BETA_1].f, b2 = (float)s->opt[LIBNN_OPT_BETA_2].f;
    const float eps = (float)s->opt[LIBNN_OPT_EPSILON].f;
    /* In float32 as Keras (the betas are cast to the weight's dtype): early
     * on 1 - beta_2^t cancels, and float32 rounding moves alpha by ~1e-5
     * relative; doing it in double would drift from Keras by that much. */
    const float t = (float)s->t;
    const float alpha = s->lr * sqrtf(1.0f - powf(b2, t)) / (1.0f - powf(b1, t));
    const float c1 = (float)(1.0 - s->opt[LIBNN_OPT_BETA_1].f);
    const float c2 = (float)(1.0 - s->opt[LIBNN_OPT_BETA_2].f);
    float *m = slot[ADAM_M], *v = slot[ADAM_V], *v_hat = slot[ADAM_V_HAT];
    if (!v_hat) {
        lnn_vadam(w, g, m, v, n, alpha, c1, c2, eps);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * c1;
        v[i] += (g[i] * g[i] - v[i]) * c2;
        float vi = v[i];
        if (v_hat) {
            v_hat[i] = v_hat[i] > vi ? v_hat[i] : vi;
            vi = v_hat[i];
        }
        w[i] -= m[i] * alpha / (sqrtf(vi) + eps);
    }
}

const lnn_optim_ops lnn_adam_ops =
    LNN_OPTIM_OPS("Adam", "adam", adam_params, adam_slots, adam_slot_mask, NULL, adam_update);
const lnn_optim_ops lnn_adamw_ops =
    LNN_OPTIM_OPS("AdamW", "adamw", adamw_params, adam_slots, adam_slot_mask, NULL, adam_update);

libnn_status libnn_adam_new(float learning_rate, libnn_optimizer **out)
{
    return lnn_optimizer_create(&lnn_adam_ops, learning_rate, out);
}

libnn_status libnn_adamw_new(float learning_rate, libnn_optimizer **out)
{
    return lnn_optimizer_create(&lnn_adamw_ops, learning_rate, out);
}
