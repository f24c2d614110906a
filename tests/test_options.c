/*
 * Keyed options, every table (model, layers, optimizers, callbacks, CSV
 * reader, tokenizer): integers are checked and kept as integers end to end,
 * NaN and infinities are refused, nothing passes through a double that
 * cannot hold it (issue 13, finding 1); and statuses that the headers
 * promise (finding 4).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model_helpers.h"
#include "testutil.h"

/* 2^53 + 1: the first integer a double cannot hold. */
#define ODD_BIG ((INT64_C(1) << 53) + 1)

/* The doubles no integer option may take through a float setter. */
static const double bad_doubles[] = {1e300, 1e19, 9223372036854775808.0, -1e19, 0.5};

START_TEST(model_integer_options_are_integers)
{
    libnn_model *m;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    int64_t i;
    double d;

    /* The seed keeps every bit, up to INT64_MAX. */
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_SEED, ODD_BIG), LIBNN_OK);
    ck_assert_int_eq(libnn_model_get_int(m, LIBNN_MODEL_SEED, &i), LIBNN_OK);
    ck_assert_int_eq(i, ODD_BIG);
    /* ... and get_float does not round it silently. */
    ck_assert_int_eq(libnn_model_get_float(m, LIBNN_MODEL_SEED, &d), LIBNN_E_RANGE);
    tu_assert_error_has("use libnn_model_get_int");
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_SEED, INT64_MAX), LIBNN_OK);
    ck_assert_int_eq(libnn_model_get_int(m, LIBNN_MODEL_SEED, &i), LIBNN_OK);
    ck_assert_int_eq(i, INT64_MAX);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_SEED, -1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "model: seed must be >= 0, got -1");

    /* Whole doubles still set integer options, exactly or not at all. */
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_SEED, 4096.0), LIBNN_OK);
    ck_assert_int_eq(libnn_model_get_int(m, LIBNN_MODEL_SEED, &i), LIBNN_OK);
    ck_assert_int_eq(i, 4096);
    static const libnn_model_option int_keys[] = {LIBNN_MODEL_SEED, LIBNN_MODEL_INITIAL_EPOCH,
                                                  LIBNN_MODEL_VERBOSE, LIBNN_MODEL_SHUFFLE};
    for (size_t k = 0; k < sizeof int_keys / sizeof int_keys[0]; k++) {
        for (size_t b = 0; b < sizeof bad_doubles / sizeof bad_doubles[0]; b++)
            ck_assert_msg(libnn_model_set_float(m, int_keys[k], bad_doubles[b]) == LIBNN_E_INVALID,
                          "key %d took %g", (int)int_keys[k], bad_doubles[b]);
        ck_assert_int_eq(libnn_model_set_float(m, int_keys[k], INFINITY), LIBNN_E_INVALID);
        ck_assert_int_eq(libnn_model_set_float(m, int_keys[k], -INFINITY), LIBNN_E_INVALID);
        ck_assert_int_eq(libnn_model_set_float(m, int_keys[k], NAN), LIBNN_E_INVALID);
    }
    ck_assert_int_eq(libnn_model_get_int(m, LIBNN_MODEL_SEED, &i), LIBNN_OK);
    ck_assert_int_eq(i, 4096); /* the refusals left it alone */

    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_VERBOSE, 3), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_SHUFFLE, INT64_MIN), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_VALIDATION_SPLIT, INFINITY),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_VALIDATION_SPLIT, NAN),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_VALIDATION_SPLIT, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_get_int(m, LIBNN_MODEL_VALIDATION_SPLIT, &i), LIBNN_E_INVALID);
    tu_assert_error_has("use libnn_model_get_float");
    ck_assert_int_eq(libnn_model_set_int(m, (libnn_model_option)99, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_get_int(NULL, LIBNN_MODEL_SEED, &i), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_get_int(m, LIBNN_MODEL_SEED, NULL), LIBNN_E_INVALID);
    libnn_model_free(m);
}
END_TEST

/* The audit's hang: INITIAL_EPOCH = INT64_MAX (or 1e19 through set_float,
 * which became INT64_MIN) made fit loop for ever. */
