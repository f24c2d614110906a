/*
 * mnist_cnn_mpi: the MNIST CNN of mnist_cnn.c trained data-parallel over MPI.
 *
 *   mpirun -np 2 build/examples/mnist_cnn_mpi
 *   mpirun -np 4 --hostfile hosts build/examples/mnist_cnn_mpi --epochs 5
 *
 * Every rank loads the same digits and builds the same model; attaching it
 * (libnn_mpi_attach) copies rank 0's weights to all, and fit then gives
 * each rank its slice of every global batch (--batch per rank x ranks
 * samples; by default 64 in all, as the one-process example), sums the
 * gradients over the ranks every step and the metrics every epoch. Only
 * rank 0 prints. At the end it reports the test accuracy and the training
 * throughput in samples per second (of all ranks together).
 *
 * Public API only (libnn.h, libnn/mpi.h); see docs/distributed.md.
 */
#include <libnn.h>
#include <libnn/mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MNIST_DATA_DIR
#define MNIST_DATA_DIR "data"
#endif

struct settings {
    long epochs, batch, threads, seed, train;
    int verbose;
    double timeout, min_accuracy;
    const char *images, *labels;
};

static int rank, ranks;

/* Print from rank 0 only, as fit does. */
#define SAY(...)                                                                          \
    do {                                                                                  \
        if (rank == 0) {                                                                  \
            printf(__VA_ARGS__);                                                          \
            fflush(stdout);                                                               \
        }                                                                                 \
    } while (0)

/* Stop at the first failing call with libnn's message (from every rank: an
 * error is reported on every rank, each with its own message). */
