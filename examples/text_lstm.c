/*
 * text_lstm: sentiment of short film reviews where word order decides.
 *
 *   Tokenizer -> pad_sequences -> Embedding(vocab, 16, mask_zero)
 *   -> LSTM(32) -> Dense(1, sigmoid), Adam, binary cross-entropy
 *
 * The reviews come from a small grammar, generated here from --seed:
 *
 *   positive  "the plot was not bad and the music was really good"
 *             "honestly i did not hate it"
 *             "the old film was great , not boring"
 *   negative  "i don't love this film and i really dislike the ending"
 *             "the movie was not good"
 *             "the cast was not brilliant but terrible with my friends"
 *
 * with negations ("not", "never", "didn't", "wasn't", ...) in several
 * places, intensifiers ("very", "really") and words that carry no sentiment
 * (the film's parts, "old", "french", "last night", ...). The grammar makes
 * every word useless on its own: three reviews in four hold one praising
 * and one criticising word, exactly one of them negated, and the label is
 * whichever is not negated — so "not good ... bad" and "good ... not bad"
 * have the same words and opposite labels. The remaining quarter is one
 * clause, negated or not, with good and bad words equally often in either
 * label. A model that sees only which words occur (any model on word
 * counts) can therefore reach at most 62.5%; the LSTM reads the order.
 *
 * The baseline shows it: a Dense(32, relu) -> Dense(1, sigmoid) network on
 * the word-count vector of each review (built from the tokenizer's
 * sequences), trained in the same way.
 *
 * It prints sample reviews, both models' summaries, trains with the progress
 * bar and prints the accuracy of each on held-out reviews.
 */
