/*
 * Model files: time to save the reference MNIST CNN (to memory, and to a
 * file with its fsyncs) and to load it ready to predict (from memory, and
 * from the file). Medians of many repeats; the machine's load moves these
 * figures, so report them with `uptime`.
 *
 * usage: bench_model_file [REPEATS] [DIR]
 */
#define BENCH_NAME "bench_model_file"
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static libnn_model *mnist_cnn(void)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    bench_check(libnn_model_new(&m), "model_new");
    bench_check(libnn_model_set_input_shape(m, 3, (const int64_t[]){28, 28, 1}), "input");
    bench_check(libnn_conv2d_new(32, 3, 3, &l), "conv2d");
    bench_check(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU), "relu");
    bench_check(libnn_model_add(m, l), "add");
    bench_check(libnn_max_pooling2d_new(2, 2, &l), "pool");
    bench_check(libnn_model_add(m, l), "add");
    bench_check(libnn_conv2d_new(64, 3, 3, &l), "conv2d");
    bench_check(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU), "relu");
    bench_check(libnn_model_add(m, l), "add");
    bench_check(libnn_max_pooling2d_new(2, 2, &l), "pool");
    bench_check(libnn_model_add(m, l), "add");
    bench_check(libnn_flatten_new(&l), "flatten");
    bench_check(libnn_model_add(m, l), "add");
    bench_check(libnn_dense_new(128, &l), "dense");
    bench_check(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU), "relu");
    bench_check(libnn_model_add(m, l), "add");
    bench_check(libnn_dense_new(10, &l), "dense");
    bench_check(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SOFTMAX), "softmax");
    bench_check(libnn_model_add(m, l), "add");
    bench_check(libnn_adam_new(1e-3f, &opt), "adam");
    bench_check(libnn_model_compile(m, opt, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY),
                "compile");
    return m;
}

/* CPU time of this process: on a shared machine, wall time also counts
 * the time other jobs hold the cores. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    return t[n / 2];
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 50;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    if (reps < 1)
        reps = 1;
    char path[1024];
    snprintf(path, sizeof path, "%s/bench-mnist-cnn.safetensors", dir);
    libnn_model *m = mnist_cnn();
    double *t = bench_malloc((size_t)reps * sizeof *t), *c = bench_malloc((size_t)reps * sizeof *c);
    size_t n;
    bench_check(libnn_model_save_buffer(m, 0, NULL, 0, &n) == LIBNN_E_RANGE ? LIBNN_OK
                                                                             : LIBNN_E_STATE,
                "size");
    unsigned char *buf = bench_malloc(n);
    const char *names[4] = {"save to memory", "save to file (fsync)", "load from memory",
                            "load from file"};
    double med[4], cpu[4];
    for (int k = 0; k < 4; k++) {
        for (int r = 0; r < reps; r++) {
            double t0 = bench_now(), c0 = cpu_now();
            libnn_model *back = NULL;
            switch (k) {
            case 0: bench_check(libnn_model_save_buffer(m, 0, buf, n, &n), "save_buffer"); break;
            case 1: bench_check(libnn_model_save(m, path, 0), "save"); break;
            case 2: bench_check(libnn_model_load_buffer(buf, n, &back), "load_buffer"); break;
            default: bench_check(libnn_model_load(path, &back), "load"); break;
            }
            t[r] = bench_now() - t0;
            c[r] = cpu_now() - c0;
            libnn_model_free(back);
        }
        med[k] = median(t, reps);
        cpu[k] = median(c, reps);
    }
    printf("MNIST CNN model file: %zu bytes, %zu parameters, median of %d\n", n,
           libnn_model_param_count(m), reps);
    for (int k = 0; k < 4; k++)
        printf("  %-22s %8.3f ms wall %8.3f ms cpu\n", names[k], 1e3 * med[k], 1e3 * cpu[k]);
    remove(path);
    free(buf);
    free(t);
    free(c);
    libnn_model_free(m);
    return 0;
}
