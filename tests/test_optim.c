/*
 * Optimizers: options, the Keras 3 update rules, clipping, weight decay,
 * and the step's contract (bound first, finite gradients, no allocation).
 * Learning-rate schedules: test_schedules.c.
 *
 * The expected weights were worked out by hand from the Keras 3 formulas
 * quoted in each test, in float64 (numpy used as a calculator, never
 * libnn); the first element is derived in the comment, the others follow
 * the same arithmetic. libnn computes in float32 as Keras does, hence the
 * 1e-6 tolerance.
 */
#include <math.h>
#include <string.h>

#include "optim_helpers.h"
#include "testutil.h"

static void assert_close(const float *got, const double *expect, size_t n, double tol,
                         const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(got[i] - expect[i]) <= tol, "%s[%zu]: got %.9g, expected %.9g", what,
                      i, got[i], expect[i]);
}

static void step_with(libnn_optimizer *o, optim_fixture *f, const float *g)
{
    memcpy(f->g, g, sizeof f->g);
    ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_OK);
}

/* One update rule: a kind at lr 0.1 with up to four options (booleans and
 * the schedule through set_int), and the weights after G1 and after G2. */
typedef struct rule_case {
    const char *what;
    libnn_status (*ctor)(float, libnn_optimizer **);
    struct {
        libnn_opt_param key;
        double value;
        bool is_int;
    } opts[4];
    double step1[5], step2[5];
} rule_case;

#define OPT_F(k, v) {LIBNN_OPT_##k, v, false}
#define OPT_I(k, v) {LIBNN_OPT_##k, v, true}

