/*
 * overfitting: what each remedy for overfitting does, measured.
 *
 * A network with far more weights than a small training set needs learns
 * that set by heart: training accuracy climbs to 100 % while accuracy on
 * digits it has not seen stays well below. The gap between the two is
 * overfitting. This program trains the same network
 *
 *   Flatten -> Dense(256, relu) -> Dense(10, softmax), Adam(1e-3)
 *
 * on 1,000 of the MNIST digits bundled in data/ five ways — plain, with an
 * L2 weight penalty, with Dropout, with EarlyStopping, and with all three —
 * and prints, for each, the accuracy on its training digits, on 2,000
 * validation digits it never trains on, and the gap. It then says, remedy
 * by remedy, whether the gap shrank on this data, and runs a stratified
 * 5-fold cross-validation of the setting with the best validation accuracy
 * (each fold a fresh model trained on 800 digits and tested on the other
 * 200) to give that accuracy as mean ± standard deviation.
 *
 * The history of every run (loss, accuracy, val_loss, val_accuracy per
 * epoch) goes to <history>/overfitting_<setting>.csv for plotting; with
 * --save PATH the best setting's model is saved there. --grid adds the
 * hyper-parameter search recipe: the same cross-validation for every pair
 * of an L2 strength and a dropout rate, keeping the best mean accuracy.
 */
#include <libnn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MNIST_DATA_DIR
#define MNIST_DATA_DIR "data"
#endif

#define VALIDATION 2000 /* the last digits of the file validate */
#define FOLDS 5
#define SETTINGS 5
#define NOISE 0.0025 /* 5 of the 2,000 validation digits */

struct options {
    long epochs, batch, threads, seed, train, hidden;
    int verbose;
    double l2, dropout;
    long patience;
    const char *history, *save;
    int grid;  /* also run the grid search over L2 strengths and dropout rates */
    int check; /* exit 1 unless the folds partition, every remedy narrows the loss
                  gap and all three together narrow both gaps */
};

struct setting {
    const char *name;
    int l2, dropout, early_stopping;
};

static const struct setting settings[SETTINGS] = {
    {"plain", 0, 0, 0},
    {"l2", 1, 0, 0},
    {"dropout", 0, 1, 0},
    {"early_stopping", 0, 0, 1},
    {"all_three", 1, 1, 1},
};

/* One run's figures. */
struct result {
    double train_acc, val_acc, train_loss, val_loss;
    size_t epochs;
};

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--epochs N] [--batch N] [--threads N] [--seed N] [--train N]\n"
            "          [--hidden N] [--l2 F] [--dropout F] [--patience N]\n"
            "          [--history DIR] [--save PATH] [--verbose 0|1|2] [--grid] [--check]\n"
            "Trains one network five ways (plain, L2, Dropout, EarlyStopping, all three)\n"
            "on the first N (default 1000) bundled digits, validates on the last %d,\n"
            "prints the train/validation gap of each, then cross-validates the best;\n"
            "--grid adds a cross-validated search over L2 strengths and dropout rates.\n",
            argv0, VALIDATION);
}

static int parse(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--check") || !strcmp(a, "--grid")) {
            *(a[2] == 'c' ? &o->check : &o->grid) = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h") || !v)
            return -1;
        if (!strcmp(a, "--epochs")) o->epochs = atol(v);
        else if (!strcmp(a, "--batch")) o->batch = atol(v);
        else if (!strcmp(a, "--threads")) o->threads = atol(v);
        else if (!strcmp(a, "--seed")) o->seed = atol(v);
        else if (!strcmp(a, "--train")) o->train = atol(v);
        else if (!strcmp(a, "--hidden")) o->hidden = atol(v);
        else if (!strcmp(a, "--l2")) o->l2 = atof(v);
        else if (!strcmp(a, "--dropout")) o->dropout = atof(v);
        else if (!strcmp(a, "--patience")) o->patience = atol(v);
        else if (!strcmp(a, "--history")) o->history = v;
        else if (!strcmp(a, "--save")) o->save = v;
        else if (!strcmp(a, "--verbose")) o->verbose = atoi(v);
        else return -1;
        i++;
    }
    return 0;
}