#include <libnn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct options {
    long epochs, batch, threads, seed, train, test;
    int verbose;
    double min_accuracy; /* exit 1 when the LSTM scores below it */
    const char *save;    /* --save PATH: the trained model, for `libnn predict` */
    double max_baseline; /* exit 1 when the bag-of-words baseline scores above it */
};

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--epochs N] [--batch N] [--threads N] [--seed N] [--train N]\n"
            "          [--test N] [--verbose 0|1|2] [--min-accuracy A] [--max-baseline A]\n"
            "          [--save PATH]\n"
            "Trains an Embedding + LSTM sentiment classifier on N reviews generated from\n"
            "--seed, and a bag-of-words baseline.\n",
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
            fprintf(stderr, "text_lstm: %s\n  at %s\n", libnn_last_error(), #call);       \
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

/* ---- the review grammar ---- */

static const char *const good_adj[] = {"good",   "great", "wonderful", "excellent",
                                       "superb", "fun",   "brilliant", "enjoyable"};
static const char *const bad_adj[] = {"bad",  "awful", "terrible", "boring",
                                      "dull", "poor",  "horrible", "weak"};
static const char *const good_verb[] = {"love", "like", "enjoy", "adore", "recommend"};
static const char *const bad_verb[] = {"hate", "dislike", "regret", "loathe", "despise"};
static const char *const is[] = {"was", "is"};
static const char *const is_not[] = {"was not", "is not", "wasn't", "isn't", "was never"};
static const char *const do_not[] = {"do not", "don't", "did not", "didn't"};
static const char *const nobody_thinks[] = {"i don't think", "i would not say", "nobody thinks",
                                            "i never felt"};
static const char *const very[] = {"very", "really", "so", "truly", "quite", "extremely"};
static const char *const noun[] = {"movie", "film",   "plot",  "acting", "story", "music",
                                   "ending", "cast", "script", "dialogue", "soundtrack"};
static const char *const plain_adj[] = {"old", "new", "long", "french", "second", "recent"};
static const char *const opener[] = {"honestly", "to be honest", "overall", "in the end",
                                     "well", "i think"};
static const char *const closer[] = {"last night", "with my friends", "on the plane",
                                     "and the cast was french", "and it was long",
                                     "at the cinema"};
static const char *const connector[] = {"and", "and also", ",", "; also"};

/* splitmix64: a small generator for the grammar's choices, seeded by --seed. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static int pick(uint64_t *rng, int n)
{
    return (int)(next_random(rng) % (uint64_t)n);
}

#define ANY(rng, words) (words)[pick(rng, (int)(sizeof(words) / sizeof *(words)))]

struct text {
    char s[256];
};

/* Append words, separated from what is there by a space. */
static void say(struct text *t, const char *words)
{
    size_t len = strlen(t->s);
    snprintf(t->s + len, sizeof t->s - len, "%s%s", len ? " " : "", words);
}

static const char *adjective(uint64_t *rng, int positive)
{
    return positive ? ANY(rng, good_adj) : ANY(rng, bad_adj);
}

/* "the old film", "the ending", "it" */
static void subject(struct text *t, uint64_t *rng)
{
    int k = pick(rng, 4);
    if (k == 0) {
        say(t, "it");
        return;
    }
    say(t, "the");
    if (k == 1)
        say(t, ANY(rng, plain_adj));
    say(t, ANY(rng, noun));
}

/* One clause praising (positive) or criticising the film, negated or not,
 * about the film (verb 0: "the plot was not very good", "i don't think the
 * film was good") or about me (verb 1: "i didn't really hate the music"). */
static void clause(struct text *t, uint64_t *rng, int verb, int positive, int negated)
{
    if (!verb) {
        int from_afar = negated && pick(rng, 3) == 0;
        if (from_afar)
            say(t, ANY(rng, nobody_thinks));
        subject(t, rng);
        say(t, negated && !from_afar ? ANY(rng, is_not) : ANY(rng, is));
        if (pick(rng, 3) == 0)
            say(t, ANY(rng, very));
        say(t, adjective(rng, positive));
    } else {
        say(t, "i");
        if (negated)
            say(t, ANY(rng, do_not));
        if (pick(rng, 3) == 0)
            say(t, "really");
        say(t, positive ? ANY(rng, good_verb) : ANY(rng, bad_verb));
        if (pick(rng, 2)) {
            say(t, "it");
        } else {
            say(t, pick(rng, 2) ? "the" : "this");
            say(t, ANY(rng, noun));
        }
    }
}

/* One review into t; returns its label (1 positive, 0 negative). */
static int review(struct text *t, uint64_t *rng)
{
    int label = pick(rng, 2), form = pick(rng, 4);
    t->s[0] = '\0';
    if (pick(rng, 4) == 0)
        say(t, ANY(rng, opener));
    if (form == 0) {
        /* one clause: "the movie was good", "i did not hate it" */
        int negated = pick(rng, 2);
        clause(t, rng, pick(rng, 2), label ^ negated, negated);
    } else if (form == 3) {
        /* "the film was great , not bad", "it was not bad but great" */
        const char *yes = adjective(rng, label), *no = adjective(rng, !label);
        subject(t, rng);
        say(t, ANY(rng, is));
        if (pick(rng, 2)) {
            say(t, yes);
            say(t, ", not");
            say(t, no);
        } else {
            say(t, "not");
            say(t, no);
            say(t, "but");
            say(t, yes);
        }
    } else {
        /* two clauses that agree, the first or the second one negated:
         * "the plot was not good and the music was bad". Both are of one
         * kind, or the form of the negation ("was not", "didn't") would
         * tell which word it belongs to. */
        int first_negated = pick(rng, 2), verb = pick(rng, 2);
        clause(t, rng, verb, first_negated ? !label : label, first_negated);
        say(t, ANY(rng, connector));
        clause(t, rng, verb, first_negated ? label : !label, !first_negated);
    }
    if (pick(rng, 4) == 0)
        say(t, ANY(rng, closer));
    return label;
}

/* ---- the models ---- */

/* Word counts of padded id rows x [n, steps] as a new [n, vocab] tensor:
 * entry (i, w) is how often word w occurs in review i (padding, id 0, is
 * not counted). All that a bag-of-words model sees. */
static int word_counts(libnn_tensor *x, int64_t vocab, libnn_tensor **out)
{
    libnn_tensor *c = NULL;
    int64_t n = libnn_tensor_dim(x, 0), steps = libnn_tensor_dim(x, 1);
    CHECK(libnn_tensor_new(2, (const int64_t[]){n, vocab}, &c));
    const float *ids = libnn_tensor_data(x);
    float *counts = libnn_tensor_data(c);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < steps; j++) {
            int64_t w = (int64_t)ids[i * steps + j];
            if (w > 0)
                counts[i * vocab + w] += 1.0f;
        }
    *out = c;
    return 0;
fail:
    return -1;
}

/* Compile `model` (Adam, binary cross-entropy), print its summary, train it
 * and write its accuracy on the held-out data to *accuracy. */
