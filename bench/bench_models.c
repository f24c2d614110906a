/*
 * bench_models: the reference workloads of bench/README.md, through the
 * public API only (train_on_batch, inference contexts), as a user would run
 * them. One workload per process, so its peak RSS is its own:
 *
 *   bench_models WORKLOAD [--threads N] [--warmup N] [--repeats N] [--seconds S]
 *
 * WORKLOAD is one of mnist_cnn_train, lstm_train, lstm_infer,
 * simple_rnn_train, mlp_train, cnn_infer, cnn_latency, or sgemm (the
 * cblas_sgemm ceiling: 512 x 512 x 512, the same threads). Batch 64 (1 for
 * cnn_latency), Keras-default initialisers, Adam 1e-3. After `warmup` steps
 * each of `repeats` rounds runs steps for at least `seconds`; the median
 * round is printed as one JSON line (bench/compare_pytorch.py reads it).
 * `--warmup 0 --repeats 1 --seconds 0` is one untimed step: the smoke test.
 */
#include <cblas.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#define BENCH_NAME "bench_models"
#include "bench_util.h"

#define BATCH 64
#define VOCAB 10000

typedef struct work {
    const char *name;
    libnn_model *model;
    libnn_infer *infer; /* NULL: training */
    libnn_tensor *x, *y, *out;
    int64_t batch;
    double flops; /* per sample, GEMM flops only (2 per multiply-add) */
} work;

/* The layer a constructor just made (made: its status), with an activation
 * (-1: none); *lp is read after the call has run. */
static libnn_layer *layer(libnn_status made, libnn_layer **lp, int activation)
{
    bench_check(made, "layer");
    libnn_layer *l = *lp;
    if (activation >= 0)
        bench_check(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, activation), "activation");
    return l;
}

/* Build `model` from layers and compile it with Adam 1e-3. */
static libnn_model *model_of(size_t ndim, const int64_t *in, libnn_layer **layers, size_t n,
                             libnn_loss loss)
{
    libnn_model *m;
    libnn_optimizer *adam;
    bench_check(libnn_model_new(&m), "model");
    bench_check(libnn_model_set_input_shape(m, ndim, in), "input shape");
    for (size_t i = 0; i < n; i++)
        bench_check(libnn_model_add(m, layers[i]), "add");
    bench_check(libnn_adam_new(1e-3f, &adam), "adam");
    bench_check(libnn_model_compile(m, adam, loss), "compile");
    return m;
}

static libnn_tensor *tensor(size_t ndim, const int64_t *shape)
{
    libnn_tensor *t;
    bench_check(libnn_tensor_new(ndim, shape, &t), "tensor");
    return t;
}

/* Whole numbers in [0, n) as floats (token ids, class labels). */
static libnn_tensor *integers(size_t ndim, const int64_t *shape, unsigned n, unsigned seed)
{
    libnn_tensor *t = tensor(ndim, shape);
    float *d = libnn_tensor_data(t);
    for (size_t i = 0; i < libnn_tensor_size(t); i++) {
        seed = seed * 1664525u + 1013904223u;
        d[i] = (float)((seed >> 8) % n);
    }
    return t;
}

static libnn_tensor *uniform(size_t ndim, const int64_t *shape, uint64_t seed)
{
    libnn_tensor *t = tensor(ndim, shape);
    bench_check(libnn_tensor_fill_uniform(t, 0.0f, 1.0f, seed), "fill");
    return t;
}

