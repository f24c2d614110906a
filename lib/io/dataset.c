/*
 * Data set helpers over loaded tensors: shuffling, splitting and slicing
 * rows, one-hot labels, and per-feature scaling with statistics that can be
 * carried from a training set to a test set.
 */
#include <math.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/rng_internal.h"
#include "core/tensor_internal.h"
#include "libnn/data.h"
#include "split_internal.h"

/* Elements per row (the product of the dimensions after the first). */
static libnn_status row_size(const char *who, const libnn_tensor *t, size_t *out)
{
    if (t->ndim == 1) {
        *out = 1;
        return LIBNN_OK;
    }
    if (!lnn_shape_count(t->ndim - 1, t->shape + 1, sizeof(float), out)) {
        char buf[200];
        return lnn_error(LIBNN_E_SHAPE, "%s: rows of shape %s are too large to address", who,
                         lnn_format_shape(buf, sizeof buf, t->ndim, t->shape));
    }
    return LIBNN_OK;
}

static libnn_status same_rows(const char *who, const libnn_tensor *x, const libnn_tensor *y)
{
    if (!y || y->shape[0] == x->shape[0])
        return LIBNN_OK;
    char xs[200], ys[200];
    return lnn_error(LIBNN_E_SHAPE, "%s: x %s has %lld rows, y %s has %lld", who,
                     lnn_format_shape(xs, sizeof xs, x->ndim, x->shape), (long long)x->shape[0],
                     lnn_format_shape(ys, sizeof ys, y->ndim, y->shape), (long long)y->shape[0]);
}

/* ---- shuffling and splitting ---- */

typedef void (*swap_fn)(void *ctx, size_t i, size_t j);

/* libnn_shuffle's permutation as a sequence of row swaps; the splits draw
 * the same one on an index array (lnn_shuffle_indices), so that a split
 * equals shuffling copies with the same seed. */
static void fisher_yates(size_t n, uint64_t seed, swap_fn swap, void *ctx)
{
    lnn_rng rng;
    lnn_rng_seed(&rng, seed);
    for (size_t i = n; i-- > 1;)
        swap(ctx, i, (size_t)lnn_rng_below(&rng, (uint64_t)i + 1));
}

static void swap_rows(libnn_tensor *t, size_t i, size_t j)
{
    if (!t || i == j || t->size == 0)
        return;
    size_t row = t->size / (size_t)t->shape[0];
    float *a = t->data + i * row, *b = t->data + j * row;
    for (size_t k = 0; k < row; k++) {
        float v = a[k];
        a[k] = b[k];
        b[k] = v;
    }
}

typedef struct pair {
    libnn_tensor *x, *y;
} pair;

static void swap_pair(void *ctx, size_t i, size_t j)
{
    pair *p = ctx;
    swap_rows(p->x, i, j);
    swap_rows(p->y, i, j);
}

libnn_status libnn_shuffle(libnn_tensor *x, libnn_tensor *y, uint64_t seed)
{
    if (!x)
        return lnn_error(LIBNN_E_INVALID, "shuffle: x is NULL");
    libnn_status st = same_rows("shuffle", x, y);
    if (st != LIBNN_OK)
        return st;
    pair p = {x, y};
    fisher_yates((size_t)x->shape[0], seed, swap_pair, &p);
    return LIBNN_OK;
}

/* New tensor of rows idx[0..count) of t (or rows first..first+count when
 * idx is NULL). */
static libnn_status gather(const char *who, const libnn_tensor *t, const size_t *idx,
                           size_t first, size_t count, libnn_tensor **out)
{
    int64_t shape[LIBNN_MAX_RANK];
    memcpy(shape, t->shape, t->ndim * sizeof *shape);
    shape[0] = (int64_t)count;
    libnn_status st = libnn_tensor_new(t->ndim, shape, out);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", who);
    size_t row = t->size ? t->size / (size_t)t->shape[0] : 0;
    for (size_t i = 0; row && i < count; i++) {
        size_t from = idx ? idx[first + i] : first + i;
        memcpy((*out)->data + i * row, t->data + from * row, row * sizeof(float));
    }
    return LIBNN_OK;
}

