/*
 * Inference contexts: many threads on one shared model, bit-identical to
 * the single-threaded result, allocation-free per run. And the reference
 * workloads of bench/ (CNN, Embedding + LSTM, SimpleRNN; small shapes):
 * after a warm-up, neither train_on_batch nor libnn_infer_run allocates.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "testutil.h"

#define THREADS 8
#define RUNS 200
#define BATCH 4

static libnn_model *small_model(void)
{
    libnn_model *m;
    libnn_layer *l;
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){6}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(16, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_TANH), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_dropout_new(0.5f, &l), LIBNN_OK); /* identity in inference */
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(3, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SOFTMAX), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_sgd_new(0.1f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, opt, LIBNN_LOSS_CATEGORICAL_CROSSENTROPY), LIBNN_OK);
    return m;
}

struct job {
    libnn_model *model;
    const libnn_tensor *inputs[RUNS];
    const float *expected; /* [RUNS][BATCH * 3] */
    int mismatches;
    libnn_status failure;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    libnn_infer *ctx = NULL;
    libnn_tensor *y = NULL;
    j->failure = libnn_infer_new(j->model, BATCH, &ctx);
    if (j->failure == LIBNN_OK)
        j->failure = libnn_tensor_new(2, (const int64_t[]){BATCH, 3}, &y);
    for (int r = 0; r < RUNS && j->failure == LIBNN_OK; r++) {
        j->failure = libnn_infer_run(ctx, j->inputs[r], y);
        if (memcmp(libnn_tensor_data(y), j->expected + r * BATCH * 3, sizeof(float) * BATCH * 3))
            j->mismatches++;
    }
    libnn_tensor_free(y);
    libnn_infer_free(ctx);
    return NULL;
}

START_TEST(threads_agree_bit_for_bit)
{
    /* The counting allocator is thread-safe; use the default one anyway so
     * that the threads race on nothing but libnn itself. */
    tu_alloc_uninstall();
    libnn_model *m = small_model();
    static float expected[RUNS * BATCH * 3];
    libnn_tensor *inputs[RUNS];
    for (int r = 0; r < RUNS; r++) {
        libnn_tensor *p;
        ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){BATCH, 6}, &inputs[r]), LIBNN_OK);
        ck_assert_int_eq(libnn_tensor_fill_normal(inputs[r], 0, 1, (uint64_t)r), LIBNN_OK);
        ck_assert_int_eq(libnn_model_predict(m, inputs[r], BATCH, &p), LIBNN_OK);
        memcpy(expected + r * BATCH * 3, libnn_tensor_data(p), sizeof(float) * BATCH * 3);
        libnn_tensor_free(p);
    }
    struct job jobs[THREADS];
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t].model = m;
        jobs[t].expected = expected;
        jobs[t].mismatches = 0;
        for (int r = 0; r < RUNS; r++)
            jobs[t].inputs[r] = inputs[r];
    }
    for (int t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, worker, &jobs[t]), 0);
    for (int t = 0; t < THREADS; t++) {
        ck_assert_int_eq(pthread_join(th[t], NULL), 0);
        ck_assert_int_eq(jobs[t].failure, LIBNN_OK);
        ck_assert_int_eq(jobs[t].mismatches, 0);
    }
    for (int r = 0; r < RUNS; r++)
        libnn_tensor_free(inputs[r]);
    libnn_model_free(m);
    tu_alloc_install();
}
END_TEST

START_TEST(runs_allocate_nothing)
{
    libnn_model *m = small_model();
    libnn_infer *ctx = (libnn_infer *)1;
    libnn_tensor *x, *y, *big;
    ck_assert_int_eq(libnn_infer_new(m, 0, &ctx), LIBNN_E_INVALID);
    ck_assert_ptr_null(ctx);
    ck_assert_int_eq(libnn_infer_new(m, BATCH, &ctx), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 6}, &x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){2, 3}, &y), LIBNN_OK);
    long before = tu_alloc_calls();
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(libnn_infer_run(ctx, x, y), LIBNN_OK);
    ck_assert_int_eq(tu_alloc_calls(), before);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){5, 6}, &big), LIBNN_OK);
    ck_assert_int_eq(libnn_infer_run(ctx, big, y), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "infer_run: 5 samples, the context takes at most 4");
    ck_assert_int_eq(libnn_infer_run(ctx, x, x), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "infer_run: y must have shape [2, 3], got [2, 6]");
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(big);
    libnn_infer_free(ctx);
    libnn_infer_free(NULL);
    libnn_model_free(m);
}
END_TEST

