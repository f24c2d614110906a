/*
 * safetensors element types: names, sizes and exact conversion to float32.
 * Bytes are assembled explicitly, so the code is right on either host byte
 * order; compilers turn the little-endian loads into plain loads.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dtype_internal.h"

static const struct {
    const char *name;
    size_t size;
} dtypes[LNN_ST_DTYPE_COUNT] = {
    [LNN_ST_BOOL] = {"BOOL", 1},       [LNN_ST_U8] = {"U8", 1},
    [LNN_ST_I8] = {"I8", 1},           [LNN_ST_F8_E5M2] = {"F8_E5M2", 1},
    [LNN_ST_F8_E4M3] = {"F8_E4M3", 1}, [LNN_ST_I16] = {"I16", 2},
    [LNN_ST_U16] = {"U16", 2},         [LNN_ST_F16] = {"F16", 2},
    [LNN_ST_BF16] = {"BF16", 2},       [LNN_ST_I32] = {"I32", 4},
    [LNN_ST_U32] = {"U32", 4},         [LNN_ST_F32] = {"F32", 4},
    [LNN_ST_F64] = {"F64", 8},         [LNN_ST_I64] = {"I64", 8},
    [LNN_ST_U64] = {"U64", 8},
};

/* Part of the format since 2024, but sub-byte, complex or exponent-only. */
static const char *const unsupported[] = {"F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"};

libnn_status lnn_st_dtype_parse(const char *name, lnn_st_dtype *out)
{
    for (int i = 0; i < LNN_ST_DTYPE_COUNT; i++)
        if (strcmp(name, dtypes[i].name) == 0) {
            *out = (lnn_st_dtype)i;
            return LIBNN_OK;
        }
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (strcmp(name, unsupported[i]) == 0)
            return LIBNN_E_UNSUPPORTED;
    return LIBNN_E_FORMAT;
}

const char *lnn_st_dtype_name(lnn_st_dtype dtype)
{
    return dtypes[dtype].name;
}

size_t lnn_st_dtype_size(lnn_st_dtype dtype)
{
    return dtypes[dtype].size;
}

static uint64_t load_le(const unsigned char *p, size_t size)
{
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static float f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* IEEE binary16: subnormals, infinities and NaN payloads carried over. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    if (exp == 0x1F)
        return f32_from_bits(sign | 0x7F800000u | (mant << 13));
    if (exp == 0) {
        float v = ldexpf((float)mant, -24);
        return sign ? -v : v;
    }
    return f32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

/* OCP FP8 E4M3 ("fn"): bias 7, no infinities, S.1111.111 is NaN. */
static float e4m3_to_float(uint8_t b)
{
    int exp = (b >> 3) & 0xF;
    int mant = b & 0x7;
    float v;
    if (exp == 0xF && mant == 0x7)
        v = NAN;
    else if (exp == 0)
        v = ldexpf((float)mant, -9);
    else
        v = ldexpf((float)(8 + mant), exp - 10);
    return (b & 0x80) ? -v : v;
}

/* Exact when converting back gives the value again. The bounds keep the
 * conversion back defined: 2^63 and 2^64 are floats but out of range. */
static int i64_exact(int64_t v, float *out)
{
    float f = (float)v;
    *out = f;
    return f < 0x1p63f && (int64_t)f == v;
}

static int u64_exact(uint64_t v, float *out)
{
    float f = (float)v;
    *out = f;
    return f < 0x1p64f && (uint64_t)f == v;
}

/* Doubles from FLT_MAX plus half an ulp up round to infinity. */
static int f64_fits(double d, float *out)
{
    if (isfinite(d) && fabs(d) >= 0x1.ffffffp127)
        return 0;
    *out = (float)d;
    return 1;
}

static libnn_status decode_one(lnn_st_dtype dtype, const unsigned char *p, float *out)
{
    uint64_t v = load_le(p, dtypes[dtype].size);
    switch (dtype) {
    case LNN_ST_BOOL:
        *out = (float)v;
        return v <= 1 ? LIBNN_OK : LIBNN_E_FORMAT;
    case LNN_ST_U8:
    case LNN_ST_U16:
        *out = (float)v;
        return LIBNN_OK;
    case LNN_ST_I8:
        *out = (float)(int8_t)(uint8_t)v;
        return LIBNN_OK;
    case LNN_ST_I16:
        *out = (float)(int16_t)(uint16_t)v;
        return LIBNN_OK;
    case LNN_ST_F8_E5M2:
        *out = half_to_float((uint16_t)(v << 8));
        return LIBNN_OK;
    case LNN_ST_F8_E4M3:
        *out = e4m3_to_float((uint8_t)v);
        return LIBNN_OK;
    case LNN_ST_F16:
        *out = half_to_float((uint16_t)v);
        return LIBNN_OK;
    case LNN_ST_BF16:
        *out = f32_from_bits((uint32_t)v << 16);
        return LIBNN_OK;
    case LNN_ST_F32:
        *out = f32_from_bits((uint32_t)v);
        return LIBNN_OK;
    case LNN_ST_I32:
        return i64_exact((int32_t)(uint32_t)v, out) ? LIBNN_OK : LIBNN_E_RANGE;
    case LNN_ST_U32:
    case LNN_ST_U64:
        return u64_exact(v, out) ? LIBNN_OK : LIBNN_E_RANGE;
    case LNN_ST_I64:
        return i64_exact((int64_t)v, out) ? LIBNN_OK : LIBNN_E_RANGE;
    case LNN_ST_F64: {
        double d;
        memcpy(&d, &v, sizeof d);
        return f64_fits(d, out) ? LIBNN_OK : LIBNN_E_RANGE;
    }
    case LNN_ST_DTYPE_COUNT:
        break;
    }
    return LIBNN_E_FORMAT;
}

libnn_status lnn_st_decode(lnn_st_dtype dtype, const unsigned char *src, size_t n, float *dst,
                           size_t *bad)
{
    size_t size = dtypes[dtype].size;
    if (dtype == LNN_ST_F32 && LNN_HOST_LITTLE_ENDIAN) {
        if (n > 0)
            memcpy(dst, src, n * sizeof(float));
        return LIBNN_OK;
    }
    for (size_t i = 0; i < n; i++) {
        libnn_status st = decode_one(dtype, src + i * size, &dst[i]);
        if (st != LIBNN_OK) {
            *bad = i;
            return st;
        }
    }
    return LIBNN_OK;
}

void lnn_st_format_element(lnn_st_dtype dtype, const unsigned char *elem, char *buf, size_t cap)
{
    uint64_t v = load_le(elem, dtypes[dtype].size);
    switch (dtype) {
    case LNN_ST_I32:
        snprintf(buf, cap, "%" PRId32, (int32_t)(uint32_t)v);
        break;
    case LNN_ST_I64:
        snprintf(buf, cap, "%" PRId64, (int64_t)v);
        break;
    case LNN_ST_F64: {
        double d;
        memcpy(&d, &v, sizeof d);
        snprintf(buf, cap, "%.17g", d);
        break;
    }
    case LNN_ST_BOOL:
        snprintf(buf, cap, "byte 0x%02x", (unsigned)v);
        break;
    default:
        snprintf(buf, cap, "%" PRIu64, v);
        break;
    }
}

void lnn_st_encode_f32(const float *src, size_t n, unsigned char *dst)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &src[i], sizeof bits);
        for (int k = 0; k < 4; k++)
            dst[4 * i + k] = (unsigned char)(bits >> (8 * k));
    }
}
