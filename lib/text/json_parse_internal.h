/*
 * Private: parsing JSON text with jansson so that an allocation failure is
 * told apart from a malformed text.
 */
#ifndef LIBNN_JSON_PARSE_INTERNAL_H
#define LIBNN_JSON_PARSE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "libnn/status.h"

/*
 * Parse the `len` bytes at `text` (duplicate keys refused) into an object
 * in *root, owned by the caller (json_decref). `who` and `what` ("config.
 * word_index") start the messages, which give the byte offset within the
 * text. Errors: LIBNN_E_FORMAT (malformed, duplicate key, not an object),
 * LIBNN_E_NOMEM.
 */
libnn_status lnn_json_parse_object(const char *who, const char *what, const char *text,
                                   size_t len, json_t **root);

#endif
