/*
 * The sequential model: building, compile, fit/evaluate/predict, history,
 * callbacks, reproducibility, misuse.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_helpers.h"
#include "testutil.h"

START_TEST(builder_names_and_misuse)
{
    libnn_model *m;
    libnn_layer *a, *b, *c, *d;
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(4, &a), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(4, &b), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(2, &c), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, a), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, b), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, a), LIBNN_E_STATE);
    ck_assert_str_eq(libnn_layer_name(a), "dense");
    ck_assert_str_eq(libnn_layer_name(b), "dense_1");
    ck_assert_int_eq(libnn_layer_set_name(c, "dense_1"), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, c), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "model_add: a layer named dense_1 exists already");
    ck_assert_int_eq(libnn_layer_set_name(c, "out"), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, c), LIBNN_OK);
    ck_assert_uint_eq(libnn_model_layer_count(m), 3);
    ck_assert_ptr_eq(libnn_model_layer(m, 2), c);
    ck_assert_ptr_null(libnn_model_layer(m, 3));
    ck_assert_ptr_eq(libnn_model_find_layer(m, "dense_1"), b);
    ck_assert_ptr_null(libnn_model_find_layer(m, "nope"));

    ck_assert_int_eq(libnn_sgd_new(0.1f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_E_STATE);
    tu_assert_error_has("no input shape");
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){0}), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){3}), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, (libnn_loss)77), LIBNN_E_INVALID);

    /* Misuse before compile. */
    libnn_tensor *x, *y, *p = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){4, 3}, &x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){4, 2}, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 1, 2), LIBNN_E_STATE);
    tu_assert_error_has("fit: the model is not compiled");
    ck_assert_int_eq(libnn_model_predict(m, x, 2, &p), LIBNN_E_STATE);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(libnn_model_summary(m, NULL, 0, NULL), LIBNN_E_STATE);

    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_OK);
    ck_assert_ptr_eq(libnn_model_optimizer(m), opt);
    ck_assert_int_eq(libnn_dense_new(1, &d), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, d), LIBNN_E_STATE);
    tu_assert_error_has("the model is compiled");
    libnn_layer_free(d);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){5}), LIBNN_E_STATE);

    /* Misuse after compile: shapes, batch size, empty data. */
    libnn_tensor *x5, *y3, *empty;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){4, 5}, &x5), LIBNN_OK);
    ck_assert_int_eq(libnn_model_predict(m, x5, 2, &p), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "predict: x must have shape [4, 3], got [4, 5]");
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){3, 2}, &y3), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y3, 1, 2), LIBNN_E_SHAPE);
    tu_assert_error_has("fit: y [3, 2] has 3 samples, x [4, 3] has 4");
    ck_assert_int_eq(libnn_model_fit(m, x, y, 1, 0), LIBNN_E_INVALID);
    tu_assert_error_has("batch_size must be >= 1");
    ck_assert_int_eq(libnn_model_fit(m, x, y, 0, 2), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){0, 3}, &empty), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, empty, y, 1, 2), LIBNN_E_INVALID);
    tu_assert_error_has("x holds no samples");
    ck_assert_int_eq(libnn_model_fit(m, x, y, 1, 2), LIBNN_OK);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(x5);
    libnn_tensor_free(y3);
    libnn_tensor_free(empty);
    libnn_model_free(m);
    libnn_model_free(NULL);
}
END_TEST

START_TEST(compile_names_the_layer_that_does_not_fit)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){12}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(10, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_reshape_new(2, (const int64_t[]){3, 4}, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_sgd_new(0.1f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "layer 1 (reshape): reshape: cannot reshape input [10] (10 values) to [3, 4]");
    libnn_optimizer_free(opt); /* not taken on failure */
    libnn_model_free(m);
}
END_TEST

START_TEST(fit_separates_blobs)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(256, 3, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(1);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 20, 32), LIBNN_OK);
    double loss, acc;
    ck_assert_int_eq(libnn_model_evaluate(m, x, yc, 64, &loss), LIBNN_OK);
    ck_assert_int_eq(libnn_model_result(m, "accuracy", &acc), LIBNN_OK);
    ck_assert_double_eq(acc, 1.0);
    ck_assert(loss < 0.1);
    ck_assert_uint_eq(libnn_model_history_length(m), 20);
    double first, last;
    ck_assert_int_eq(libnn_model_history_get(m, "loss", 0, &first), LIBNN_OK);
    ck_assert_int_eq(libnn_model_history_get(m, "loss", 19, &last), LIBNN_OK);
    ck_assert(last < first);
    ck_assert_int_eq(libnn_model_history_get(m, "accuracy", 20, &last), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_model_history_get(m, "val_loss", 0, &last), LIBNN_E_NOTFOUND);

    libnn_tensor *p;
    ck_assert_int_eq(libnn_model_predict(m, x, 100, &p), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_dim(p, 0), 256);
    ck_assert_int_eq(libnn_tensor_dim(p, 1), 1);
    for (int i = 0; i < 256; i++)
        ck_assert_int_eq(libnn_tensor_data(p)[i] > 0.5f, i % 2);
    libnn_tensor_free(p);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