/* Stop at the first failing call with libnn's message. */
#define CHECK(call)                                                                       \
    do {                                                                                  \
        if ((call) != LIBNN_OK) {                                                         \
            fprintf(stderr, "overfitting: %s\n  at %s\n", libnn_last_error(), #call);     \
            goto fail;                                                                    \
        }                                                                                 \
    } while (0)

/* Add the layer a constructor just made (`made` its status), with an
 * activation (-1: none) and an L2 penalty on its kernel (0: none). The
 * pointer is read after the constructor has run. */
static libnn_status add_layer(libnn_model *m, libnn_status made, libnn_layer **lp, int activation,
                              double l2)
{
    if (made != LIBNN_OK)
        return made;
    libnn_layer *l = *lp;
    libnn_status st = LIBNN_OK;
    if (activation >= 0)
        st = libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, activation);
    if (st == LIBNN_OK && l2 > 0)
        st = libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, l2);
    if (st == LIBNN_OK)
        st = libnn_model_add(m, l);
    if (st != LIBNN_OK)
        libnn_layer_free(l);
    return st;
}

/* The network with the remedies of `s` (EarlyStopping is added by run()). */
static libnn_status build(const struct options *o, const struct setting *s, libnn_model **out)
{
    libnn_model *m;
    libnn_layer *l = NULL;
    libnn_optimizer *adam = NULL;
    double l2 = s->l2 ? o->l2 : 0;
    libnn_status st = libnn_model_new(&m);
    if (st != LIBNN_OK)
        return st;
    if (st == LIBNN_OK)
        st = libnn_model_set_int(m, LIBNN_MODEL_SEED, o->seed);
    if (st == LIBNN_OK)
        st = libnn_model_set_input_shape(m, 3, (const int64_t[]){28, 28, 1});
    if (st == LIBNN_OK)
        st = add_layer(m, libnn_flatten_new(&l), &l, -1, 0);
    if (st == LIBNN_OK && s->dropout && o->dropout > 0) /* drop input pixels too: it is the input that is memorised */
        st = add_layer(m, libnn_dropout_new((float)(o->dropout / 2), &l), &l, -1, 0);
    if (st == LIBNN_OK)
        st = add_layer(m, libnn_dense_new(o->hidden, &l), &l, LIBNN_ACT_RELU, l2);
    if (st == LIBNN_OK && s->dropout && o->dropout > 0)
        st = add_layer(m, libnn_dropout_new((float)o->dropout, &l), &l, -1, 0);
    if (st == LIBNN_OK)
        st = add_layer(m, libnn_dense_new(10, &l), &l, LIBNN_ACT_SOFTMAX, l2);
    if (st == LIBNN_OK)
        st = libnn_adam_new(1e-3f, &adam);
    if (st == LIBNN_OK && (st = libnn_model_compile(m, adam, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)) != LIBNN_OK)
        libnn_optimizer_free(adam);
    if (st == LIBNN_OK)
        st = libnn_model_add_metric(m, LIBNN_METRIC_ACCURACY);
    if (st == LIBNN_OK)
        st = libnn_model_set_int(m, LIBNN_MODEL_VERBOSE, o->verbose);
    if (st != LIBNN_OK) {
        libnn_model_free(m);
        m = NULL;
    }
    *out = m;
    return st;
}

/* EarlyStopping as Keras users set it: watch val_loss, keep the best epoch. */
static libnn_status add_early_stopping(libnn_model *m, long patience)
{
    libnn_callback *es;
    libnn_status st = libnn_early_stopping_new("val_loss", &es);
    if (st != LIBNN_OK)
        return st;
    if ((st = libnn_callback_set_int(es, LIBNN_CB_PATIENCE, patience)) == LIBNN_OK)
        st = libnn_callback_set_int(es, LIBNN_CB_RESTORE_BEST_WEIGHTS, 1);
    if (st == LIBNN_OK)
        st = libnn_model_add_callback(m, es);
    if (st != LIBNN_OK)
        libnn_callback_free(es);
    return st;
}

static libnn_status add_csv_logger(libnn_model *m, const char *dir, const char *name)
{
    char path[4096];
    libnn_callback *csv;
    snprintf(path, sizeof path, "%s/overfitting_%s.csv", dir, name);
    libnn_status st = libnn_csv_logger_new(path, &csv);
    if (st == LIBNN_OK && (st = libnn_model_add_callback(m, csv)) != LIBNN_OK)
        libnn_callback_free(csv);
    return st;
}

