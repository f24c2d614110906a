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
    const char *mask;      /* cur's Keras mask as float [batch, steps], 1 = real; NULL: none */
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
/* One node on cur (and `b` when not NULL) whose output becomes cur. */
Onnx__NodeProto *lnn_ox_step(lnn_ox_export *e, const char *op, const char *what, const char *b);
/* A node of the layer on inputs `in` whose output is a new value. */
const char *lnn_ox_apply(lnn_ox_export *e, const char *op, const char *what, size_t n_in,
                         const char *const *in);
/* A float scalar initializer of the layer. */
const char *lnn_ox_scalar(lnn_ox_export *e, const char *what, float v);
/* SimpleRNN, LSTM, GRU, Bidirectional. */
libnn_status lnn_ox_export_rnn(lnn_ox_export *e);

#endif