static const rule_case rules[] = {
    /* SGD: w -= lr g. Element 0: 0.5 - 0.01 = 0.49, then 0.49 + 0.04 = 0.53. */
    {"sgd", libnn_sgd_new, {{0}},
     {0.49, -0.98, 1.97, 1.43, -0.245}, {0.53, -0.985, 1.945, 1.46, -0.305}},
    /* m = 0.9 m - lr g; w += m. Element 0: m1 = -0.01, w = 0.49;
     * m2 = -0.009 + 0.04 = 0.031, w = 0.521. */
    {"sgd momentum", libnn_sgd_new, {OPT_F(MOMENTUM, 0.9)},
     {0.49, -0.98, 1.97, 1.43, -0.245}, {0.521, -0.967, 1.918, 1.397, -0.3005}},
    /* Nesterov: m as above; w += 0.9 m - lr g. Element 0: m1 = -0.01,
     * w = 0.5 - 0.009 - 0.01 = 0.481; m2 = 0.031, w = 0.481 + 0.0279 + 0.04
     * = 0.5489. */
    {"sgd nesterov", libnn_sgd_new, {OPT_F(MOMENTUM, 0.9), OPT_I(NESTEROV, 1)},
     {0.481, -0.962, 1.943, 1.367, -0.2405}, {0.5489, -0.9553, 1.8712, 1.3673, -0.35045}},
    /* Keras 3 first decays, w -= w wd lr, then applies the rule. wd 0.5,
     * element 0: 0.5 - 0.025 = 0.475, - 0.01 = 0.465; 0.465 - 0.02325 =
     * 0.44175, + 0.04 = 0.48175. */
    {"sgd weight decay", libnn_sgd_new, {OPT_F(WEIGHT_DECAY, 0.5)},
     {0.465, -0.93, 1.87, 1.355, -0.2325}, {0.48175, -0.8885, 1.7515, 1.31725, -0.280875}},
    /* The schedule drives the step and the decay: exponential, decay_steps
     * 1, rate 0.5 gives lr 0.1 at iteration 0 and 0.05 at iteration 1.
     * Element 0: 0.465 as above; 0.465 - 0.465 * 0.5 * 0.05 = 0.453375,
     * + 0.05 * 0.4 = 0.473375. */
    {"sgd schedule", libnn_sgd_new,
     {OPT_F(WEIGHT_DECAY, 0.5), OPT_I(SCHEDULE, LIBNN_LR_EXPONENTIAL_DECAY),
      OPT_I(DECAY_STEPS, 1), OPT_F(DECAY_RATE, 0.5)},
     {0.465, -0.93, 1.87, 1.355, -0.2325}, {0.473375, -0.90925, 1.81075, 1.336125, -0.2566875}},
    /* Adam: m += (g - m)(1 - 0.9); v += (g^2 - v)(1 - 0.999);
     * alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t); w -= m alpha / (sqrt(v) + 1e-7).
     * Keras casts the betas to float32 and computes alpha in float32, where
     * 1 - 0.999f^t cancels: alpha1 = 0.1 sqrt(0.0009999871) / 0.10000002 =
     * 0.0316225663 (0.0316227766 in exact arithmetic), alpha2 = 0.1
     * sqrt(0.001998961) / 0.19000003 = 0.0235314369.
     * Element 0, t = 1: m = 0.01, v = 1e-5,
     * w = 0.5 - 0.01 * 0.0316225663 / (0.0031622777 + 1e-7) = 0.400003827.
     * t = 2: m = 0.009 - 0.04 = -0.031, v = 9.99e-6 + 1.6e-4 = 1.6999e-4,
     * w = 0.400003827 + 0.031 * 0.0235314369 / (0.0130380213 + 1e-7) = 0.455953187. */
    {"adam", libnn_adam_new, {{0}},
     {0.400003827, -0.900002246, 1.90000172, 1.40000112, -0.150006989},
     {0.455953187, -0.85305662, 1.80088623, 1.36774366, -0.21860107}},
    /* beta_2 0.5 so that v falls where g shrinks; amsgrad divides by
     * v_hat = max(v_hat, v) instead. Element 1: g -0.2 then 0.05;
     * v1 = 0.02, v2 = 0.01 + 0.00125 = 0.01125 < v1, so v_hat2 = 0.02;
     * m2 = -0.018 + 0.005 = -0.013; alpha2 = 0.1 sqrt(0.75) / 0.19 =
     * 0.455803; w = -0.900000089 + 0.013 * 0.455803 / (0.1414214 + 1e-7)
     * = -0.858100965; without amsgrad / sqrt(0.01125): -0.844134603. */
    {"adam amsgrad", libnn_adam_new, {OPT_F(BETA_2, 0.5), OPT_I(AMSGRAD, 1)},
     {0.40000016, -0.900000089, 1.90000007, 1.40000004, -0.150000301},
     {0.449194084, -0.858100965, 1.79776713, 1.36961165, -0.209522759}},
    {"adam beta_2", libnn_adam_new, {OPT_F(BETA_2, 0.5)},
     {0.40000016, -0.900000089, 1.90000007, 1.40000004, -0.150000301},
     {0.449194084, -0.844134603, 1.79776713, 1.36324784, -0.209522759}},
    /* AdamW = Adam after w -= w * 0.004 * lr (its default weight decay).
     * Element 0, step 1: 0.5 - 0.5 * 0.004 * 0.1 = 0.4998, minus Adam's
     * 0.0999962 (as above) = 0.399803827. */
    {"adamw", libnn_adamw_new, {{0}},
     {0.399803827, -0.899602246, 1.89920172, 1.39940112, -0.149906989},
     {0.455593266, -0.852296779, 1.79932655, 1.3665839, -0.218441107}},
    /* Keras 3's Adam with weight_decay is the same rule. */
    {"adam weight decay", libnn_adam_new, {OPT_F(WEIGHT_DECAY, 0.004)},
     {0.399803827, -0.899602246, 1.89920172, 1.39940112, -0.149906989},
     {0.455593266, -0.852296779, 1.79932655, 1.3665839, -0.218441107}},
    /* RMSprop: v = 0.9 v + 0.1 g^2; w -= lr g / sqrt(v + 1e-7). Element 0:
     * v1 = 0.001, w = 0.5 - 0.01 / sqrt(0.0010001) = 0.183788044;
     * v2 = 0.0009 + 0.016 = 0.0169, w += 0.04 / sqrt(0.0169001) = 0.491479442. */
    {"rmsprop", libnn_rmsprop_new, {{0}},
     {0.183788044, -0.683776187, 1.68377399, 1.18377256, 0.0661645394},
     {0.491479442, -0.764357437, 1.47507875, 1.31396135, -0.249079188}},
    /* p = 0.5 p + inc; w -= p. Element 0: inc1 = 0.316211956, p1 = inc1;
     * inc2 = -0.04 / sqrt(0.0169001) = -0.307691397,
     * p2 = 0.158105978 - 0.307691397 = -0.149585419,
     * w = 0.183788044 + 0.149585419 = 0.333373464. */
    {"rmsprop momentum", libnn_rmsprop_new, {OPT_F(MOMENTUM, 0.5)},
     {0.183788044, -0.683776187, 1.68377399, 1.18377256, 0.0661645394},
     {0.333373464, -0.60624553, 1.31696575, 1.15584762, -0.0909969182}},
    /* Centered: a = 0.9 a + 0.1 g; w -= lr g / sqrt(v - a^2 + 1e-7).
     * Element 0: v1 = 0.001, a1 = 0.01, d = 0.001 - 0.0001 + 1e-7 = 0.0009001,
     * w = 0.5 - 0.01 / 0.0300017 = 0.166685184. */
    {"rmsprop centered", libnn_rmsprop_new, {OPT_I(CENTERED, 1)},
     {0.166685184, -0.666671296, 1.66666872, 1.16666704, 0.0832592839},
     {0.483516494, -0.74908154, 1.43500942, 1.29821171, -0.246307339}},
    {"rmsprop centered momentum", libnn_rmsprop_new, {OPT_I(CENTERED, 1), OPT_F(MOMENTUM, 0.5)},
     {0.166685184, -0.666671296, 1.66666872, 1.16666704, 0.0832592839},
     {0.316859086, -0.582417188, 1.26834378, 1.13154523, -0.0796776967}},
    /* Adagrad: acc starts at 0.1; acc += g^2; w -= lr g / sqrt(acc + 1e-7).
     * Element 0: acc = 0.11, w = 0.5 - 0.01 / sqrt(0.1100001) = 0.469848879;
     * acc = 0.27, w += 0.04 / sqrt(0.2700001) = 0.546828901. */
    {"adagrad", libnn_adagrad_new, {{0}},
     {0.469848879, -0.946547771, 1.9311753, 1.40886777, -0.234382631},
     {0.546828901, -0.95979309, 1.88142345, 1.44524811, -0.322608377}},
};

