/*
 * The gradient hook and data-parallel fit, without MPI: workers are threads
 * of this process that sum through shared memory and a barrier, so the
 * sharding, the reductions and the agreements are checked where every
 * build runs (libnn-mpi's own tests run the same under mpirun).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_helpers.h"
#include "testutil.h"

#define MAX_WORKERS 3

/* ---- the gradient hook ---- */

/* Blobs with labels as a column, for the one-output models. */
typedef struct blobs {
    libnn_tensor *x, *y, *yc;
} blobs;

static blobs make_blobs(size_t n, uint64_t seed)
{
    blobs b;
    tu_blobs(n, seed, &b.x, &b.y);
    b.yc = tu_column(b.y);
    return b;
}

static void free_blobs(blobs *b)
{
    libnn_tensor_free(b->x);
    libnn_tensor_free(b->y);
    libnn_tensor_free(b->yc);
}

struct seen {
    float grad[64];
    size_t count;
    int64_t batch;
    libnn_status status;
    int calls;
    libnn_status answer;
    const char *message;
};

static libnn_status record(libnn_model *m, float *grad, size_t count, int64_t batch,
                           libnn_status status, void *user)
{
    struct seen *s = user;
    (void)m;
    ck_assert_uint_le(count, 64);
    memcpy(s->grad, grad, count * sizeof *grad);
    s->count = count;
    s->batch = batch;
    s->status = status;
    s->calls++;
    return s->message ? libnn_set_error(s->answer, s->message) : s->answer;
}

/* Every gradient of the model, layer after layer. */
static size_t gradients_of(libnn_model *m, float *out)
{
    size_t n = 0;
    for (size_t i = 0; i < libnn_model_layer_count(m); i++) {
        libnn_layer *l = libnn_model_layer(m, i);
        for (size_t w = 0; w < libnn_layer_weight_count(l); w++) {
            libnn_tensor *t;
            ck_assert_int_eq(libnn_layer_get_gradient(l, libnn_layer_weight_name(l, w), &t),
                             LIBNN_OK);
            memcpy(out + n, libnn_tensor_data(t), libnn_tensor_size(t) * sizeof(float));
            n += libnn_tensor_size(t);
            libnn_tensor_free(t);
        }
    }
    return n;
}

START_TEST(hook_sees_every_gradient_in_one_buffer)
{
    blobs d = make_blobs(10, 3);
    libnn_model *m = tu_binary_model(5);
    struct seen s = {.answer = LIBNN_OK};
    ck_assert_int_eq(libnn_model_set_gradient_hook(NULL, record, &s), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_gradient_hook(m, record, &s), LIBNN_OK);
    ck_assert_int_eq(libnn_model_train_on_batch(m, d.x, d.yc, NULL), LIBNN_OK);
    ck_assert_int_eq(s.calls, 1);
    ck_assert_uint_eq(s.count, libnn_model_trainable_param_count(m));
    ck_assert_uint_eq(s.count, 2 * 8 + 8 + 8 + 1);
    ck_assert_int_eq(s.batch, 10);
    ck_assert_int_eq(s.status, LIBNN_OK);
    float layers[64];
    ck_assert_uint_eq(gradients_of(m, layers), s.count);
    ck_assert_mem_eq(layers, s.grad, s.count * sizeof(float));
    float nonzero = 0;
    for (size_t i = 0; i < s.count; i++)
        nonzero += fabsf(s.grad[i]);
    ck_assert_float_gt(nonzero, 0);
    /* Removed: no more calls. */
    ck_assert_int_eq(libnn_model_set_gradient_hook(m, NULL, &s), LIBNN_OK);
    ck_assert_int_eq(libnn_model_train_on_batch(m, d.x, d.yc, NULL), LIBNN_OK);
    ck_assert_int_eq(s.calls, 1);
    free_blobs(&d);
    libnn_model_free(m);
}
END_TEST

static libnn_status zero_all(libnn_model *m, float *grad, size_t count, int64_t batch,
                             libnn_status status, void *user)
{
    (void)m, (void)batch, (void)status, (void)user;
    memset(grad, 0, count * sizeof *grad);
    return LIBNN_OK;
}

