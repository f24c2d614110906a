/*
 * Run-time choice of the vmath kernels' instruction set (see
 * vmath_internal.h). The choice is one pointer to a table, read with
 * relaxed atomics: threads racing on the first call all store the same
 * table.
 */
#include "vmath_internal.h"

typedef struct vmath_table {
    lnn_vmath_isa isa;
    void (*exp)(const float *x, float *y, size_t n);
    void (*sigmoid)(const float *x, float *y, size_t n);
    void (*tanh)(const float *x, float *y, size_t n);
    void (*lstm_cell)(float *z, const float *bias, const float *cp, float *c, float *tc,
                      float *h, size_t u);
    void (*lstm_cell_backward)(const float *z, const float *cp, const float *tc,
                               const float *dh, const float *dc, float *dz, float *dcp,
                               size_t u);
    void (*adam)(float *w, const float *g, float *m, float *v, size_t n, float alpha, float c1,
                 float c2, float eps);
} vmath_table;

#define TABLE(isa, ISA)                                                                        \
    {LNN_VMATH_##ISA, lnn_vexp_##isa, lnn_vsigmoid_##isa, lnn_vtanh_##isa,                     \
     lnn_vlstm_cell_##isa, lnn_vlstm_cell_backward_##isa, lnn_vadam_##isa}

static const vmath_table tables[] = {
    TABLE(portable, PORTABLE),
#ifdef LNN_HAVE_VMATH_X86
    TABLE(avx2, AVX2),
    TABLE(avx512, AVX512),
#endif
};

static const vmath_table *current;

static bool cpu_has(lnn_vmath_isa isa)
{
#ifdef LNN_HAVE_VMATH_X86
    __builtin_cpu_init();
    if (isa == LNN_VMATH_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
    if (isa == LNN_VMATH_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return isa == LNN_VMATH_PORTABLE;
}

static const vmath_table *table(void)
{
    const vmath_table *t = __atomic_load_n(&current, __ATOMIC_RELAXED);
    if (t)
        return t;
    t = &tables[0];
    for (size_t i = sizeof tables / sizeof tables[0]; i-- > 1;)
        if (cpu_has(tables[i].isa)) {
            t = &tables[i];
            break;
        }
    __atomic_store_n(&current, t, __ATOMIC_RELAXED);
    return t;
}

lnn_vmath_isa lnn_vmath_current(void)
{
    return table()->isa;
}

bool lnn_vmath_use(lnn_vmath_isa isa)
{
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (tables[i].isa == isa && cpu_has(isa)) {
            __atomic_store_n(&current, &tables[i], __ATOMIC_RELAXED);
            return true;
        }
    return false;
}

void lnn_vexp(const float *x, float *y, size_t n)
{
    table()->exp(x, y, n);
}

void lnn_vsigmoid(const float *x, float *y, size_t n)
{
    table()->sigmoid(x, y, n);
}

void lnn_vtanh(const float *x, float *y, size_t n)
{
    table()->tanh(x, y, n);
}

void lnn_vlstm_cell(float *z, const float *bias, const float *cp, float *c, float *tc, float *h,
                    size_t u)
{
    table()->lstm_cell(z, bias, cp, c, tc, h, u);
}

void lnn_vlstm_cell_backward(const float *z, const float *cp, const float *tc, const float *dh,
                             const float *dc, float *dz, float *dcp, size_t u)
{
    table()->lstm_cell_backward(z, cp, tc, dh, dc, dz, dcp, u);
}

void lnn_vadam(float *w, const float *g, float *m, float *v, size_t n, float alpha, float c1,
               float c2, float eps)
{
    table()->adam(w, g, m, v, n, alpha, c1, c2, eps);
}