static libnn_status accuracy(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                             double *loss, double *acc)
{
    libnn_status st = libnn_model_evaluate(m, x, y, 500, loss);
    return st == LIBNN_OK ? libnn_model_result(m, "accuracy", acc) : st;
}

/* Train setting s on (x, y), validating on (vx, vy); the trained model
 * goes to *keep when keep is not NULL. */
static libnn_status run(const struct options *o, const struct setting *s, const libnn_tensor *x,
                        const libnn_tensor *y, const libnn_tensor *vx, const libnn_tensor *vy,
                        struct result *r, libnn_model **keep)
{
    libnn_model *m;
    libnn_status st = build(o, s, &m);
    if (st == LIBNN_OK && s->early_stopping)
        st = add_early_stopping(m, o->patience);
    if (st == LIBNN_OK && o->history)
        st = add_csv_logger(m, o->history, s->name);
    if (st == LIBNN_OK)
        st = libnn_model_set_validation_data(m, vx, vy);
    if (st == LIBNN_OK)
        st = libnn_model_fit(m, x, y, o->epochs, o->batch);
    r->epochs = libnn_model_history_length(m);
    /* Both accuracies in inference mode (no dropout), with the weights kept. */
    if (st == LIBNN_OK)
        st = accuracy(m, x, y, &r->train_loss, &r->train_acc);
    if (st == LIBNN_OK)
        st = accuracy(m, vx, vy, &r->val_loss, &r->val_acc);
    if (st == LIBNN_OK && keep) {
        *keep = m;
        m = NULL;
    }
    libnn_model_free(m);
    return st;
}

/* Every digit in exactly one test fold, and each fold's digits per class;
 * returns 0 when the folds partition the n digits. */
static int show_folds(const libnn_folds *f, libnn_tensor *labels)
{
    size_t n = libnn_folds_sample_count(f), count, seen_total = 0;
    int64_t *idx = malloc(n * sizeof *idx);
    int *seen = calloc(n, sizeof *seen), bad = !idx || !seen;
    const float *y = libnn_tensor_data(labels);
    for (size_t fold = 0; !bad && fold < libnn_folds_count(f); fold++) {
        int per_class[10] = {0};
        bad = libnn_folds_test_indices(f, fold, idx, n, &count) != LIBNN_OK;
        for (size_t i = 0; !bad && i < count; i++) {
            seen[idx[i]]++;
            per_class[(int)y[idx[i]]]++;
        }
        seen_total += count;
        printf("  fold %zu: %zu test digits, per class", fold + 1, count);
        for (int c = 0; c < 10; c++)
            printf(" %d", per_class[c]);
        printf("\n");
    }
    for (size_t i = 0; !bad && i < n; i++)
        bad = seen[i] != 1;
    printf("  partition: %s (%zu digits, each in exactly one test fold)\n", bad ? "BROKEN" : "ok",
           seen_total);
    free(idx);
    free(seen);
    return bad;
}

/* Cross-validate setting s over the folds: a model built for s, whose
 * clones libnn trains fold by fold. EarlyStopping inside a fold watches
 * the last 20 % of that fold's training digits, never the held-out fold. */
static libnn_status cv_run(const struct options *o, const struct setting *s, const libnn_tensor *x,
                           const libnn_tensor *y, const libnn_folds *folds, libnn_cv_results **r)
{
    libnn_model *m = NULL;
    libnn_status st = build(o, s, &m);
    if (st == LIBNN_OK && s->early_stopping)
        st = add_early_stopping(m, o->patience);
    if (st == LIBNN_OK && s->early_stopping)
        st = libnn_model_set_float(m, LIBNN_MODEL_VALIDATION_SPLIT, 0.2);
    if (st == LIBNN_OK)
        st = libnn_model_set_int(m, LIBNN_MODEL_VERBOSE, 0);
    if (st == LIBNN_OK)
        st = libnn_cross_validate_folds(m, x, y, folds, o->epochs, o->batch, r);
    libnn_model_free(m);
    return st;
}

static void print_mean_std(const libnn_cv_results *r, const char *name, double *mean)
{
    double std;
    libnn_cv_results_mean(r, name, mean);
    libnn_cv_results_std(r, name, &std);
    printf("%.4f ± %.4f", *mean, std);
}

