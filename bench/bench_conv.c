/*
 * Conv2D and Dense forward+backward at the shapes of the MNIST CNN (batch
 * 64), against the sgemm rate of the same GEMMs alone.
 *
 * A layer's work is its GEMMs (forward 1, backward 2: kernel gradient and
 * input gradient) plus what surrounds them: im2col, col2im, bias, the
 * activation and the bias gradient. Running lnn_sgemm on the same shapes
 * with nothing around it gives the ceiling; the ratio says how much of it
 * the layer keeps. The layers run through their ops with buffers owned
 * here, as a model runs them (no copies in or out).
 *
 * Usage: bench_conv [seconds per case, default 2]
 */
#include <stdio.h>
#include <stdlib.h>

#define BENCH_NAME "bench_conv"

#include "bench_util.h"
#include "kernels/gemm_internal.h"
#include "layers/layer_internal.h"
#include "libnn.h"

/* One GEMM of a layer step, as lnn_sgemm takes it. */
typedef struct gemm_shape {
    bool ta, tb;
    size_t m, n, k;
} gemm_shape;

typedef struct bench_case {
    const char *label;
    libnn_layer *layer;
    gemm_shape gemms[3]; /* forward, kernel gradient, input gradient */
} bench_case;

static double gemm_flops(const bench_case *c)
{
    double f = 0;
    for (int i = 0; i < 3; i++)
        f += 2.0 * (double)c->gemms[i].m * (double)c->gemms[i].n * (double)c->gemms[i].k;
    return f;
}

/* Repetitions of `step` that take about `seconds`. */
typedef void (*step_fn)(void *ctx);

static long calibrate(step_fn step, void *ctx, double seconds)
{
    step(ctx); /* warm-up: first touch of the buffers, BLAS threads */
    long reps = 0;
    double t0 = bench_now();
    while (bench_now() - t0 < seconds || reps < 2) {
        step(ctx);
        reps++;
    }
    return reps;
}

static double time_reps(step_fn step, void *ctx, long reps)
{
    double t = bench_now();
    for (long i = 0; i < reps; i++)
        step(ctx);
    return (bench_now() - t) / (double)reps;
}

/* Best per-iteration times of two steps measured in alternating rounds, so
 * that both see the same background load (the best round is the least
 * disturbed one). */
#define ROUNDS 9

static void time_pair(step_fn a, void *actx, step_fn b, void *bctx, double seconds,
                      double *ta, double *tb)
{
    long ra = calibrate(a, actx, seconds / ROUNDS), rb = calibrate(b, bctx, seconds / ROUNDS);
    *ta = *tb = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        double t = time_reps(a, actx, ra);
        *ta = t < *ta ? t : *ta;
        t = time_reps(b, bctx, rb);
        *tb = t < *tb ? t : *tb;
    }
}

typedef struct layer_run {
    libnn_layer *l;
    lnn_exec e;
    float *x, *y, *dy, *dx;
} layer_run;

static void layer_step(void *ctx)
{
    layer_run *r = ctx;
    bench_check(r->l->ops->forward(r->l, &r->e, r->x, r->y), "forward");
    bench_check(r->l->ops->backward(r->l, &r->e, r->x, r->y, r->dy, r->dx), "backward");
}

typedef struct gemm_run {
    const gemm_shape *g;
    float *a[3], *b[3], *c[3];
} gemm_run;

static void gemm_step(void *ctx)
{
    gemm_run *r = ctx;
    for (int i = 0; i < 3; i++) {
        const gemm_shape *g = &r->g[i];
        /* beta 1 for the kernel gradient, which accumulates; 0 otherwise. */
        bench_check(lnn_sgemm(g->ta, g->tb, g->m, g->n, g->k, 1.0f, r->a[i],
                              g->ta ? g->m : g->k, r->b[i], g->tb ? g->k : g->n,
                              i == 1 ? 1.0f : 0.0f, r->c[i], g->n),
                    "sgemm");
    }
}

