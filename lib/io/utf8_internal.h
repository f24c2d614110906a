/*
 * Private: strict UTF-8 validation, as the JSON header of a safetensors file
 * and every name or metadata string written into one must be valid UTF-8.
 */
#ifndef LIBNN_UTF8_INTERNAL_H
#define LIBNN_UTF8_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the n bytes at s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). Otherwise false, with the offset of the
 * first byte of the first bad sequence in *bad (when bad is not NULL).
 */
bool lnn_utf8_valid(const unsigned char *s, size_t n, size_t *bad);

#endif