START_TEST(hook_writes_what_the_optimizer_applies)
{
    blobs d = make_blobs(8, 3);
    libnn_model *m = tu_binary_model(5);
    float before[64], after[64];
    size_t n = tu_weights_of(m, before, 64);
    ck_assert_int_eq(libnn_model_set_gradient_hook(m, zero_all, NULL), LIBNN_OK);
    /* Adam on zero gradients moves nothing. */
    ck_assert_int_eq(libnn_model_train_on_batch(m, d.x, d.yc, NULL), LIBNN_OK);
    ck_assert_uint_eq(tu_weights_of(m, after, 64), n);
    ck_assert_mem_eq(before, after, n * sizeof(float));
    ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(m)), 1);
    free_blobs(&d);
    libnn_model_free(m);
}
END_TEST

START_TEST(hook_failure_aborts_the_step_before_any_update)
{
    blobs d = make_blobs(8, 3);
    libnn_model *m = tu_binary_model(5);
    float before[64], after[64];
    size_t n = tu_weights_of(m, before, 64);
    struct seen s = {.answer = LIBNN_E_IO, .message = "peer 3 is gone"};
    ck_assert_int_eq(libnn_model_set_gradient_hook(m, record, &s), LIBNN_OK);
    ck_assert_int_eq(libnn_model_train_on_batch(m, d.x, d.yc, NULL), LIBNN_E_IO);
    ck_assert_str_eq(libnn_last_error(), "gradient hook: peer 3 is gone");
    /* Without a message of its own, libnn says what the hook returned. */
    s.message = NULL;
    s.answer = LIBNN_E_STATE;
    ck_assert_int_eq(libnn_model_train_on_batch(m, d.x, d.yc, NULL), LIBNN_E_STATE);
    ck_assert_ptr_nonnull(strstr(libnn_last_error(), "gradient hook: returned 6"));
    ck_assert_uint_eq(tu_weights_of(m, after, 64), n);
    ck_assert_mem_eq(before, after, n * sizeof(float));
    ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(m)), 0);
    /* fit stops at the first step with the hook's error. */
    s.answer = LIBNN_E_IO;
    s.message = "link down";
    ck_assert_int_eq(libnn_model_fit(m, d.x, d.yc, 2, 4), LIBNN_E_IO);
    ck_assert_ptr_nonnull(strstr(libnn_last_error(), "link down"));
    ck_assert_int_eq(s.calls, 3);
    free_blobs(&d);
    libnn_model_free(m);
}
END_TEST

/* A linear hidden layer, so that check-numerics sees a NaN of the input in
 * its output (ReLU would hide it). */
static libnn_model *linear_first_model(uint64_t seed)
{
    libnn_model *m = tu_binary_model_with(seed, LIBNN_ACT_LINEAR);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_CHECK_NUMERICS, 1), LIBNN_OK);
    return m;
}

START_TEST(hook_is_told_when_the_step_failed)
{
    blobs d = make_blobs(8, 3);
    libnn_tensor_data(d.x)[5] = NAN;
    libnn_model *m = linear_first_model(5);
    struct seen s = {.answer = LIBNN_OK};
    ck_assert_int_eq(libnn_model_set_gradient_hook(m, record, &s), LIBNN_OK);
    ck_assert_int_eq(libnn_model_train_on_batch(m, d.x, d.yc, NULL), LIBNN_E_NONFINITE);
    ck_assert_int_eq(s.calls, 1);
    ck_assert_int_eq(s.status, LIBNN_E_NONFINITE);
    for (size_t i = 0; i < s.count; i++)
        ck_assert_float_eq(s.grad[i], 0.0f);
    /* The step's own message, not the hook's. */
    ck_assert_ptr_nonnull(strstr(libnn_last_error(), "layer 0"));
    free_blobs(&d);
    libnn_model_free(m);
}
END_TEST

/* ---- the model's state as buffers ---- */

