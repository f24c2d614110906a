/*
 * Helpers the benchmark programs share: a monotonic clock, allocation and
 * libnn calls that end the program on failure, and reproducible filler data.
 * A program defines BENCH_NAME, the name its error messages start with,
 * before it includes this file.
 */
#ifndef LIBNN_BENCH_UTIL_H
#define LIBNN_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "libnn.h"

#ifndef BENCH_NAME
#define BENCH_NAME "benchmark"
#endif

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

/* End the program with libnn's message unless st is LIBNN_OK; `what` names
 * the call. */
static inline void bench_check(libnn_status st, const char *what)
{
    if (st != LIBNN_OK) {
        fprintf(stderr, BENCH_NAME ": %s: %s\n", what, libnn_last_error());
        exit(1);
    }
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
