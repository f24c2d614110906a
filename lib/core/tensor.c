/*
 * Tensors: a shape and an owned float buffer.
 */
#include <math.h>
#include <string.h>

#include "alloc_internal.h"
#include "error_internal.h"
#include "rng_internal.h"
#include "tensor_internal.h"

libnn_status lnn_check_shape(const char *who, size_t ndim, const int64_t *shape, size_t *count)
{
    if (!shape)
        return lnn_error(LIBNN_E_INVALID, "%s: shape is NULL", who);
    if (ndim < 1 || ndim > LIBNN_MAX_RANK)
        return lnn_error(LIBNN_E_INVALID, "%s: rank %zu is outside 1..%d", who, ndim,
                         LIBNN_MAX_RANK);
    char buf[200];
    for (size_t i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return lnn_error(LIBNN_E_INVALID, "%s: dimension %zu of shape %s is negative", who, i,
                             lnn_format_shape(buf, sizeof buf, ndim, shape));
    if (!lnn_shape_count(ndim, shape, sizeof(float), count))
        return lnn_error(LIBNN_E_NOMEM, "%s: shape %s is too large to address", who,
                         lnn_format_shape(buf, sizeof buf, ndim, shape));
    return LIBNN_OK;
}

/* Allocate a tensor of a validated shape with uninitialised data. */
static libnn_status tensor_alloc(const char *who, size_t ndim, const int64_t *shape,
                                 libnn_tensor **out)
{
    size_t count;
    libnn_status st = lnn_check_shape(who, ndim, shape, &count);
    if (st != LIBNN_OK)
        return st;
    libnn_tensor *t = lnn_malloc(sizeof *t);
    if (!t)
        return lnn_error_nomem(who, sizeof *t);
    t->data = lnn_malloc_array(count, sizeof(float));
    if (!t->data) {
        lnn_free(t);
        return lnn_error_nomem(who, count * sizeof(float));
    }
    t->ndim = ndim;
    memset(t->shape, 0, sizeof t->shape);
    memcpy(t->shape, shape, ndim * sizeof *shape);
    t->size = count;
    *out = t;
    return LIBNN_OK;
}

libnn_status libnn_tensor_new(size_t ndim, const int64_t *shape, libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "tensor_new: out is NULL");
    *out = NULL;
    libnn_status st = tensor_alloc("tensor_new", ndim, shape, out);
    if (st == LIBNN_OK)
        memset((*out)->data, 0, (*out)->size * sizeof(float));
    return st;
}

libnn_status libnn_tensor_new_from_data(size_t ndim, const int64_t *shape, const float *data,
                                        size_t count, libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "tensor_new_from_data: out is NULL");
    *out = NULL;
    size_t need;
    libnn_status st = lnn_check_shape("tensor_new_from_data", ndim, shape, &need);
    if (st != LIBNN_OK)
        return st;
    if (!data && count > 0)
        return lnn_error(LIBNN_E_INVALID, "tensor_new_from_data: data is NULL");
    if (count != need) {
        char buf[200];
        return lnn_error(LIBNN_E_SHAPE, "tensor_new_from_data: %zu values given, shape %s needs %zu",
                         count, lnn_format_shape(buf, sizeof buf, ndim, shape), need);
    }
    st = tensor_alloc("tensor_new_from_data", ndim, shape, out);
    if (st == LIBNN_OK && count > 0)
        memcpy((*out)->data, data, count * sizeof(float));
    return st;
}

libnn_status libnn_tensor_clone(const libnn_tensor *src, libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "tensor_clone: out is NULL");
    *out = NULL;
    if (!src)
        return lnn_error(LIBNN_E_INVALID, "tensor_clone: source tensor is NULL");
    return libnn_tensor_new_from_data(src->ndim, src->shape, src->data, src->size, out);
}

void libnn_tensor_free(libnn_tensor *t)
{
    if (!t)
        return;
    lnn_free(t->data);
    lnn_free(t);
}

libnn_status libnn_tensor_copy_from(libnn_tensor *t, const float *src, size_t count)
{
    if (!t || (!src && count > 0))
        return lnn_error(LIBNN_E_INVALID, "tensor_copy_from: %s is NULL", t ? "source" : "tensor");
    if (count != t->size)
        return lnn_error(LIBNN_E_SHAPE, "tensor_copy_from: %zu values given, tensor holds %zu",
                         count, t->size);
    if (count > 0)
        memcpy(t->data, src, count * sizeof(float));
    return LIBNN_OK;
}

libnn_status libnn_tensor_copy_to(const libnn_tensor *t, float *dst, size_t count)
{
    if (!t || (!dst && t->size > 0))
        return lnn_error(LIBNN_E_INVALID, "tensor_copy_to: %s is NULL",
                         t ? "destination" : "tensor");
    if (count < t->size)
        return lnn_error(LIBNN_E_SHAPE, "tensor_copy_to: destination holds %zu values, tensor has %zu",
                         count, t->size);
    if (t->size > 0)
        memcpy(dst, t->data, t->size * sizeof(float));
    return LIBNN_OK;
}