START_TEST(state_buffers_are_weights_then_optimizer_slots)
{
    libnn_model *m = tu_binary_model(5), *bare;
    /* 4 weights, Adam's m and v for each. */
    ck_assert_uint_eq(libnn_model_state_count(m), 4 + 2 * 4);
    char name[64];
    float *data;
    size_t count;
    ck_assert_int_eq(libnn_model_state_buffer(m, 0, name, sizeof name, &data, &count), LIBNN_OK);
    ck_assert_str_eq(name, "layers.0.kernel");
    ck_assert_uint_eq(count, 16);
    libnn_tensor *k;
    ck_assert_int_eq(libnn_layer_get_weight(libnn_model_layer(m, 0), "kernel", &k), LIBNN_OK);
    ck_assert_mem_eq(data, libnn_tensor_data(k), 16 * sizeof(float));
    libnn_tensor_free(k);
    ck_assert_int_eq(libnn_model_state_buffer(m, 3, name, sizeof name, &data, &count), LIBNN_OK);
    ck_assert_str_eq(name, "layers.1.bias");
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(libnn_model_state_buffer(m, 4, name, sizeof name, &data, &count), LIBNN_OK);
    ck_assert_str_eq(name, "optimizer.momentum.layers.0.kernel");
    ck_assert_ptr_nonnull(data);
    ck_assert_int_eq(libnn_model_state_buffer(m, 11, name, 8, NULL, &count), LIBNN_OK);
    ck_assert_str_eq(name, "optimiz");
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(libnn_model_state_buffer(m, 12, name, sizeof name, &data, &count),
                     LIBNN_E_RANGE);
    ck_assert_ptr_null(data);
    ck_assert_int_eq(libnn_model_state_buffer(m, SIZE_MAX, NULL, 0, NULL, NULL), LIBNN_E_RANGE);
    ck_assert_int_eq(libnn_model_state_buffer(NULL, 0, NULL, 0, &data, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_new(&bare), LIBNN_OK);
    ck_assert_uint_eq(libnn_model_state_count(bare), 0);
    ck_assert_int_eq(libnn_model_state_buffer(bare, 0, NULL, 0, &data, NULL), LIBNN_E_STATE);
    ck_assert_int_eq(libnn_optimizer_set_iterations(libnn_model_optimizer(m), 7), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(m)), 7);
    ck_assert_int_eq(libnn_optimizer_set_iterations(libnn_model_optimizer(m), -1),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_optimizer_set_iterations(NULL, 1), LIBNN_E_INVALID);
    libnn_model_free(bare);
    libnn_model_free(m);
}
END_TEST

/* ---- data-parallel workers as threads ---- */

typedef struct comm {
    int size;
    pthread_barrier_t bar;
    double *values[MAX_WORKERS];
    float *grads[MAX_WORKERS];
    int64_t batch[MAX_WORKERS];
    libnn_status status[MAX_WORKERS];
} comm;

typedef struct worker {
    comm *c;
    int rank;
    libnn_model *m;
    const libnn_tensor *x, *y;
    int64_t epochs, batch;
    libnn_status result;
    char message[256];
    int stop_at_batch; /* a callback of this worker alone stops there; -1: never */
} worker;

static libnn_status sum_doubles(libnn_model *m, double *v, size_t n, void *user)
{
    worker *w = user;
    comm *c = w->c;
    (void)m;
    c->values[w->rank] = v;
    pthread_barrier_wait(&c->bar);
    double *sum = calloc(n ? n : 1, sizeof *sum);
    ck_assert_ptr_nonnull(sum);
    for (int r = 0; r < c->size; r++)
        for (size_t i = 0; i < n; i++)
            sum[i] += c->values[r][i];
    pthread_barrier_wait(&c->bar);
    memcpy(v, sum, n * sizeof *v);
    free(sum);
    return LIBNN_OK;
}

/* What libnn-mpi does: the mean over all workers' samples. */
static libnn_status average_grads(libnn_model *m, float *g, size_t n, int64_t batch,
                                  libnn_status status, void *user)
{
    worker *w = user;
    comm *c = w->c;
    (void)m;
    c->grads[w->rank] = g;
    c->batch[w->rank] = batch;
    c->status[w->rank] = status;
    pthread_barrier_wait(&c->bar);
    double *sum = calloc(n ? n : 1, sizeof *sum);
    ck_assert_ptr_nonnull(sum);
    double total = 0;
    int failed = -1;
    for (int r = 0; r < c->size; r++) {
        if (c->status[r] != LIBNN_OK && failed < 0)
            failed = r;
        total += (double)c->batch[r];
        for (size_t i = 0; i < n; i++)
            sum[i] += (double)c->batch[r] * c->grads[r][i];
    }
    pthread_barrier_wait(&c->bar);
    for (size_t i = 0; i < n && total > 0; i++)
        g[i] = (float)(sum[i] / total);
    free(sum);
    return failed < 0 ? LIBNN_OK : libnn_set_error(c->status[failed], "a peer failed");
}

static int stop_here(libnn_model *m, int64_t batch, const libnn_logs *logs, void *user)
{
    const worker *w = user;
    (void)m, (void)logs;
    return batch == w->stop_at_batch;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    w->result = libnn_model_fit(w->m, w->x, w->y, w->epochs, w->batch);
    snprintf(w->message, sizeof w->message, "%s", libnn_last_error());
    return NULL;
}