START_TEST(a_huge_initial_epoch_does_not_hang_fit)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(16, 5, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(1);
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_INITIAL_EPOCH, 1e19), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_INITIAL_EPOCH, 1e300), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_INITIAL_EPOCH, INFINITY),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_INITIAL_EPOCH, INT64_MAX), LIBNN_OK);
    int64_t i;
    ck_assert_int_eq(libnn_model_get_int(m, LIBNN_MODEL_INITIAL_EPOCH, &i), LIBNN_OK);
    ck_assert_int_eq(i, INT64_MAX);
    /* Past the last epoch already: Keras trains nothing and returns. */
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 2, 8), LIBNN_OK);
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
}
END_TEST

START_TEST(layer_integer_options_are_integers)
{
    libnn_layer *l;
    int64_t i;
    double d;
    ck_assert_int_eq(libnn_dropout_new(0.5, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_SEED, ODD_BIG), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_SEED, &i), LIBNN_OK);
    ck_assert_int_eq(i, ODD_BIG);
    ck_assert_int_eq(libnn_layer_get_float(l, LIBNN_PARAM_SEED, &d), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_SEED, INT64_MAX), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_int(l, LIBNN_PARAM_SEED, &i), LIBNN_OK);
    ck_assert_int_eq(i, INT64_MAX);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_SEED, INT64_MIN), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_SEED, 3.0), LIBNN_E_INVALID);
    tu_assert_error_has("use libnn_layer_set_int");
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_RATE, 1e300), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_RATE, -1e19), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_RATE, NAN), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_RATE, INFINITY), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_RATE, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_float(l, LIBNN_PARAM_RATE, &d), LIBNN_OK);
    ck_assert(d == 0.0);
    libnn_layer_free(l);

    /* Constructor arguments are integers too: INT64_MAX units is refused
     * on the integer, not after a trip through 2^63. */
    ck_assert_int_eq(libnn_dense_new(INT64_MAX, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(libnn_dense_new(INT64_MIN, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(libnn_conv2d_new(4, INT64_MAX, 3, &l), LIBNN_E_INVALID);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(libnn_dense_new(3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, INT64_MAX), LIBNN_E_INVALID);
    tu_assert_error_has("activation has no value 9223372036854775807");
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, (INT64_C(1) << 32) + 1),
                     LIBNN_E_INVALID); /* not taken as 1 by a cast to int */
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, (INT64_C(1) << 32) + 1),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, INFINITY), LIBNN_E_INVALID);
    tu_assert_error_has("kernel_l2 must be a finite number, got inf");
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_ALPHA, NAN), LIBNN_E_INVALID);
    libnn_layer_free(l);
}
END_TEST

START_TEST(optimizer_integer_options_are_integers)
{
    libnn_optimizer *o;
    int64_t i;
    double d;
    ck_assert_int_eq(libnn_sgd_new(0.1f, &o), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_DECAY_STEPS, INT64_MAX), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_get_int(o, LIBNN_OPT_DECAY_STEPS, &i), LIBNN_OK);
    ck_assert_int_eq(i, INT64_MAX);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_WARMUP_STEPS, ODD_BIG), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_get_int(o, LIBNN_OPT_WARMUP_STEPS, &i), LIBNN_OK);
    ck_assert_int_eq(i, ODD_BIG);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_WARMUP_STEPS, &d), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_DECAY_STEPS, 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_SCHEDULE, INT64_MAX), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_NESTEROV, INT64_MIN), LIBNN_E_INVALID);
    for (size_t b = 0; b < sizeof bad_doubles / sizeof bad_doubles[0]; b++)
        ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_DECAY_STEPS, bad_doubles[b]),
                         LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_MOMENTUM, NAN), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_LEARNING_RATE, INFINITY),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_float(o, LIBNN_OPT_CLIPNORM, 1e300), LIBNN_OK);
    /* A float option from set_int: only when a double holds it. */
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_CLIPNORM, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_set_int(o, LIBNN_OPT_CLIPNORM, ODD_BIG), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_get_float(o, LIBNN_OPT_CLIPNORM, &d), LIBNN_OK);
    ck_assert(d == 0.0);
    libnn_optimizer_free(o);
}
END_TEST