/* Compile layers[0..n) on input `in` with Adam. */
static libnn_model *compiled(size_t ndim, const int64_t *in, libnn_layer **layers, size_t n,
                             libnn_loss loss)
{
    libnn_model *m;
    libnn_optimizer *adam;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, ndim, in), LIBNN_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(libnn_model_add(m, layers[i]), LIBNN_OK);
    ck_assert_int_eq(libnn_adam_new(1e-3f, &adam), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, adam, loss), LIBNN_OK);
    return m;
}

static libnn_layer *with_act(libnn_status made, libnn_layer **lp, libnn_activation act)
{
    ck_assert_int_eq(made, LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_int(*lp, LIBNN_PARAM_ACTIVATION, act), LIBNN_OK);
    return *lp;
}

/* Warm up, then count the allocations of a few training steps and
 * inference runs: both must be 0. x holds whole numbers below 10 (class
 * labels and token ids alike). */
static void steps_allocate_nothing(libnn_model *m, const int64_t *x_shape, size_t x_ndim,
                                   const int64_t *y_shape, size_t y_ndim, int64_t out_width)
{
    libnn_tensor *x, *y, *out;
    libnn_infer *ctx;
    double loss;
    ck_assert_int_eq(libnn_tensor_new(x_ndim, x_shape, &x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(y_ndim, y_shape, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){BATCH, out_width}, &out), LIBNN_OK);
    float *d = libnn_tensor_data(x);
    for (size_t i = 0; i < libnn_tensor_size(x); i++)
        d[i] = (float)(i * 7 % 10);
    ck_assert_int_eq(libnn_model_train_on_batch(m, x, y, &loss), LIBNN_OK);
    ck_assert_int_eq(libnn_infer_new(m, BATCH, &ctx), LIBNN_OK);
    ck_assert_int_eq(libnn_infer_run(ctx, x, out), LIBNN_OK);
    long before = tu_alloc_calls();
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(libnn_model_train_on_batch(m, x, y, &loss), LIBNN_OK);
        ck_assert_int_eq(libnn_infer_run(ctx, x, out), LIBNN_OK);
    }
    ck_assert_int_eq(tu_alloc_calls(), before);
    ck_assert(isfinite(loss));
    libnn_infer_free(ctx);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_tensor_free(out);
    libnn_model_free(m);
}

START_TEST(reference_workloads_allocate_nothing)
{
    libnn_layer *l[7];
    l[0] = with_act(libnn_conv2d_new(4, 3, 3, &l[0]), &l[0], LIBNN_ACT_RELU);
    ck_assert_int_eq(libnn_max_pooling2d_new(2, 2, &l[1]), LIBNN_OK);
    l[2] = with_act(libnn_conv2d_new(8, 3, 3, &l[2]), &l[2], LIBNN_ACT_RELU);
    ck_assert_int_eq(libnn_max_pooling2d_new(2, 2, &l[3]), LIBNN_OK);
    ck_assert_int_eq(libnn_flatten_new(&l[4]), LIBNN_OK);
    l[5] = with_act(libnn_dense_new(16, &l[5]), &l[5], LIBNN_ACT_RELU);
    l[6] = with_act(libnn_dense_new(3, &l[6]), &l[6], LIBNN_ACT_SOFTMAX);
    libnn_model *m = compiled(3, (const int64_t[]){14, 14, 1}, l, 7,
                              LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    steps_allocate_nothing(m, (const int64_t[]){BATCH, 14, 14, 1}, 4, (const int64_t[]){BATCH}, 1,
                           3);

    ck_assert_int_eq(libnn_embedding_new(10, 8, &l[0]), LIBNN_OK);
    ck_assert_int_eq(libnn_lstm_new(12, &l[1]), LIBNN_OK);
    l[2] = with_act(libnn_dense_new(1, &l[2]), &l[2], LIBNN_ACT_SIGMOID);
    m = compiled(1, (const int64_t[]){9}, l, 3, LIBNN_LOSS_BINARY_CROSSENTROPY);
    steps_allocate_nothing(m, (const int64_t[]){BATCH, 9}, 2, (const int64_t[]){BATCH, 1}, 2, 1);

    ck_assert_int_eq(libnn_simple_rnn_new(6, &l[0]), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(1, &l[1]), LIBNN_OK);
    m = compiled(2, (const int64_t[]){7, 5}, l, 2, LIBNN_LOSS_MEAN_SQUARED_ERROR);
    steps_allocate_nothing(m, (const int64_t[]){BATCH, 7, 5}, 3, (const int64_t[]){BATCH, 1}, 2,
                           1);
}
END_TEST

Suite *infer_suite(void)
{
    Suite *s = suite_create("infer");
    TCase *tc = tu_tcase("infer");
    tcase_add_test(tc, threads_agree_bit_for_bit);
    tcase_add_test(tc, runs_allocate_nothing);
    tcase_add_test(tc, reference_workloads_allocate_nothing);
    suite_add_tcase(s, tc);
    return s;
}