/* `size` workers fit copies of tu_binary_model(seed) on (x, y). */
static void run_workers(int size, worker *ws, const libnn_tensor *x, const libnn_tensor *y,
                        int64_t epochs, int64_t batch)
{
    static comm c;
    memset(&c, 0, sizeof c);
    c.size = size;
    ck_assert_int_eq(pthread_barrier_init(&c.bar, NULL, (unsigned)size), 0);
    pthread_t th[MAX_WORKERS];
    for (int r = 0; r < size; r++) {
        worker *w = &ws[r];
        w->c = &c;
        w->rank = r;
        if (!w->x)
            w->x = x;
        if (!w->y)
            w->y = y;
        if (!w->epochs)
            w->epochs = epochs;
        w->batch = batch;
        ck_assert_int_eq(libnn_model_set_data_parallel(w->m, r, size, sum_doubles, w), LIBNN_OK);
        ck_assert_int_eq(libnn_model_set_gradient_hook(w->m, average_grads, w), LIBNN_OK);
        ck_assert_int_eq(pthread_create(&th[r], NULL, run_worker, w), 0);
    }
    for (int r = 0; r < size; r++)
        pthread_join(th[r], NULL);
    pthread_barrier_destroy(&c.bar);
}

static void assert_close(const float *a, const float *b, size_t n, float tol)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabsf(a[i] - b[i]) <= tol, "value %zu: %.9g against %.9g", i,
                      (double)a[i], (double)b[i]);
}

static void history_close(libnn_model *a, libnn_model *b, const char *name, double tol)
{
    ck_assert_uint_eq(libnn_model_history_length(a), libnn_model_history_length(b));
    for (size_t e = 0; e < libnn_model_history_length(a); e++) {
        double va, vb;
        ck_assert_int_eq(libnn_model_history_get(a, name, e, &va), LIBNN_OK);
        ck_assert_int_eq(libnn_model_history_get(b, name, e, &vb), LIBNN_OK);
        ck_assert_msg(fabs(va - vb) <= tol, "%s, epoch %zu: %.17g against %.17g", name, e, va, vb);
    }
}

/* n samples, per-worker batch 4 on `size` workers against one process with
 * batch 4 * size: the same weights, losses and metrics. */
static void check_against_one_process(int size, size_t n, size_t n_val)
{
    blobs d = make_blobs(n, 9), v = {NULL, NULL, NULL};
    if (n_val)
        v = make_blobs(n_val, 10);
    libnn_tensor *x = d.x, *yc = d.yc, *vx = v.x, *vy = v.yc;
    libnn_model *one = tu_binary_model(21);
    ck_assert_int_eq(libnn_model_add_metric(one, LIBNN_METRIC_AUC), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_validation_data(one, vx, vy), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(one, x, yc, 3, 4 * size), LIBNN_OK);
    worker ws[MAX_WORKERS];
    memset(ws, 0, sizeof ws);
    for (int r = 0; r < size; r++) {
        ws[r].m = tu_binary_model(21);
        if (r == 1) {
            /* Compiled again under another seed: same weights, another
             * shuffling generator, which fit replaces by worker 0's. */
            libnn_optimizer *opt;
            ck_assert_int_eq(libnn_model_set_int(ws[r].m, LIBNN_MODEL_SEED, 99), LIBNN_OK);
            ck_assert_int_eq(libnn_adam_new(0.05f, &opt), LIBNN_OK);
            ck_assert_int_eq(libnn_model_compile(ws[r].m, opt, LIBNN_LOSS_BINARY_CROSSENTROPY),
                             LIBNN_OK);
            ck_assert_int_eq(libnn_model_add_metric(ws[r].m, LIBNN_METRIC_ACCURACY), LIBNN_OK);
        }
        ck_assert_int_eq(libnn_model_add_metric(ws[r].m, LIBNN_METRIC_AUC), LIBNN_OK);
        ck_assert_int_eq(libnn_model_set_validation_data(ws[r].m, vx, vy), LIBNN_OK);
    }
    run_workers(size, ws, x, yc, 3, 4);
    float want[64], got[64];
    size_t count = tu_weights_of(one, want, 64);
    for (int r = 0; r < size; r++) {
        ck_assert_msg(ws[r].result == LIBNN_OK, "worker %d: %s", r, ws[r].message);
        ck_assert_uint_eq(tu_weights_of(ws[r].m, got, 64), count);
        /* Sums in another order: a few float ulps after 3 epochs of Adam. */
        assert_close(want, got, count, 2e-5f);
        history_close(one, ws[r].m, "loss", 1e-5);
        history_close(one, ws[r].m, "accuracy", 1e-12);
        if (n_val) {
            history_close(one, ws[r].m, "val_loss", 1e-5);
            history_close(one, ws[r].m, "val_accuracy", 1e-12);
            history_close(one, ws[r].m, "val_auc", 1e-6);
        }
        /* Every worker ends with identical weights and logs. */
        float first[64];
        tu_weights_of(ws[0].m, first, 64);
        ck_assert_mem_eq(first, got, count * sizeof(float));
        history_close(ws[0].m, ws[r].m, "loss", 0);
    }
    for (int r = 0; r < size; r++)
        libnn_model_free(ws[r].m);
    libnn_model_free(one);
    free_blobs(&d);
    free_blobs(&v);
}

