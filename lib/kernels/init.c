/*
 * Initialisers. The formulas are Keras' (VarianceScaling, Orthogonal), the
 * random stream is libnn's own: the same seed gives the same weights on
 * every build with the same thread count, not the weights TensorFlow draws.
 */
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "init_internal.h"

/* Standard deviation of a unit normal truncated to [-2, 2]; dividing by it
 * gives the truncated draw the variance the scaling asked for. */
#define TRUNC_NORMAL_STD 0.87962566103423978

typedef enum fan_mode { FAN_IN, FAN_OUT, FAN_AVG } fan_mode;

/* One row per initialiser: its name, and for the variance-scaling family
 * Keras' scale, fan mode and distribution. */
static const struct {
    const char *name;
    double scale;
    fan_mode mode;
    bool uniform;
} kinds[LNN_INIT_COUNT] = {
    [LNN_INIT_ZEROS] = {"zeros", 0, FAN_IN, false},
    [LNN_INIT_ONES] = {"ones", 0, FAN_IN, false},
    [LNN_INIT_CONSTANT] = {"constant", 0, FAN_IN, false},
    [LNN_INIT_RANDOM_UNIFORM] = {"random_uniform", 0, FAN_IN, false},
    [LNN_INIT_RANDOM_NORMAL] = {"random_normal", 0, FAN_IN, false},
    [LNN_INIT_TRUNCATED_NORMAL] = {"truncated_normal", 0, FAN_IN, false},
    [LNN_INIT_GLOROT_UNIFORM] = {"glorot_uniform", 1.0, FAN_AVG, true},
    [LNN_INIT_GLOROT_NORMAL] = {"glorot_normal", 1.0, FAN_AVG, false},
    [LNN_INIT_HE_UNIFORM] = {"he_uniform", 2.0, FAN_IN, true},
    [LNN_INIT_HE_NORMAL] = {"he_normal", 2.0, FAN_IN, false},
    [LNN_INIT_LECUN_UNIFORM] = {"lecun_uniform", 1.0, FAN_IN, true},
    [LNN_INIT_LECUN_NORMAL] = {"lecun_normal", 1.0, FAN_IN, false},
    [LNN_INIT_ORTHOGONAL] = {"orthogonal", 0, FAN_IN, false},
};

static bool kind_valid(lnn_init_kind kind)
{
    return (unsigned)kind < LNN_INIT_COUNT;
}

lnn_init_spec lnn_init_default(lnn_init_kind kind)
{
    lnn_init_spec s = {kind, 0.0f, 0.0f};
    switch (kind) {
    case LNN_INIT_RANDOM_UNIFORM:
        s.a = -0.05f;
        s.b = 0.05f;
        break;
    case LNN_INIT_RANDOM_NORMAL:
    case LNN_INIT_TRUNCATED_NORMAL:
        s.b = 0.05f;
        break;
    case LNN_INIT_ORTHOGONAL:
        s.a = 1.0f;
        break;
    default:
        break;
    }
    return s;
}

const char *lnn_init_name(lnn_init_kind kind)
{
    return kind_valid(kind) ? kinds[kind].name : NULL;
}

bool lnn_init_from_name(const char *name, lnn_init_kind *kind)
{
    for (size_t i = 0; name && i < LNN_INIT_COUNT; i++)
        if (strcmp(kinds[i].name, name) == 0) {
            *kind = (lnn_init_kind)i;
            return true;
        }
    return false;
}

void lnn_init_fans(size_t ndim, const int64_t *shape, double *fan_in, double *fan_out)
{
    if (ndim == 0) {
        *fan_in = *fan_out = 1.0;
    } else if (ndim == 1) {
        *fan_in = *fan_out = (double)shape[0];
    } else {
        double receptive = 1.0;
        for (size_t i = 0; i + 2 < ndim; i++)
            receptive *= (double)shape[i];
        *fan_in = (double)shape[ndim - 2] * receptive;
        *fan_out = (double)shape[ndim - 1] * receptive;
    }
}

void lnn_init_constant(float *w, size_t n, float value)
{
    for (size_t i = 0; i < n; i++)
        w[i] = value;
}

void lnn_init_uniform(lnn_rng *r, float *w, size_t n, float minval, float maxval)
{
    float range = maxval - minval;
    for (size_t i = 0; i < n; i++)
        w[i] = minval + range * lnn_rng_uniform(r);
}

void lnn_init_normal(lnn_rng *r, float *w, size_t n, float mean, float stddev)
{
    for (size_t i = 0; i < n; i++)
        w[i] = mean + stddev * lnn_rng_normal(r);
}

