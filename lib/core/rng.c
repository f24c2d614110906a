/*
 * xoshiro256** seeded by splitmix64: small state, fast, and good enough for
 * initialisers, shuffling and dropout. Implemented from the published
 * algorithm description (Blackman & Vigna).
 */
#include <math.h>

#include "rng_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void lnn_rng_seed(lnn_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t lnn_rng_next(lnn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float lnn_rng_uniform(lnn_rng *r)
{
    return (float)(lnn_rng_next(r) >> 40) * 0x1.0p-24f;
}

uint64_t lnn_rng_below(lnn_rng *r, uint64_t n)
{
    /* Rejection sampling: drop the top partial bucket of 2^64 mod n values. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = lnn_rng_next(r);
    while (v >= limit);
    return v % n;
}

float lnn_rng_normal(lnn_rng *r)
{
    /* u1 in (0, 1] keeps log() finite; one draw per call keeps the stream
     * position independent of how many normals were asked for before. */
    double u1 = ((double)(lnn_rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = (double)(lnn_rng_next(r) >> 11) * 0x1.0p-53;
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2));
}
