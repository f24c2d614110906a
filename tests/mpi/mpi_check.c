/*
 * libnn-mpi under mpirun: one scenario per run (argv[1]), every rank prints
 * "PASS <scenario> rank <r>" or "FAIL <scenario> rank <r>: why";
 * tests/mpi/run_mpi.py starts it under a timeout and reads those lines.
 *
 *   steps     weights after 3 steps equal one process with the global batch,
 *             are identical on every rank, and bit-identical run to run
 *   shard     every sample is used exactly once per epoch
 *   metrics   losses and metrics (training, validation, evaluate) equal one
 *             process's on the same data
 *   early     EarlyStopping stops every rank at the same epoch
 *   error     a failing step on one rank fails every rank; different models
 *             fail attach on every rank
 *   leave     one rank stops early: the others' next step times out
 *   checkpoint  rank 0 alone writes checkpoints and logs; every rank loads
 *             one and resumes bit-identically to a run that did not stop
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <libnn.h>
#include <libnn/model_file.h>
#include <libnn/mpi.h>

static int rank, size;
static const char *scenario;

static int failf(const char *what)
{
    printf("FAIL %s rank %d: %s (libnn: %s)\n", scenario, rank, what, libnn_last_error());
    fflush(stdout);
    return 1;
}

#define TRY(call)                                                                         \
    do {                                                                                  \
        if ((call) != LIBNN_OK)                                                           \
            return failf(#call);                                                          \
    } while (0)

#define EXPECT(cond)                                                                      \
    do {                                                                                  \
        if (!(cond))                                                                      \
            return failf(#cond);                                                          \
    } while (0)

/* Two blobs in 4-D, labels 0/1 as [n, 1]; every rank makes the same. */
static void blobs(size_t n, uint64_t seed, libnn_tensor **x, libnn_tensor **y)
{
    libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 4}, x);
    libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 1}, y);
    libnn_tensor_fill_normal(*x, 0, 0.6f, seed);
    float *xd = libnn_tensor_data(*x), *yd = libnn_tensor_data(*y);
    for (size_t i = 0; i < n; i++) {
        float c = (i % 3 == 0) ? 1.0f : -1.0f;
        for (int j = 0; j < 4; j++)
            xd[4 * i + j] += c * (float)(j + 1) * 0.3f;
        yd[i] = i % 3 == 0;
    }
}

/* Dense(16, relu) -> Dropout-free Dense(1, sigmoid), Adam, binary
 * cross-entropy, accuracy and AUC. `hidden` changes the architecture. */
static libnn_model *small_model(uint64_t seed, int64_t hidden)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    libnn_model_new(&m);
    libnn_model_set_int(m, LIBNN_MODEL_SEED, (int64_t)seed);
    libnn_model_set_input_shape(m, 1, (const int64_t[]){4});
    libnn_dense_new(hidden, &l);
    libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU);
    libnn_model_add(m, l);
    libnn_dense_new(1, &l);
    libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID);
    libnn_model_add(m, l);
    libnn_adam_new(0.01f, &opt);
    if (libnn_model_compile(m, opt, LIBNN_LOSS_BINARY_CROSSENTROPY) != LIBNN_OK) {
        libnn_model_free(m);
        return NULL;
    }
    libnn_model_add_metric(m, LIBNN_METRIC_ACCURACY);
    libnn_model_add_metric(m, LIBNN_METRIC_AUC);
    return m;
}

/* All weights flattened (cap floats); the count. */
static size_t weights_of(libnn_model *m, float *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < libnn_model_state_count(m); i++) {
        char name[64];
        float *data;
        size_t count;
        libnn_model_state_buffer(m, i, name, sizeof name, &data, &count);
        if (strncmp(name, "layers.", 7) != 0 || n + count > cap)
            continue;
        memcpy(out + n, data, count * sizeof(float));
        n += count;
    }
    return n;
}

/* Does every rank hold these exact bytes? */
static int same_everywhere(const void *buf, int bytes)
{
    char *all = malloc((size_t)bytes * (size_t)size);
    MPI_Allgather(buf, bytes, MPI_BYTE, all, bytes, MPI_BYTE, MPI_COMM_WORLD);
    int same = 1;
    for (int r = 1; r < size; r++)
        same &= memcmp(all, all + (size_t)r * (size_t)bytes, (size_t)bytes) == 0;
    free(all);
    return same;
}

