/*
 * libnn: tensors.
 *
 * A libnn_tensor is a dense float32 array in row-major order, of rank 1 to
 * LIBNN_MAX_RANK, with int64_t dimensions (0 is allowed: an empty tensor).
 * Images are NHWC, sequences [batch, time, features], as in Keras.
 *
 * Threading: one thread at a time per tensor; distinct tensors are
 * independent.
 */
#ifndef LIBNN_TENSOR_H
#define LIBNN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/status.h"

LIBNN_BEGIN_DECLS

#define LIBNN_MAX_RANK 8

typedef struct libnn_tensor libnn_tensor;

/*
 * New zero-filled tensor of the given shape. On success *out owns a tensor
 * that the caller frees with libnn_tensor_free(); on failure *out is NULL.
 * Errors: LIBNN_E_INVALID (NULL pointers, ndim outside 1..LIBNN_MAX_RANK,
 * a negative dimension), LIBNN_E_NOMEM (allocation failed or the size
 * overflows).
 */
LIBNN_API libnn_status libnn_tensor_new(size_t ndim, const int64_t *shape, libnn_tensor **out);

/*
 * New tensor holding a copy of `count` floats from `data`; `count` must equal
 * the product of the shape. The caller keeps ownership of `data`.
 * Errors: as libnn_tensor_new, plus LIBNN_E_SHAPE when count does not match.
 */
LIBNN_API libnn_status libnn_tensor_new_from_data(size_t ndim, const int64_t *shape,
                                                  const float *data, size_t count,
                                                  libnn_tensor **out);

/*
 * Independent deep copy of `src`. *out is owned by the caller.
 * Errors: LIBNN_E_INVALID, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_clone(const libnn_tensor *src, libnn_tensor **out);

/* Free a tensor. NULL is accepted and ignored. */
LIBNN_API void libnn_tensor_free(libnn_tensor *t);

/*
 * Copy `count` floats from `src` into the tensor; `count` must equal its size.
 * Errors: LIBNN_E_INVALID, LIBNN_E_SHAPE (the tensor is left unchanged).
 */
LIBNN_API libnn_status libnn_tensor_copy_from(libnn_tensor *t, const float *src, size_t count);

/*
 * Copy the tensor's elements into `dst`, which holds `count` floats; `count`
 * must be at least the tensor's size. Nothing is written on error.
 * Errors: LIBNN_E_INVALID, LIBNN_E_SHAPE.
 */
LIBNN_API libnn_status libnn_tensor_copy_to(const libnn_tensor *t, float *dst, size_t count);

/* Rank of the tensor; 0 for NULL. */
LIBNN_API size_t libnn_tensor_ndim(const libnn_tensor *t);

/* Size of dimension `axis`; -1 for NULL or an axis out of range. */
LIBNN_API int64_t libnn_tensor_dim(const libnn_tensor *t, size_t axis);

/*
 * Write the shape into `shape`, which holds `capacity` entries (capacity >=
 * rank). Errors: LIBNN_E_INVALID, LIBNN_E_RANGE when capacity is too small.
 */
LIBNN_API libnn_status libnn_tensor_shape(const libnn_tensor *t, size_t capacity, int64_t *shape);

/* Number of elements (product of the shape); 0 for NULL. */
LIBNN_API size_t libnn_tensor_size(const libnn_tensor *t);

/*
 * Borrowed pointer to the elements, row-major. Owned by the tensor: valid
 * until it is freed. NULL for NULL or an empty tensor.
 */
LIBNN_API float *libnn_tensor_data(libnn_tensor *t);

/*
 * Give the tensor a new shape with the same number of elements; one
 * dimension may be -1 and is then inferred. Data are not moved.
 * Errors: LIBNN_E_INVALID (bad rank, several -1, negative dimension),
 * LIBNN_E_SHAPE (element count differs). On error the tensor is unchanged.
 */
LIBNN_API libnn_status libnn_tensor_reshape(libnn_tensor *t, size_t ndim, const int64_t *shape);

/* Set every element to `value`. Errors: LIBNN_E_INVALID. */
LIBNN_API libnn_status libnn_tensor_fill(libnn_tensor *t, float value);

/*
 * Fill with independent draws from U[low, high), from a generator seeded by
 * `seed` alone: the same seed gives the same bits on every run and thread
 * count. Errors: LIBNN_E_INVALID (NULL, non-finite bounds, low > high).
 */
LIBNN_API libnn_status libnn_tensor_fill_uniform(libnn_tensor *t, float low, float high, uint64_t seed);

/*
 * Fill with independent draws from N(mean, stddev^2), reproducible from
 * `seed` as libnn_tensor_fill_uniform. Errors: LIBNN_E_INVALID (NULL,
 * non-finite arguments, stddev < 0).
 */
LIBNN_API libnn_status libnn_tensor_fill_normal(libnn_tensor *t, float mean, float stddev, uint64_t seed);

LIBNN_END_DECLS

#endif /* LIBNN_TENSOR_H */
