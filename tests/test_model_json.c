/*
 * The architecture as JSON: Keras' shape, every option, round trips, and
 * errors that name the layer and the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_zoo.h"
#include "testutil.h"

static char *to_json(const libnn_model *m)
{
    size_t n = 0;
    ck_assert_int_eq(libnn_model_to_json(m, NULL, 0, &n), LIBNN_OK);
    char *buf = malloc(n + 1);
    size_t again;
    ck_assert_int_eq(libnn_model_to_json(m, buf, n + 1, &again), LIBNN_OK);
    ck_assert_uint_eq(again, n);
    ck_assert_uint_eq(strlen(buf), n);
    return buf;
}

START_TEST(json_round_trip_every_kind)
{
    int which = _i;
    libnn_model *m = tu_zoo_model(which, 3), *r = NULL;
    char *a = to_json(m);
    ck_assert_int_eq(libnn_model_from_json(a, &r), LIBNN_OK);
    char *b = to_json(r);
    ck_assert_str_eq(a, b);
    /* Built with the same seed and settings, the model is the same model. */
    ck_assert_int_eq(libnn_model_set_int(r, LIBNN_MODEL_SEED, 3), LIBNN_OK);
    libnn_model *c;
    ck_assert_int_eq(libnn_model_clone(m, 3, 0, &c), LIBNN_OK); /* settings donor */
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_adam_new(0.01f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(r, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_OK);
    libnn_tensor *x, *p, *q;
    tu_zoo_data(which, 5, 9, &x, NULL);
    ck_assert_int_eq(libnn_model_predict(m, x, 5, &p), LIBNN_OK);
    ck_assert_int_eq(libnn_model_predict(r, x, 5, &q), LIBNN_OK);
    tu_assert_tensors_identical(p, q);
    ck_assert_uint_eq(libnn_model_param_count(r), libnn_model_param_count(m));
    ck_assert_uint_eq(libnn_model_trainable_param_count(r), libnn_model_trainable_param_count(m));
    libnn_tensor_free(x);
    libnn_tensor_free(p);
    libnn_tensor_free(q);
    libnn_model_free(c);
    libnn_model_free(r);
    libnn_model_free(m);
    free(a);
    free(b);
}
END_TEST

START_TEST(json_has_keras_shape)
{
    libnn_model *m;
    libnn_layer *l;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){4}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_dropout_new(0.25f, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    char *text = to_json(m);
    ck_assert_str_eq(
        text,
        "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", \"layers\": "
        "[{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 4], "
        "\"dtype\": \"float32\", \"sparse\": false, \"ragged\": false, \"name\": \"input_1\"}}, "
        "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"trainable\": true, "
        "\"dtype\": \"float32\", \"units\": 2, \"activation\": \"relu\", \"use_bias\": true, "
        "\"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": "
        "null}}, \"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
        "\"kernel_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": "
        "0.5}}, \"bias_regularizer\": null}}, {\"class_name\": \"Dropout\", \"config\": "
        "{\"name\": \"dropout\", \"trainable\": true, \"dtype\": \"float32\", \"rate\": "
        "0.25}}]}}");
    free(text);
    /* Without an input shape there is no architecture to write. */
    libnn_model *e;
    ck_assert_int_eq(libnn_model_new(&e), LIBNN_OK);
    ck_assert_int_eq(libnn_model_to_json(e, NULL, 0, NULL), LIBNN_E_STATE);
    char small[8];
    size_t n;
    ck_assert_int_eq(libnn_model_to_json(m, small, sizeof small, &n), LIBNN_OK);
    ck_assert_str_eq(small, "{\"class");
    ck_assert_uint_gt(n, 100);
    ck_assert_int_eq(libnn_model_to_json(m, NULL, 4, &n), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_to_json(NULL, NULL, 0, &n), LIBNN_E_INVALID);
    libnn_model_free(e);
    libnn_model_free(m);
}
END_TEST

/* What tf.keras 2.x model.to_json() writes for the reference CNN (abridged
 * by nothing: every key Keras writes is there). */
