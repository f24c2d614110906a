/*
 * Private: weight initialisers, as Keras defines them, drawing from the
 * model's lnn_rng so that a seed fixes every weight.
 */
#ifndef LIBNN_INIT_INTERNAL_H
#define LIBNN_INIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng_internal.h"
#include "libnn/status.h"

typedef enum lnn_init_kind {
    LNN_INIT_ZEROS = 0,
    LNN_INIT_ONES,
    LNN_INIT_CONSTANT,         /* a = value */
    LNN_INIT_RANDOM_UNIFORM,   /* a = minval, b = maxval (Keras: -0.05, 0.05) */
    LNN_INIT_RANDOM_NORMAL,    /* a = mean, b = stddev (Keras: 0, 0.05) */
    LNN_INIT_TRUNCATED_NORMAL, /* a = mean, b = stddev, redrawn beyond 2 stddev */
    LNN_INIT_GLOROT_UNIFORM,
    LNN_INIT_GLOROT_NORMAL,
    LNN_INIT_HE_UNIFORM,
    LNN_INIT_HE_NORMAL,
    LNN_INIT_LECUN_UNIFORM,
    LNN_INIT_LECUN_NORMAL,
    LNN_INIT_ORTHOGONAL,       /* a = gain (Keras: 1) */
    LNN_INIT_COUNT
} lnn_init_kind;

typedef struct lnn_init_spec {
    lnn_init_kind kind;
    float a, b; /* parameters, see lnn_init_kind */
} lnn_init_spec;

/* The spec with Keras' default parameters for `kind`. */
lnn_init_spec lnn_init_default(lnn_init_kind kind);

/* Keras' name ("glorot_uniform", ...); NULL when out of range. */
const char *lnn_init_name(lnn_init_kind kind);
/* false when `name` is not an initialiser Keras knows by that name. */
bool lnn_init_from_name(const char *name, lnn_init_kind *kind);

/*
 * Keras' fans of a weight shape: [n] -> n, n; [in, out] -> in, out;
 * [k..., in, out] -> in * prod(k), out * prod(k); a scalar -> 1, 1.
 */
void lnn_init_fans(size_t ndim, const int64_t *shape, double *fan_in, double *fan_out);

/* Floats of workspace that lnn_init_fill() needs for this spec and shape (0
 * for all but orthogonal). Errors as lnn_init_orthogonal_workspace(). */
libnn_status lnn_init_workspace(const lnn_init_spec *spec, size_t ndim, const int64_t *shape,
                                size_t *floats);

/*
 * Fill w (the prod(shape) floats of a weight) as `spec` says, drawing from
 * r. work/work_floats: the workspace sized by lnn_init_workspace() (NULL, 0
 * when that is 0). Errors: LIBNN_E_INVALID for an unknown kind or a short
 * workspace; orthogonal: LIBNN_E_SHAPE for fewer than 2 dimensions, and the
 * errors of lnn_init_orthogonal().
 */
libnn_status lnn_init_fill(const lnn_init_spec *spec, lnn_rng *r, float *w, size_t ndim,
                           const int64_t *shape, float *work, size_t work_floats);

/* The building blocks, each over n floats. */
void lnn_init_constant(float *w, size_t n, float value);
/* Uniform in [minval, maxval) (maxval itself only through float rounding). */
void lnn_init_uniform(lnn_rng *r, float *w, size_t n, float minval, float maxval);
void lnn_init_normal(lnn_rng *r, float *w, size_t n, float mean, float stddev);
/* Normal draws further than 2 stddev from the mean are redrawn. */
void lnn_init_truncated_normal(lnn_rng *r, float *w, size_t n, float mean, float stddev);

/*
 * An orthogonal [rows, cols] matrix times gain (Keras' Orthogonal): the Q of
 * the QR factorisation of a max(rows, cols) x min(rows, cols) standard
 * normal matrix, its columns' signs fixed by diag(R) so that Q is uniformly
 * (Haar) distributed, transposed when rows < cols. The columns (rows <
 * cols: rows) are then orthonormal.
 *
 * lnn_init_orthogonal_workspace() gives the floats of workspace; errors:
 * LIBNN_E_RANGE when rows * cols exceeds the LAPACK index range (INT_MAX),
 * LIBNN_E_INVALID when LAPACK rejects the workspace query.
 * lnn_init_orthogonal() errors: LIBNN_E_INVALID for a workspace shorter than
 * that or a LAPACK failure; LIBNN_E_RANGE as above.
 */
libnn_status lnn_init_orthogonal_workspace(size_t rows, size_t cols, size_t *floats);
libnn_status lnn_init_orthogonal(lnn_rng *r, float *w, size_t rows, size_t cols, float gain,
                                 float *work, size_t work_floats);

#endif
