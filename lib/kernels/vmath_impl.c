/*
 * The vectorised transcendental kernels, written once on GCC/clang vector
 * types. lib/meson.build compiles this file once per instruction set
 * (LNN_VMATH_ISA: portable, avx2, avx512, with the matching -m flags and
 * FMA contraction), and vmath.c picks one at run time; see vmath_internal.h
 * for the accuracy each function keeps.
 *
 * exp: x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, so r is exact
 * to a float), e^r by a degree-7 polynomial (1 + r + r^2 P(r), P the
 * minimax fit Cephes' expf uses), then 2^n applied as two factors 2^(n/2),
 * so results from the largest float down to the smallest subnormal need no
 * special case: they overflow to inf or underflow to 0 in the multiply.
 * n is read from the low bits of x / ln2 + 1.5 * 2^23 (no float-to-int
 * conversion, so NaN never reaches an integer operation as a value that
 * matters: NaN inputs are restored at the end).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "vmath_internal.h"

#ifndef LNN_VMATH_ISA
#define LNN_VMATH_ISA portable
#endif

#define VW (LNN_VMATH_WIDTH_BYTES / 4)
typedef float vf __attribute__((vector_size(LNN_VMATH_WIDTH_BYTES)));
typedef int32_t vi __attribute__((vector_size(LNN_VMATH_WIDTH_BYTES)));

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, LNN_VMATH_ISA)

static inline vf splat(float v)
{
    return (vf){0} + v;
}

static inline vf load(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store(float *p, vf v)
{
    memcpy(p, &v, sizeof v);
}

/* a where m (all ones), else b. */
static inline vf blend(vi m, vf a, vf b)
{
    return (vf)((m & (vi)a) | (~m & (vi)b));
}

/* Correctly rounded, as sqrtf: the instruction of the set when there is
 * one. */
static inline vf vsqrt(vf x)
{
#if defined(__AVX512F__) && LNN_VMATH_WIDTH_BYTES == 64
    return (vf)_mm512_sqrt_ps((__m512)x);
#elif defined(__AVX__) && LNN_VMATH_WIDTH_BYTES == 32
    return (vf)_mm256_sqrt_ps((__m256)x);
#elif defined(__SSE2__) && LNN_VMATH_WIDTH_BYTES == 16
    return (vf)_mm_sqrt_ps((__m128)x);
#else
    for (size_t k = 0; k < VW; k++)
        x[k] = sqrtf(x[k]);
    return x;
#endif
}

static inline vf vabs(vf x)
{
    return (vf)((vi)x & 0x7fffffff);
}