static libnn_model *cnn(void)
{
    libnn_layer *l[7];
    l[0] = layer(libnn_conv2d_new(32, 3, 3, &l[0]), &l[0], LIBNN_ACT_RELU);
    l[1] = layer(libnn_max_pooling2d_new(2, 2, &l[1]), &l[1], -1);
    l[2] = layer(libnn_conv2d_new(64, 3, 3, &l[2]), &l[2], LIBNN_ACT_RELU);
    l[3] = layer(libnn_max_pooling2d_new(2, 2, &l[3]), &l[3], -1);
    l[4] = layer(libnn_flatten_new(&l[4]), &l[4], -1);
    l[5] = layer(libnn_dense_new(128, &l[5]), &l[5], LIBNN_ACT_RELU);
    l[6] = layer(libnn_dense_new(10, &l[6]), &l[6], LIBNN_ACT_SOFTMAX);
    return model_of(3, (const int64_t[]){28, 28, 1}, l, 7,
                    LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
}

/* Forward GEMM flops per sample. */
#define CNN_FLOPS (2.0 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 288 + 1600 * 128 + 128 * 10))
#define LSTM_FLOPS (2.0 * 100 * (128 * 512 + 128 * 512))
#define RNN_FLOPS (2.0 * 50 * (32 * 64 + 64 * 64))
#define MLP_FLOPS (2.0 * (784 * 128 + 128 * 10))

static libnn_model *lstm(void)
{
    libnn_layer *l[3];
    l[0] = layer(libnn_embedding_new(VOCAB, 128, &l[0]), &l[0], -1);
    l[1] = layer(libnn_lstm_new(128, &l[1]), &l[1], -1);
    l[2] = layer(libnn_dense_new(1, &l[2]), &l[2], LIBNN_ACT_SIGMOID);
    return model_of(1, (const int64_t[]){100}, l, 3, LIBNN_LOSS_BINARY_CROSSENTROPY);
}

static void setup(work *w)
{
    const char *n = w->name;
    int64_t B = strcmp(n, "cnn_latency") == 0 ? 1 : BATCH;
    bool infer = strstr(n, "_infer") || strcmp(n, "cnn_latency") == 0;
    w->batch = B;
    if (strncmp(n, "mnist_cnn", 9) == 0 || strncmp(n, "cnn_", 4) == 0) {
        w->model = cnn();
        w->x = uniform(4, (const int64_t[]){B, 28, 28, 1}, 1);
        w->y = integers(1, (const int64_t[]){B}, 10, 2);
        w->out = tensor(2, (const int64_t[]){B, 10});
        w->flops = CNN_FLOPS;
    } else if (strncmp(n, "lstm_", 5) == 0) {
        w->model = lstm();
        w->x = integers(2, (const int64_t[]){B, 100}, VOCAB, 3);
        w->y = integers(2, (const int64_t[]){B, 1}, 2, 4);
        w->out = tensor(2, (const int64_t[]){B, 1});
        w->flops = LSTM_FLOPS;
    } else if (strcmp(n, "simple_rnn_train") == 0) {
        libnn_layer *l[2];
        l[0] = layer(libnn_simple_rnn_new(64, &l[0]), &l[0], -1);
        l[1] = layer(libnn_dense_new(1, &l[1]), &l[1], -1);
        w->model = model_of(2, (const int64_t[]){50, 32}, l, 2, LIBNN_LOSS_MEAN_SQUARED_ERROR);
        w->x = uniform(3, (const int64_t[]){B, 50, 32}, 5);
        w->y = uniform(2, (const int64_t[]){B, 1}, 6);
        w->flops = RNN_FLOPS;
    } else if (strcmp(n, "mlp_train") == 0) {
        libnn_layer *l[2];
        l[0] = layer(libnn_dense_new(128, &l[0]), &l[0], LIBNN_ACT_RELU);
        l[1] = layer(libnn_dense_new(10, &l[1]), &l[1], LIBNN_ACT_SOFTMAX);
        w->model = model_of(1, (const int64_t[]){784}, l, 2,
                            LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
        w->x = uniform(2, (const int64_t[]){B, 784}, 7);
        w->y = integers(1, (const int64_t[]){B}, 10, 8);
        w->flops = MLP_FLOPS;
    } else {
        fprintf(stderr, BENCH_NAME ": unknown workload %s\n", n);
        exit(2);
    }
    if (infer)
        bench_check(libnn_infer_new(w->model, B, &w->infer), "infer_new");
    else
        w->flops *= 3; /* forward, input gradient, weight gradient */
}

static void step(work *w)
{
    double loss;
    if (w->infer)
        bench_check(libnn_infer_run(w->infer, w->x, w->out), "infer_run");
    else
        bench_check(libnn_model_train_on_batch(w->model, w->x, w->y, &loss), "train_on_batch");
}

/* The ceiling the workloads are measured against. */
#define SGEMM_N 512
static float *sgemm_bufs[3];
static void sgemm_step(work *w)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, SGEMM_N, SGEMM_N, SGEMM_N, 1.0f,
                sgemm_bufs[0], SGEMM_N, sgemm_bufs[1], SGEMM_N, 0.0f, sgemm_bufs[2], SGEMM_N);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long threads = 0, warmup = 3, repeats = 5;
    double seconds = 1.0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s WORKLOAD [--threads N] [--warmup N] [--repeats N] "
                        "[--seconds S]\n", argv[0]);
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--threads")) threads = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--warmup")) warmup = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--repeats")) repeats = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else {
            fprintf(stderr, BENCH_NAME ": unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (repeats < 1 || repeats > 1000)
        repeats = 1;
    if (threads > 0)
        bench_check(libnn_set_num_threads((int)threads), "threads");

    work w = {.name = argv[1]};
    void (*run)(work *) = step;
    if (strcmp(w.name, "sgemm") == 0) {
        for (int i = 0; i < 3; i++)
            sgemm_bufs[i] = bench_random_floats((size_t)SGEMM_N * SGEMM_N, 11u + (unsigned)i);
        w.batch = 1;
        w.flops = 2.0 * SGEMM_N * SGEMM_N * SGEMM_N;
        run = sgemm_step;
    } else {
        setup(&w);
    }

    for (long i = 0; i < warmup; i++)
        run(&w);
    double rate[1000], lat[1000];
    for (long r = 0; r < repeats; r++) {
        long steps = 0;
        double t0 = bench_now(), t;
        do {
            run(&w);
            steps++;
        } while ((t = bench_now() - t0) < seconds);
        rate[r] = (double)steps * (double)w.batch / t;
        lat[r] = t / (double)steps;
    }
    qsort(rate, (size_t)repeats, sizeof *rate, cmp_double);
    qsort(lat, (size_t)repeats, sizeof *lat, cmp_double);
    double sps = rate[repeats / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"workload\": \"%s\", \"samples_per_s\": %.6g, \"latency_ms\": %.6g, "
           "\"gflops\": %.6g, \"min_samples_per_s\": %.6g, \"max_samples_per_s\": %.6g, "
           "\"peak_rss_mib\": %.1f, \"threads\": %d, \"blas\": \"%s\"}\n",
           w.name, sps, 1e3 * lat[repeats / 2], sps * w.flops * 1e-9, rate[0],
           rate[repeats - 1], (double)ru.ru_maxrss / 1024.0, libnn_get_num_threads(),
           libnn_blas_info());
    libnn_infer_free(w.infer);
    libnn_model_free(w.model);
    libnn_tensor_free(w.x);
    libnn_tensor_free(w.y);
    libnn_tensor_free(w.out);
    for (int i = 0; i < 3; i++)
        free(sgemm_bufs[i]);
    return 0;
}