static int train_and_test(libnn_model *model, const struct options *o, const libnn_tensor *x_train,
                          const libnn_tensor *y_train, const libnn_tensor *x_test,
                          const libnn_tensor *y_test, double *accuracy)
{
    libnn_optimizer *adam = NULL;
    CHECK(libnn_adam_new(3e-3f, &adam));
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
    long n = o.train + o.test;
    struct text *reviews = NULL;
    const char **texts = NULL;
    libnn_tokenizer *tok = NULL;
    libnn_sequences *seqs = NULL;
    libnn_tensor *x = NULL, *y = NULL, *x_train = NULL, *y_train = NULL, *x_test = NULL;
    libnn_tensor *y_test = NULL, *counts = NULL, *c_train = NULL, *c_test = NULL;
    libnn_model *lstm = NULL, *baseline = NULL;
    libnn_layer *l = NULL;
    int rc = 1;

    if (o.threads > 0)
        CHECK(libnn_set_num_threads((int)o.threads));
    printf("libnn %s; %s\n", libnn_version_string(), libnn_blas_info());

    /* The reviews and their labels y [n, 1]; the first o.train are for training. */
    reviews = malloc((size_t)n * sizeof *reviews);
    texts = malloc((size_t)n * sizeof *texts);
    if (!reviews || !texts) {
        fprintf(stderr, "text_lstm: out of memory\n");
        goto fail;
    }
    CHECK(libnn_tensor_new(2, (const int64_t[]){n, 1}, &y));
    float *labels = libnn_tensor_data(y);
    uint64_t rng = (uint64_t)o.seed;
    for (long i = 0; i < n; i++) {
        labels[i] = (float)review(&reviews[i], &rng);
        texts[i] = reviews[i].s;
    }
    printf("%ld training and %ld held-out reviews, for example:\n", o.train, o.test);
    for (int i = 0; i < 8 && i < n; i++)
        printf("  %s  \"%s\"\n", labels[i] > 0.5f ? "positive" : "negative", texts[i]);

    /* Words -> ids (fitted on the training reviews) -> [n, longest] rows of
     * ids, zeros in front of the shorter reviews. */
    CHECK(libnn_tokenizer_new(&tok));
    CHECK(libnn_tokenizer_fit_on_texts(tok, (size_t)o.train, texts));
    CHECK(libnn_tokenizer_texts_to_sequences(tok, (size_t)n, texts, &seqs));
    CHECK(libnn_pad_sequences(seqs, 0, LIBNN_PAD_PRE, LIBNN_PAD_PRE, 0.0f, &x));
    int64_t vocab = libnn_tokenizer_max_index(tok) + 1, steps = libnn_tensor_dim(x, 1);
    printf("%lld words in the vocabulary (id 0 is padding), reviews padded to %lld words\n",
           (long long)(vocab - 1), (long long)steps);
    CHECK(libnn_slice(x, 0, o.train, &x_train));
    CHECK(libnn_slice(y, 0, o.train, &y_train));
    CHECK(libnn_slice(x, o.train, o.test, &x_test));
    CHECK(libnn_slice(y, o.train, o.test, &y_test));

    printf("\nEmbedding + LSTM on the word sequences:\n");
    CHECK(libnn_model_new(&lstm));
    CHECK(libnn_model_set_int(lstm, LIBNN_MODEL_SEED, o.seed));
    CHECK(libnn_model_set_input_shape(lstm, 1, (const int64_t[]){steps}));
    CHECK(add_layer(lstm, libnn_embedding_new(vocab, 16, &l), &l, -1));
    CHECK(libnn_layer_set_int(l, LIBNN_PARAM_MASK_ZERO, 1)); /* the model's layer now */
    CHECK(add_layer(lstm, libnn_lstm_new(32, &l), &l, -1));
    CHECK(add_layer(lstm, libnn_dense_new(1, &l), &l, LIBNN_ACT_SIGMOID));
    double accuracy;
    if (train_and_test(lstm, &o, x_train, y_train, x_test, y_test, &accuracy) != 0)
        goto fail;
    if (o.save) {
        CHECK(libnn_model_save(lstm, o.save, 0));
        printf("saved the model to %s\n", o.save);
    }

    printf("\nBaseline: a Dense network on word counts (order removed):\n");
    if (word_counts(x, vocab, &counts) != 0)
        goto fail;
    CHECK(libnn_slice(counts, 0, o.train, &c_train));
    CHECK(libnn_slice(counts, o.train, o.test, &c_test));
    CHECK(libnn_model_new(&baseline));
    CHECK(libnn_model_set_int(baseline, LIBNN_MODEL_SEED, o.seed));
    CHECK(libnn_model_set_input_shape(baseline, 1, (const int64_t[]){vocab}));
    CHECK(add_layer(baseline, libnn_dense_new(32, &l), &l, LIBNN_ACT_RELU));
    CHECK(add_layer(baseline, libnn_dense_new(1, &l), &l, LIBNN_ACT_SIGMOID));
    double base_accuracy;
    if (train_and_test(baseline, &o, c_train, y_train, c_test, y_test, &base_accuracy) != 0)
        goto fail;

    printf("\nHeld-out accuracy, %ld reviews:\n", o.test);
    printf("  Embedding + LSTM on the word sequences:  %.4f\n", accuracy);
    printf("  baseline on the word counts:             %.4f  (at best 0.625 in theory)\n",
           base_accuracy);
    rc = 0;
    if (accuracy < o.min_accuracy) {
        fprintf(stderr, "text_lstm: accuracy %.4f is below the required %.4f\n", accuracy,
                o.min_accuracy);
        rc = 1;
    }
    if (base_accuracy > o.max_baseline) {
        fprintf(stderr, "text_lstm: baseline accuracy %.4f is above the allowed %.4f\n",
                base_accuracy, o.max_baseline);
        rc = 1;
    }
fail:
    libnn_model_free(lstm);
    libnn_model_free(baseline);
    libnn_sequences_free(seqs);
    libnn_tokenizer_free(tok);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(x_train);
    libnn_tensor_free(y_train);
    libnn_tensor_free(x_test);
    libnn_tensor_free(y_test);
    libnn_tensor_free(counts);
    libnn_tensor_free(c_train);
    libnn_tensor_free(c_test);
    free(texts);
    free(reviews);
    return rc;
}