static inline vf vexp(vf x)
{
    const vf magic = splat(12582912.0f); /* 1.5 * 2^23 */
    vi nan = x != x;
    vf xc = blend(x < 89.0f, x, splat(89.0f));
    xc = blend(xc > -110.0f, xc, splat(-110.0f));
    vf t = xc * 1.44269504088896341f + magic;
    vf nf = t - magic;
    vi n = (vi)t - (vi)magic;
    vf r = xc - nf * 0.693359375f;
    r = r - nf * -2.12194440e-4f;
    vf p = splat(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    vi n1 = n >> 1, n2 = n - n1;
    vf s1 = (vf)((n1 + 127) << 23), s2 = (vf)((n2 + 127) << 23);
    return blend(nan, x, p * s1 * s2);
}

/* 1 / (1 + e^-x) with e^-|x| only (never overflows). */
static inline vf vsigmoid(vf x)
{
    vf e = vexp(-vabs(x));
    vf s = 1.0f / (1.0f + e);
    return blend(x >= 0.0f, s, e * s);
}

/* Small |x|: x + x^3 P(x^2) (Cephes' tanhf fit, relative error < 2 ulp
 * where 1 - 2 / (e^2|x| + 1) would cancel); else that expression with x's
 * sign. e^2|x| = inf gives 1 exactly. */
static inline vf vtanh(vf x)
{
    vf a = vabs(x), z = x * x;
    vf p = splat(-5.70498872745e-3f);
    p = p * z + 2.06390887954e-2f;
    p = p * z + -5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z + -3.33332819422e-1f;
    vf small = p * z * a + a;
    vf big = 1.0f - 2.0f / (vexp(a + a) + 1.0f);
    /* Both are >= 0 (or NaN): x's sign goes on last, so tanh(-0) = -0. */
    return (vf)((vi)blend(a < 0.625f, small, big) | ((vi)x & (int32_t)0x80000000));
}

/* y[i] = f(x[i]) over n values: whole vectors, then the tail through a
 * padded vector. */
#define MAP_VEC(f)                                                                             \
    do {                                                                                       \
        size_t i = 0;                                                                          \
        for (; i + VW <= n; i += VW)                                                           \
            store(y + i, f(load(x + i)));                                                      \
        if (i < n) {                                                                           \
            float t[VW] = {0};                                                                 \
            memcpy(t, x + i, (n - i) * sizeof *t);                                             \
            store(t, f(load(t)));                                                              \
            memcpy(y + i, t, (n - i) * sizeof *t);                                             \
        }                                                                                      \
    } while (0)

void FN(lnn_vexp)(const float *x, float *y, size_t n)
{
    MAP_VEC(vexp);
}

void FN(lnn_vsigmoid)(const float *x, float *y, size_t n)
{
    MAP_VEC(vsigmoid);
}

void FN(lnn_vtanh)(const float *x, float *y, size_t n)
{
    MAP_VEC(vtanh);
}

/* One row of an LSTM step with sigmoid gates and tanh (see
 * vmath_internal.h), vector by vector, every factor in registers once. b
 * holds the bias with the same layout as z (zeros for none). */
static inline void lstm_vec(float *z, const float *b, size_t u, size_t j, const float *cp,
                            float *c, float *tc, float *h)
{
    vf i = vsigmoid(load(z + j) + load(b + j));
    vf f = vsigmoid(load(z + u + j) + load(b + u + j));
    vf g = vtanh(load(z + 2 * u + j) + load(b + 2 * u + j));
    vf o = vsigmoid(load(z + 3 * u + j) + load(b + 3 * u + j));
    vf cv = f * load(cp + j) + i * g;
    vf t = vtanh(cv);
    store(z + j, i);
    store(z + u + j, f);
    store(z + 2 * u + j, g);
    store(z + 3 * u + j, o);
    store(c + j, cv);
    store(tc + j, t);
    store(h + j, o * t);
}

void FN(lnn_vlstm_cell)(float *z, const float *bias, const float *cp, float *c, float *tc,
                        float *h, size_t u)
{
    size_t j = 0;
    if (bias)
        for (; j + VW <= u; j += VW)
            lstm_vec(z, bias, u, j, cp, c, tc, h);
    if (j == u)
        return;
    /* The tail (or every unit, without a bias): the same on padded copies
     * of VW units at a time. */
    for (; j < u; j += VW) {
        size_t k = u - j < VW ? u - j : VW;
        float tz[4 * VW] = {0}, tb[4 * VW] = {0}, tcp[VW] = {0}, t[3][VW];
        for (size_t q = 0; q < 4; q++) {
            memcpy(tz + q * VW, z + q * u + j, k * sizeof *tz);
            if (bias)
                memcpy(tb + q * VW, bias + q * u + j, k * sizeof *tb);
        }
        memcpy(tcp, cp + j, k * sizeof *tcp);
        lstm_vec(tz, tb, VW, 0, tcp, t[0], t[1], t[2]);
        for (size_t q = 0; q < 4; q++)
            memcpy(z + q * u + j, tz + q * VW, k * sizeof *tz);
        memcpy(c + j, t[0], k * sizeof *c);
        memcpy(tc + j, t[1], k * sizeof *tc);
        memcpy(h + j, t[2], k * sizeof *h);
    }
}

/* The gradients of one row of that step, from the gate values, cp and
 * tc = tanh(c) that forward kept; the layout is lnn_vlstm_cell_backward's. */
static inline void lstm_back_vec(const float *z, size_t u, size_t j, const float *cp,
                                 const float *tc, const float *dh, const float *dc, float *dz,
                                 float *dcp)
{
    vf i = load(z + j), f = load(z + u + j), g = load(z + 2 * u + j), o = load(z + 3 * u + j);
    vf t = load(tc + j), dhv = load(dh + j);
    vf d = load(dc + j) + dhv * o * (1.0f - t * t);
    store(dz + j, d * g * i * (1.0f - i));
    store(dz + u + j, d * load(cp + j) * f * (1.0f - f));
    store(dz + 2 * u + j, d * i * (1.0f - g * g));
    store(dz + 3 * u + j, dhv * t * o * (1.0f - o));
    store(dcp + j, d * f);
}

void FN(lnn_vlstm_cell_backward)(const float *z, const float *cp, const float *tc,
                                 const float *dh, const float *dc, float *dz, float *dcp, size_t u)
{
    size_t j = 0;
    for (; j + VW <= u; j += VW)
        lstm_back_vec(z, u, j, cp, tc, dh, dc, dz, dcp);
    if (j == u)
        return;
    size_t k = u - j;
    float tz[4 * VW] = {0}, tdz[4 * VW], in[4][VW] = {{0}}, tdcp[VW];
    for (size_t q = 0; q < 4; q++)
        memcpy(tz + q * VW, z + q * u + j, k * sizeof *tz);
    memcpy(in[0], cp + j, k * sizeof *cp);
    memcpy(in[1], tc + j, k * sizeof *tc);
    memcpy(in[2], dh + j, k * sizeof *dh);
    memcpy(in[3], dc + j, k * sizeof *dc);
    lstm_back_vec(tz, VW, 0, in[0], in[1], in[2], in[3], tdz, tdcp);
    for (size_t q = 0; q < 4; q++)
        memcpy(dz + q * u + j, tdz + q * VW, k * sizeof *dz);
    memcpy(dcp + j, tdcp, k * sizeof *dcp);
}

/* One Adam step over n weights (see vmath_internal.h). */
static inline void adam_vec(float *w, const float *g, float *m, float *v, size_t j, float alpha,
                            float c1, float c2, float eps)
{
    vf gv = load(g + j), mv = load(m + j), vv = load(v + j);
    mv += (gv - mv) * c1;
    vv += (gv * gv - vv) * c2;
    store(m + j, mv);
    store(v + j, vv);
    store(w + j, load(w + j) - mv * alpha / (vsqrt(vv) + eps));
}

void FN(lnn_vadam)(float *w, const float *g, float *m, float *v, size_t n, float alpha, float c1,
                   float c2, float eps)
{
    size_t j = 0;
    for (; j + VW <= n; j += VW)
        adam_vec(w, g, m, v, j, alpha, c1, c2, eps);
    if (j == n)
        return;
    float t[4][VW] = {{0}};
    size_t k = n - j;
    memcpy(t[0], w + j, k * sizeof *w);
    memcpy(t[1], g + j, k * sizeof *g);
    memcpy(t[2], m + j, k * sizeof *m);
    memcpy(t[3], v + j, k * sizeof *v);
    adam_vec(t[0], t[1], t[2], t[3], 0, alpha, c1, c2, eps);
    memcpy(w + j, t[0], k * sizeof *w);
    memcpy(m + j, t[2], k * sizeof *m);
    memcpy(v + j, t[3], k * sizeof *v);
}