#define STEPS_BATCH 8 /* per rank */
#define MAXW 256

/* Train a fresh attached model for one epoch of 3 global batches. */
static int attached_run(const libnn_tensor *x, const libnn_tensor *y, float *w, size_t *n)
{
    libnn_model *m = small_model(7, 16);
    libnn_mpi *mpi;
    EXPECT(m);
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    EXPECT(libnn_mpi_rank(mpi) == rank && libnn_mpi_size(mpi) == size);
    TRY(libnn_model_fit(m, x, y, 1, STEPS_BATCH));
    EXPECT(libnn_optimizer_iterations(libnn_model_optimizer(m)) == 3);
    *n = weights_of(m, w, MAXW);
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    return 0;
}

static int check_steps(void)
{
    libnn_tensor *x, *y;
    size_t global = (size_t)STEPS_BATCH * (size_t)size;
    blobs(3 * global, 11, &x, &y);
    float a[MAXW], b[MAXW], ref[MAXW];
    size_t na, nb;
    if (attached_run(x, y, a, &na) || attached_run(x, y, b, &nb))
        return 1;
    /* Run to run: bit-identical. Rank to rank: bit-identical. */
    EXPECT(na == nb && memcmp(a, b, na * sizeof(float)) == 0);
    EXPECT(same_everywhere(a, (int)(na * sizeof(float))));
    /* One process, batch = the global batch, same seed: the same weights
     * to float rounding (sums in another order). */
    libnn_model *one = small_model(7, 16);
    TRY(libnn_model_fit(one, x, y, 1, (int64_t)global));
    size_t nr = weights_of(one, ref, MAXW);
    EXPECT(nr == na);
    double worst = 0;
    for (size_t i = 0; i < na; i++)
        worst = fmax(worst, fabs((double)a[i] - (double)ref[i]) / fmax(1.0, fabs(ref[i])));
    if (rank == 0)
        printf("steps: %zu weights, largest difference to one process %.3g\n", na, worst);
    EXPECT(worst <= 1e-5);
    libnn_model_free(one);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    return 0;
}

/* MAE of a model that always predicts 0 (zero kernel and bias, learning
 * rate 0) is |y|: with y_i = 2^i the epoch's loss sum is 2^n - 1 exactly when
 * each of the n samples counted once (the binary representation is the only
 * way to write it as n powers of two). */
static int check_shard(void)
{
    const size_t n = 19; /* global batches 4 x ranks: a short last one */
    libnn_tensor *x, *y;
    libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 1}, &x);
    libnn_tensor_new(2, (const int64_t[]){(int64_t)n, 1}, &y);
    for (size_t i = 0; i < n; i++) {
        libnn_tensor_data(x)[i] = (float)i;
        libnn_tensor_data(y)[i] = ldexpf(1.0f, (int)i);
    }
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    libnn_model_new(&m);
    libnn_model_set_input_shape(m, 1, (const int64_t[]){1});
    libnn_dense_new(1, &l);
    libnn_layer_set_int(l, LIBNN_PARAM_KERNEL_INITIALIZER, LIBNN_INIT_ZEROS);
    libnn_model_add(m, l);
    libnn_sgd_new(0.0f, &opt);
    TRY(libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_ABSOLUTE_ERROR));
    libnn_mpi *mpi;
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    TRY(libnn_model_fit(m, x, y, 3, 4));
    double want = ldexp(1.0, (int)n) - 1;
    for (size_t e = 0; e < 3; e++) {
        double loss;
        TRY(libnn_model_history_get(m, "loss", e, &loss));
        EXPECT(fabs(loss * (double)n - want) <= 1e-9 * want);
    }
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    return 0;
}