START_TEST(validation_split_takes_the_last_samples)
{
    libnn_tensor *x, *y, *yc, *xv, *yv;
    tu_blobs(100, 5, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(2);
    ck_assert_int_eq(libnn_model_set_float(m, LIBNN_MODEL_VALIDATION_SPLIT, 0.2), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 3, 16), LIBNN_OK);
    double val_loss, val_acc, loss, acc;
    ck_assert_int_eq(libnn_model_history_get(m, "val_loss", 2, &val_loss), LIBNN_OK);
    ck_assert_int_eq(libnn_model_history_get(m, "val_accuracy", 2, &val_acc), LIBNN_OK);
    /* The last 20 samples, evaluated with the same batch size. */
    const float *xd = libnn_tensor_data(x), *yd = libnn_tensor_data(yc);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){20, 2}, xd + 160, 40, &xv),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new_from_data(2, (const int64_t[]){20, 1}, yd + 80, 20, &yv),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_model_evaluate(m, xv, yv, 16, &loss), LIBNN_OK);
    ck_assert_int_eq(libnn_model_result(m, "accuracy", &acc), LIBNN_OK);
    ck_assert_double_eq_tol(loss, val_loss, 1e-12);
    ck_assert_double_eq_tol(acc, val_acc, 1e-12);
    /* History series: loss, accuracy, val_loss, val_accuracy, lr. */
    ck_assert_uint_eq(libnn_model_history_series_count(m), 5);
    ck_assert_str_eq(libnn_model_history_series_name(m, 0), "loss");
    ck_assert_str_eq(libnn_model_history_series_name(m, 4), "lr");
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_tensor_free(xv);
    libnn_tensor_free(yv);
    libnn_model_free(m);
}
END_TEST

START_TEST(one_batch_calls)
{
    libnn_tensor *x, *y, *yc, *p1, *p2;
    tu_blobs(24, 31, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(10);
    double first, again, test, eval, acc;
    ck_assert_int_eq(libnn_model_train_on_batch(m, x, yc, &first), LIBNN_OK);
    ck_assert(isfinite(first) && first > 0);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(libnn_model_train_on_batch(m, x, yc, &again), LIBNN_OK);
    ck_assert(again < first);
    /* test_on_batch is evaluate over one batch of the same samples. */
    ck_assert_int_eq(libnn_model_test_on_batch(m, x, yc, &test), LIBNN_OK);
    ck_assert_int_eq(libnn_model_evaluate(m, x, yc, 24, &eval), LIBNN_OK);
    ck_assert_double_eq(test, eval);
    ck_assert_int_eq(libnn_model_result(m, "accuracy", &acc), LIBNN_OK);
    ck_assert_int_eq(libnn_model_result(m, "auc", &acc), LIBNN_E_NOTFOUND);
    ck_assert_int_eq(libnn_model_train_on_batch(m, x, NULL, &first), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_predict_on_batch(m, x, &p1), LIBNN_OK);
    ck_assert_int_eq(libnn_model_predict(m, x, 5, &p2), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_dim(p1, 0), 24);
    ck_assert_int_eq(libnn_tensor_dim(p1, 1), 1);
    /* Batches of 5 or one of 24: the same numbers. */
    ck_assert_mem_eq(libnn_tensor_data(p1), libnn_tensor_data(p2), 24 * sizeof(float));
    libnn_tensor_free(p1);
    libnn_tensor_free(p2);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

/* The L1/L2 terms are part of the loss and reported apart, as
 * "regularization_loss"; models without regularisers do not log it. */
START_TEST(regularization_is_logged)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    libnn_tensor *x, *y, *yc, *k;
    tu_blobs(16, 41, &x, &y);
    yc = tu_column(y);
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){2}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(1, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, 0.5), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    /* Learning rate 0: the weights stay, so every number is predictable. */
    ck_assert_int_eq(libnn_sgd_new(0.0f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 1, 16), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_get_weight(l, "kernel", &k), LIBNN_OK);
    const float *kd = libnn_tensor_data(k);
    double want = 0.5 * ((double)kd[0] * kd[0] + (double)kd[1] * kd[1]);
    double reg, loss, eval;
    ck_assert_int_eq(libnn_model_history_get(m, "regularization_loss", 0, &reg), LIBNN_OK);
    ck_assert_double_eq_tol(reg, want, 1e-6 * want);
    ck_assert_int_eq(libnn_model_history_get(m, "loss", 0, &loss), LIBNN_OK);
    ck_assert_int_eq(libnn_model_evaluate(m, x, yc, 16, &eval), LIBNN_OK);
    ck_assert_double_eq_tol(loss, eval, 1e-6);
    libnn_tensor_free(k);
    libnn_model_free(m);

    m = tu_binary_model(12);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 1, 16), LIBNN_OK);
    ck_assert_int_eq(libnn_model_history_get(m, "regularization_loss", 0, &reg), LIBNN_E_NOTFOUND);
    libnn_model_free(m);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
}
END_TEST