START_TEST(callback_integer_options_are_integers)
{
    libnn_callback *es, *rl, *csv;
    int64_t i;
    double d;
    ck_assert_int_eq(libnn_early_stopping_new("loss", &es), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_int(es, LIBNN_CB_PATIENCE, INT64_MAX), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_get_int(es, LIBNN_CB_PATIENCE, &i), LIBNN_OK);
    ck_assert_int_eq(i, INT64_MAX);
    ck_assert_int_eq(libnn_callback_set_int(es, LIBNN_CB_START_FROM_EPOCH, ODD_BIG), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_get_int(es, LIBNN_CB_START_FROM_EPOCH, &i), LIBNN_OK);
    ck_assert_int_eq(i, ODD_BIG);
    ck_assert_int_eq(libnn_callback_get_float(es, LIBNN_CB_START_FROM_EPOCH, &d), LIBNN_E_RANGE);
    /* set_float keeps taking whole numbers, exactly, and nothing else. */
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_PATIENCE, 3.0), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_get_int(es, LIBNN_CB_PATIENCE, &i), LIBNN_OK);
    ck_assert_int_eq(i, 3);
    for (size_t b = 0; b < sizeof bad_doubles / sizeof bad_doubles[0]; b++)
        ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_PATIENCE, bad_doubles[b]),
                         LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_PATIENCE, NAN), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_PATIENCE, INFINITY), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_get_int(es, LIBNN_CB_PATIENCE, &i), LIBNN_OK);
    ck_assert_int_eq(i, 3);
    ck_assert_int_eq(libnn_callback_set_int(es, LIBNN_CB_MODE, (INT64_C(1) << 32) + 2),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_int(es, LIBNN_CB_RESTORE_BEST_WEIGHTS, -1),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_MIN_DELTA, INFINITY), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_MIN_DELTA, NAN), LIBNN_E_INVALID);
    /* BASELINE: NaN is "none", as documented; infinities are refused. */
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_BASELINE, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_BASELINE, NAN), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_get_float(es, LIBNN_CB_BASELINE, &d), LIBNN_OK);
    ck_assert(isnan(d));
    ck_assert_int_eq(libnn_callback_set_float(es, LIBNN_CB_BASELINE, -INFINITY), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_int(es, LIBNN_CB_FACTOR, 0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "early_stopping has no option factor");
    ck_assert_int_eq(libnn_callback_get_int(es, LIBNN_CB_MIN_DELTA, &i), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_get_int(es, LIBNN_CB_PATIENCE, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_int(NULL, LIBNN_CB_PATIENCE, 1), LIBNN_E_INVALID);

    ck_assert_int_eq(libnn_reduce_lr_on_plateau_new("loss", &rl), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_get_float(rl, LIBNN_CB_FACTOR, &d), LIBNN_OK);
    ck_assert(d == 0.1);
    ck_assert_int_eq(libnn_callback_set_float(rl, LIBNN_CB_FACTOR, 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_float(rl, LIBNN_CB_FACTOR, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_callback_set_int(rl, LIBNN_CB_COOLDOWN, INT64_MAX), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_float(rl, LIBNN_CB_COOLDOWN, 1e19), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_logger_new("unused.csv", &csv), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_int(csv, LIBNN_CB_APPEND, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_callback_set_int(csv, LIBNN_CB_APPEND, 2), LIBNN_E_INVALID);
    libnn_callback_free(es);
    libnn_callback_free(rl);
    libnn_callback_free(csv);
}
END_TEST

/* The CSV reader and the tokenizer took int64_t from the start; the
 * extremes are refused on the integer, and a value kept is kept exactly. */
START_TEST(csv_and_tokenizer_options_take_the_extremes)
{
    libnn_csv_reader *r;
    int64_t i;
    ck_assert_int_eq(libnn_csv_reader_new(&r), LIBNN_OK);
    static const libnn_csv_option csv_keys[] = {LIBNN_CSV_HEADER, LIBNN_CSV_DELIMITER,
                                                LIBNN_CSV_LABEL_COLUMN};
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(libnn_csv_reader_set_int(r, csv_keys[k], INT64_MIN), LIBNN_E_INVALID);
        if (csv_keys[k] != LIBNN_CSV_LABEL_COLUMN) /* any index >= 0 is a column */
            ck_assert_int_eq(libnn_csv_reader_set_int(r, csv_keys[k], (INT64_C(1) << 32) + ','),
                             LIBNN_E_INVALID);
    }
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, INT64_MAX), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_LABEL_COLUMN, &i), LIBNN_OK);
    ck_assert_int_eq(i, INT64_MAX);
    libnn_csv_reader_free(r);

    libnn_tokenizer *t;
    ck_assert_int_eq(libnn_tokenizer_new(&t), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_set_int(t, LIBNN_TOKENIZER_NUM_WORDS, INT64_MAX), LIBNN_OK);
    ck_assert_int_eq(libnn_tokenizer_get_int(t, LIBNN_TOKENIZER_NUM_WORDS, &i), LIBNN_OK);
    ck_assert_int_eq(i, INT64_MAX);
    ck_assert_int_eq(libnn_tokenizer_set_int(t, LIBNN_TOKENIZER_NUM_WORDS, INT64_MIN),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tokenizer_set_int(t, LIBNN_TOKENIZER_LOWER, (INT64_C(1) << 32) + 1),
                     LIBNN_E_INVALID);
    const char *texts[] = {"a b b"};
    ck_assert_int_eq(libnn_tokenizer_fit_on_texts(t, 1, texts), LIBNN_OK);
    libnn_tokenizer_free(t);
}
END_TEST

