/*
 * Private: the tensor's layout, for the library's own layers and kernels.
 */
#ifndef LIBNN_TENSOR_INTERNAL_H
#define LIBNN_TENSOR_INTERNAL_H

#include "libnn/tensor.h"

struct libnn_tensor {
    size_t ndim;
    int64_t shape[LIBNN_MAX_RANK];
    size_t size;  /* product of shape */
    float *data;  /* size floats (at least one allocated), owned */
};

/* Validate a shape argument; on error sets the message with `who` in front. */
libnn_status lnn_check_shape(const char *who, size_t ndim, const int64_t *shape, size_t *count);

#endif