START_TEST(training_is_reproducible)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(64, 17, &x, &y);
    yc = tu_column(y);
    float a[64], b[64];
    libnn_model *m = tu_binary_model(42);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 3, 8), LIBNN_OK);
    size_t n = tu_weights_of(m, a, 64);
    libnn_model_free(m);
    m = tu_binary_model(42);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 3, 8), LIBNN_OK);
    ck_assert_uint_eq(tu_weights_of(m, b, 64), n);
    ck_assert_mem_eq(a, b, n * sizeof(float));
    libnn_model_free(m);
    m = tu_binary_model(43);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 3, 8), LIBNN_OK);
    tu_weights_of(m, b, 64);
    ck_assert(memcmp(a, b, n * sizeof(float)) != 0);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

START_TEST(a_training_step_allocates_nothing)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(32, 19, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(7);
    double loss;
    ck_assert_int_eq(libnn_model_train_on_batch(m, x, yc, &loss), LIBNN_OK);
    long before = tu_alloc_calls();
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(libnn_model_train_on_batch(m, x, yc, &loss), LIBNN_OK);
    ck_assert_int_eq(tu_alloc_calls(), before);
    ck_assert(isfinite(loss));
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

START_TEST(sample_weights_zero_leave_weights_alone)
{
    libnn_tensor *x, *y, *yc, *w;
    tu_blobs(16, 23, &x, &y);
    yc = tu_column(y);
    libnn_model *m = tu_binary_model(8);
    float before[64], after[64];
    size_t n = tu_weights_of(m, before, 64);
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){16}, &w), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_sample_weights(m, w), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 2, 8), LIBNN_OK);
    tu_weights_of(m, after, 64);
    ck_assert_mem_eq(before, after, n * sizeof(float));
    double loss;
    ck_assert_int_eq(libnn_model_history_get(m, "loss", 1, &loss), LIBNN_OK);
    ck_assert_double_eq(loss, 0.0);
    libnn_tensor_free(w);
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){15}, &w), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_sample_weights(m, w), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 1, 8), LIBNN_E_SHAPE);
    tu_assert_error_has("15 sample weights for 16 samples");
    ck_assert_int_eq(libnn_model_set_sample_weights(m, NULL), LIBNN_OK);
    /* Class weights of 0 for both classes: nothing moves either. */
    ck_assert_int_eq(libnn_model_set_class_weights(m, 2, (const float[]){0, -1}), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_class_weights(m, 2, (const float[]){0, 0}), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, yc, 1, 8), LIBNN_OK);
    tu_weights_of(m, after, 64);
    ck_assert_mem_eq(before, after, n * sizeof(float));
    libnn_tensor_free(w);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
    libnn_model_free(m);
}
END_TEST

START_TEST(summary_is_the_keras_table)
{
    libnn_model *m = tu_binary_model(9);
    char buf[2048];
    size_t needed = 0;
    ck_assert_int_eq(libnn_model_summary(m, buf, sizeof buf, &needed), LIBNN_OK);
    const char *want =
        "Model: \"sequential\"\n"
        "_____________________________________________________________________\n"
        " Layer (type)                    Output Shape              Param #   \n"
        "=====================================================================\n"
        " dense (Dense)                   (None, 8)                 24        \n"
        "\n"
        " dense_1 (Dense)                 (None, 1)                 9         \n"
        "=====================================================================\n"
        "Total params: 33\n"
        "Trainable params: 33\n"
        "Non-trainable params: 0\n"
        "_____________________________________________________________________\n";
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(needed, strlen(want));
    /* snprintf semantics: truncated but terminated, needed unchanged. */
    char small[10];
    size_t again = 0;
    ck_assert_int_eq(libnn_model_summary(m, small, sizeof small, &again), LIBNN_OK);
    ck_assert_uint_eq(again, needed);
    ck_assert_str_eq(small, "Model: \"s");
    ck_assert_int_eq(libnn_model_summary(m, NULL, 0, &again), LIBNN_OK);
    ck_assert_uint_eq(again, needed);
    ck_assert_uint_eq(libnn_model_param_count(m), 33);
    ck_assert_uint_eq(libnn_model_trainable_param_count(m), 33);
    libnn_model_free(m);
}
END_TEST