static int check_metrics(void)
{
    libnn_tensor *x, *y, *vx, *vy;
    blobs(101, 3, &x, &y);
    blobs(37, 4, &vx, &vy);
    libnn_model *m = small_model(5, 8), *one = small_model(5, 8);
    libnn_mpi *mpi;
    EXPECT(m && one);
    TRY(libnn_model_set_validation_data(m, vx, vy));
    TRY(libnn_model_set_validation_data(one, vx, vy));
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    TRY(libnn_model_fit(m, x, y, 3, 5));
    TRY(libnn_model_fit(one, x, y, 3, 5 * size));
    static const char *const names[] = {"loss", "accuracy", "auc", "val_loss", "val_accuracy",
                                        "val_auc"};
    double mine[3 * 6];
    for (size_t e = 0; e < 3; e++)
        for (size_t k = 0; k < 6; k++) {
            double a, b;
            TRY(libnn_model_history_get(m, names[k], e, &a));
            TRY(libnn_model_history_get(one, names[k], e, &b));
            if (!(fabs(a - b) <= 1e-5))
                printf("rank %d epoch %zu %s: %.9g against one process %.9g\n", rank, e,
                       names[k], a, b);
            EXPECT(fabs(a - b) <= 1e-5);
            mine[e * 6 + k] = a;
        }
    EXPECT(same_everywhere(mine, (int)sizeof mine));
    /* evaluate is sharded and summed too. */
    double la, lb, acc_a, acc_b;
    TRY(libnn_model_evaluate(m, vx, vy, 4, &la));
    TRY(libnn_model_result(m, "accuracy", &acc_a));
    TRY(libnn_model_evaluate(one, vx, vy, 4, &lb));
    TRY(libnn_model_result(one, "accuracy", &acc_b));
    EXPECT(fabs(la - lb) <= 1e-5 && fabs(acc_a - acc_b) <= 1e-12);
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    libnn_model_free(one);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(vx);
    libnn_tensor_free(vy);
    return 0;
}

static int check_early(void)
{
    libnn_tensor *x, *y;
    blobs(64, 3, &x, &y);
    libnn_model *m = small_model(5, 8);
    libnn_callback *es, *lr;
    libnn_mpi *mpi;
    EXPECT(m);
    TRY(libnn_early_stopping_new("loss", &es));
    /* Improvement by at least 0.02 per epoch, patience 2: stops once the
     * loss flattens, at an epoch decided by the (reduced) logs. */
    TRY(libnn_callback_set_float(es, LIBNN_CB_MIN_DELTA, 0.02));
    TRY(libnn_callback_set_float(es, LIBNN_CB_PATIENCE, 2));
    TRY(libnn_callback_set_float(es, LIBNN_CB_RESTORE_BEST_WEIGHTS, 1));
    TRY(libnn_model_add_callback(m, es));
    TRY(libnn_reduce_lr_on_plateau_new("loss", &lr));
    TRY(libnn_callback_set_float(lr, LIBNN_CB_PATIENCE, 1));
    TRY(libnn_model_add_callback(m, lr));
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    TRY(libnn_model_fit(m, x, y, 200, 4));
    int64_t stopped = libnn_callback_stopped_epoch(es);
    if (rank == 0)
        printf("early: stopped at epoch %lld of 200\n", (long long)stopped);
    EXPECT(stopped > 0 && stopped < 199);
    EXPECT((int64_t)libnn_model_history_length(m) == stopped + 1);
    EXPECT(same_everywhere(&stopped, (int)sizeof stopped));
    double rate = libnn_optimizer_learning_rate(libnn_model_optimizer(m));
    EXPECT(same_everywhere(&rate, (int)sizeof rate));
    float w[MAXW];
    size_t n = weights_of(m, w, MAXW);
    EXPECT(same_everywhere(w, (int)(n * sizeof(float))));
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    return 0;
}

