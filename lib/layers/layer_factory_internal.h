/*
 * Private: making layers without their constructors' arguments — by Keras
 * class name (model files) or like an existing layer (clones).
 */
#ifndef LIBNN_LAYER_FACTORY_INTERNAL_H
#define LIBNN_LAYER_FACTORY_INTERNAL_H

#include "layer_internal.h"

/* What some kinds need at construction; the rest is options. */
typedef struct lnn_layer_args {
    size_t target_ndim;                 /* Reshape */
    int64_t target[LIBNN_MAX_RANK - 1];
    libnn_layer *inner;                 /* Bidirectional: taken on success */
} lnn_layer_args;

/*
 * A new unbuilt layer of the kind whose Keras class is `class_name`, with
 * default options. args may be NULL but for Reshape and Bidirectional.
 * Errors: LIBNN_E_NOTFOUND (no such class: no message is set, the caller
 * names the layer), LIBNN_E_INVALID (args missing or invalid), LIBNN_E_NOMEM.
 */
libnn_status lnn_layer_new_by_class(const char *class_name, const lnn_layer_args *args,
                                    libnn_layer **out);

/*
 * A new unbuilt layer of the same kind, options and name as `src` (for
 * Bidirectional, with a copy of its inner layer). Errors: LIBNN_E_NOMEM,
 * and the setters' (which cannot fail for a valid src).
 */
libnn_status lnn_layer_new_like(const libnn_layer *src, libnn_layer **out);

/* Copy every option of `src` into `dst`, a fresh layer of the same kind,
 * through the validating setters (options at dst's value are skipped, so
 * "unset" markers outside the bounds are never set). */
libnn_status lnn_layer_copy_options(libnn_layer *dst, const libnn_layer *src);

/* Reshape's target shape into shape (LIBNN_MAX_RANK - 1 values); returns
 * its rank (0 for other kinds). */
size_t lnn_reshape_target(const libnn_layer *l, int64_t *shape);

/* Bidirectional's wrapped layer (the forward copy, named "forward_<name>"),
 * NULL for other kinds. */
const libnn_layer *lnn_bidirectional_inner(const libnn_layer *l);

/*
 * The output shape and weight count building an unbuilt `l` for `ndim`,
 * `shape` would give, without allocating or changing the layer: so a file
 * can be checked against its own size before any weight is allocated.
 * out_shape has room for LIBNN_MAX_RANK entries. Errors: those of the
 * kind's build (LIBNN_E_SHAPE, ...), LIBNN_E_STATE (l is built).
 */
libnn_status lnn_layer_dry_build(libnn_layer *l, size_t ndim, const int64_t *shape,
                                 size_t *out_ndim, int64_t *out_shape, size_t *weights);

#endif