/* ---- statuses the headers promise (issue 13, finding 4) ---- */

START_TEST(layer_build_statuses_match_the_header)
{
    libnn_layer *l;
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 1, NULL, 0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "layer_build: input_shape is NULL");
    ck_assert_int_eq(libnn_layer_build(NULL, 1, (const int64_t[]){3}, 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_layer_build(l, 0, (const int64_t[]){3}, 0), LIBNN_E_SHAPE);
    libnn_layer_free(l);
    /* RANGE, now in the header: more pixels than pooling's int32 argmax. */
    ck_assert_int_eq(libnn_max_pooling2d_new(2, 2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_build(l, 3, (const int64_t[]){50000, 50000, 1}, 0),
                     LIBNN_E_RANGE);
    tu_assert_error_has("more pixels than pooling indexes");
    libnn_layer_free(l);
}
END_TEST

START_TEST(set_validation_data_checks_shapes_itself)
{
    libnn_tensor *x, *y, *yc, *bad;
    tu_blobs(16, 5, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(1); /* input [2], output [1] */
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){16, 3}, &bad), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_validation_data(m, bad, yc), LIBNN_E_SHAPE);
    tu_assert_error_has("set_validation_data: x must have shape");
    ck_assert_int_eq(libnn_model_set_validation_data(m, x, bad), LIBNN_E_SHAPE);
    libnn_tensor_free(bad);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){15, 1}, &bad), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_validation_data(m, x, bad), LIBNN_E_SHAPE);
    tu_assert_error_has("15 samples");
    ck_assert_int_eq(libnn_model_set_validation_data(m, x, yc), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 1, 8), LIBNN_OK);
    double v;
    ck_assert_int_eq(libnn_model_result(m, "val_loss", &v), LIBNN_OK);
    libnn_model_free(m);

    /* Not compiled yet: x is checked against the input shape once set. */
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_validation_data(m, x, bad), LIBNN_E_SHAPE);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){3}), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_validation_data(m, x, yc), LIBNN_E_SHAPE);
    libnn_model_free(m);
    libnn_tensor_free(bad);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
}
END_TEST

Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tu_tcase("integers");
    tcase_add_test(tc, model_integer_options_are_integers);
    tcase_add_test(tc, a_huge_initial_epoch_does_not_hang_fit);
    tcase_add_test(tc, layer_integer_options_are_integers);
    tcase_add_test(tc, optimizer_integer_options_are_integers);
    tcase_add_test(tc, callback_integer_options_are_integers);
    tcase_add_test(tc, csv_and_tokenizer_options_take_the_extremes);
    suite_add_tcase(s, tc);
    tc = tu_tcase("statuses");
    tcase_add_test(tc, layer_build_statuses_match_the_header);
    tcase_add_test(tc, set_validation_data_checks_shapes_itself);
    suite_add_tcase(s, tc);
    return s;
}
