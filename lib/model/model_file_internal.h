/*
 * Private: pieces of the model files shared between their writer, reader
 * and the JSON API.
 */
#ifndef LIBNN_MODEL_FILE_INTERNAL_H
#define LIBNN_MODEL_FILE_INTERNAL_H

#include <stddef.h>

#include "libnn/model.h"

/* The architecture JSON of m as a new NUL-terminated string (lnn_free).
 * Errors: LIBNN_E_STATE (no input shape), LIBNN_E_NOMEM. */
libnn_status lnn_arch_dump(const libnn_model *m, char **out);

/* A new uncompiled model from architecture text (len bytes). `who` starts
 * the messages. Errors: LIBNN_E_FORMAT, LIBNN_E_UNSUPPORTED, LIBNN_E_NOMEM. */
libnn_status lnn_arch_parse(const char *who, const char *text, size_t len, libnn_model **out);

#endif
