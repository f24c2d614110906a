/*
 * Private: pieces of the model files shared between their writer, reader
 * and the JSON API.
 */
#ifndef LIBNN_MODEL_FILE_INTERNAL_H
#define LIBNN_MODEL_FILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "libnn/io.h"
#include "libnn/model.h"

/* The architecture JSON of m as a new NUL-terminated string (lnn_free).
 * Errors: LIBNN_E_STATE (no input shape), LIBNN_E_NOMEM. */
libnn_status lnn_arch_dump(const libnn_model *m, char **out);

/* A new uncompiled model from architecture text (len bytes). `who` starts
 * the messages. Errors: LIBNN_E_FORMAT, LIBNN_E_UNSUPPORTED, LIBNN_E_NOMEM. */
libnn_status lnn_arch_parse(const char *who, const char *text, size_t len, libnn_model **out);

/* The text of `obj` (taken, may be NULL after a failed build) as a new
 * string (lnn_free). Errors: LIBNN_E_NOMEM. */
libnn_status lnn_json_text(const char *who, json_t *obj, char **out);

/* m (compiled) as the tensor file libnn_model_save writes; flags 0 or
 * LIBNN_SAVE_CHECKPOINT. Errors: LIBNN_E_INVALID, LIBNN_E_STATE,
 * LIBNN_E_NOMEM. */
libnn_status lnn_model_file_build(const char *who, const libnn_model *m, unsigned flags,
                                  libnn_tensor_file **out);

/* A new compiled model from a model file's tensors and metadata.
 * Errors: LIBNN_E_FORMAT, LIBNN_E_UNSUPPORTED, LIBNN_E_NOMEM. */
libnn_status lnn_model_file_read(const char *who, const libnn_tensor_file *f, libnn_model **out);

/* Number of weight tensors of compiled m, and the file name of one. */
size_t lnn_model_weight_tensor_count(const libnn_model *m);
void lnn_model_weight_name(char *buf, size_t cap, size_t layer, const char *weight);

/* Whether t has the weight's shape; if not, both shapes as text ("[3, 4]")
 * into have and want (cap bytes each). */
struct lnn_weight;
bool lnn_tensor_fits_weight(const libnn_tensor *t, const struct lnn_weight *w, char *have,
                            char *want, size_t cap);

#endif