/* The cross-validation of setting s, fold by fold. */
static libnn_status cross_validate(const struct options *o, const struct setting *s,
                                   const libnn_tensor *x, const libnn_tensor *y,
                                   const libnn_folds *folds)
{
    libnn_cv_results *r = NULL;
    libnn_status st = cv_run(o, s, x, y, folds, &r);
    if (st != LIBNN_OK)
        return st;
    double acc, train, epochs, mean;
    printf("  fold  epochs  train acc  test acc\n");
    for (size_t i = 0; i < FOLDS; i++) {
        libnn_cv_results_get(r, "epochs", i, &epochs);
        libnn_cv_results_get(r, "train_accuracy", i, &train);
        libnn_cv_results_get(r, "test_accuracy", i, &acc);
        printf("  %4zu  %6.0f  %9.4f  %8.4f\n", i + 1, epochs, train, acc);
    }
    printf("%s, %d-fold cross-validation: test accuracy ", s->name, FOLDS);
    print_mean_std(r, "test_accuracy", &mean);
    printf(", train accuracy ");
    print_mean_std(r, "train_accuracy", &mean);
    printf(" (mean ± population std)\n");
    libnn_cv_results_free(r);
    return LIBNN_OK;
}

/*
 * The hyper-parameter search recipe: cross-validate every pair of an L2
 * strength and a dropout rate on the same folds and keep the best mean
 * test accuracy. Any option of any layer can be searched this way.
 */
static libnn_status grid_search(const struct options *o, const libnn_tensor *x,
                                const libnn_tensor *y, const libnn_folds *folds)
{
    static const double l2s[] = {0, 1e-4, 1e-3, 1e-2}, rates[] = {0, 0.25, 0.5};
    static const struct setting grid = {"grid", 1, 1, 0};
    double best = -1, best_l2 = 0, best_rate = 0;
    printf("\ngrid search, %d-fold cross-validation per setting:\n", FOLDS);
    printf("  %-8s %-8s %-18s %s\n", "L2", "dropout", "test accuracy", "train accuracy");
    for (size_t i = 0; i < sizeof l2s / sizeof l2s[0]; i++)
        for (size_t j = 0; j < sizeof rates / sizeof rates[0]; j++) {
            struct options g = *o;
            libnn_cv_results *r;
            double mean, train;
            g.l2 = l2s[i];
            g.dropout = rates[j];
            libnn_status st = cv_run(&g, &grid, x, y, folds, &r);
            if (st != LIBNN_OK)
                return st;
            printf("  %-8g %-8g ", l2s[i], rates[j]);
            print_mean_std(r, "test_accuracy", &mean);
            printf("    ");
            print_mean_std(r, "train_accuracy", &train);
            printf("\n");
            fflush(stdout);
            if (mean > best) {
                best = mean;
                best_l2 = l2s[i];
                best_rate = rates[j];
            }
            libnn_cv_results_free(r);
        }
    printf("best: L2 %g, dropout %g (mean test accuracy %.4f)\n", best_l2, best_rate, best);
    return LIBNN_OK;
}

