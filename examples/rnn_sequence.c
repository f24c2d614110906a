/*
 * rnn_sequence: a SimpleRNN that tells whether a noisy wave drifts up or down.
 *
 * Every sequence has STEPS values
 *
 *     x[t] = offset + sign * drift * (t / (STEPS - 1) - 1/2)
 *            + amp * sin(2 pi t / period + phase) + noise[t]
 *
 * with the offset, drift, amplitude, period and phase drawn at random for
 * each sequence and Gaussian noise on every step; the label says whether it
 * rises (sign +1, label 1) or falls (sign -1, label 0). The wave swings
 * further than the drift moves, so the first and last values alone do not
 * tell: the network has to follow the sequence and average the wave out.
 *
 *   SimpleRNN(32) -> Dense(1, sigmoid), Adam, binary cross-entropy
 *
 * Only the order of the values carries the label: a falling sequence is a
 * rising one played backwards (a sine wave reversed is again a sine wave with
 * a random phase), so both classes have exactly the same distribution of
 * values. The program shows it with a baseline that sees every value but not
 * their order — a Dense(32, relu) -> Dense(1, sigmoid) network on each
 * sequence's values sorted, trained in the same way — which stays at chance.
 *
 * It prints both models' summaries, trains with the progress bar and prints
 * the accuracy of each on held-out sequences. The data come from --seed.
 */
#include <libnn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEPS 40
#define PI 3.14159265358979323846

struct options {
    long epochs, batch, threads, seed, train, test;
    int verbose;
    double min_accuracy; /* exit 1 when the SimpleRNN scores below it */
    const char *save;    /* --save PATH: the trained model, for `libnn predict` */
    double max_baseline; /* exit 1 when the order-blind baseline scores above it */
};

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--epochs N] [--batch N] [--threads N] [--seed N] [--train N]\n"
            "          [--test N] [--verbose 0|1|2] [--min-accuracy A] [--max-baseline A]\n"
            "          [--save PATH]\n"
            "Trains a SimpleRNN to tell rising from falling noisy waves (N sequences\n"
            "of %d steps generated from --seed), and an order-blind baseline.\n",
            argv0, STEPS);
}

static int parse(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return -1;
        if (!v)
            return -1;
        if (!strcmp(a, "--epochs")) o->epochs = atol(v);
        else if (!strcmp(a, "--batch")) o->batch = atol(v);
        else if (!strcmp(a, "--threads")) o->threads = atol(v);
        else if (!strcmp(a, "--seed")) o->seed = atol(v);
        else if (!strcmp(a, "--train")) o->train = atol(v);
        else if (!strcmp(a, "--test")) o->test = atol(v);
        else if (!strcmp(a, "--verbose")) o->verbose = atoi(v);
        else if (!strcmp(a, "--min-accuracy")) o->min_accuracy = atof(v);
        else if (!strcmp(a, "--max-baseline")) o->max_baseline = atof(v);
        else if (!strcmp(a, "--save")) o->save = v;
        else return -1;
        i++;
    }
    return 0;
}

/* Stop at the first failing call with libnn's message. */
#define CHECK(call)                                                                       \
    do {                                                                                  \
        if ((call) != LIBNN_OK) {                                                         \
            fprintf(stderr, "rnn_sequence: %s\n  at %s\n", libnn_last_error(), #call);    \
            goto fail;                                                                    \
        }                                                                                 \
    } while (0)

/* Add the layer a constructor just made (made: its status) with an
 * activation (-1: none). The pointer is read after the call has run. */
static libnn_status add_layer(libnn_model *m, libnn_status made, libnn_layer **lp, int activation)
{
    if (made != LIBNN_OK)
        return made;
    libnn_layer *l = *lp;
    libnn_status st = activation >= 0 ? libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, activation)
                                      : LIBNN_OK;
    if (st == LIBNN_OK)
        st = libnn_model_add(m, l);
    if (st != LIBNN_OK)
        libnn_layer_free(l);
    return st;
}