/* The rows of the training set first, then those of the test set. */
static libnn_status split_order(const char *who, const libnn_tensor *y, size_t n, size_t n_test,
                                uint64_t seed, unsigned flags, size_t *perm)
{
    if (flags & LIBNN_SPLIT_STRATIFY)
        return lnn_stratified_split(who, y, n_test, seed, perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    if (flags & LIBNN_SPLIT_SHUFFLE) {
        lnn_rng rng;
        lnn_rng_seed(&rng, seed);
        lnn_shuffle_indices(perm, n, &rng);
    }
    return LIBNN_OK;
}

static libnn_status split(const char *who, const libnn_tensor *x, const libnn_tensor *y,
                          double test_fraction, uint64_t seed, unsigned flags,
                          libnn_tensor **x_train, libnn_tensor **y_train, libnn_tensor **x_test,
                          libnn_tensor **y_test)
{
    libnn_tensor **outs[4] = {x_train, x_test, y_train, y_test};
    for (int i = 0; i < 4; i++)
        if (outs[i])
            *outs[i] = NULL;
    if (!x || !x_train || !x_test || (y && (!y_train || !y_test)))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who,
                         !x ? "x" : !x_train ? "x_train" : !x_test ? "x_test"
                                  : !y_train ? "y_train" : "y_test");
    if (!(test_fraction > 0 && test_fraction < 1))
        return lnn_error(LIBNN_E_INVALID, "%s: test_fraction must lie in (0, 1), got %g", who,
                         test_fraction);
    if (flags & ~(unsigned)(LIBNN_SPLIT_SHUFFLE | LIBNN_SPLIT_STRATIFY))
        return lnn_error(LIBNN_E_INVALID, "%s: unknown flags 0x%x", who, flags);
    if ((flags & LIBNN_SPLIT_STRATIFY) && (!y || !(flags & LIBNN_SPLIT_SHUFFLE)))
        return lnn_error(LIBNN_E_INVALID, "%s: LIBNN_SPLIT_STRATIFY needs %s", who,
                         y ? "LIBNN_SPLIT_SHUFFLE (as scikit-learn)" : "the labels y");
    libnn_status st = same_rows(who, x, y);
    if (st != LIBNN_OK)
        return st;
    size_t n = (size_t)x->shape[0];
    /* scikit-learn's rule: the test set is rounded up. */
    size_t n_test = (size_t)ceil(test_fraction * (double)n);
    if (n_test >= n)
        return lnn_error(LIBNN_E_RANGE,
                         "%s: %zu rows with test_fraction %g leave no training rows", who, n,
                         test_fraction);
    size_t *perm = lnn_malloc_array(n, sizeof *perm);
    if (!perm)
        return lnn_error_nomem(who, n * sizeof *perm);
    size_t n_train = n - n_test;
    st = split_order(who, y, n, n_test, seed, flags, perm);
    if (st == LIBNN_OK)
        st = gather(who, x, perm, 0, n_train, x_train);
    if (st == LIBNN_OK)
        st = gather(who, x, perm, n_train, n_test, x_test);
    if (st == LIBNN_OK && y)
        st = gather(who, y, perm, 0, n_train, y_train);
    if (st == LIBNN_OK && y)
        st = gather(who, y, perm, n_train, n_test, y_test);
    lnn_free(perm);
    if (st != LIBNN_OK)
        for (int i = 0; i < 4; i++)
            if (outs[i]) {
                libnn_tensor_free(*outs[i]);
                *outs[i] = NULL;
            }
    return st;
}

