/*
 * Private: vectorised exp, sigmoid, tanh and the fused LSTM cell, with the
 * instruction set picked once at run time (AVX-512, AVX2+FMA, or the
 * portable build of the same code), so the installed library stays
 * portable (no -march=native) and still uses the machine's vectors.
 *
 * Accuracy against glibc's libm, tested over the whole float range in
 * tests/test_kernels_vmath.c:
 *   - exp: relative error <= 2 ulp where the result is a normal float;
 *     below FLT_MIN (x < -87.3) absolute error <= 2^-149; x > 88.72 gives
 *     inf, NaN stays NaN.
 *   - sigmoid, tanh: absolute error <= 2^-23 (<= 1.2e-7) everywhere,
 *     relative error <= 4 ulp for |results| >= 1e-30; sigmoid(-inf) = 0,
 *     sigmoid(+inf) = 1, tanh(+-inf) = +-1, tanh(+-0) = +-0.
 * Results do not depend on the length of the array or the position in it,
 * but may differ by an ulp between instruction sets (FMA).
 *
 * All functions accept y == x (in place); otherwise the arrays must not
 * overlap.
 */
#ifndef LIBNN_VMATH_INTERNAL_H
#define LIBNN_VMATH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

void lnn_vexp(const float *x, float *y, size_t n);
void lnn_vsigmoid(const float *x, float *y, size_t n);
void lnn_vtanh(const float *x, float *y, size_t n);

/*
 * One row of a Keras LSTM step with recurrent_activation sigmoid and
 * activation tanh: z = [i | f | g | o] pre-activations (u each) plus bias
 * (4u values; NULL: none) become the gate values in place;
 * c = f * cp + i * g, tc = tanh(c), h = o * tc.
 */
void lnn_vlstm_cell(float *z, const float *bias, const float *cp, float *c, float *tc, float *h,
                    size_t u);

/*
 * Its backward pass for one row: from the gate values z (as the forward
 * left them), cp, tc and dh, dc (dL/dh, dL/dc of this step), the
 * pre-activation gradients dz [4u] and dL/dcp (dcp [u]).
 */
void lnn_vlstm_cell_backward(const float *z, const float *cp, const float *tc, const float *dh,
                             const float *dc, float *dz, float *dcp, size_t u);

/*
 * Adam's rule (Keras' form, without amsgrad) over n weights:
 *   m += (g - m) c1;  v += (g^2 - v) c2;  w -= m alpha / (sqrt(v) + eps).
 * The arrays must not overlap.
 */
void lnn_vadam(float *w, const float *g, float *m, float *v, size_t n, float alpha, float c1,
               float c2, float eps);

/* The instruction sets, best last. */
typedef enum lnn_vmath_isa {
    LNN_VMATH_PORTABLE = 0,
    LNN_VMATH_AVX2,
    LNN_VMATH_AVX512,
    LNN_VMATH_ISA_COUNT
} lnn_vmath_isa;

/* The set in use (picked at the first call: the best the CPU and OS
 * support). */
lnn_vmath_isa lnn_vmath_current(void);

/* Use `isa` from now on; false (nothing changes) when the CPU lacks it or
 * this build does not have it. For tests: every set must give the stated
 * accuracy. Not thread-safe against concurrent kernel calls. */
bool lnn_vmath_use(lnn_vmath_isa isa);

/* The per-set entry points; LNN_VMATH_WIDTH_BYTES is the vector size
 * vmath_impl.c is compiled for. */
#define LNN_VMATH_DECLARE(isa)                                                                 \
    void lnn_vexp_##isa(const float *x, float *y, size_t n);                                   \
    void lnn_vsigmoid_##isa(const float *x, float *y, size_t n);                               \
    void lnn_vtanh_##isa(const float *x, float *y, size_t n);                                  \
    void lnn_vlstm_cell_##isa(float *z, const float *bias, const float *cp, float *c,         \
                              float *tc, float *h, size_t u);                               \
    void lnn_vlstm_cell_backward_##isa(const float *z, const float *cp, const float *tc,      \
                                       const float *dh, const float *dc, float *dz,           \
                                       float *dcp, size_t u);                                 \
    void lnn_vadam_##isa(float *w, const float *g, float *m, float *v, size_t n, float alpha, \
                         float c1, float c2, float eps);
LNN_VMATH_DECLARE(portable)
LNN_VMATH_DECLARE(avx2)
LNN_VMATH_DECLARE(avx512)

#ifndef LNN_VMATH_WIDTH_BYTES
#define LNN_VMATH_WIDTH_BYTES 16
#endif

#endif