void lnn_init_truncated_normal(lnn_rng *r, float *w, size_t n, float mean, float stddev)
{
    for (size_t i = 0; i < n; i++) {
        float z;
        do
            z = lnn_rng_normal(r);
        while (fabsf(z) > 2.0f);
        w[i] = mean + stddev * z;
    }
}

static void variance_scaling(lnn_init_kind kind, lnn_rng *r, float *w, size_t n, size_t ndim,
                             const int64_t *shape)
{
    double fan_in, fan_out, fan;
    lnn_init_fans(ndim, shape, &fan_in, &fan_out);
    switch (kinds[kind].mode) {
    case FAN_IN:
        fan = fan_in;
        break;
    case FAN_OUT:
        fan = fan_out;
        break;
    default:
        fan = (fan_in + fan_out) / 2.0;
        break;
    }
    double scale = kinds[kind].scale / (fan > 1.0 ? fan : 1.0);
    if (kinds[kind].uniform) {
        float limit = (float)sqrt(3.0 * scale);
        lnn_init_uniform(r, w, n, -limit, limit);
    } else {
        lnn_init_truncated_normal(r, w, n, 0.0f, (float)(sqrt(scale) / TRUNC_NORMAL_STD));
    }
}

/* Orthogonal treats a weight as the matrix [prod(shape[:-1]), shape[-1]]. */
static libnn_status orthogonal_dims(size_t ndim, const int64_t *shape, size_t *rows, size_t *cols)
{
    if (ndim < 2)
        return lnn_error(LIBNN_E_SHAPE, "orthogonal initializer needs at least 2 dimensions, "
                                        "got %zu", ndim);
    if (!lnn_shape_count(ndim - 1, shape, sizeof(float), rows) || shape[ndim - 1] < 0)
        return lnn_error(LIBNN_E_RANGE, "orthogonal initializer: shape too large");
    *cols = (size_t)shape[ndim - 1];
    return LIBNN_OK;
}

libnn_status lnn_init_workspace(const lnn_init_spec *spec, size_t ndim, const int64_t *shape,
                                size_t *floats)
{
    *floats = 0;
    if (spec->kind != LNN_INIT_ORTHOGONAL)
        return LIBNN_OK;
    size_t rows, cols;
    libnn_status st = orthogonal_dims(ndim, shape, &rows, &cols);
    return st != LIBNN_OK ? st : lnn_init_orthogonal_workspace(rows, cols, floats);
}

libnn_status lnn_init_fill(const lnn_init_spec *spec, lnn_rng *r, float *w, size_t ndim,
                           const int64_t *shape, float *work, size_t work_floats)
{
    size_t n;
    if (!kind_valid(spec->kind))
        return lnn_error(LIBNN_E_INVALID, "unknown initializer %d", (int)spec->kind);
    if (!lnn_shape_count(ndim, shape, sizeof(float), &n))
        return lnn_error(LIBNN_E_RANGE, "initializer: shape too large");
    switch (spec->kind) {
    case LNN_INIT_ZEROS:
        lnn_init_constant(w, n, 0.0f);
        break;
    case LNN_INIT_ONES:
        lnn_init_constant(w, n, 1.0f);
        break;
    case LNN_INIT_CONSTANT:
        lnn_init_constant(w, n, spec->a);
        break;
    case LNN_INIT_RANDOM_UNIFORM:
        lnn_init_uniform(r, w, n, spec->a, spec->b);
        break;
    case LNN_INIT_RANDOM_NORMAL:
        lnn_init_normal(r, w, n, spec->a, spec->b);
        break;
    case LNN_INIT_TRUNCATED_NORMAL:
        lnn_init_truncated_normal(r, w, n, spec->a, spec->b);
        break;
    case LNN_INIT_ORTHOGONAL: {
        size_t rows, cols;
        libnn_status st = orthogonal_dims(ndim, shape, &rows, &cols);
        return st != LIBNN_OK ? st
                              : lnn_init_orthogonal(r, w, rows, cols, spec->a, work, work_floats);
    }
    default:
        variance_scaling(spec->kind, r, w, n, ndim, shape);
        break;
    }
    return LIBNN_OK;
}

/*
 * Orthogonal: the QR runs column-major, LAPACK's native layout, because
 * LAPACKE's row-major path allocates a transposed copy behind our back.
 * The workspace holds, in order: A (m x n, column-major), tau (n), the
 * column scales sign(R_jj) * gain (n), and LAPACK's work array.
 */

/* m = max(rows, cols) and n = min(rows, cols), checked against LAPACK's
 * 32-bit indices (reference LAPACK computes j * lda + i in INTEGER). */