static int check_error(void)
{
    libnn_tensor *x, *y;
    blobs(64, 3, &x, &y);
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    libnn_mpi *mpi;
    /* A linear first layer shows a NaN input to check-numerics. */
    libnn_model_new(&m);
    libnn_model_set_int(m, LIBNN_MODEL_CHECK_NUMERICS, 1);
    libnn_model_set_int(m, LIBNN_MODEL_SHUFFLE, 0);
    libnn_model_set_input_shape(m, 1, (const int64_t[]){4});
    libnn_dense_new(4, &l);
    libnn_model_add(m, l);
    libnn_dense_new(1, &l);
    libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID);
    libnn_model_add(m, l);
    libnn_adam_new(0.01f, &opt);
    TRY(libnn_model_compile(m, opt, LIBNN_LOSS_BINARY_CROSSENTROPY));
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    TRY(libnn_mpi_set_timeout(mpi, 20));
    EXPECT(libnn_mpi_set_timeout(mpi, -1) == LIBNN_E_INVALID);
    EXPECT(libnn_mpi_set_timeout(NULL, 1) == LIBNN_E_INVALID);
    /* The last rank's slice of the third global batch holds a NaN. */
    size_t global = 4 * (size_t)size;
    libnn_tensor_data(x)[4 * (2 * global + global - 1)] = NAN;
    libnn_status st = libnn_model_fit(m, x, y, 2, 4);
    EXPECT(st == LIBNN_E_NONFINITE);
    if (rank == size - 1)
        EXPECT(strstr(libnn_last_error(), "layer 0") != NULL);
    else
        EXPECT(strstr(libnn_last_error(), "failed in this step") != NULL);
    /* No rank applied the failed step. */
    int64_t steps = libnn_optimizer_iterations(libnn_model_optimizer(m));
    EXPECT(steps == 2);
    /* Different data on one rank: every rank fails at once. */
    libnn_tensor *fewer, *fewer_y;
    blobs(60, 3, &fewer, &fewer_y);
    libnn_tensor_data(x)[4 * (2 * global + global - 1)] = 0;
    st = libnn_model_fit(m, rank == 1 ? fewer : x, rank == 1 ? fewer_y : y, 1, 4);
    EXPECT(st == LIBNN_E_INVALID);
    EXPECT(strstr(libnn_last_error(), rank == 1 ? "60 on worker 1 but 64 on worker 0"
                                                : "worker 1 of") != NULL);
    libnn_tensor_free(fewer_y);
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    /* Models that differ: attach fails everywhere. */
    libnn_model *odd = small_model(1, rank == 0 ? 8 : 9);
    EXPECT(libnn_mpi_attach(odd, MPI_COMM_WORLD, &mpi) == LIBNN_E_SHAPE);
    EXPECT(mpi == NULL);
    EXPECT(strstr(libnn_last_error(), "differs from rank 0's") != NULL);
    /* A model not compiled on one rank: attach fails everywhere. */
    libnn_model *bare;
    libnn_model_new(&bare);
    EXPECT(libnn_mpi_attach(rank == 1 ? bare : odd, MPI_COMM_WORLD, &mpi) == LIBNN_E_STATE);
    EXPECT(strstr(libnn_last_error(), rank == 1 ? "not compiled" : "another rank failed") != NULL);
    libnn_model_free(bare);
    EXPECT(libnn_mpi_attach(NULL, MPI_COMM_WORLD, &mpi) == LIBNN_E_INVALID);
    EXPECT(libnn_mpi_attach(odd, MPI_COMM_NULL, &mpi) == LIBNN_E_INVALID);
    libnn_model_free(odd);
    libnn_tensor_free(fewer);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    return 0;
}

/* Rank 1 takes one step and leaves training; rank 0's second step must
 * come back with LIBNN_E_IO within the timeout, then it ends the job. */
static int check_leave(void)
{
    libnn_tensor *x, *y;
    blobs(8, 3, &x, &y);
    libnn_model *m = small_model(5, 8);
    libnn_mpi *mpi;
    EXPECT(m);
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    TRY(libnn_mpi_set_timeout(mpi, 3));
    TRY(libnn_model_train_on_batch(m, x, y, NULL));
    if (rank != 0) {
        printf("leave: rank %d stops training\n", rank);
        fflush(stdout);
        /* Gone from training, alive: waits for rank 0 to end the job. */
        MPI_Barrier(MPI_COMM_WORLD);
        return 0;
    }
    double t0 = MPI_Wtime();
    libnn_status st = libnn_model_train_on_batch(m, x, y, NULL);
    double waited = MPI_Wtime() - t0;
    printf("leave: rank 0 got status %d after %.1f s: %s\n", (int)st, waited, libnn_last_error());
    EXPECT(st == LIBNN_E_IO);
    EXPECT(strstr(libnn_last_error(), "timed out") != NULL);
    EXPECT(waited >= 2.5 && waited < 30);
    /* The attachment refuses further work instead of hanging. */
    EXPECT(libnn_model_train_on_batch(m, x, y, NULL) == LIBNN_E_IO);
    EXPECT(strstr(libnn_last_error(), "cannot be used again") != NULL);
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    printf("PASS %s rank %d\n", scenario, rank);
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 0);
    return 0;
}