size_t libnn_tensor_ndim(const libnn_tensor *t)
{
    return t ? t->ndim : 0;
}

int64_t libnn_tensor_dim(const libnn_tensor *t, size_t axis)
{
    return (t && axis < t->ndim) ? t->shape[axis] : -1;
}

libnn_status libnn_tensor_shape(const libnn_tensor *t, size_t capacity, int64_t *shape)
{
    if (!t || !shape)
        return lnn_error(LIBNN_E_INVALID, "tensor_shape: %s is NULL", t ? "shape" : "tensor");
    if (capacity < t->ndim)
        return lnn_error(LIBNN_E_RANGE, "tensor_shape: room for %zu dimensions, tensor has %zu",
                         capacity, t->ndim);
    memcpy(shape, t->shape, t->ndim * sizeof *shape);
    return LIBNN_OK;
}

size_t libnn_tensor_size(const libnn_tensor *t)
{
    return t ? t->size : 0;
}

float *libnn_tensor_data(libnn_tensor *t)
{
    return (t && t->size > 0) ? t->data : NULL;
}

libnn_status libnn_tensor_reshape(libnn_tensor *t, size_t ndim, const int64_t *shape)
{
    if (!t)
        return lnn_error(LIBNN_E_INVALID, "tensor_reshape: tensor is NULL");
    if (!shape || ndim < 1 || ndim > LIBNN_MAX_RANK)
        return lnn_check_shape("tensor_reshape", ndim, shape, &(size_t){0});
    int64_t resolved[LIBNN_MAX_RANK];
    size_t infer = ndim, known = 1;
    char buf[200];
    for (size_t i = 0; i < ndim; i++) {
        resolved[i] = shape[i];
        if (shape[i] == -1 && infer == ndim) {
            infer = i;
            resolved[i] = 1;
        } else if (shape[i] < 0) {
            return lnn_error(LIBNN_E_INVALID,
                             "tensor_reshape: dimension %zu of %s is invalid (only one -1 allowed)",
                             i, lnn_format_shape(buf, sizeof buf, ndim, shape));
        }
    }
    if (!lnn_shape_count(ndim, resolved, sizeof(float), &known))
        return lnn_error(LIBNN_E_SHAPE, "tensor_reshape: shape %s is too large",
                         lnn_format_shape(buf, sizeof buf, ndim, shape));
    if (infer < ndim) {
        if (known == 0 || t->size % known != 0)
            return lnn_error(LIBNN_E_SHAPE,
                             "tensor_reshape: cannot infer dimension %zu of %s for %zu elements",
                             infer, lnn_format_shape(buf, sizeof buf, ndim, shape), t->size);
        resolved[infer] = (int64_t)(t->size / known);
        known = t->size;
    }
    if (known != t->size)
        return lnn_error(LIBNN_E_SHAPE, "tensor_reshape: new shape %s has %zu elements, tensor has %zu",
                         lnn_format_shape(buf, sizeof buf, ndim, resolved), known, t->size);
    memset(t->shape, 0, sizeof t->shape);
    memcpy(t->shape, resolved, ndim * sizeof *resolved);
    t->ndim = ndim;
    return LIBNN_OK;
}

libnn_status libnn_tensor_fill(libnn_tensor *t, float value)
{
    if (!t)
        return lnn_error(LIBNN_E_INVALID, "tensor_fill: tensor is NULL");
    for (size_t i = 0; i < t->size; i++)
        t->data[i] = value;
    return LIBNN_OK;
}

libnn_status libnn_tensor_fill_uniform(libnn_tensor *t, float low, float high, uint64_t seed)
{
    if (!t)
        return lnn_error(LIBNN_E_INVALID, "tensor_fill_uniform: tensor is NULL");
    if (!isfinite(low) || !isfinite(high) || low > high)
        return lnn_error(LIBNN_E_INVALID,
                         "tensor_fill_uniform: bounds [%g, %g) must be finite with low <= high",
                         (double)low, (double)high);
    lnn_rng rng;
    lnn_rng_seed(&rng, seed);
    for (size_t i = 0; i < t->size; i++) {
        float v = low + (high - low) * lnn_rng_uniform(&rng);
        /* Rounding can land on `high`; keep the interval half-open. */
        t->data[i] = (v < high || low == high) ? v : low;
    }
    return LIBNN_OK;
}

libnn_status libnn_tensor_fill_normal(libnn_tensor *t, float mean, float stddev, uint64_t seed)
{
    if (!t)
        return lnn_error(LIBNN_E_INVALID, "tensor_fill_normal: tensor is NULL");
    if (!isfinite(mean) || !isfinite(stddev) || stddev < 0)
        return lnn_error(LIBNN_E_INVALID,
                         "tensor_fill_normal: mean %g and stddev %g must be finite, stddev >= 0",
                         (double)mean, (double)stddev);
    lnn_rng rng;
    lnn_rng_seed(&rng, seed);
    for (size_t i = 0; i < t->size; i++)
        t->data[i] = mean + stddev * lnn_rng_normal(&rng);
    return LIBNN_OK;
}