libnn_status libnn_train_test_split(const libnn_tensor *x, const libnn_tensor *y,
                                    double test_fraction, uint64_t seed, libnn_tensor **x_train,
                                    libnn_tensor **y_train, libnn_tensor **x_test,
                                    libnn_tensor **y_test)
{
    return split("train_test_split", x, y, test_fraction, seed, LIBNN_SPLIT_SHUFFLE, x_train,
                 y_train, x_test, y_test);
}

libnn_status libnn_train_test_split_ex(const libnn_tensor *x, const libnn_tensor *y,
                                       double test_fraction, uint64_t seed, unsigned flags,
                                       libnn_tensor **x_train, libnn_tensor **y_train,
                                       libnn_tensor **x_test, libnn_tensor **y_test)
{
    return split("train_test_split_ex", x, y, test_fraction, seed, flags, x_train, y_train,
                 x_test, y_test);
}

libnn_status libnn_take(const libnn_tensor *t, const int64_t *indices, size_t count,
                        libnn_tensor **out)
{
    static const char who[] = "take";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (!t || (!indices && count > 0))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, !t ? "tensor" : "indices");
    if (count > (size_t)INT64_MAX)
        return lnn_error(LIBNN_E_RANGE, "%s: count %zu is out of range", who, count);
    size_t *idx = lnn_malloc_array(count, sizeof *idx);
    if (!idx)
        return lnn_error_nomem(who, count * sizeof *idx);
    for (size_t i = 0; i < count; i++) {
        if (indices[i] < 0 || indices[i] >= t->shape[0]) {
            lnn_free(idx);
            return lnn_error(LIBNN_E_RANGE, "%s: indices[%zu] = %lld lies outside the %lld rows",
                             who, i, (long long)indices[i], (long long)t->shape[0]);
        }
        idx[i] = (size_t)indices[i];
    }
    libnn_status st = gather(who, t, idx, 0, count, out);
    lnn_free(idx);
    return st;
}

libnn_status libnn_slice(const libnn_tensor *t, int64_t start, int64_t count, libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "slice: out is NULL");
    *out = NULL;
    if (!t)
        return lnn_error(LIBNN_E_INVALID, "slice: tensor is NULL");
    if (start < 0 || count < 0 || start > t->shape[0] || count > t->shape[0] - start)
        return lnn_error(LIBNN_E_RANGE,
                         "slice: rows [%lld, %lld + %lld) lie outside the %lld rows of the tensor",
                         (long long)start, (long long)start, (long long)count,
                         (long long)t->shape[0]);
    return gather("slice", t, NULL, (size_t)start, (size_t)count, out);
}

/* ---- one-hot ---- */

libnn_status libnn_one_hot(const libnn_tensor *labels, int64_t num_classes, libnn_tensor **out)
{
    static const char who[] = "one_hot";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (!labels)
        return lnn_error(LIBNN_E_INVALID, "%s: labels is NULL", who);
    if (num_classes < 0)
        return lnn_error(LIBNN_E_INVALID, "%s: num_classes must be >= 0 (0: infer), got %lld",
                         who, (long long)num_classes);
    size_t rank = labels->ndim;
    if (rank >= 2 && labels->shape[rank - 1] == 1)
        rank--; /* Keras: [n, 1] labels give [n, classes] */
    if (rank + 1 > LIBNN_MAX_RANK)
        return lnn_error(LIBNN_E_SHAPE, "%s: labels of rank %zu give a result of rank %zu, above %d",
                         who, rank, rank + 1, LIBNN_MAX_RANK);
    /* Inferred class counts stay far below int64's range. */
    double limit = num_classes ? (double)num_classes : 0x1p62;
    const float *v = labels->data;
    float top = -1;
    for (size_t i = 0; i < labels->size; i++) {
        if (!(v[i] >= 0) || v[i] != floorf(v[i]) || (double)v[i] >= limit)
            return lnn_error(LIBNN_E_RANGE,
                             "%s: label element %zu is %g, not a class index in [0, %.0f)", who,
                             i, (double)v[i], limit);
        if (v[i] > top)
            top = v[i];
    }
    if (num_classes == 0)
        num_classes = (int64_t)top + 1;
    int64_t shape[LIBNN_MAX_RANK];
    memcpy(shape, labels->shape, rank * sizeof *shape);
    shape[rank] = num_classes;
    libnn_status st = libnn_tensor_new(rank + 1, shape, out);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", who);
    for (size_t i = 0; i < labels->size; i++)
        (*out)->data[i * (size_t)num_classes + (size_t)v[i]] = 1.0f;
    return LIBNN_OK;
}

