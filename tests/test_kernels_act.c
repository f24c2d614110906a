/*
 * Compute kernels (lib/kernels): the activations against their float64
 * definitions, their backward passes against central differences (softmax
 * by rows), and their names. Tolerances: kernels_helpers.h.
 */
#include <math.h>
#include <string.h>

#include "kernels/activation_internal.h"
#include "kernels/reduce_internal.h"
#include "kernels_helpers.h"
#include "testutil.h"

/* The definitions in double. */
static double ref_act(lnn_act act, double alpha, double x)
{
    switch (act) {
    case LNN_ACT_LINEAR:
        return x;
    case LNN_ACT_RELU:
        return x > 0 ? x : 0;
    case LNN_ACT_SIGMOID:
        return 1 / (1 + exp(-x));
    case LNN_ACT_TANH:
        return tanh(x);
    case LNN_ACT_LEAKY_RELU:
        return x > 0 ? x : alpha * x;
    case LNN_ACT_ELU:
        return x > 0 ? x : alpha * (exp(x) - 1);
    case LNN_ACT_SELU:
        return 1.0507009873554804934193349852946 *
               (x > 0 ? x : 1.6732632423543772848170429916717 * (exp(x) - 1));
    case LNN_ACT_GELU:
        return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    case LNN_ACT_SOFTPLUS:
        return log(1 + exp(x));
    case LNN_ACT_SWISH:
        return x / (1 + exp(-x));
    case LNN_ACT_HARD_SIGMOID:
        return fmin(fmax(0.2 * x + 0.5, 0), 1);
    case LNN_ACT_SOFTSIGN:
        return x / (1 + fabs(x));
    case LNN_ACT_RELU6:
        return fmin(fmax(x, 0), 6);
    case LNN_ACT_EXPONENTIAL:
        return exp(x);
    default:
        ck_abort_msg("no reference for %d", (int)act);
        return 0;
    }
}

START_TEST(activation_values)
{
    /* Values from the definitions (Keras constants for selu, exact erf gelu,
     * tf.keras 2 hard_sigmoid), to 1e-6 relative. */
    static const struct {
        lnn_act act;
        float x, y;
    } cases[] = {
        {LNN_ACT_RELU, -1, 0},
        {LNN_ACT_SIGMOID, 0, 0.5f},
        {LNN_ACT_SIGMOID, 100, 1},
        {LNN_ACT_GELU, 1, 0.8413447460685429f},
        {LNN_ACT_GELU, -1, -0.15865525393145707f},
        {LNN_ACT_SELU, -1, -1.1113307378125628f},
        {LNN_ACT_SELU, 2, 2.1014019747109610f},
        {LNN_ACT_ELU, -1, -0.6321205588285577f},
        {LNN_ACT_SWISH, 1, 0.7310585786300049f},
        {LNN_ACT_SOFTPLUS, 100, 100},
        {LNN_ACT_SOFTPLUS, 0, 0.6931471805599453f},
        {LNN_ACT_HARD_SIGMOID, 1, 0.7f},
        {LNN_ACT_HARD_SIGMOID, 3, 1},
        {LNN_ACT_HARD_SIGMOID, -2.6f, 0},
        {LNN_ACT_SOFTSIGN, 3, 0.75f},
        {LNN_ACT_RELU6, 7, 6},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        float y;
        lnn_act_forward(cases[i].act, 1.0f, &cases[i].x, &y, 1, 1);
        kern_assert_close(y, cases[i].y, 1e-7, 1e-6, lnn_act_name(cases[i].act), i);
    }
    /* The tails: no overflow, no NaN, tiny values kept. */
    float big[2] = {-100, -100}, y[2];
    lnn_act_forward(LNN_ACT_SIGMOID, 0, big, y, 1, 1);
    ck_assert(y[0] > 0 && y[0] < 1e-40f);
    lnn_act_forward(LNN_ACT_SOFTPLUS, 0, big, y, 1, 1);
    ck_assert(y[0] > 0 && y[0] < 1e-40f);
    float leaky;
    lnn_act_forward(LNN_ACT_LEAKY_RELU, 0.3f, (const float[]){-2}, &leaky, 1, 1);
    ck_assert(leaky == -0.6f);
}
END_TEST

/* Central differences on the double definitions (step 1e-6, error ~1e-10)
 * against the float backward, with a random upstream gradient. Points stay
 * 0.1 away from every kink (0, +-2.5 for hard_sigmoid, 6 for relu6), so the
 * one-sided pieces are smooth there. Tolerance 1e-5 + 1e-5 |g|: the float
 * backward formulas (from float y) are good to a few ulps. */
