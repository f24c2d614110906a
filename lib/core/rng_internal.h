/*
 * Private: the seeded random generator (xoshiro256**, seeded through
 * splitmix64). Every random draw of libnn comes from one of these, so the same
 * seed gives the same bits whatever the thread count.
 */
#ifndef LIBNN_RNG_INTERNAL_H
#define LIBNN_RNG_INTERNAL_H

#include <stdint.h>

typedef struct lnn_rng {
    uint64_t s[4];
} lnn_rng;

void lnn_rng_seed(lnn_rng *r, uint64_t seed);
uint64_t lnn_rng_next(lnn_rng *r);
/* Uniform in [0, 1) with 24 random bits: every value is exact in float. */
float lnn_rng_uniform(lnn_rng *r);
/* Uniform integer in [0, n), without modulo bias; n >= 1. */
uint64_t lnn_rng_below(lnn_rng *r, uint64_t n);
/* Standard normal draw (Box-Muller in double, rounded to float). */
float lnn_rng_normal(lnn_rng *r);

#endif