START_TEST(two_workers_train_as_one_process_with_the_global_batch)
{
    check_against_one_process(2, 64, 0);
}
END_TEST

START_TEST(uneven_batches_and_idle_workers_train_as_one_process)
{
    /* 37 samples in global batches of 12: the last has 1, so two of three
     * workers have nothing to do in it. Validation 10 splits 3/3/4. */
    check_against_one_process(3, 37, 10);
}
END_TEST

START_TEST(a_stop_on_one_worker_stops_all)
{
    blobs d = make_blobs(64, 9);
    libnn_tensor *x = d.x, *yc = d.yc;
    worker ws[2];
    memset(ws, 0, sizeof ws);
    libnn_callback *es[2];
    for (int r = 0; r < 2; r++) {
        ws[r].m = tu_binary_model(4);
        ws[r].stop_at_batch = r == 1 ? 2 : -1;
        libnn_callback *cb;
        ck_assert_int_eq(libnn_callback_new(NULL, NULL, stop_here, &ws[r], &cb), LIBNN_OK);
        ck_assert_int_eq(libnn_model_add_callback(ws[r].m, cb), LIBNN_OK);
        ck_assert_int_eq(libnn_early_stopping_new("loss", &es[r]), LIBNN_OK);
        ck_assert_int_eq(libnn_callback_set_float(es[r], LIBNN_CB_MIN_DELTA, 1e9), LIBNN_OK);
        ck_assert_int_eq(libnn_model_add_callback(ws[r].m, es[r]), LIBNN_OK);
    }
    run_workers(2, ws, x, yc, 5, 4);
    for (int r = 0; r < 2; r++) {
        ck_assert_int_eq(ws[r].result, LIBNN_OK);
        /* Worker 1's callback stopped both in the first epoch, after batch 2. */
        ck_assert_uint_eq(libnn_model_history_length(ws[r].m), 1);
        ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(ws[r].m)), 3);
    }
    /* Without it, EarlyStopping stops both at the same epoch. */
    for (int r = 0; r < 2; r++) {
        ws[r].stop_at_batch = -1;
        ws[r].x = ws[r].y = NULL;
    }
    run_workers(2, ws, x, yc, 6, 4);
    for (int r = 0; r < 2; r++) {
        ck_assert_int_eq(ws[r].result, LIBNN_OK);
        ck_assert_int_eq(libnn_callback_stopped_epoch(es[r]), 1);
        ck_assert_uint_eq(libnn_model_history_length(ws[r].m), 2);
    }
    for (int r = 0; r < 2; r++)
        libnn_model_free(ws[r].m);
    free_blobs(&d);
}
END_TEST