START_TEST(check_numerics_names_the_layer)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){1}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(1, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_EXPONENTIAL), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_KERNEL_INITIALIZER, LIBNN_INIT_CONSTANT),
                     LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_INIT_A, 1000), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_sgd_new(0.1f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_CHECK_NUMERICS, 1), LIBNN_OK);
    libnn_tensor *x, *y;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 1}, &x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill(x, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 1}, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_model_train_on_batch(m, x, y, NULL), LIBNN_E_NONFINITE);
    ck_assert_str_eq(libnn_last_error(), "layer 0 (dense): output value 0 is inf");
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(m);
}
END_TEST

START_TEST(sparse_labels_out_of_range)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){2}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SOFTMAX), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_adam_new(0.01f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY),
                     LIBNN_OK);
    libnn_tensor *x, *y;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){5, 2}, &x), LIBNN_OK);
    const float labels[5] = {0, 1, 2, 3, 1};
    ck_assert_int_eq(libnn_tensor_new_from_data(1, (const int64_t[]){5}, labels, 5, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 1, 2), LIBNN_E_RANGE);
    tu_assert_error_has("sample 3");
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(m);
}
END_TEST

/* Build, compile, fit one epoch, evaluate, predict: for the allocation loop. */
static libnn_status model_body(void *ctx)
{
    libnn_tensor *const *data = ctx;
    libnn_model *m = NULL;
    libnn_layer *l = NULL;
    libnn_optimizer *opt = NULL;
    libnn_tensor *p = NULL;
    double loss;
    libnn_status st = libnn_model_new(&m);
    if (st == LIBNN_OK)
        st = libnn_model_set_input_shape(m, 1, (const int64_t[]){2});
    if (st == LIBNN_OK)
        st = libnn_dense_new(4, &l);
    if (st == LIBNN_OK && (st = libnn_model_add(m, l)) != LIBNN_OK)
        libnn_layer_free(l);
    if (st == LIBNN_OK)
        st = libnn_dense_new(1, &l);
    if (st == LIBNN_OK && (st = libnn_model_add(m, l)) != LIBNN_OK)
        libnn_layer_free(l);
    if (st == LIBNN_OK)
        st = libnn_adam_new(0.01f, &opt);
    if (st == LIBNN_OK && (st = libnn_model_compile(m, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR)) != LIBNN_OK)
        libnn_optimizer_free(opt);
    if (st == LIBNN_OK)
        st = libnn_model_add_metric(m, LIBNN_METRIC_MEAN_ABSOLUTE_ERROR);
    if (st == LIBNN_OK)
        st = libnn_model_fit(m, data[0], data[1], 1, 4);
    if (st == LIBNN_OK)
        st = libnn_model_evaluate(m, data[0], data[1], 4, &loss);
    if (st == LIBNN_OK)
        st = libnn_model_predict(m, data[0], 3, &p);
    libnn_tensor_free(p);
    libnn_model_free(m);
    return st;
}

START_TEST(allocation_failures)
{
    libnn_tensor *x, *y, *yc;
    tu_blobs(8, 29, &x, &y);
    yc = tu_column(y);
    libnn_tensor *data[2] = {x, yc};
    tu_alloc_fail_loop(model_body, data);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(yc);
}
END_TEST

Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tu_tcase("model");
    tcase_add_test(tc, builder_names_and_misuse);
    tcase_add_test(tc, compile_names_the_layer_that_does_not_fit);
    tcase_add_test(tc, fit_separates_blobs);
    tcase_add_test(tc, validation_split_takes_the_last_samples);
    tcase_add_test(tc, one_batch_calls);
    tcase_add_test(tc, regularization_is_logged);
    tcase_add_test(tc, training_is_reproducible);
    tcase_add_test(tc, a_training_step_allocates_nothing);
    tcase_add_test(tc, sample_weights_zero_leave_weights_alone);
    tcase_add_test(tc, summary_is_the_keras_table);
    tcase_add_test(tc, check_numerics_names_the_layer);
    tcase_add_test(tc, sparse_labels_out_of_range);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