START_TEST(activation_gradcheck)
{
    static const float xs[] = {-2.9f, -2.2f, -1.7f, -1.1f, -0.6f, -0.3f, 0.3f,
                               0.7f,  1.2f,  1.9f,  2.3f,  2.8f,  4.4f,  7.5f};
    enum { N = ARRAY_LEN(xs) };
    const double h = 1e-6;
    lnn_rng r;
    lnn_rng_seed(&r, 31);
    for (int a = 0; a < LNN_ACT_COUNT; a++) {
        lnn_act act = (lnn_act)a;
        if (act == LNN_ACT_SOFTMAX)
            continue; /* rows: softmax_gradcheck */
        const float alpha = act == LNN_ACT_LEAKY_RELU ? 0.3f : 1.0f;
        float y[N], dy[N], dx[N];
        kern_fill_uniform(&r, dy, N, -1, 1);
        lnn_act_forward(act, alpha, xs, y, 1, N);
        for (size_t i = 0; i < N; i++)
            kern_assert_close(y[i], ref_act(act, alpha, xs[i]), 1e-6, 1e-6, lnn_act_name(act), i);
        lnn_act_backward(act, alpha, lnn_act_backward_needs_input(act) ? xs : NULL,
                         lnn_act_backward_needs_output(act) ? y : NULL, dy, dx, 1, N);
        for (size_t i = 0; i < N; i++) {
            double g = (ref_act(act, alpha, xs[i] + h) - ref_act(act, alpha, xs[i] - h)) / (2 * h);
            kern_assert_close(dx[i], dy[i] * g, 1e-5, 1e-5, lnn_act_name(act), i);
        }
        /* In place: forward over x, backward over dy, same results. */
        float xy[N], dd[N];
        memcpy(xy, xs, sizeof xs);
        memcpy(dd, dy, sizeof dy);
        lnn_act_forward(act, alpha, xy, xy, N, 1);
        ck_assert_mem_eq(xy, y, sizeof y);
        lnn_act_backward(act, alpha, xs, y, dd, dd, N, 1);
        ck_assert_mem_eq(dd, dx, sizeof dx);
    }
}
END_TEST

static double ref_softmax_loss(const double *x, const float *w, size_t cols)
{
    double m = x[0], s = 0, l = 0;
    for (size_t j = 1; j < cols; j++)
        m = fmax(m, x[j]);
    for (size_t j = 0; j < cols; j++)
        s += exp(x[j] - m);
    for (size_t j = 0; j < cols; j++)
        l += w[j] * exp(x[j] - m) / s;
    return l;
}

START_TEST(softmax_rows_and_gradcheck)
{
    /* Large inputs: shifted by the max, no overflow. */
    const float big[4] = {1000, 1001, -1000, -1001};
    float y[4];
    lnn_act_forward(LNN_ACT_SOFTMAX, 0, big, y, 2, 2);
    kern_assert_all_close(y, (const float[]){0.2689414213699951f, 0.7310585786300049f,
                                             0.7310585786300049f, 0.2689414213699951f},
                          4, 1e-6, "softmax");

    enum { R = 3, C = 7 };
    lnn_rng r;
    lnn_rng_seed(&r, 32);
    float x[R * C], p[R * C], w[R * C], dx[R * C];
    kern_fill_uniform(&r, x, R * C, -4, 4);
    kern_fill_uniform(&r, w, R * C, -1, 1);
    lnn_act_forward(LNN_ACT_SOFTMAX, 0, x, p, R, C);
    for (size_t i = 0; i < R; i++)
        kern_assert_close(lnn_sum(p + i * C, C), 1.0, 1e-6, 0, "row sum", i);
    ck_assert(!lnn_act_backward_needs_input(LNN_ACT_SOFTMAX));
    lnn_act_backward(LNN_ACT_SOFTMAX, 0, NULL, p, w, dx, R, C);
    const double h = 1e-6;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) {
            double xd[C], l[2];
            for (int side = 0; side < 2; side++) {
                for (size_t k = 0; k < C; k++)
                    xd[k] = x[i * C + k];
                xd[j] += side ? h : -h;
                l[side] = ref_softmax_loss(xd, w + i * C, C);
            }
            kern_assert_close(dx[i * C + j], (l[1] - l[0]) / (2 * h), 1e-5, 1e-5, "softmax dx",
                              i * C + j);
        }
}
END_TEST

START_TEST(activation_names)
{
    for (int a = 0; a < LNN_ACT_COUNT; a++) {
        const char *name = lnn_act_name((lnn_act)a);
        lnn_act back;
        ck_assert_ptr_nonnull(name);
        ck_assert(lnn_act_from_name(name, &back) && back == (lnn_act)a);
    }
    lnn_act act = LNN_ACT_LINEAR;
    ck_assert(lnn_act_from_name("silu", &act) && act == LNN_ACT_SWISH);
    ck_assert_str_eq(lnn_act_name(LNN_ACT_SWISH), "swish");
    ck_assert_str_eq(lnn_act_name(LNN_ACT_HARD_SIGMOID), "hard_sigmoid");
    ck_assert(!lnn_act_from_name("Relu", &act));
    ck_assert(!lnn_act_from_name(NULL, &act));
    ck_assert_ptr_null(lnn_act_name(LNN_ACT_COUNT));
    ck_assert(!lnn_act_backward_needs_output(LNN_ACT_LINEAR));
    ck_assert(lnn_act_backward_needs_output(LNN_ACT_RELU));
    ck_assert(lnn_act_backward_needs_input(LNN_ACT_GELU));
    ck_assert(!lnn_act_backward_needs_output(LNN_ACT_SWISH));
}
END_TEST

Suite *kernels_act_suite(void)
{
    Suite *s = suite_create("kernels_act");
    TCase *tc = tu_tcase("activation");
    tcase_add_test(tc, activation_values);
    tcase_add_test(tc, activation_gradcheck);
    tcase_add_test(tc, softmax_rows_and_gradcheck);
    tcase_add_test(tc, activation_names);
    suite_add_tcase(s, tc);
    return s;
}