#define TRY(call)                                                                         \
    do {                                                                                  \
        if ((call) != LIBNN_OK) {                                                         \
            fprintf(stderr, "mnist_cnn_mpi: rank %d: %s\n  at %s\n", rank,                \
                    libnn_last_error(), #call);                                           \
            goto out;                                                                     \
        }                                                                                 \
    } while (0)

/* --flag value pairs, read through a table of where each value goes. */
static int read_settings(int argc, char **argv, struct settings *s)
{
    static const struct {
        const char *flag;
        char type; /* l: long, i: int, d: double, s: string */
        size_t at;
    } flags[] = {
        {"--epochs", 'l', offsetof(struct settings, epochs)},
        {"--batch", 'l', offsetof(struct settings, batch)},
        {"--threads", 'l', offsetof(struct settings, threads)},
        {"--seed", 'l', offsetof(struct settings, seed)},
        {"--train", 'l', offsetof(struct settings, train)},
        {"--verbose", 'i', offsetof(struct settings, verbose)},
        {"--timeout", 'd', offsetof(struct settings, timeout)},
        {"--min-accuracy", 'd', offsetof(struct settings, min_accuracy)},
        {"--images", 's', offsetof(struct settings, images)},
        {"--labels", 's', offsetof(struct settings, labels)},
    };
    for (int i = 1; i + 1 < argc; i += 2) {
        size_t f = 0;
        while (f < sizeof flags / sizeof flags[0] && strcmp(argv[i], flags[f].flag) != 0)
            f++;
        if (f == sizeof flags / sizeof flags[0])
            return -1;
        char *field = (char *)s + flags[f].at;
        switch (flags[f].type) {
        case 'l': *(long *)field = atol(argv[i + 1]); break;
        case 'i': *(int *)field = atoi(argv[i + 1]); break;
        case 'd': *(double *)field = atof(argv[i + 1]); break;
        default: *(const char **)field = argv[i + 1]; break;
        }
    }
    return argc % 2 == 1 && s->epochs >= 1 && s->batch >= 1 && s->train >= 1 ? 0 : -1;
}

/* Conv2D(32) -> MaxPool -> Conv2D(64) -> MaxPool -> Flatten -> Dense(128)
 * -> Dense(10, softmax), Adam(1e-3), sparse categorical cross-entropy. */
static libnn_status build(long seed, libnn_model **out)
{
    static const struct {
        int kind; /* 0 conv, 1 pool, 2 flatten, 3 dense */
        int64_t units;
        libnn_activation act;
    } plan[] = {{0, 32, LIBNN_ACT_RELU}, {1, 0, 0},  {0, 64, LIBNN_ACT_RELU}, {1, 0, 0},
                {2, 0, 0},               {3, 128, LIBNN_ACT_RELU}, {3, 10, LIBNN_ACT_SOFTMAX}};
    libnn_model *m;
    libnn_optimizer *adam;
    libnn_status st = libnn_model_new(&m);
    if (st != LIBNN_OK)
        return st;
    st = libnn_model_set_int(m, LIBNN_MODEL_SEED, seed);
    if (st == LIBNN_OK)
        st = libnn_model_set_input_shape(m, 3, (const int64_t[]){28, 28, 1});
    for (size_t i = 0; st == LIBNN_OK && i < sizeof plan / sizeof plan[0]; i++) {
        libnn_layer *l = NULL;
        switch (plan[i].kind) {
        case 0: st = libnn_conv2d_new(plan[i].units, 3, 3, &l); break;
        case 1: st = libnn_max_pooling2d_new(2, 2, &l); break;
        case 2: st = libnn_flatten_new(&l); break;
        default: st = libnn_dense_new(plan[i].units, &l); break;
        }
        if (st == LIBNN_OK && (plan[i].kind == 0 || plan[i].kind == 3))
            st = libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, plan[i].act);
        if (st == LIBNN_OK)
            st = libnn_model_add(m, l);
        if (st != LIBNN_OK)
            libnn_layer_free(l);
    }
    if (st == LIBNN_OK && (st = libnn_adam_new(1e-3f, &adam)) == LIBNN_OK &&
        (st = libnn_model_compile(m, adam, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)) != LIBNN_OK)
        libnn_optimizer_free(adam);
    if (st == LIBNN_OK)
        st = libnn_model_add_metric(m, LIBNN_METRIC_ACCURACY);
    if (st != LIBNN_OK) {
        libnn_model_free(m);
        m = NULL;
    }
    *out = m;
    return st;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    struct settings s = {5, 0, 1, 1, 8000, 1, 0, 0, MNIST_DATA_DIR "/mnist10k-images-idx3-ubyte.gz",
                         MNIST_DATA_DIR "/mnist10k-labels-idx1-ubyte.gz"};
    /* By default the global batch is 64, as in the one-process example. */
    s.batch = 64 / ranks > 0 ? 64 / ranks : 1;
    if (read_settings(argc, argv, &s) != 0) {
        if (rank == 0)
            fprintf(stderr,
                    "usage: mpirun -np N %s [--epochs N] [--batch PER_RANK] [--threads N]\n"
                    "  [--seed N] [--train N] [--verbose 0|1|2] [--timeout SECONDS]\n"
                    "  [--min-accuracy A] [--images FILE] [--labels FILE]\n",
                    argv[0]);
        MPI_Finalize();
        return 2;
    }
    libnn_tensor *images = NULL, *labels = NULL, *x_train = NULL, *y_train = NULL;
    libnn_tensor *x_test = NULL, *y_test = NULL;
    libnn_model *model = NULL;
    libnn_mpi *mpi = NULL;
    int rc = 1;

    TRY(libnn_set_num_threads((int)s.threads));
    SAY("libnn %s; %s; %d ranks x %ld threads\n", libnn_version_string(), libnn_blas_info(), ranks,
        s.threads);
    TRY(libnn_idx_load(s.images, LIBNN_IDX_SCALE, &images));
    TRY(libnn_idx_load(s.labels, 0, &labels));
    int64_t n = libnn_tensor_dim(images, 0);
    if (s.train >= n) {
        SAY("mnist_cnn_mpi: --train %ld leaves no test digits of %lld\n", s.train, (long long)n);
        goto out;
    }
    TRY(libnn_slice(images, 0, s.train, &x_train));
    TRY(libnn_slice(labels, 0, s.train, &y_train));
    TRY(libnn_slice(images, s.train, n - s.train, &x_test));
    TRY(libnn_slice(labels, s.train, n - s.train, &y_test));
    SAY("%ld training and %lld test digits; global batch %ld = %ld per rank x %d ranks\n", s.train,
        (long long)(n - s.train), s.batch * ranks, s.batch, ranks);

    TRY(build(s.seed, &model));
    /* Attach after compile: weights and optimizer state come from rank 0. */
    TRY(libnn_mpi_attach(model, MPI_COMM_WORLD, &mpi));
    if (s.timeout > 0)
        TRY(libnn_mpi_set_timeout(mpi, s.timeout));
    TRY(libnn_model_set_int(model, LIBNN_MODEL_VERBOSE, s.verbose)); /* rank 0 prints */
    TRY(libnn_model_set_validation_data(model, x_test, y_test));

    double t0 = MPI_Wtime();
    TRY(libnn_model_fit(model, x_train, y_train, s.epochs, s.batch));
    double seconds = MPI_Wtime() - t0;

    double loss, accuracy;
    TRY(libnn_model_evaluate(model, x_test, y_test, 256, &loss)); /* sharded too */
    TRY(libnn_model_result(model, "accuracy", &accuracy));
    SAY("Test loss: %.4f\nTest accuracy: %.4f\n", loss, accuracy);
    SAY("Training: %.1f s, %.0f samples/s (%d ranks x %ld threads)\n", seconds,
        (double)s.train * (double)s.epochs / seconds, ranks, s.threads);
    rc = accuracy >= s.min_accuracy ? 0 : 1;
    if (rc)
        SAY("mnist_cnn_mpi: accuracy %.4f is below the required %.4f\n", accuracy, s.min_accuracy);
out:
    libnn_mpi_detach(mpi);
    libnn_model_free(model);
    libnn_tensor *tensors[] = {images, labels, x_train, y_train, x_test, y_test};
    for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; i++)
        libnn_tensor_free(tensors[i]);
    MPI_Finalize();
    return rc;
}
