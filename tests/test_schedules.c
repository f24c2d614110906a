/*
 * Learning-rate schedules of the optimizers (exponential and inverse-time
 * decay, cosine decay with warmup, piecewise constant), the options each
 * needs, and the rate a bound optimizer steps with. The expected rates are
 * the Keras 3 formulas quoted in each test, computed in float64.
 */
#include <math.h>
#include <string.h>

#include "optim_helpers.h"
#include "testutil.h"

/* Schedule tests set the learning rate as a double: the constructors take
 * a float, and 0.1f is 0.1 only to 1.5e-9. */
static double lr_at(libnn_optimizer *o, int64_t step)
{
    ck_assert_int_eq(lnn_optimizer_set_iterations(o, step), LIBNN_OK);
    return libnn_optimizer_learning_rate(o);
}

START_TEST(schedule_exponential_and_inverse_time)
{
    libnn_optimizer *o = optim_make(libnn_sgd_new, 0.1f);
    optim_set_f(o, LIBNN_OPT_LEARNING_RATE, 0.1);
    optim_set_i(o, LIBNN_OPT_SCHEDULE, LIBNN_LR_EXPONENTIAL_DECAY);
    optim_set_i(o, LIBNN_OPT_DECAY_STEPS, 10);
    optim_set_f(o, LIBNN_OPT_DECAY_RATE, 0.5);
    /* 0.1 * 0.5^(step / 10) */
    ck_assert_double_eq_tol(lr_at(o, 0), 0.1, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 5), 0.0707106781, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 10), 0.05, 1e-9);
    /* staircase: 0.1 * 0.5^floor(step / 10) */
    optim_set_i(o, LIBNN_OPT_STAIRCASE, 1);
    ck_assert_double_eq_tol(lr_at(o, 5), 0.1, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 10), 0.05, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 25), 0.025, 1e-9);

    /* 0.1 / (1 + 0.5 * step / 10) */
    optim_set_i(o, LIBNN_OPT_SCHEDULE, LIBNN_LR_INVERSE_TIME_DECAY);
    optim_set_i(o, LIBNN_OPT_STAIRCASE, 0);
    ck_assert_double_eq_tol(lr_at(o, 0), 0.1, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 5), 0.08, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 10), 0.0666666667, 1e-9);
    optim_set_i(o, LIBNN_OPT_STAIRCASE, 1);
    ck_assert_double_eq_tol(lr_at(o, 5), 0.1, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 19), 0.0666666667, 1e-9);

    /* The step counts: bound and stepped 10 times, the rate is the one of
     * iteration 10. */
    optim_fixture f;
    optim_fixture_init(&f);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    ck_assert_double_eq_tol(libnn_optimizer_learning_rate(o), 0.1, 1e-9);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_OK);
    ck_assert_double_eq_tol(lnn_optimizer_current_lr(o), 0.0666666667, 1e-9);
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(schedule_cosine)
{
    libnn_optimizer *o = optim_make(libnn_adam_new, 0.1f);
    optim_set_f(o, LIBNN_OPT_LEARNING_RATE, 0.1);
    optim_set_i(o, LIBNN_OPT_SCHEDULE, LIBNN_LR_COSINE_DECAY);
    optim_set_i(o, LIBNN_OPT_DECAY_STEPS, 100);
    /* No warmup: 0.1 * 0.5 (1 + cos(pi min(step, 100) / 100)). */
    ck_assert_double_eq_tol(lr_at(o, 0), 0.1, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 25), 0.0853553391, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 100), 0.0, 1e-12);
    ck_assert_double_eq_tol(lr_at(o, 400), 0.0, 1e-12);
    /* warmup_steps alone does nothing: Keras warms up only towards a target. */
    optim_set_i(o, LIBNN_OPT_WARMUP_STEPS, 10);
    ck_assert_double_eq_tol(lr_at(o, 0), 0.1, 1e-9);

    /* From 0 up to 0.1 over 10 steps, then down to alpha * 0.1 over 100. */
    optim_set_f(o, LIBNN_OPT_LEARNING_RATE, 0.0);
    optim_set_f(o, LIBNN_OPT_WARMUP_TARGET, 0.1);
    optim_set_f(o, LIBNN_OPT_ALPHA, 0.1);
    ck_assert_double_eq_tol(lr_at(o, 0), 0.0, 1e-12);
    ck_assert_double_eq_tol(lr_at(o, 5), 0.05, 1e-9);   /* 0.1 * 5 / 10 */
    ck_assert_double_eq_tol(lr_at(o, 10), 0.1, 1e-9);   /* decay starts */
    /* decay step 50: cos(pi/2) = 0: 0.1 ((1 - 0.1) * 0.5 + 0.1) = 0.055 */
    ck_assert_double_eq_tol(lr_at(o, 60), 0.055, 1e-9);
    ck_assert_double_eq_tol(lr_at(o, 110), 0.01, 1e-9); /* 0.1 * alpha */
    ck_assert_double_eq_tol(lr_at(o, 5000), 0.01, 1e-9);
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(schedule_piecewise)
{
    libnn_optimizer *o = optim_make(libnn_rmsprop_new, 0.5f);
    const int64_t b[2] = {10, 20};
    const float v[3] = {0.1f, 0.05f, 0.01f};
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 2, b, v), LIBNN_OK);
    int64_t sched;
    ck_assert_int_eq(libnn_optimizer_get_int(o, LIBNN_OPT_SCHEDULE, &sched), LIBNN_OK);
    ck_assert_int_eq(sched, LIBNN_LR_PIECEWISE_CONSTANT);
    /* values[0] while step <= 10, values[1] while step <= 20, then values[2]. */
    ck_assert_double_eq_tol(lr_at(o, 0), 0.1, 1e-8);
    ck_assert_double_eq_tol(lr_at(o, 10), 0.1, 1e-8);
    ck_assert_double_eq_tol(lr_at(o, 11), 0.05, 1e-8);
    ck_assert_double_eq_tol(lr_at(o, 20), 0.05, 1e-8);
    ck_assert_double_eq_tol(lr_at(o, 21), 0.01, 1e-8);

    /* Refused arrays leave the schedule as it was. */
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 2, (const int64_t[]){5, 5}, v),
                     LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(),
                     "rmsprop: piecewise boundaries must increase, got 5 after 5 at index 1");
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 1, b, (const float[]){0.1f, -1.0f}),
                     LIBNN_E_INVALID);
    tu_assert_error_has("piecewise values must be finite and >= 0, got -1 at index 1");
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 1, b, (const float[]){NAN, 1.0f}),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 1, NULL, v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 1, b, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_piecewise(NULL, 1, b, v), LIBNN_E_INVALID);
    ck_assert_double_eq_tol(lr_at(o, 21), 0.01, 1e-8);

    /* No boundaries: one constant value. */
    ck_assert_int_eq(libnn_optimizer_set_piecewise(o, 0, NULL, (const float[]){0.25f}), LIBNN_OK);
    ck_assert_double_eq_tol(lr_at(o, 1000), 0.25, 1e-8);
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(schedule_missing_options)
{
    optim_fixture f;
    optim_fixture_init(&f);
    libnn_optimizer *o = optim_make(libnn_adam_new, 0.1f);
    ck_assert_int_eq(lnn_optimizer_bind(o, 2, f.refs), LIBNN_OK);
    optim_set_i(o, LIBNN_OPT_SCHEDULE, LIBNN_LR_EXPONENTIAL_DECAY);
    ck_assert_int_eq(lnn_optimizer_validate(o), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: schedule exponential_decay needs decay_steps");
    optim_set_i(o, LIBNN_OPT_DECAY_STEPS, 10);
    memcpy(f.g, OPTIM_G1, sizeof f.g);
    ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "adam: schedule exponential_decay needs decay_rate");
    ck_assert_mem_eq(f.w, OPTIM_W0, sizeof OPTIM_W0);
    ck_assert_int_eq(libnn_optimizer_iterations(o), 0);
    /* Until it is complete, the plain learning rate is reported. */
    ck_assert_double_eq_tol(libnn_optimizer_learning_rate(o), 0.1, 1e-8);
    optim_set_i(o, LIBNN_OPT_SCHEDULE, LIBNN_LR_PIECEWISE_CONSTANT);
    ck_assert_int_eq(lnn_optimizer_validate(o), LIBNN_E_INVALID);
    tu_assert_error_has("libnn_optimizer_set_piecewise");
    optim_set_i(o, LIBNN_OPT_SCHEDULE, LIBNN_LR_COSINE_DECAY);
    ck_assert_int_eq(lnn_optimizer_step(o), LIBNN_OK);
    libnn_optimizer_free(o);
}
END_TEST

Suite *schedules_suite(void)
{
    Suite *s = suite_create("schedules");
    TCase *tc = tu_tcase("schedules");
    tcase_add_test(tc, schedule_exponential_and_inverse_time);
    tcase_add_test(tc, schedule_cosine);
    tcase_add_test(tc, schedule_piecewise);
    tcase_add_test(tc, schedule_missing_options);
    suite_add_tcase(s, tc);
    return s;
}