/* ---- scaling ---- */

typedef enum scale_kind { SCALE_MINMAX, SCALE_STANDARD } scale_kind;

static const char *const scale_names[2][2] = {{"minmax_scale", "minmax_scale_apply"},
                                              {"standard_scale", "standard_scale_apply"}};

/* x' = (x - shift) / div per feature, div 0 counting as 1. In double, so that
 * fitting and applying the returned float statistics agree to the bit. */
static void scale_rows(libnn_tensor *x, size_t features, const float *shift, const float *div,
                       scale_kind kind)
{
    for (size_t i = 0; features && i < x->size / features; i++)
        for (size_t j = 0; j < features; j++) {
            double d = kind == SCALE_MINMAX ? (double)div[j] - (double)shift[j] : (double)div[j];
            float *e = &x->data[i * features + j];
            *e = (float)(((double)*e - (double)shift[j]) / (d != 0 ? d : 1));
        }
}

static libnn_status check_stats(const char *who, scale_kind kind, const libnn_tensor *a,
                                const libnn_tensor *b, size_t features)
{
    static const char *const names[2][2] = {{"min", "max"}, {"mean", "std"}};
    const libnn_tensor *stats[2] = {a, b};
    if (!a || !b)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, names[kind][!a ? 0 : 1]);
    for (int k = 0; k < 2; k++) {
        if (stats[k]->size != features)
            return lnn_error(LIBNN_E_SHAPE, "%s: %s has %zu elements, x has %zu features per row",
                             who, names[kind][k], stats[k]->size, features);
        for (size_t j = 0; j < features; j++)
            if (!isfinite(stats[k]->data[j]))
                return lnn_error(LIBNN_E_NONFINITE, "%s: %s element %zu is %g", who,
                                 names[kind][k], j, (double)stats[k]->data[j]);
    }
    for (size_t j = 0; j < features; j++) {
        if (kind == SCALE_MINMAX && b->data[j] < a->data[j])
            return lnn_error(LIBNN_E_RANGE, "%s: feature %zu has max %g below min %g", who, j,
                             (double)b->data[j], (double)a->data[j]);
        if (kind == SCALE_STANDARD && b->data[j] < 0)
            return lnn_error(LIBNN_E_RANGE, "%s: feature %zu has std %g < 0", who, j,
                             (double)b->data[j]);
    }
    return LIBNN_OK;
}

static libnn_status scale_apply(libnn_tensor *x, const libnn_tensor *a, const libnn_tensor *b,
                                scale_kind kind)
{
    const char *who = scale_names[kind][1];
    if (!x)
        return lnn_error(LIBNN_E_INVALID, "%s: x is NULL", who);
    size_t features;
    libnn_status st = row_size(who, x, &features);
    if (st == LIBNN_OK)
        st = check_stats(who, kind, a, b, features);
    if (st == LIBNN_OK)
        scale_rows(x, features, a->data, b->data, kind);
    return st;
}