static const char keras_cnn[] =
    "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", \"layers\": ["
    "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 28, 28, 1], "
    "\"dtype\": \"float32\", \"sparse\": false, \"ragged\": false, \"name\": \"conv2d_input\"}},"
    "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", \"trainable\": true, "
    "\"batch_input_shape\": [null, 28, 28, 1], \"dtype\": \"float32\", \"filters\": 32, "
    "\"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"valid\", \"data_format\": "
    "\"channels_last\", \"dilation_rate\": [1, 1], \"groups\": 1, \"activation\": \"relu\", "
    "\"use_bias\": true, \"kernel_initializer\": {\"class_name\": \"GlorotUniform\", "
    "\"config\": {\"seed\": null}}, \"bias_initializer\": {\"class_name\": \"Zeros\", "
    "\"config\": {}}, \"kernel_regularizer\": null, \"bias_regularizer\": null, "
    "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}},"
    "{\"class_name\": \"MaxPooling2D\", \"config\": {\"name\": \"max_pooling2d\", "
    "\"trainable\": true, \"dtype\": \"float32\", \"pool_size\": [2, 2], \"padding\": "
    "\"valid\", \"strides\": [2, 2], \"data_format\": \"channels_last\"}},"
    "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten\", \"trainable\": true, "
    "\"dtype\": \"float32\", \"data_format\": \"channels_last\"}},"
    "{\"class_name\": \"Dropout\", \"config\": {\"name\": \"dropout\", \"trainable\": true, "
    "\"dtype\": \"float32\", \"rate\": 0.5, \"noise_shape\": null, \"seed\": null}},"
    "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"trainable\": true, "
    "\"dtype\": \"float32\", \"units\": 10, \"activation\": \"softmax\", \"use_bias\": true, "
    "\"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": "
    "null}}, \"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
    "\"kernel_regularizer\": {\"class_name\": \"L2\", \"config\": {\"l2\": 0.009999999776482582}}, "
    "\"bias_regularizer\": null, \"activity_regularizer\": null, \"kernel_constraint\": null, "
    "\"bias_constraint\": null}}]}, \"keras_version\": \"2.11.0\", \"backend\": \"tensorflow\"}";

START_TEST(json_reads_keras_output)
{
    libnn_model *m;
    ck_assert_int_eq(libnn_model_from_json(keras_cnn, &m), LIBNN_OK);
    ck_assert_uint_eq(libnn_model_layer_count(m), 5);
    libnn_layer *conv = libnn_model_layer(m, 0), *dense = libnn_model_layer(m, 4);
    int64_t v;
    double f;
    ck_assert_str_eq(libnn_layer_name(conv), "conv2d");
    ck_assert_int_eq(libnn_layer_get_int(conv, LIBNN_PARAM_FILTERS, &v), LIBNN_OK);
    ck_assert_int_eq(v, 32);
    ck_assert_int_eq(libnn_layer_get_int(conv, LIBNN_PARAM_KERNEL_W, &v), LIBNN_OK);
    ck_assert_int_eq(v, 3);
    ck_assert_int_eq(libnn_layer_get_int(conv, LIBNN_PARAM_ACTIVATION, &v), LIBNN_OK);
    ck_assert_int_eq(v, LIBNN_ACT_RELU);
    ck_assert_int_eq(libnn_layer_get_float(dense, LIBNN_PARAM_KERNEL_L2, &f), LIBNN_OK);
    ck_assert_double_eq(f, 0.009999999776482582);
    ck_assert_int_eq(libnn_layer_get_float(libnn_model_layer(m, 3), LIBNN_PARAM_RATE, &f),
                     LIBNN_OK);
    ck_assert_double_eq(f, 0.5);
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_adam_new(1e-3f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY),
                     LIBNN_OK);
    ck_assert_uint_eq(libnn_model_param_count(m), 320 + 13 * 13 * 32 * 10 + 10);
    libnn_model_free(m);
}
END_TEST

/* Replace the first `from` in keras_cnn by `to`; the result is static. */
static const char *edited(const char *from, const char *to)
{
    static char buf[sizeof keras_cnn + 256];
    const char *at = strstr(keras_cnn, from);
    ck_assert_ptr_nonnull(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - keras_cnn), keras_cnn, to,
             at + strlen(from));
    return buf;
}

static const struct {
    const char *from, *to;
    libnn_status status;
    const char *message;
} bad_edits[] = {
    {"\"filters\": 32", "\"filters\": 32, \"colour\": 3", LIBNN_E_FORMAT,
     "layer 0 (conv2d): unknown option \"colour\""},
    {"\"filters\": 32", "\"filters\": 0", LIBNN_E_FORMAT, "layer 0 (conv2d): filters"},
    {"\"filters\": 32", "\"filters\": 9223372036854775807", LIBNN_E_FORMAT, "filters"},
    {"\"filters\": 32", "\"filters\": 3.5", LIBNN_E_FORMAT, "filters must be an integer"},
    {"\"units\": 10", "\"units\": \"ten\"", LIBNN_E_FORMAT, "layer 4 (dense): units must be"},
    {"\"rate\": 0.5", "\"rate\": 1.5", LIBNN_E_FORMAT, "layer 3 (dropout): rate"},
    {"\"activation\": \"relu\"", "\"activation\": \"mish\"", LIBNN_E_UNSUPPORTED,
     "activation \"mish\""},
    {"\"groups\": 1", "\"groups\": 2", LIBNN_E_UNSUPPORTED, "layer 0 (conv2d): groups"},
    {"\"class_name\": \"Flatten\"", "\"class_name\": \"Flatter\"", LIBNN_E_FORMAT,
     "layer 2 (flatten): unknown class_name \"Flatter\""},
    {"\"class_name\": \"Sequential\"", "\"class_name\": \"Functional\"", LIBNN_E_UNSUPPORTED,
     "only Sequential"},
    {"[null, 28, 28, 1], \"dtype\": \"float32\", \"sparse\"",
     "[null, null, 28, 1], \"dtype\": \"float32\", \"sparse\"", LIBNN_E_UNSUPPORTED,
     "batch_input_shape[1] is null"},
    {"\"name\": \"flatten\"", "\"name\": \"conv2d\"", LIBNN_E_FORMAT, "the name conv2d is used twice"},
    {"\"kernel_size\": [3, 3]", "\"kernel_size\": [3, 3, 3]", LIBNN_E_FORMAT,
     "kernel_size must be an integer or a list of two"},
    {"{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}}",
     "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": 4}}", LIBNN_E_UNSUPPORTED,
     "a seed of its own"},
    {"\"padding\": \"valid\"", "\"padding\": \"causal\"", LIBNN_E_UNSUPPORTED, "padding"},
    {"\"kernel_regularizer\": null", "\"kernel_regularizer\": {\"class_name\": \"L3\", "
     "\"config\": {}}", LIBNN_E_UNSUPPORTED, "regularizer \"L3\""},
    {"\"layers\": [", "\"layers\": 7, \"x\": [", LIBNN_E_FORMAT, "unknown key \"x\""},
    {"\"backend\": \"tensorflow\"}", "\"backend\": \"tensorflow\",}", LIBNN_E_FORMAT, ""},
};

