/*
 * Strict UTF-8 validation (RFC 3629), so that a bad header is reported with
 * the offset of the bad byte rather than as a generic JSON error.
 */
#include "utf8_internal.h"

/* Length of the sequence that starts with byte c and the allowed range of its
 * second byte; the ranges exclude overlong forms, surrogates and code points
 * above U+10FFFF. */
static size_t lead_info(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF) {
        if (c == 0xE0)
            *lo = 0xA0;
        else if (c == 0xED)
            *hi = 0x9F;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (c == 0xF0)
            *lo = 0x90;
        else if (c == 0xF4)
            *hi = 0x8F;
        return 4;
    }
    return 0;
}

bool lnn_utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned char lo, hi;
        size_t len = lead_info(s[i], &lo, &hi);
        bool ok = len != 0 && len <= n - i;
        for (size_t k = 1; ok && k < len; k++) {
            unsigned char c = s[i + k];
            ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
        }
        if (!ok) {
            if (bad)
                *bad = i;
            return false;
        }
        i += len;
    }
    return true;
}