/* Bind the case's optimizer to the fixture, step with G1 and G2 and compare
 * the weights after each step with the hand-computed rows. */
START_TEST(update_rules)
{
    const rule_case *c = &rules[_i];
    libnn_optimizer *o = optim_make(c->ctor, 0.1f);
    for (size_t k = 0; k < 4 && c->opts[k].key; k++) {
        if (c->opts[k].is_int)
            optim_set_i(o, c->opts[k].key, (int64_t)c->opts[k].value);
        else
            optim_set_f(o, c->opts[k].key, c->opts[k].value);
    }
    optim_fixture f;
    optim_fixture_init(&f);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    step_with(o, &f, OPTIM_G1);
    assert_close(f.w, c->step1, 5, 1e-6, c->what); /* after step 1 */
    step_with(o, &f, OPTIM_G2);
    assert_close(f.w, c->step2, 5, 1e-6, c->what); /* after step 2 */
    ck_assert_int_eq(libnn_optimizer_iterations(o), 2);
    libnn_optimizer_free(o);
}
END_TEST

/* One SGD step at lr 1 with a clipping option: w0 - w is the clipped
 * gradient, which the step also leaves in the gradient buffers. */
static void clipped_step(libnn_opt_param key, double value, const double expect[5])
{
    optim_fixture f;
    optim_fixture_init(&f);
    libnn_optimizer *o = optim_make(libnn_sgd_new, 1.0f);
    optim_set_f(o, key, value);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    step_with(o, &f, OPTIM_G1);
    assert_close(f.g, expect, 5, 1e-7, "clipped gradient");
    double w[5];
    for (int i = 0; i < 5; i++)
        w[i] = OPTIM_W0[i] - expect[i];
    assert_close(f.w, w, 5, 1e-6, "weights");
    libnn_optimizer_free(o);
}