START_TEST(json_errors_name_layer_and_key)
{
    const char *text = edited(bad_edits[_i].from, bad_edits[_i].to);
    libnn_model *m = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_from_json(text, &m), bad_edits[_i].status);
    ck_assert_ptr_null(m);
    tu_assert_error_has(bad_edits[_i].message);
}
END_TEST

START_TEST(json_hostile_texts)
{
    static const char *const texts[] = {
        "", "[]", "{}", "null", "{\"class_name\": \"Sequential\"}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": []}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": "
        "\"InputLayer\", \"config\": {\"batch_input_shape\": [null, 3]}}]}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
        "\"config\": {\"units\": 2}}]}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
        "\"config\": {\"units\": 2, \"batch_input_shape\": [null, 0]}}]}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Reshape\", "
        "\"config\": {\"target_shape\": [-1, -1], \"batch_input_shape\": [null, 4]}}]}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": "
        "\"Bidirectional\", \"config\": {\"batch_input_shape\": [null, 4, 2], \"layer\": "
        "{\"class_name\": \"Dense\", \"config\": {\"units\": 3}}}}]}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": "
        "\"Bidirectional\", \"config\": {\"batch_input_shape\": [null, 4, 2], \"layer\": "
        "{\"class_name\": \"Bidirectional\", \"config\": {}}}}]}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
        "\"config\": {\"units\": 2, \"units\": 3, \"batch_input_shape\": [null, 4]}}]}}",
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
        "\"config\": {\"name\": \"\", \"units\": 2, \"batch_input_shape\": [null, 4]}}]}}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        libnn_model *m = (libnn_model *)1;
        libnn_status st = libnn_model_from_json(texts[i], &m);
        ck_assert_msg(st == LIBNN_E_FORMAT || st == LIBNN_E_UNSUPPORTED, "text %zu: %d (%s)", i,
                      st, libnn_last_error());
        ck_assert_ptr_null(m);
        ck_assert_str_ne(libnn_last_error(), "");
    }
    /* Nesting deeper than any architecture: refused, not a stack overflow. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    libnn_model *m;
    ck_assert_int_eq(libnn_model_from_json(deep, &m), LIBNN_E_FORMAT);
    free(deep);
    ck_assert_int_eq(libnn_model_from_json(NULL, &m), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_from_json("{}", NULL), LIBNN_E_INVALID);
}
END_TEST

static libnn_status from_json_body(void *ctx)
{
    libnn_model *m = NULL;
    libnn_status st = libnn_model_from_json(ctx, &m);
    if (st != LIBNN_OK) {
        ck_assert_ptr_null(m);
        return st;
    }
    char buf[64];
    st = libnn_model_to_json(m, buf, sizeof buf, NULL);
    libnn_model_free(m);
    return st;
}

START_TEST(json_allocation_failures)
{
    ck_assert_int_gt(tu_alloc_fail_loop(from_json_body, (void *)keras_cnn), 0);
    libnn_model *m = tu_zoo_model(1, 1);
    char *text = to_json(m);
    libnn_model_free(m);
    ck_assert_int_gt(tu_alloc_fail_loop(from_json_body, text), 0);
    free(text);
}
END_TEST

Suite *model_json_suite(void)
{
    Suite *s = suite_create("model_json");
    TCase *tc = tu_tcase("model_json");
    tcase_add_loop_test(tc, json_round_trip_every_kind, 0, TU_ZOO_COUNT);
    tcase_add_test(tc, json_has_keras_shape);
    tcase_add_test(tc, json_reads_keras_output);
    tcase_add_loop_test(tc, json_errors_name_layer_and_key, 0,
                        sizeof bad_edits / sizeof bad_edits[0]);
    tcase_add_test(tc, json_hostile_texts);
    tcase_add_test(tc, json_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