/* Per-feature statistics of the rows of x into a and b (features each). */
static libnn_status fit(const char *who, const libnn_tensor *x, size_t features, scale_kind kind,
                        float *a, float *b)
{
    size_t rows = (size_t)x->shape[0];
    const float *v = x->data;
    if (kind == SCALE_MINMAX) {
        memcpy(a, v, features * sizeof *a);
        memcpy(b, v, features * sizeof *b);
        for (size_t i = 1; i < rows; i++)
            for (size_t j = 0; j < features; j++) {
                float e = v[i * features + j];
                a[j] = e < a[j] ? e : a[j];
                b[j] = e > b[j] ? e : b[j];
            }
        return LIBNN_OK;
    }
    double *acc = lnn_calloc(2 * features, sizeof *acc);
    if (!acc)
        return lnn_error_nomem(who, 2 * features * sizeof *acc);
    double *mean = acc, *sq = acc + features;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < features; j++)
            mean[j] += v[i * features + j];
    for (size_t j = 0; j < features; j++)
        mean[j] /= (double)rows;
    /* Two passes: the textbook sum-of-squares formula cancels badly. */
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < features; j++) {
            double d = v[i * features + j] - mean[j];
            sq[j] += d * d;
        }
    for (size_t j = 0; j < features; j++) {
        a[j] = (float)mean[j];
        b[j] = (float)sqrt(sq[j] / (double)rows);
        if (b[j] == 0)
            b[j] = 1; /* scikit-learn's scale_ of a constant feature */
    }
    lnn_free(acc);
    return LIBNN_OK;
}

static libnn_status scale_fit(libnn_tensor *x, libnn_tensor **a_out, libnn_tensor **b_out,
                              scale_kind kind)
{
    const char *who = scale_names[kind][0];
    if (a_out)
        *a_out = NULL;
    if (b_out)
        *b_out = NULL;
    if (!x)
        return lnn_error(LIBNN_E_INVALID, "%s: x is NULL", who);
    size_t features;
    libnn_status st = row_size(who, x, &features);
    if (st != LIBNN_OK)
        return st;
    if (x->shape[0] == 0)
        return lnn_error(LIBNN_E_SHAPE, "%s: x has no rows to fit on", who);
    for (size_t i = 0; i < x->size; i++)
        if (!isfinite(x->data[i]))
            return lnn_error(LIBNN_E_NONFINITE, "%s: x row %zu, feature %zu is %g", who,
                             i / features, i % features, (double)x->data[i]);
    /* Statistics have a row's shape; a rank-1 x has rows of one value. */
    static const int64_t one[1] = {1};
    size_t rank = x->ndim > 1 ? x->ndim - 1 : 1;
    const int64_t *shape = x->ndim > 1 ? x->shape + 1 : one;
    libnn_tensor *a = NULL, *b = NULL;
    st = libnn_tensor_new(rank, shape, &a);
    if (st == LIBNN_OK)
        st = libnn_tensor_new(rank, shape, &b);
    if (st != LIBNN_OK)
        st = lnn_error_prefix(st, "%s", who);
    else
        st = fit(who, x, features, kind, a->data, b->data);
    if (st == LIBNN_OK)
        scale_rows(x, features, a->data, b->data, kind);
    if (st != LIBNN_OK || !a_out)
        libnn_tensor_free(a);
    if (st != LIBNN_OK || !b_out)
        libnn_tensor_free(b);
    if (st == LIBNN_OK && a_out)
        *a_out = a;
    if (st == LIBNN_OK && b_out)
        *b_out = b;
    return st;
}

libnn_status libnn_minmax_scale(libnn_tensor *x, libnn_tensor **min_out, libnn_tensor **max_out)
{
    return scale_fit(x, min_out, max_out, SCALE_MINMAX);
}

libnn_status libnn_minmax_scale_apply(libnn_tensor *x, const libnn_tensor *min,
                                      const libnn_tensor *max)
{
    return scale_apply(x, min, max, SCALE_MINMAX);
}

libnn_status libnn_standard_scale(libnn_tensor *x, libnn_tensor **mean_out,
                                  libnn_tensor **std_out)
{
    return scale_fit(x, mean_out, std_out, SCALE_STANDARD);
}

libnn_status libnn_standard_scale_apply(libnn_tensor *x, const libnn_tensor *mean,
                                        const libnn_tensor *std)
{
    return scale_apply(x, mean, std, SCALE_STANDARD);
}
