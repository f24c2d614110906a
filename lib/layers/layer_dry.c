/*
 * A layer's build without its allocations: shapes and weight counts only.
 * Model files use it to refuse an architecture whose weights the file
 * cannot hold before a single weight is allocated (a 100-byte file must
 * not make the loader allocate and initialise gigabytes).
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "layer_factory_internal.h"

libnn_status lnn_layer_dry_build(libnn_layer *l, size_t ndim, const int64_t *shape,
                                 size_t *out_ndim, int64_t *out_shape, size_t *weights)
{
    if (l->built)
        return lnn_error(LIBNN_E_STATE, "%s: built already", l->name);
    size_t in_size;
    if (ndim < 1 || ndim > LIBNN_MAX_RANK - 1 ||
        !lnn_shape_count(ndim, shape, sizeof(float), &in_size) || in_size == 0)
        return lnn_error(LIBNN_E_SHAPE, "%s: input of rank %zu does not fit", l->name, ndim);
    /* ops->build only declares: shapes and weight records, no memory. */
    libnn_layer saved = *l;
    l->n_weights = 0;
    l->in_ndim = ndim;
    memset(l->in_shape, 0, sizeof l->in_shape);
    memcpy(l->in_shape, shape, ndim * sizeof *shape);
    l->in_size = in_size;
    libnn_status st = l->ops->build(l);
    size_t total = 0, out_size;
    for (size_t i = 0; st == LIBNN_OK && i < l->n_weights; i++)
        if (!lnn_add_size(total, l->weights[i].size, &total))
            st = lnn_error(LIBNN_E_SHAPE, "%s: weights too large", l->name);
    if (st == LIBNN_OK && !lnn_shape_count(l->out_ndim, l->out_shape, sizeof(float), &out_size))
        st = lnn_error(LIBNN_E_SHAPE, "%s: output shape too large", l->name);
    if (st == LIBNN_OK) {
        *out_ndim = l->out_ndim;
        memcpy(out_shape, l->out_shape, l->out_ndim * sizeof *out_shape);
        *weights = total;
    }
    *l = saved; /* the kind's private state is set again by the real build */
    return st;
}
