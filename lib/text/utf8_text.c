/*
 * Code points of validated UTF-8, the tokenizer's simple lower-casing, and
 * Python's white space.
 */
#include <string.h>

#include "core/error_internal.h"
#include "io/utf8_internal.h"
#include "utf8_text_internal.h"

size_t lnn_utf8_decode(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
          ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

size_t lnn_utf8_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Latin Extended-A pairs upper and lower case as neighbours, the upper one
 * even in some runs and odd in others; U+0130, U+0131, U+0138, U+0149 and
 * U+017F have no single-code-point lower case of their own. */
static uint32_t lower_latin_ext_a(uint32_t cp)
{
    if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F)
        return cp;
    if (cp == 0x178)
        return 0xFF;
    bool upper_odd = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if ((cp & 1) == (upper_odd ? 1u : 0u))
        return cp + 1;
    return cp;
}

uint32_t lnn_simple_lower(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 0x20;
    if (cp >= 0x100 && cp <= 0x17F)
        return lower_latin_ext_a(cp);
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    if (cp >= 0x410 && cp <= 0x42F)
        return cp + 0x20;
    return cp;
}

bool lnn_is_space(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

libnn_status lnn_text_check(const char *who, size_t n, const char *const *texts)
{
    if (n > 0 && !texts)
        return lnn_error(LIBNN_E_INVALID, "%s: texts is NULL with n = %zu", who, n);
    for (size_t i = 0; i < n; i++) {
        if (!texts[i])
            return lnn_error(LIBNN_E_INVALID, "%s: text %zu is NULL", who, i);
        size_t bad;
        const unsigned char *s = (const unsigned char *)texts[i];
        if (!lnn_utf8_valid(s, strlen(texts[i]), &bad))
            return lnn_error(LIBNN_E_FORMAT,
                             "%s: text %zu is not valid UTF-8: byte 0x%02x at offset %zu", who, i,
                             s[bad], bad);
    }
    return LIBNN_OK;
}