static void run_case(const bench_case *c, size_t batch, double seconds)
{
    libnn_layer *l = c->layer;
    layer_run lr = {.l = l, .e = {.batch = batch, .training = true}};
    size_t cache, scratch;
    bench_check(l->ops->workspace(l, batch, true, &cache, &scratch), "workspace");
    lr.e.cache = bench_random_floats(cache, 1);
    lr.e.scratch = bench_random_floats(scratch, 2);
    lr.x = bench_random_floats(batch * l->in_size, 3);
    lr.dx = bench_random_floats(batch * l->in_size, 4);
    lr.y = bench_random_floats(batch * l->out_size, 5);
    lr.dy = bench_random_floats(batch * l->out_size, 6);
    gemm_run gr = {.g = c->gemms};
    for (int i = 0; i < 3; i++) {
        const gemm_shape *g = &c->gemms[i];
        gr.a[i] = bench_random_floats(g->m * g->k, 7);
        gr.b[i] = bench_random_floats(g->k * g->n, 8);
        gr.c[i] = bench_random_floats(g->m * g->n, 9);
    }
    double t_layer, t_gemm;
    time_pair(layer_step, &lr, gemm_step, &gr, seconds, &t_layer, &t_gemm);

    double flops = gemm_flops(c);
    double rate = flops / t_layer * 1e-9, ceiling = flops / t_gemm * 1e-9;
    printf("%-34s %9.3f ms %8.1f GFLOP/s | sgemm alone %9.3f ms %8.1f GFLOP/s | %5.1f%%\n",
           c->label, t_layer * 1e3, rate, t_gemm * 1e3, ceiling, 100.0 * rate / ceiling);
    for (int i = 0; i < 3; i++) {
        free(gr.a[i]);
        free(gr.b[i]);
        free(gr.c[i]);
    }
    free(lr.e.cache);
    free(lr.e.scratch);
    free(lr.x);
    free(lr.dx);
    free(lr.y);
    free(lr.dy);
}

static libnn_layer *conv(int64_t filters, const int64_t *in_shape)
{
    libnn_layer *l;
    bench_check(libnn_conv2d_new(filters, 3, 3, &l), "conv2d_new");
    bench_check(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU), "set activation");
    bench_check(libnn_layer_build(l, 3, in_shape, 1), "build");
    return l;
}

/* The GEMMs of a layer with `rows` output positions, `in` inputs per
 * position (kh*kw*c for a conv) and `out` outputs. */
static void layer_gemms(gemm_shape *g, size_t rows, size_t in, size_t out)
{
    g[0] = (gemm_shape){false, false, rows, out, in}; /* y = col . K */
    g[1] = (gemm_shape){true, false, in, out, rows};  /* dK += col^T . dz */
    g[2] = (gemm_shape){false, true, rows, in, out};  /* dcol = dz . K^T */
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    if (seconds <= 0)
        seconds = 2.0;
    const size_t batch = 64;
    const char *core = getenv("OPENBLAS_CORETYPE");
    printf("BLAS: %s\nOPENBLAS_CORETYPE=%s, batch %zu, forward+backward per iteration "
           "(best of %d alternating rounds)\n\n",
           libnn_blas_info(), core ? core : "(unset)", batch, ROUNDS);

    bench_case cases[3];
    cases[0].label = "conv2d 1->32 3x3 valid 28x28";
    cases[0].layer = conv(32, (const int64_t[]){28, 28, 1});
    layer_gemms(cases[0].gemms, batch * 26 * 26, 9, 32);
    cases[1].label = "conv2d 32->64 3x3 valid 13x13";
    cases[1].layer = conv(64, (const int64_t[]){13, 13, 32});
    layer_gemms(cases[1].gemms, batch * 11 * 11, 9 * 32, 64);
    cases[2].label = "dense 1600->128";
    bench_check(libnn_dense_new(128, &cases[2].layer), "dense_new");
    bench_check(libnn_layer_set_int(cases[2].layer, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU),
                "set activation");
    bench_check(libnn_layer_build(cases[2].layer, 1, (const int64_t[]){1600}, 1), "build");
    layer_gemms(cases[2].gemms, batch, 1600, 128);

    for (int i = 0; i < 3; i++) {
        run_case(&cases[i], batch, seconds);
        libnn_layer_free(cases[i].layer);
    }
    return 0;
}