START_TEST(clipping)
{
    /* clipvalue 0.25: each entry into [-0.25, 0.25]. */
    clipped_step(LIBNN_OPT_CLIPVALUE, 0.25, (const double[]){0.1, -0.2, 0.25, 0.25, -0.05});
    /* clipnorm 0.5, per weight: the kernel's norm sqrt(0.14) = 0.374 stays;
     * the bias's sqrt(0.4925) = 0.701783442 scales by 0.5 / 0.701783442. */
    clipped_step(LIBNN_OPT_CLIPNORM, 0.5,
                 (const double[]){0.1, -0.2, 0.3, 0.49872935, -0.035623525});
    /* global_clipnorm 0.5: the norm over both, sqrt(0.6325) = 0.795298686,
     * scales everything by 0.628694613. */
    clipped_step(LIBNN_OPT_GLOBAL_CLIPNORM, 0.5,
                 (const double[]){0.0628694613, -0.125738923, 0.188608384, 0.440086229,
                                  -0.0314347307});
    /* A bound above the norm changes nothing. */
    clipped_step(LIBNN_OPT_GLOBAL_CLIPNORM, 1.0, (const double[]){0.1, -0.2, 0.3, 0.7, -0.05});
}
END_TEST

START_TEST(clipping_modes_are_exclusive)
{
    libnn_optimizer *o = optim_make(libnn_adam_new, 0.1f);
    optim_set_f(o, LIBNN_OPT_CLIPNORM, 1.0);
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_GLOBAL_CLIPNORM, 2.0),
                     LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(),
                     "adam: only one of clipnorm, clipvalue and global_clipnorm can be set; "
                     "clipnorm is 1 (set it to 0 first)");
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_CLIPVALUE, 0.5), LIBNN_E_INVALID);
    tu_assert_error_has("clipnorm is 1");
    /* 0 means off, and switching off frees the way. */
    optim_set_f(o, LIBNN_OPT_CLIPVALUE, 0);
    optim_set_f(o, LIBNN_OPT_CLIPNORM, 0);
    optim_set_f(o, LIBNN_OPT_GLOBAL_CLIPNORM, 2.0);
    double v;
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_GLOBAL_CLIPNORM, &v), LIBNN_OK);
    ck_assert(v == 2.0);
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(options_are_validated_by_the_table)
{
    libnn_optimizer *o = (libnn_optimizer *)1;
    ck_assert_int_eq(libnn_adam_new(-1.0f, &o), LIBNN_E_INVALID);
    ck_assert_ptr_null(o);
    ck_assert_str_eq(libnn_last_error(), "adam: learning_rate must be >= 0, got -1");
    ck_assert_int_eq(libnn_sgd_new(INFINITY, &o), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "sgd: learning_rate must be a finite number, got inf");
    ck_assert_int_eq(libnn_rmsprop_new(0.1f, NULL), LIBNN_E_INVALID);
    tu_assert_error_has("rmsprop_new: out is NULL");

    o = optim_make(libnn_adam_new, 0.001f);
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_MOMENTUM, 0.9), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam has no option momentum");
    ck_assert_int_eq(libnn_optimizer_set_int(o, (libnn_opt_param)999, 1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: unknown option key 999");
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_BETA_1, 1.0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: beta_1 must be < 1, got 1");
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_EPSILON, -1e-3), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: epsilon must be >= 0, got -0.001");
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_BETA_2, NAN), LIBNN_E_INVALID);
    tu_assert_error_has("beta_2 must be a finite number");
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_AMSGRAD, 1.0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: amsgrad takes an integer; use libnn_optimizer_set_int");
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_AMSGRAD, 2), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: amsgrad is a boolean (0 or 1), got 2");
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_SCHEDULE, 9), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: schedule has no value 9 (valid: 0..4)");
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_DECAY_STEPS, 0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: decay_steps must be >= 1, got 0");
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_ALPHA, 1.5), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: alpha must be <= 1, got 1.5");
    ck_assert_int_eq(libnn_optimizer_set_float(NULL, LIBNN_OPT_BETA_1, 0.5), LIBNN_E_INVALID);

    /* Defaults as Keras; floats read through get_float only. */
    double v;
    int64_t i;
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_BETA_1, &v), LIBNN_OK);
    ck_assert(v == 0.9);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_BETA_2, &v), LIBNN_OK);
    ck_assert(v == 0.999);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_EPSILON, &v), LIBNN_OK);
    ck_assert(v == 1e-7);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_WEIGHT_DECAY, &v), LIBNN_OK);
    ck_assert(v == 0);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_WARMUP_TARGET, &v), LIBNN_OK);
    ck_assert(isnan(v));
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_LEARNING_RATE, &v), LIBNN_OK);
    ck_assert(v == (double)0.001f);
    ck_assert_int_eq(libnn_optimizer_get_int(o, LIBNN_OPT_AMSGRAD, &i), LIBNN_OK);
    ck_assert_int_eq(i, 0);
    ck_assert_int_eq(libnn_optimizer_get_int(o, LIBNN_OPT_BETA_1, &i), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(),
                     "adam: beta_1 is a float option; use libnn_optimizer_get_float");
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_RHO, &v), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam has no option rho");
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_RHO, NULL), LIBNN_E_INVALID);
    libnn_optimizer_free(o);

    o = optim_make(libnn_sgd_new, 0.01f);
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_MOMENTUM, 2), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "sgd: momentum must be <= 1, got 2");
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_BETA_1, 0.5), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "sgd has no option beta_1");
    libnn_optimizer_free(o);
    o = optim_make(libnn_adagrad_new, 0.01f);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_INITIAL_ACCUMULATOR_VALUE, &v),
                     LIBNN_OK);
    ck_assert(v == 0.1);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_CENTERED, 1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adagrad has no option centered");
    libnn_optimizer_free(o);
    o = optim_make(libnn_rmsprop_new, 0.01f);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_RHO, &v), LIBNN_OK);
    ck_assert(v == 0.9);
    libnn_optimizer_free(o);

    /* Keras' class names. */
    static const struct {
        libnn_status (*ctor)(float, libnn_optimizer **);
        const char *name;
    } kinds[] = {{libnn_sgd_new, "SGD"},         {libnn_adam_new, "Adam"},
                 {libnn_adamw_new, "AdamW"},     {libnn_rmsprop_new, "RMSprop"},
                 {libnn_adagrad_new, "Adagrad"}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        o = optim_make(kinds[k].ctor, 0.01f);
        ck_assert_str_eq(libnn_optimizer_kind_name(o), kinds[k].name);
        libnn_optimizer_free(o);
    }
    libnn_optimizer_free(NULL);
    ck_assert_ptr_null(libnn_optimizer_kind_name(NULL));
    ck_assert_int_eq(libnn_optimizer_iterations(NULL), 0);
    ck_assert(isnan(libnn_optimizer_learning_rate(NULL)));
}
END_TEST

