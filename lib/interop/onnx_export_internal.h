/*
 * Private: the state of one export walk over a model's layers.
 *
 * The walk keeps the name of the current value and its layout: libnn's
 * (NHWC images, [batch, steps, features] sequences) or, for images between
 * ONNX's image operators, NCHW. Image operators ask for NCHW, everything
 * else for libnn's order; a Transpose is added only where the layout
 * changes, as tf2onnx does.
 */
#ifndef LIBNN_ONNX_EXPORT_INTERNAL_H
#define LIBNN_ONNX_EXPORT_INTERNAL_H

#include "layers/layer_internal.h"
#include "onnx_internal.h"

typedef struct lnn_ox_export {
    lnn_ox_graph g;
    const char *cur;       /* the current value */
    bool nchw;             /* cur holds an image channels-first */
    bool masked;           /* cur carries a Keras mask (mask_zero, Masking) */
    size_t ndim;           /* libnn's per-sample shape of cur */
    int64_t shape[LIBNN_MAX_RANK];
    const libnn_layer *l;  /* the layer being exported */
} lnn_ox_export;

/* "<layer>/<what>", a value name unique to the layer. */
const char *lnn_ox_vname(lnn_ox_export *e, const char *what);
/* An int64 vector initializer of the layer. */
const char *lnn_ox_ints(lnn_ox_export *e, const char *what, size_t n, const int64_t *v);
/* Transpose cur by perm (rank entries, batch included) into a new value. */
void lnn_ox_transpose(lnn_ox_export *e, const char *what, size_t rank, const int64_t *perm);
/* The activation `act` (alpha) on cur. LIBNN_E_UNSUPPORTED never: every
 * libnn activation has an ONNX form. */
void lnn_ox_activation(lnn_ox_export *e, int act, float alpha);
/* SimpleRNN, LSTM, GRU, Bidirectional. */
libnn_status lnn_ox_export_rnn(lnn_ox_export *e);

#endif
