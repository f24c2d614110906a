/*
 * Compute kernels (lib/kernels): the activations against their float64
 * definitions, their backward passes against central differences (softmax
 * by rows), and their names. Tolerances: kernels_helpers.h. And the
 * vectorised exp, sigmoid and tanh (lib/kernels/vmath*.c) against libm in
 * double over every float range that matters, for each instruction set
 * this CPU has, with the bounds vmath_internal.h states; the fused LSTM
 * cell and Adam's vector rule against the same maths done plainly.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/activation_internal.h"
#include "kernels/reduce_internal.h"
#include "kernels/vmath_internal.h"
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

#define CHUNK 4096

static float from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* |y - ref| in units of the last place of ref rounded to float. */
static double ulps(float y, double ref)
{
    float a = fabsf((float)ref);
    double u = a == 0.0f ? FLT_TRUE_MIN : (double)nextafterf(a, INFINITY) - a;
    return fabs((double)y - ref) / u;
}

enum fn { EXP, SIGMOID, TANH };

static double reference(enum fn f, double x)
{
    return f == EXP ? exp(x) : f == SIGMOID ? 1.0 / (1.0 + exp(-x)) : tanh(x);
}

static void apply(enum fn f, const float *x, float *y, size_t n)
{
    if (f == EXP)
        lnn_vexp(x, y, n);
    else if (f == SIGMOID)
        lnn_vsigmoid(x, y, n);
    else
        lnn_vtanh(x, y, n);
}

/* About 2^16 floats of each sign, evenly spaced in bits (so every binade
 * gets its share), with |x| up to `limit`, through arrays of
 * odd lengths (so the tails run too). */
static void sweep(enum fn f, float limit, double max_ulps, double max_abs)
{
    static float x[CHUNK], y[CHUNK];
    uint32_t top;
    memcpy(&top, &limit, sizeof top);
    size_t n = 0, len = CHUNK - 3;
    uint32_t step = (top >> 16) | 1;
    for (int neg = 0; neg < 2; neg++)
        for (uint32_t b = 0; b <= top; b += step) {
            x[n++] = from_bits(b | (neg ? 0x80000000u : 0));
            if (n < len && b + step <= top)
                continue;
            apply(f, x, y, n);
            for (size_t i = 0; i < n; i++) {
                double r = reference(f, x[i]);
                if (r > FLT_MAX) {
                    ck_assert_msg(isinf(y[i]) && y[i] > 0, "exp(%a) = %a, not inf", x[i], y[i]);
                    continue;
                }
                double err = fabs((double)y[i] - r);
                ck_assert_msg(err <= max_abs || fabs(r) < FLT_MIN || ulps(y[i], r) <= max_ulps,
                              "fn %d (%a) = %a, reference %a: %.2f ulp", (int)f, x[i], y[i], r,
                              ulps(y[i], r));
                if (f == EXP && fabs(r) < FLT_MIN)
                    ck_assert_msg(err <= 2 * FLT_TRUE_MIN, "exp(%a) = %a, reference %a", x[i],
                                  y[i], r);
            }
            n = 0;
            len = len == CHUNK - 3 ? CHUNK - 10 : CHUNK - 3;
        }
}

static void special_values(void)
{
    const float x[] = {INFINITY, -INFINITY, NAN, 0.0f, -0.0f, 88.8f, -200.0f, 1e-30f, -1e-30f};
    float y[9];
    lnn_vexp(x, y, 9);
    ck_assert(isinf(y[0]) && y[0] > 0 && y[1] == 0.0f && isnan(y[2]) && y[3] == 1.0f);
    ck_assert(y[4] == 1.0f && isinf(y[5]) && y[6] == 0.0f && y[7] == 1.0f && y[8] == 1.0f);
    lnn_vsigmoid(x, y, 9);
    ck_assert(y[0] == 1.0f && y[1] == 0.0f && isnan(y[2]) && y[3] == 0.5f && y[4] == 0.5f);
    ck_assert(y[5] == 1.0f && y[6] == 0.0f && y[7] == 0.5f && y[8] == 0.5f);
    lnn_vtanh(x, y, 9);
    ck_assert(y[0] == 1.0f && y[1] == -1.0f && isnan(y[2]) && y[3] == 0.0f && !signbit(y[3]));
    ck_assert(y[4] == 0.0f && signbit(y[4]) && y[5] == 1.0f && y[6] == -1.0f);
    ck_assert(y[7] == 1e-30f && y[8] == -1e-30f);
}