START_TEST(a_failing_worker_fails_all)
{
    blobs d = make_blobs(32, 9), short_d = make_blobs(30, 9);
    libnn_tensor *x = d.x, *yc = d.yc, *bad;
    ck_assert_int_eq(libnn_tensor_clone(x, &bad), LIBNN_OK);
    libnn_tensor_data(bad)[2 * 20] = NAN; /* sample 20: worker 1's in batch 2 */
    worker ws[2];
    memset(ws, 0, sizeof ws);
    for (int r = 0; r < 2; r++) {
        ws[r].m = linear_first_model(4);
        ck_assert_int_eq(libnn_model_set_int(ws[r].m, LIBNN_MODEL_SHUFFLE, 0), LIBNN_OK);
    }
    /* A NaN in worker 1's data: its step fails, and so does worker 0's. */
    ws[1].x = bad;
    run_workers(2, ws, x, yc, 2, 4);
    ck_assert_int_eq(ws[1].result, LIBNN_E_NONFINITE);
    ck_assert_msg(strstr(ws[1].message, "layer 0") != NULL, "%s", ws[1].message);
    ck_assert_int_eq(ws[0].result, LIBNN_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(ws[0].message, "a peer failed"));
    float w0[64], w1[64];
    size_t n = tu_weights_of(ws[0].m, w0, 64);
    tu_weights_of(ws[1].m, w1, 64);
    ck_assert_mem_eq(w0, w1, n * sizeof(float));
    ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(ws[0].m)), 2);

    /* Different data on one worker: all fail at once, naming the value. */
    for (int r = 0; r < 2; r++)
        libnn_model_free(ws[r].m);
    memset(ws, 0, sizeof ws);
    for (int r = 0; r < 2; r++)
        ws[r].m = tu_binary_model(4);
    ws[1].x = short_d.x;
    ws[1].y = short_d.yc;
    run_workers(2, ws, x, yc, 2, 4);
    ck_assert_int_eq(ws[1].result, LIBNN_E_INVALID);
    ck_assert_ptr_nonnull(strstr(ws[1].message, "30 on worker 1 but 32 on worker 0"));
    ck_assert_int_eq(ws[0].result, LIBNN_E_INVALID);
    ck_assert_ptr_nonnull(strstr(ws[0].message, "worker 1 of 2 failed"));
    /* A bad argument on one worker. */
    ws[0].x = ws[1].x = NULL;
    ws[0].y = ws[1].y = NULL;
    ws[1].epochs = -1;
    run_workers(2, ws, x, yc, 2, 4);
    ck_assert_int_eq(ws[0].result, LIBNN_E_INVALID);
    ck_assert_int_eq(ws[1].result, LIBNN_E_INVALID);
    ck_assert_ptr_nonnull(strstr(ws[1].message, "epochs and batch_size"));
    for (int r = 0; r < 2; r++)
        libnn_model_free(ws[r].m);
    libnn_tensor_free(bad);
    free_blobs(&short_d);
    free_blobs(&d);
}
END_TEST

START_TEST(data_parallel_arguments)
{
    libnn_model *m = tu_binary_model(1);
    ck_assert_int_eq(libnn_model_set_data_parallel(NULL, 0, 2, sum_doubles, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_data_parallel(m, 0, 0, sum_doubles, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_data_parallel(m, 2, 2, sum_doubles, NULL), LIBNN_E_INVALID);
    ck_assert_ptr_nonnull(strstr(libnn_last_error(), "rank 2 is not a worker of 0..1"));
    ck_assert_int_eq(libnn_model_set_data_parallel(m, -1, 2, sum_doubles, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_set_data_parallel(m, 0, INT64_MAX, sum_doubles, NULL),
                     LIBNN_E_NOMEM);
    ck_assert_int_eq(libnn_model_set_data_parallel(m, 1, 2, NULL, NULL), LIBNN_E_INVALID);
    ck_assert_ptr_nonnull(strstr(libnn_last_error(), "reduce function"));
    /* One worker is plain training. */
    ck_assert_int_eq(libnn_model_set_data_parallel(m, 0, 1, NULL, NULL), LIBNN_OK);
    blobs d = make_blobs(8, 3);
    ck_assert_int_eq(libnn_model_fit(m, d.x, d.yc, 1, 4), LIBNN_OK);
    free_blobs(&d);
    libnn_model_free(m);
}
END_TEST

Suite *parallel_suite(void)
{
    Suite *s = suite_create("parallel");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hook_sees_every_gradient_in_one_buffer);
    tcase_add_test(tc, hook_writes_what_the_optimizer_applies);
    tcase_add_test(tc, hook_failure_aborts_the_step_before_any_update);
    tcase_add_test(tc, hook_is_told_when_the_step_failed);
    tcase_add_test(tc, state_buffers_are_weights_then_optimizer_slots);
    tcase_add_test(tc, two_workers_train_as_one_process_with_the_global_batch);
    tcase_add_test(tc, uneven_batches_and_idle_workers_train_as_one_process);
    tcase_add_test(tc, a_stop_on_one_worker_stops_all);
    tcase_add_test(tc, a_failing_worker_fails_all);
    tcase_add_test(tc, data_parallel_arguments);
    suite_add_tcase(s, tc);
    return s;
}