/* A folder every rank sees (made by rank 0, its name broadcast). */
static int shared_dir(char dir[64])
{
    snprintf(dir, 64, "/tmp/libnn-mpi-XXXXXX");
    int ok = rank != 0 || mkdtemp(dir) != NULL;
    MPI_Bcast(dir, 64, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return ok;
}

/* Fit 2 epochs attached, rank r logging to log_<r>.csv and checkpointing
 * to ckpt_<r>_{epoch}.safetensors: only rank 0's files may appear. */
static int checkpointed_run(const char *dir, const libnn_tensor *x, const libnn_tensor *y,
                            float *w, size_t *n)
{
    char path[256];
    libnn_model *m = small_model(3, 8);
    libnn_callback *csv, *ckpt;
    libnn_mpi *mpi;
    EXPECT(m);
    snprintf(path, sizeof path, "%s/log_%d.csv", dir, rank);
    TRY(libnn_csv_logger_new(path, &csv));
    TRY(libnn_model_add_callback(m, csv));
    snprintf(path, sizeof path, "%s/ckpt_%d_{epoch}.safetensors", dir, rank);
    TRY(libnn_model_checkpoint_new(path, "loss", &ckpt));
    TRY(libnn_model_add_callback(m, ckpt));
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    TRY(libnn_model_fit(m, x, y, 2, 4));
    *n = weights_of(m, w, MAXW);
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int r = 0; r < size; r++) {
        snprintf(path, sizeof path, "%s/log_%d.csv", dir, r);
        EXPECT((access(path, F_OK) == 0) == (r == 0));
        snprintf(path, sizeof path, "%s/ckpt_%d_2.safetensors", dir, r);
        EXPECT((access(path, F_OK) == 0) == (r == 0));
    }
    return 0;
}

static int check_checkpoint(void)
{
    char dir[64], path[256];
    EXPECT(shared_dir(dir));
    libnn_tensor *x, *y;
    blobs(48, 3, &x, &y);
    float whole[MAXW], resumed[MAXW];
    size_t n_whole = 0, n_resumed;
    if (checkpointed_run(dir, x, y, whole, &n_whole))
        return 1;
    /* Every rank loads rank 0's checkpoint of epoch 1 and trains on. */
    libnn_model *m;
    libnn_mpi *mpi;
    snprintf(path, sizeof path, "%s/ckpt_0_1.safetensors", dir);
    TRY(libnn_model_load(path, &m));
    TRY(libnn_mpi_attach(m, MPI_COMM_WORLD, &mpi));
    TRY(libnn_model_fit(m, x, y, 2, 4));
    EXPECT(libnn_model_history_length(m) == 1);
    n_resumed = weights_of(m, resumed, MAXW);
    EXPECT(n_resumed == n_whole && memcmp(whole, resumed, n_whole * sizeof(float)) == 0);
    EXPECT(same_everywhere(resumed, (int)(n_resumed * sizeof(float))));
    libnn_mpi_detach(mpi);
    libnn_model_free(m);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        const char *names[] = {"log_0.csv", "ckpt_0_1.safetensors", "ckpt_0_2.safetensors"};
        for (size_t i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            unlink(path);
        }
        rmdir(dir);
    }
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    scenario = argc > 1 ? argv[1] : "";
    libnn_set_num_threads(1);
    int bad;
    if (!strcmp(scenario, "steps"))
        bad = check_steps();
    else if (!strcmp(scenario, "shard"))
        bad = check_shard();
    else if (!strcmp(scenario, "metrics"))
        bad = check_metrics();
    else if (!strcmp(scenario, "early"))
        bad = check_early();
    else if (!strcmp(scenario, "error"))
        bad = check_error();
    else if (!strcmp(scenario, "leave"))
        bad = check_leave();
    else if (!strcmp(scenario, "checkpoint"))
        bad = check_checkpoint();
    else
        bad = failf("unknown scenario");
    if (!bad && strcmp(scenario, "leave") != 0)
        printf("PASS %s rank %d\n", scenario, rank);
    fflush(stdout);
    MPI_Finalize();
    return bad;
}