/*
 * n sequences into x [n, STEPS, 1] and their labels into y [n, 1]: even i
 * rise, odd i fall, so both classes are equally frequent. The random numbers
 * come from libnn's generator, seeded by `seed` alone.
 */
static int make_sequences(int64_t n, uint64_t seed, libnn_tensor **x_out, libnn_tensor **y_out)
{
    libnn_tensor *x = NULL, *y = NULL, *u = NULL;
    CHECK(libnn_tensor_new(3, (const int64_t[]){n, STEPS, 1}, &x));
    CHECK(libnn_tensor_new(2, (const int64_t[]){n, 1}, &y));
    CHECK(libnn_tensor_new(2, (const int64_t[]){n, 5}, &u));
    CHECK(libnn_tensor_fill_normal(x, 0.0f, 0.4f, seed)); /* the noise */
    CHECK(libnn_tensor_fill_uniform(u, 0.0f, 1.0f, seed + 1));
    float *xd = libnn_tensor_data(x), *yd = libnn_tensor_data(y);
    const float *ud = libnn_tensor_data(u);
    for (int64_t i = 0; i < n; i++) {
        const float *r = ud + 5 * i;
        double sign = i % 2 == 0 ? 1.0 : -1.0;
        double offset = r[0] - 0.5, drift = 0.5 + r[1], amp = 0.5 + r[2];
        double period = 6.0 + 14.0 * r[3], phase = 2.0 * PI * r[4];
        for (int t = 0; t < STEPS; t++)
            xd[i * STEPS + t] += (float)(offset + sign * drift * ((double)t / (STEPS - 1) - 0.5) +
                                         amp * sin(2.0 * PI * t / period + phase));
        yd[i] = i % 2 == 0 ? 1.0f : 0.0f;
    }
    libnn_tensor_free(u);
    *x_out = x;
    *y_out = y;
    return 0;
fail:
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(u);
    return -1;
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The baseline's view of x [n, STEPS, 1]: each sequence's values sorted,
 * as a new [n, STEPS] tensor. Everything is there except the order. */
static int sorted_values(libnn_tensor *x, libnn_tensor **out)
{
    libnn_tensor *s = NULL;
    int64_t n = libnn_tensor_dim(x, 0);
    CHECK(libnn_tensor_clone(x, &s));
    CHECK(libnn_tensor_reshape(s, 2, (const int64_t[]){n, STEPS}));
    float *d = libnn_tensor_data(s);
    for (int64_t i = 0; i < n; i++)
        qsort(d + i * STEPS, STEPS, sizeof *d, compare_floats);
    *out = s;
    return 0;
fail:
    libnn_tensor_free(s);
    return -1;
}

/* Compile `model` (Adam, binary cross-entropy), print its summary, train it
 * and write its accuracy on the held-out data to *accuracy. */
static int train_and_test(libnn_model *model, const struct options *o, const libnn_tensor *x_train,
                          const libnn_tensor *y_train, const libnn_tensor *x_test,
                          const libnn_tensor *y_test, double *accuracy)
{
    libnn_optimizer *adam = NULL;
    CHECK(libnn_adam_new(1e-3f, &adam));
    CHECK(libnn_model_compile(model, adam, LIBNN_LOSS_BINARY_CROSSENTROPY));
    adam = NULL; /* the model owns it now */
    CHECK(libnn_model_add_metric(model, LIBNN_METRIC_ACCURACY));

    char summary[4096];
    CHECK(libnn_model_summary(model, summary, sizeof summary, NULL));
    fputs(summary, stdout);
    fflush(stdout);

    CHECK(libnn_model_set_int(model, LIBNN_MODEL_VERBOSE, o->verbose));
    CHECK(libnn_model_set_validation_data(model, x_test, y_test));
    CHECK(libnn_model_fit(model, x_train, y_train, o->epochs, o->batch));
    CHECK(libnn_model_evaluate(model, x_test, y_test, 256, NULL));
    CHECK(libnn_model_result(model, "accuracy", accuracy));
    return 0;
fail:
    libnn_optimizer_free(adam);
    return -1;
}

int main(int argc, char **argv)
{
    struct options o = {10, 32, 0, 1, 4000, 1000, 1, 0.0, NULL, 1.0};
    if (parse(argc, argv, &o) != 0 || o.epochs < 1 || o.batch < 1 || o.train < 1 || o.test < 1) {
        usage(argv[0]);
        return 2;
    }
    libnn_tensor *x = NULL, *y = NULL, *x_train = NULL, *y_train = NULL, *x_test = NULL;
    libnn_tensor *y_test = NULL, *s_train = NULL, *s_test = NULL;
    libnn_model *rnn = NULL, *baseline = NULL;
    libnn_layer *l = NULL;
    int rc = 1;

    if (o.threads > 0)
        CHECK(libnn_set_num_threads((int)o.threads));
    printf("libnn %s; %s\n", libnn_version_string(), libnn_blas_info());

    if (make_sequences(o.train + o.test, (uint64_t)o.seed, &x, &y) != 0)
        goto fail;
    CHECK(libnn_slice(x, 0, o.train, &x_train));
    CHECK(libnn_slice(y, 0, o.train, &y_train));
    CHECK(libnn_slice(x, o.train, o.test, &x_test));
    CHECK(libnn_slice(y, o.train, o.test, &y_test));
    printf("%ld training and %ld held-out sequences of %d steps, half rising, half falling\n",
           o.train, o.test, STEPS);

    printf("\nSimpleRNN on the sequences:\n");
    CHECK(libnn_model_new(&rnn));
    CHECK(libnn_model_set_int(rnn, LIBNN_MODEL_SEED, o.seed));
    CHECK(libnn_model_set_input_shape(rnn, 2, (const int64_t[]){STEPS, 1}));
    CHECK(add_layer(rnn, libnn_simple_rnn_new(32, &l), &l, -1));
    CHECK(add_layer(rnn, libnn_dense_new(1, &l), &l, LIBNN_ACT_SIGMOID));
    double accuracy;
    if (train_and_test(rnn, &o, x_train, y_train, x_test, y_test, &accuracy) != 0)
        goto fail;
    if (o.save) {
        CHECK(libnn_model_save(rnn, o.save, 0));
        printf("saved the model to %s\n", o.save);
    }

    printf("\nBaseline: a Dense network on the sorted values (order removed):\n");
    if (sorted_values(x_train, &s_train) != 0 || sorted_values(x_test, &s_test) != 0)
        goto fail;
    CHECK(libnn_model_new(&baseline));
    CHECK(libnn_model_set_int(baseline, LIBNN_MODEL_SEED, o.seed));
    CHECK(libnn_model_set_input_shape(baseline, 1, (const int64_t[]){STEPS}));
    CHECK(add_layer(baseline, libnn_dense_new(32, &l), &l, LIBNN_ACT_RELU));
    CHECK(add_layer(baseline, libnn_dense_new(1, &l), &l, LIBNN_ACT_SIGMOID));
    double base_accuracy;
    if (train_and_test(baseline, &o, s_train, y_train, s_test, y_test, &base_accuracy) != 0)
        goto fail;

    printf("\nHeld-out accuracy, %ld sequences:\n", o.test);
    printf("  SimpleRNN on the sequences:         %.4f\n", accuracy);
    printf("  baseline on the sorted values:      %.4f  (chance: 0.5)\n", base_accuracy);
    rc = 0;
    if (accuracy < o.min_accuracy) {
        fprintf(stderr, "rnn_sequence: accuracy %.4f is below the required %.4f\n", accuracy,
                o.min_accuracy);
        rc = 1;
    }
    if (base_accuracy > o.max_baseline) {
        fprintf(stderr, "rnn_sequence: baseline accuracy %.4f is above the allowed %.4f\n",
                base_accuracy, o.max_baseline);
        rc = 1;
    }
fail:
    libnn_model_free(rnn);
    libnn_model_free(baseline);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(x_train);
    libnn_tensor_free(y_train);
    libnn_tensor_free(x_test);
    libnn_tensor_free(y_test);
    libnn_tensor_free(s_train);
    libnn_tensor_free(s_test);
    return rc;
}
