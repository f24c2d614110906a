/*
 * Private: the UTF-8 work of lib/text: decoding and encoding code points of
 * text already validated, the simple lower-casing the tokenizer documents,
 * Python's white space, and the check of caller texts.
 */
#ifndef LIBNN_UTF8_TEXT_INTERNAL_H
#define LIBNN_UTF8_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnn/status.h"

/* The code point starting at s, which must be valid UTF-8 (checked by
 * lnn_text_check or lnn_utf8_valid); returns its length in bytes (1..4). */
size_t lnn_utf8_decode(const unsigned char *s, uint32_t *cp);

/* Encode a code point (at most U+10FFFF, not a surrogate) into out; returns
 * the length (1..4). */
size_t lnn_utf8_encode(uint32_t cp, unsigned char out[4]);

/* Lower case of `cp` for ASCII, Latin-1, Latin Extended-A and Cyrillic
 * U+0400..U+042F (see libnn/text.h); every other code point maps to itself.
 * The result always has the same UTF-8 length as `cp`. */
uint32_t lnn_simple_lower(uint32_t cp);

/* Python's str.isspace() (the white space str.split() cuts at). */
bool lnn_is_space(uint32_t cp);

/*
 * Check `n` caller texts: `texts` not NULL (when n > 0), no NULL entry, each
 * valid UTF-8. Errors: LIBNN_E_INVALID, LIBNN_E_FORMAT ("<who>: text 3 is not
 * valid UTF-8: byte 0xff at offset 5").
 */
libnn_status lnn_text_check(const char *who, size_t n, const char *const *texts);

#endif