int main(int argc, char **argv)
{
    struct options o = {30, 32, 0, 1, 1000, 256, 0, 1e-2, 0.5, 2, NULL, NULL, 0, 0};
    if (parse(argc, argv, &o) != 0 || o.epochs < 1 || o.batch < 1 || o.train < FOLDS ||
        o.hidden < 1) {
        usage(argv[0]);
        return 2;
    }
    libnn_tensor *images = NULL, *labels = NULL, *x = NULL, *y = NULL, *vx = NULL, *vy = NULL;
    libnn_model *models[SETTINGS] = {NULL};
    libnn_folds *folds = NULL;
    struct result res[SETTINGS];
    int rc = 1, broken = 0, narrowed = 0, combined_narrows = 0;

    if (o.threads > 0)
        CHECK(libnn_set_num_threads((int)o.threads));
    CHECK(libnn_idx_load(MNIST_DATA_DIR "/mnist10k-images-idx3-ubyte.gz", LIBNN_IDX_SCALE, &images));
    CHECK(libnn_idx_load(MNIST_DATA_DIR "/mnist10k-labels-idx1-ubyte.gz", 0, &labels));
    int64_t n = libnn_tensor_dim(images, 0);
    if (o.train > n - VALIDATION) {
        fprintf(stderr, "overfitting: --train %ld overlaps the %d validation digits\n", o.train,
                VALIDATION);
        goto fail;
    }
    CHECK(libnn_slice(images, 0, o.train, &x));
    CHECK(libnn_slice(labels, 0, o.train, &y));
    CHECK(libnn_slice(images, n - VALIDATION, VALIDATION, &vx));
    CHECK(libnn_slice(labels, n - VALIDATION, VALIDATION, &vy));
    printf("%ld training digits, %d validation digits; Dense(%ld) network, %ld epochs at most, "
           "seed %ld\n",
           o.train, VALIDATION, o.hidden, o.epochs, o.seed);
    printf("remedies: L2 %g on the kernels; Dropout %g after the hidden layer and %g on the "
           "input; EarlyStopping on val_loss, patience %ld, best weights restored\n\n",
           o.l2, o.dropout, o.dropout / 2, o.patience);

    printf("%-15s %6s %10s %8s %7s %11s %9s %8s\n", "setting", "epochs", "train acc", "val acc",
           "gap", "train loss", "val loss", "gap");
    size_t best = 0;
    for (size_t i = 0; i < SETTINGS; i++) {
        CHECK(run(&o, &settings[i], x, y, vx, vy, &res[i], &models[i]));
        printf("%-15s %6zu %10.4f %8.4f %7.4f %11.4f %9.4f %8.4f\n", settings[i].name,
               res[i].epochs, res[i].train_acc, res[i].val_acc, res[i].train_acc - res[i].val_acc,
               res[i].train_loss, res[i].val_loss, res[i].val_loss - res[i].train_loss);
        fflush(stdout);
        best = res[i].val_acc > res[best].val_acc ? i : best;
    }
    printf("\n");
    printf("%-15s %-17s %-17s %s\n", "remedy", "accuracy gap", "loss gap", "val acc vs plain");
    for (size_t i = 1; i < SETTINGS; i++) {
        double acc_gap[2], loss_gap[2], dval = res[i].val_acc - res[0].val_acc;
        for (int k = 0; k < 2; k++) {
            const struct result *r = &res[k ? i : 0];
            acc_gap[k] = r->train_acc - r->val_acc;
            loss_gap[k] = r->val_loss - r->train_loss;
        }
        /* Accuracy differences under NOISE are a few digits: not an effect. */
        int acc = acc_gap[1] < acc_gap[0] - NOISE, loss = loss_gap[1] < loss_gap[0];
        narrowed += loss;
        combined_narrows = i == SETTINGS - 1 && acc && loss;
        printf("%-15s %.4f -> %.4f  %.4f -> %.4f  %+.4f  %s; %s\n", settings[i].name, acc_gap[0],
               acc_gap[1], loss_gap[0], loss_gap[1], dval,
               acc && loss ? "narrows both gaps"
               : loss      ? "narrows the loss gap only (the accuracy gap is NOT clearly smaller)"
               : acc       ? "narrows the accuracy gap only (the loss gap is NOT smaller)"
                           : "does NOT narrow the gaps",
               dval > NOISE ? "raises validation accuracy"
               : dval < -NOISE ? "LOWERS validation accuracy"
                               : "validation accuracy about the same");
    }
    printf("best validation accuracy: %s (%.4f)\n\n", settings[best].name, res[best].val_acc);
    if (o.save) {
        CHECK(libnn_model_save(models[best], o.save, 0));
        printf("saved the %s model to %s\n\n", settings[best].name, o.save);
    }

    printf("stratified %d-fold cross-validation of %s on the %ld training digits:\n", FOLDS,
           settings[best].name, o.train);
    CHECK(libnn_stratified_kfold(y, FOLDS, LIBNN_SPLIT_SHUFFLE, (uint64_t)o.seed, &folds));
    broken = show_folds(folds, y);
    CHECK(cross_validate(&o, &settings[best], x, y, folds));
    if (o.grid)
        CHECK(grid_search(&o, x, y, folds));
    rc = 0;
    if (o.check && (broken || narrowed < SETTINGS - 1 || !combined_narrows)) {
        fprintf(stderr, "overfitting: %s\n",
                broken                        ? "the folds do not partition the data"
                : narrowed < SETTINGS - 1     ? "a remedy did not narrow the train/validation loss gap"
                                              : "all three together did not narrow both gaps");
        rc = 1;
    }
fail:
    libnn_folds_free(folds);
    for (size_t i = 0; i < SETTINGS; i++)
        libnn_model_free(models[i]);
    libnn_tensor_free(images);
    libnn_tensor_free(labels);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(vx);
    libnn_tensor_free(vy);
    return rc;
}
