/*
 * Helpers the benchmark programs share: a monotonic clock, allocation that
 * ends the program on failure, and reproducible filler data.
 */
#ifndef LIBNN_BENCH_UTIL_H
#define LIBNN_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline void *bench_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "benchmark: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* n floats in [-1, 1) from a linear congruential generator seeded by seed. */
static inline float *bench_random_floats(size_t n, unsigned seed)
{
    float *v = bench_malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = (float)(seed >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
    }
    return v;
}

#endif
