/*
 * mnist_cnn: the Keras MNIST convnet in C.
 *
 *   Conv2D(32, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu)
 *   -> MaxPooling2D(2) -> Flatten -> Dense(128, relu) -> Dense(10, softmax)
 *
 * trained with Adam and sparse categorical cross-entropy in batches of 64.
 * By default it reads the 10,000 digits bundled in data/ (the first 8,000
 * train, the last 2,000 test); give other IDX files (plain or gzip), e.g.
 * the full MNIST, with --images/--labels and --train.
 *
 * It shows summary(), the progress bar with per-epoch validation on the
 * test digits, and prints the test accuracy at the end. With --save PATH
 * it saves the trained model, which `libnn predict PATH IMAGES` then uses.
 */
#include <libnn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MNIST_DATA_DIR
#define MNIST_DATA_DIR "data"
#endif

struct options {
    long epochs, batch, threads, seed, train;
    int verbose;
    const char *images, *labels;
    const char *save; /* --save PATH: the trained model, for `libnn predict` */
    double min_accuracy; /* exit 1 below it (the tests use this) */
};

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--epochs N] [--batch N] [--threads N] [--seed N] [--train N]\n"
            "          [--images FILE] [--labels FILE] [--verbose 0|1|2] [--min-accuracy A]\n"
            "          [--save PATH]\n"
            "Trains the MNIST CNN; --train N uses the first N samples for training and the\n"
            "rest for testing (default: 8000 of the 10,000 bundled digits).\n",
            argv0);
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
        else if (!strcmp(a, "--verbose")) o->verbose = atoi(v);
        else if (!strcmp(a, "--images")) o->images = v;
        else if (!strcmp(a, "--labels")) o->labels = v;
        else if (!strcmp(a, "--min-accuracy")) o->min_accuracy = atof(v);
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
            fprintf(stderr, "mnist_cnn: %s\n  at %s\n", libnn_last_error(), #call);       \
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

int main(int argc, char **argv)
{
    struct options o = {5, 64, 0, 1, 8000, 1, MNIST_DATA_DIR "/mnist10k-images-idx3-ubyte.gz",
                        MNIST_DATA_DIR "/mnist10k-labels-idx1-ubyte.gz", NULL, 0};
    if (parse(argc, argv, &o) != 0 || o.epochs < 1 || o.batch < 1 || o.train < 1) {
        usage(argv[0]);
        return 2;
    }
    libnn_tensor *images = NULL, *labels = NULL;
    libnn_model *model = NULL;
    libnn_optimizer *adam = NULL;
    libnn_layer *l = NULL;
    int rc = 1;

    if (o.threads > 0)
        CHECK(libnn_set_num_threads((int)o.threads));
    printf("libnn %s; %s\n", libnn_version_string(), libnn_blas_info());

    CHECK(libnn_idx_load(o.images, LIBNN_IDX_SCALE, &images)); /* [n, 28, 28, 1] in [0, 1] */
    CHECK(libnn_idx_load(o.labels, 0, &labels));                /* [n] digits 0..9 */
    int64_t n = libnn_tensor_dim(images, 0);
    if (o.train >= n) {
        fprintf(stderr, "mnist_cnn: --train %ld leaves no test samples of %lld\n", o.train,
                (long long)n);
        goto fail;
    }
    /* The data are held once, never sliced into copies: fit trains on the
     * first o.train digits and evaluates the rest after every epoch
     * (validation_split takes the last samples, before shuffling). */
    printf("%ld training and %lld test digits\n", o.train, (long long)(n - o.train));

    CHECK(libnn_model_new(&model));
    CHECK(libnn_model_set_int(model, LIBNN_MODEL_SEED, o.seed));
    CHECK(libnn_model_set_input_shape(model, 3, (const int64_t[]){28, 28, 1}));
    CHECK(add_layer(model, libnn_conv2d_new(32, 3, 3, &l), &l, LIBNN_ACT_RELU));
    CHECK(add_layer(model, libnn_max_pooling2d_new(2, 2, &l), &l, -1));
    CHECK(add_layer(model, libnn_conv2d_new(64, 3, 3, &l), &l, LIBNN_ACT_RELU));
    CHECK(add_layer(model, libnn_max_pooling2d_new(2, 2, &l), &l, -1));
    CHECK(add_layer(model, libnn_flatten_new(&l), &l, -1));
    CHECK(add_layer(model, libnn_dense_new(128, &l), &l, LIBNN_ACT_RELU));
    CHECK(add_layer(model, libnn_dense_new(10, &l), &l, LIBNN_ACT_SOFTMAX));

    CHECK(libnn_adam_new(1e-3f, &adam));
    CHECK(libnn_model_compile(model, adam, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY));
    adam = NULL; /* the model owns it now */
    CHECK(libnn_model_add_metric(model, LIBNN_METRIC_ACCURACY));

    char summary[4096];
    CHECK(libnn_model_summary(model, summary, sizeof summary, NULL));
    fputs(summary, stdout);
    fflush(stdout);

    CHECK(libnn_model_set_int(model, LIBNN_MODEL_VERBOSE, o.verbose));
    /* Half a sample more than the test share: fit's floor(n * split) then
     * gives exactly n - o.train, whatever the rounding. */
    CHECK(libnn_model_set_float(model, LIBNN_MODEL_VALIDATION_SPLIT,
                                ((double)(n - o.train) + 0.5) / (double)n));
    CHECK(libnn_model_fit(model, images, labels, o.epochs, o.batch));

    /* The last epoch's validation is the evaluation of the final weights on
     * the test digits (what evaluate on a copy of them would give). */
    double loss, accuracy;
    CHECK(libnn_model_result(model, "val_loss", &loss));
    CHECK(libnn_model_result(model, "val_accuracy", &accuracy));
    printf("Test loss: %.4f\nTest accuracy: %.4f\n", loss, accuracy);
    if (o.save) {
        CHECK(libnn_model_save(model, o.save, 0));
        printf("saved the model to %s (try: libnn predict %s data/digits/*.pgm)\n", o.save,
               o.save);
    }
    rc = accuracy >= o.min_accuracy ? 0 : 1;
    if (rc)
        fprintf(stderr, "mnist_cnn: accuracy %.4f is below the required %.4f\n", accuracy,
                o.min_accuracy);
fail:
    libnn_optimizer_free(adam);
    libnn_model_free(model);
    libnn_tensor_free(images);
    libnn_tensor_free(labels);
    return rc;
}
