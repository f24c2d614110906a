/*
 * Private: the parts of a model clone, shared with the model files.
 */
#ifndef LIBNN_MODEL_CLONE_INTERNAL_H
#define LIBNN_MODEL_CLONE_INTERNAL_H

#include "libnn/model.h"

/* A new uncompiled model with src's options (seed included), input shape
 * and unbuilt copies of its layers. Errors: LIBNN_E_NOMEM. */
libnn_status lnn_model_new_like(const libnn_model *src, libnn_model **out);

/* Compile dst as src is: a copy of its optimizer's settings (fresh state),
 * the loss and its options, the metrics. Errors: those of compile. */
libnn_status lnn_model_compile_like(libnn_model *dst, const libnn_model *src);

/* Copy every weight of compiled src into compiled dst (same architecture). */
void lnn_model_copy_weights(libnn_model *dst, const libnn_model *src);

#endif