START_TEST(options_change_while_bound)
{
    optim_fixture f;
    optim_fixture_init(&f);
    libnn_optimizer *o = optim_make(libnn_sgd_new, 0.1f);
    optim_set_f(o, LIBNN_OPT_MOMENTUM, 0.9);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    /* The learning rate, as ReduceLROnPlateau does, and momentum within
     * non-zero values keep the slots. */
    optim_set_f(o, LIBNN_OPT_LEARNING_RATE, 0.05);
    ck_assert_double_eq_tol(libnn_optimizer_learning_rate(o), 0.05, 1e-12);
    optim_set_f(o, LIBNN_OPT_MOMENTUM, 0.5);
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_MOMENTUM, 0), LIBNN_E_STATE);
    ck_assert_str_eq(libnn_last_error(),
                     "sgd: momentum cannot change from 0.5 to 0 once bound to a model: it "
                     "decides which state the optimizer keeps (set it before compile)");
    libnn_optimizer_free(o);

    o = optim_make(libnn_adam_new, 0.1f);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_AMSGRAD, 1), LIBNN_E_STATE);
    optim_set_i(o, LIBNN_OPT_AMSGRAD, 0); /* no change */
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(slots_and_rebinding)
{
    optim_fixture f;
    optim_fixture_init(&f);
    libnn_optimizer *o = optim_make(libnn_adam_new, 0.1f);
    ck_assert_uint_eq(lnn_optimizer_slot_count(o), 0);
    ck_assert_ptr_null(lnn_optimizer_slot_name(o, 0));
    optim_set_i(o, LIBNN_OPT_AMSGRAD, 1);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    ck_assert_uint_eq(lnn_optimizer_slot_count(o), 3);
    ck_assert_str_eq(lnn_optimizer_slot_name(o, 0), "momentum");
    ck_assert_str_eq(lnn_optimizer_slot_name(o, 1), "velocity");
    ck_assert_str_eq(lnn_optimizer_slot_name(o, 2), "velocity_hat");
    ck_assert_ptr_null(lnn_optimizer_slot_name(o, 3));
    ck_assert_ptr_null(lnn_optimizer_slot(o, 0, 2));
    ck_assert_ptr_null(lnn_optimizer_slot(o, 3, 0));
    step_with(o, &f, OPTIM_G1);
    /* m = 0.1 g, v = 0.001 g^2 for the bias [0.7, -0.05]. */
    assert_close(lnn_optimizer_slot(o, 0, 1), (const double[]){0.07, -0.005}, 2, 1e-8, "m");
    assert_close(lnn_optimizer_slot(o, 1, 1), (const double[]){0.00049, 0.0000025}, 2, 1e-9,
                 "v");
    ck_assert_int_eq(libnn_optimizer_iterations(o), 1);

    /* Binding again starts over: zero slots, iteration 0. */
    ck_assert_int_eq(lnn_optimizer_bind(o, 1, f.refs), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_iterations(o), 0);
    assert_close(lnn_optimizer_slot(o, 0, 0), (const double[]){0, 0, 0}, 3, 0, "m");
    ck_assert_ptr_null(lnn_optimizer_slot(o, 0, 1));
    ck_assert_int_eq(lnn_optimizer_set_iterations(o, -1), LIBNN_E_INVALID);
    libnn_optimizer_free(o);

    /* Adagrad's accumulator starts at initial_accumulator_value; RMSprop
     * keeps what its options ask for; SGD without momentum nothing. */
    o = optim_make(libnn_adagrad_new, 0.1f);
    optim_set_f(o, LIBNN_OPT_INITIAL_ACCUMULATOR_VALUE, 0.25);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    ck_assert_str_eq(lnn_optimizer_slot_name(o, 0), "accumulator");
    assert_close(lnn_optimizer_slot(o, 0, 1), (const double[]){0.25, 0.25}, 2, 0, "acc");
    libnn_optimizer_free(o);
    o = optim_make(libnn_rmsprop_new, 0.1f);
    optim_set_i(o, LIBNN_OPT_CENTERED, 1);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    ck_assert_uint_eq(lnn_optimizer_slot_count(o), 2);
    ck_assert_str_eq(lnn_optimizer_slot_name(o, 1), "average_gradient");
    libnn_optimizer_free(o);
    o = optim_make(libnn_sgd_new, 0.1f);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    ck_assert_uint_eq(lnn_optimizer_slot_count(o), 0);
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(step_contract)
{
    optim_fixture f;
    optim_fixture_init(&f);
    libnn_optimizer *o = optim_make(libnn_rmsprop_new, 0.1f);
    ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_E_STATE);
    ck_assert_str_eq(libnn_last_error(),
                     "rmsprop: step before the optimizer is bound to weights (compile first)");
    ck_assert_int_eq(lnn_optimizer_step(NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(lnn_optimizer_bind(o, 1, NULL), LIBNN_E_INVALID);
    lnn_param_ref bad = {f.w, NULL, 3, "dense/kernel"};
    ck_assert_int_eq(lnn_optimizer_bind(o, 1, &bad), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "rmsprop: weight 0 (dense/kernel) has no gradient buffer");

    optim_set_f(o, LIBNN_OPT_CLIPVALUE, 0.1);
    optim_set_f(o, LIBNN_OPT_WEIGHT_DECAY, 0.1);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    step_with(o, &f, OPTIM_G1);
    float w[5], g[5], v[2];
    memcpy(w, f.w, sizeof w);
    memcpy(v, lnn_optimizer_slot(o, 0, 1), sizeof v);
    /* A NaN anywhere: nothing moves, not even the other weight's values,
     * the slots, the gradients (no clipping) or the iteration count. */
    memcpy(f.g, OPTIM_G2, sizeof f.g);
    f.g[4] = NAN;
    memcpy(g, f.g, sizeof g);
    ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_E_NONFINITE);
    ck_assert_str_eq(libnn_last_error(),
                     "rmsprop: the gradient of dense/bias is nan at index 1; no weight was updated");
    ck_assert_mem_eq(f.w, w, sizeof w);
    ck_assert_mem_eq(f.g, g, sizeof g);
    ck_assert_mem_eq(lnn_optimizer_slot(o, 0, 1), v, sizeof v);
    ck_assert_int_eq(libnn_optimizer_iterations(o), 1);
    f.g[4] = 0;
    f.g[0] = -INFINITY;
    ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_E_NONFINITE);
    tu_assert_error_has("dense/kernel is -inf at index 0");
    ck_assert_mem_eq(f.w, w, sizeof w);
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(helpers_for_the_model_file)
{
    libnn_optimizer *o = NULL;
    ck_assert_int_eq(lnn_optimizer_new_named("RMSprop", 0.5f, &o), LIBNN_OK);
    ck_assert_str_eq(libnn_optimizer_kind_name(o), "RMSprop");
    libnn_optimizer_free(o);
    ck_assert_int_eq(lnn_optimizer_new_named("Nadam", 0.5f, &o), LIBNN_E_NOTFOUND);
    ck_assert_ptr_null(o);
    ck_assert_str_eq(libnn_last_error(), "optimizer: no kind named \"Nadam\"");

    o = optim_make(libnn_adam_new, 0.5f);
    libnn_opt_param key;
    const char *name;
    double v;
    size_t rows = 0;
    while (lnn_optimizer_option(o, rows, &key, &name, &v)) {
        ck_assert_ptr_nonnull(name);
        if (key == LIBNN_OPT_BETA_1)
            ck_assert_str_eq(name, "beta_1");
        if (key == LIBNN_OPT_LEARNING_RATE)
            ck_assert(v == 0.5);
        rows++;
    }
    ck_assert_uint_eq(rows, 12 + 4); /* the common rows and Adam's four */
    const int64_t *b;
    const float *vals;
    ck_assert_uint_eq(lnn_optimizer_piecewise(o, &b, &vals), 0);
    ck_assert_ptr_null(vals);
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 1, (const int64_t[]){7},
                                                   (const float[]){0.5f, 0.25f}),
                     LIBNN_OK);
    ck_assert_uint_eq(lnn_optimizer_piecewise(o, &b, &vals), 1);
    ck_assert_int_eq(b[0], 7);
    ck_assert(vals[1] == 0.25f);

    /* No weights at all (a model of pooling layers): steps only count. */
    ck_assert_int_eq(lnn_optimizer_bind(o, 0, NULL), LIBNN_OK);
    ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_iterations(o), 1);
    ck_assert_uint_eq(lnn_optimizer_slot_count(o), 2);
    ck_assert_ptr_null(lnn_optimizer_slot(o, 0, 0));
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(step_allocates_nothing)
{
    optim_fixture f;
    optim_fixture_init(&f);
    libnn_optimizer *o = optim_make(libnn_adam_new, 0.1f);
    optim_set_i(o, LIBNN_OPT_AMSGRAD, 1);
    optim_set_f(o, LIBNN_OPT_CLIPNORM, 0.5);
    optim_set_f(o, LIBNN_OPT_WEIGHT_DECAY, 0.01);
    optim_set_i(o, LIBNN_OPT_SCHEDULE, LIBNN_LR_COSINE_DECAY);
    optim_set_i(o, LIBNN_OPT_DECAY_STEPS, 10);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    long before = tu_alloc_calls();
    for (int i = 0; i < 3; i++)
        step_with(o, &f, i % 2 ? OPTIM_G2 : OPTIM_G1);
    optim_set_f(o, LIBNN_OPT_LEARNING_RATE, 0.01);
    step_with(o, &f, OPTIM_G1);
    ck_assert_int_eq(tu_alloc_calls(), before);
    libnn_optimizer_free(o);
}
END_TEST