/* The LSTM cell fused against its parts, for widths around the vectors',
 * with and without a bias. */
static void lstm_cell_matches_parts(void)
{
    for (size_t u = 1; u <= 37; u += 3) {
        float z[4 * 37], ref[4 * 37], bias[4 * 37], cp[37], c[37], tc[37], h[37];
        bool with_bias = u % 2 == 0;
        for (size_t k = 0; k < 4 * u; k++) {
            z[k] = (float)sin(0.37 * (double)k + (double)u) * 4.0f;
            bias[k] = with_bias ? (float)k * 0.01f - 0.5f : 0.0f;
            ref[k] = z[k] + bias[k];
        }
        for (size_t k = 0; k < u; k++)
            cp[k] = (float)cos(0.11 * (double)k) * 2.0f;
        lnn_vlstm_cell(z, with_bias ? bias : NULL, cp, c, tc, h, u);
        lnn_vsigmoid(ref, ref, 2 * u);
        lnn_vtanh(ref + 2 * u, ref + 2 * u, u);
        lnn_vsigmoid(ref + 3 * u, ref + 3 * u, u);
        ck_assert_mem_eq(z, ref, 4 * u * sizeof *z);
        for (size_t k = 0; k < u; k++) {
            float ck = ref[u + k] * cp[k] + ref[k] * ref[2 * u + k];
            ck_assert_float_eq_tol(c[k], ck, 1e-6f);
            ck_assert_float_eq_tol(tc[k], tanhf(c[k]), 2e-7f);
            ck_assert_float_eq_tol(h[k], ref[3 * u + k] * tc[k], 1e-7f);
        }
    }
}

/* Adam's vector rule against the same in double, over lengths around the
 * vectors'. */
static void adam_matches_formula(void)
{
    const float alpha = 1e-3f, c1 = 0.1f, c2 = 0.001f, eps = 1e-7f;
    for (size_t n = 1; n <= 37; n += 4) {
        float w[37], g[37], m[37], v[37];
        double rw[37], rm[37], rv[37];
        for (size_t k = 0; k < n; k++) {
            w[k] = (float)sin((double)k + (double)n);
            g[k] = (float)cos(0.7 * (double)k) * 0.1f;
            m[k] = (float)k * 1e-3f;
            v[k] = (float)k * 1e-5f;
            rm[k] = m[k] + ((double)g[k] - m[k]) * c1;
            rv[k] = v[k] + ((double)g[k] * g[k] - v[k]) * c2;
            rw[k] = w[k] - rm[k] * alpha / (sqrt(rv[k]) + eps);
        }
        lnn_vadam(w, g, m, v, n, alpha, c1, c2, eps);
        for (size_t k = 0; k < n; k++) {
            ck_assert_double_eq_tol(m[k], rm[k], 2e-7 * (fabs(rm[k]) + fabs(g[k])));
            ck_assert_double_eq_tol(v[k], rv[k], 2e-7 * (fabs(rv[k]) + g[k] * g[k]));
            ck_assert_double_eq_tol(w[k], rw[k], 2e-7);
        }
    }
}

START_TEST(every_instruction_set_within_bounds)
{
    lnn_vmath_isa best = lnn_vmath_current();
    int tried = 0;
    for (int isa = 0; isa < LNN_VMATH_ISA_COUNT; isa++) {
        if (!lnn_vmath_use((lnn_vmath_isa)isa))
            continue;
        tried++;
        sweep(EXP, 110.0f, 2.0, 0.0);
        sweep(SIGMOID, 110.0f, 4.0, 0x1p-23);
        sweep(TANH, 20.0f, 2.0, 0.0);
        special_values();
        lstm_cell_matches_parts();
        adam_matches_formula();
    }
    ck_assert_int_ge(tried, 1);
    ck_assert(lnn_vmath_use(best));
    ck_assert(!lnn_vmath_use(LNN_VMATH_ISA_COUNT));
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
    tc = tu_tcase("vmath");
    tcase_add_test(tc, every_instruction_set_within_bounds);
    suite_add_tcase(s, tc);
    return s;
}