static libnn_status qr_dims(size_t rows, size_t cols, lapack_int *m, lapack_int *n)
{
    size_t big = rows > cols ? rows : cols, small = rows > cols ? cols : rows, prod;
    if (!lnn_mul_size(big, small, &prod) || prod > (size_t)INT_MAX)
        return lnn_error(LIBNN_E_RANGE,
                         "orthogonal initializer: %zu x %zu exceeds the LAPACK index range", rows,
                         cols);
    *m = (lapack_int)big;
    *n = (lapack_int)small;
    return LIBNN_OK;
}

static libnn_status lapack_failed(const char *routine, lapack_int info)
{
    return lnn_error(LIBNN_E_INVALID, "orthogonal initializer: LAPACK %s failed (info %d)",
                     routine, (int)info);
}

/* LAPACK's optimal work size for both routines, via their lwork = -1 query
 * (which touches neither the matrix nor tau). */
static libnn_status query_lwork(lapack_int m, lapack_int n, size_t *lwork)
{
    float a = 0.0f, tau = 0.0f, q1 = 0.0f, q2 = 0.0f;
    lapack_int info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, m, n, &a, m, &tau, &q1, -1);
    if (info != 0)
        return lapack_failed("sgeqrf", info);
    info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, m, n, n, &a, m, &tau, &q2, -1);
    if (info != 0)
        return lapack_failed("sorgqr", info);
    double best = q1 > q2 ? q1 : q2;
    if (best < (double)n)
        best = (double)n; /* the documented minimum, in case a query says less */
    if (best > (double)INT_MAX)
        return lnn_error(LIBNN_E_RANGE, "orthogonal initializer: LAPACK work size too large");
    *lwork = (size_t)best;
    return LIBNN_OK;
}

/* The QR's m, n and LAPACK work size for a [rows, cols] result; all three
 * 0 when the matrix is empty. */
static libnn_status qr_plan(size_t rows, size_t cols, lapack_int *m, lapack_int *n,
                            size_t *lwork)
{
    *m = *n = 0;
    *lwork = 0;
    if (rows == 0 || cols == 0)
        return LIBNN_OK;
    libnn_status st = qr_dims(rows, cols, m, n);
    return st != LIBNN_OK ? st : query_lwork(*m, *n, lwork);
}

libnn_status lnn_init_orthogonal_workspace(size_t rows, size_t cols, size_t *floats)
{
    lapack_int m, n;
    size_t lwork;
    libnn_status st = qr_plan(rows, cols, &m, &n, &lwork);
    /* m * n <= INT_MAX and lwork <= INT_MAX: the sum cannot overflow. */
    *floats = st != LIBNN_OK || n == 0 ? 0 : (size_t)m * (size_t)n + 2 * (size_t)n + lwork;
    return st;
}

libnn_status lnn_init_orthogonal(lnn_rng *r, float *w, size_t rows, size_t cols, float gain,
                                 float *work, size_t work_floats)
{
    lapack_int m, n;
    size_t lwork_floats;
    libnn_status st = qr_plan(rows, cols, &m, &n, &lwork_floats);
    if (st != LIBNN_OK || n == 0)
        return st;
    const size_t um = (size_t)m, un = (size_t)n, need = um * un + 2 * un + lwork_floats;
    if (work_floats < need)
        return lnn_error(LIBNN_E_INVALID,
                         "orthogonal initializer: workspace of %zu floats, %zu needed",
                         work_floats, need);
    float *a = work, *tau = a + um * un, *scale = tau + un, *lwork_buf = scale + un;
    lapack_int lwork = (lapack_int)lwork_floats;

    lnn_init_normal(r, a, um * un, 0.0f, 1.0f);
    lapack_int info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, m, n, a, m, tau, lwork_buf, lwork);
    if (info != 0)
        return lapack_failed("sgeqrf", info);
    /* R sits on and above a's diagonal until sorgqr overwrites it. A zero
     * diagonal (probability 0) counts as positive, where numpy's sign()
     * would zero the column and break orthogonality. */
    for (size_t j = 0; j < un; j++)
        scale[j] = a[j * um + j] < 0.0f ? -gain : gain;
    info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, m, n, n, a, m, tau, lwork_buf, lwork);
    if (info != 0)
        return lapack_failed("sorgqr", info);

    if (rows >= cols) {
        /* w = Q (m x n) row-major: a transpose of the column-major Q. */
        for (size_t i = 0; i < um; i++)
            for (size_t j = 0; j < un; j++)
                w[i * un + j] = a[j * um + i] * scale[j];
    } else {
        /* w = Q^T (n x m) row-major: row i of w is column i of Q, which is
         * contiguous in column-major storage. */
        for (size_t i = 0; i < un; i++)
            for (size_t j = 0; j < um; j++)
                w[i * um + j] = a[i * um + j] * scale[i];
    }
    return LIBNN_OK;
}