/* Every allocating call of an optimizer's life, for the allocation loop. */
static libnn_status optimizer_body(void *ctx)
{
    const float *w0 = ctx;
    optim_fixture f;
    optim_fixture_init(&f);
    memcpy(f.w, w0, sizeof f.w);
    memcpy(f.g, OPTIM_G1, sizeof f.g);
    libnn_optimizer *o = NULL;
    libnn_status st = libnn_adamw_new(0.01f, &o);
    if (st == LIBNN_OK)
        st = libnn_optimizer_set_int(o, LIBNN_OPT_AMSGRAD, 1);
    if (st == LIBNN_OK)
        st = libnn_optimizer_set_piecewise(o, 1, (const int64_t[]){3}, (const float[]){0.1f, 0.01f});
    if (st == LIBNN_OK)
        st = libnn_optimizer_set_piecewise(o, 2, (const int64_t[]){3, 5},
                                           (const float[]){0.1f, 0.01f, 0.001f});
    if (st == LIBNN_OK)
        st = lnn_optimizer_bind(o, 2, f.refs);
    if (st == LIBNN_OK)
        st = lnn_optimizer_bind(o, 2, f.refs);
    if (st == LIBNN_OK)
        st = lnn_optimizer_step(o);
    ck_assert_float_eq(w0[0], 0.5f);
    libnn_optimizer_free(o);
    return st;
}

START_TEST(optimizer_allocation_failures)
{
    ck_assert_int_ge(tu_alloc_fail_loop(optimizer_body, (void *)OPTIM_W0), 4);
}
END_TEST

Suite *optim_suite(void)
{
    Suite *s = suite_create("optim");
    TCase *tc = tu_tcase("rules");
    tcase_add_loop_test(tc, update_rules, 0, sizeof rules / sizeof rules[0]);
    tcase_add_test(tc, clipping);
    tcase_add_test(tc, clipping_modes_are_exclusive);
    suite_add_tcase(s, tc);

    tc = tu_tcase("object");
    tcase_add_test(tc, options_are_validated_by_the_table);
    tcase_add_test(tc, options_change_while_bound);
    tcase_add_test(tc, slots_and_rebinding);
    tcase_add_test(tc, step_contract);
    tcase_add_test(tc, helpers_for_the_model_file);
    tcase_add_test(tc, step_allocates_nothing);
    tcase_add_test(tc, optimizer_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
