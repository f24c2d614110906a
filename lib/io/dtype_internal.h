/*
 * Private: the element types of safetensors files and their conversion to
 * libnn's float32.
 */
#ifndef LIBNN_DTYPE_INTERNAL_H
#define LIBNN_DTYPE_INTERNAL_H

#include <stddef.h>

#include "libnn/status.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LNN_HOST_LITTLE_ENDIAN 1
#else
#define LNN_HOST_LITTLE_ENDIAN 0
#endif

/* In the reference implementation's order (increasing alignment). */
typedef enum lnn_st_dtype {
    LNN_ST_BOOL,
    LNN_ST_U8,
    LNN_ST_I8,
    LNN_ST_F8_E5M2,
    LNN_ST_F8_E4M3,
    LNN_ST_I16,
    LNN_ST_U16,
    LNN_ST_F16,
    LNN_ST_BF16,
    LNN_ST_I32,
    LNN_ST_U32,
    LNN_ST_F32,
    LNN_ST_F64,
    LNN_ST_I64,
    LNN_ST_U64,
    LNN_ST_DTYPE_COUNT
} lnn_st_dtype;

/*
 * Look a dtype name up. LIBNN_OK with *out set; LIBNN_E_UNSUPPORTED for a
 * dtype of the format that libnn does not read (F8_E8M0, F4, F6_*, C64);
 * LIBNN_E_FORMAT for anything else. Sets no message.
 */
libnn_status lnn_st_dtype_parse(const char *name, lnn_st_dtype *out);

const char *lnn_st_dtype_name(lnn_st_dtype dtype);

/* Bytes per element. */
size_t lnn_st_dtype_size(lnn_st_dtype dtype);

/*
 * Convert n little-endian elements at src to float32 at dst. Stops at the
 * first element that has no float32 value (see libnn/io.h): returns
 * LIBNN_E_RANGE (not exactly representable, or beyond the float32 range) or
 * LIBNN_E_FORMAT (a BOOL byte other than 0 or 1) with its index in *bad.
 * Sets no message.
 */
libnn_status lnn_st_decode(lnn_st_dtype dtype, const unsigned char *src, size_t n, float *dst,
                           size_t *bad);

/* The element at `elem` as text, for error messages. */
void lnn_st_format_element(lnn_st_dtype dtype, const unsigned char *elem, char *buf, size_t cap);

/* Store n floats as little-endian F32 bytes. */
void lnn_st_encode_f32(const float *src, size_t n, unsigned char *dst);

#endif
