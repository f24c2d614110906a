/*
 * The Keras loop: train_on_batch / test_on_batch / predict_on_batch, and
 * fit / evaluate / predict over whole data sets in batches.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "model_internal.h"

static size_t samples(const libnn_tensor *t)
{
    return (size_t)t->shape[0];
}

static void reset_metrics(libnn_model *m)
{
    for (size_t i = 0; i < m->n_metrics; i++)
        lnn_metric_reset(m->metrics[i]);
}

/* "loss" and every metric into logs, with a prefix ("" or "val_"). */
static void log_results(const libnn_model *m, libnn_logs *logs, const char *prefix, double loss)
{
    char name[LNN_LOG_NAME_CAP];
    snprintf(name, sizeof name, "%sloss", prefix);
    lnn_logs_set(logs, name, loss);
    for (size_t i = 0; i < m->n_metrics; i++) {
        snprintf(name, sizeof name, "%s%s", prefix, lnn_metric_log_name(m->metrics[i]));
        lnn_logs_set(logs, name, lnn_metric_result(m->metrics[i]));
    }
}

/* Check one batch (x, y), make room for it and load it into the plan. */
static libnn_status load_one_batch(libnn_model *m, const char *who, const libnn_tensor *x,
                                   const libnn_tensor *y, size_t *n)
{
    if (!m)
        return lnn_error(LIBNN_E_INVALID, "%s: model is NULL", who);
    libnn_status st = lnn_model_check_data(m, who, x, y);
    if (st == LIBNN_OK && !y)
        st = lnn_error(LIBNN_E_INVALID, "%s: y is NULL", who);
    if (st == LIBNN_OK)
        st = lnn_model_reserve(m, samples(x));
    if (st != LIBNN_OK)
        return st;
    *n = samples(x);
    lnn_model_load_batch(m, x, y, NULL, NULL, 0, *n);
    return LIBNN_OK;
}

libnn_status libnn_model_train_on_batch(libnn_model *model, const libnn_tensor *x,
                                        const libnn_tensor *y, double *loss)
{
    size_t n;
    libnn_status st = load_one_batch(model, "train_on_batch", x, y, &n);
    return st == LIBNN_OK ? lnn_model_train_step(model, n, 0, loss, NULL, false) : st;
}

libnn_status libnn_model_test_on_batch(libnn_model *model, const libnn_tensor *x,
                                       const libnn_tensor *y, double *loss)
{
    size_t n;
    libnn_status st = load_one_batch(model, "test_on_batch", x, y, &n);
    if (st != LIBNN_OK)
        return st;
    reset_metrics(model);
    double sum;
    if ((st = lnn_model_test_step(model, n, 0, &sum)) != LIBNN_OK)
        return st;
    double value = sum / (double)n + lnn_model_regularization(model, false);
    lnn_logs_clear(&model->results);
    log_results(model, &model->results, "", value);
    if (loss)
        *loss = value;
    return LIBNN_OK;
}

/* Output tensor [n, output shape...]. */
static libnn_status new_output(const libnn_model *m, size_t n, libnn_tensor **out)
{
    const libnn_layer *last = m->layers[m->n_layers - 1];
    int64_t shape[LIBNN_MAX_RANK];
    shape[0] = (int64_t)n;
    memcpy(shape + 1, last->out_shape, last->out_ndim * sizeof *shape);
    return libnn_tensor_new(last->out_ndim + 1, shape, out);
}

libnn_status libnn_model_predict(libnn_model *model, const libnn_tensor *x, int64_t batch_size,
                                 libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "predict: out is NULL");
    *out = NULL;
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "predict: model is NULL");
    if (batch_size < 1)
        return lnn_error(LIBNN_E_INVALID, "predict: batch_size must be >= 1, got %lld",
                         (long long)batch_size);
    libnn_status st = lnn_model_check_data(model, "predict", x, NULL);
    if (st != LIBNN_OK)
        return st;
    size_t n = samples(x), bs = (size_t)batch_size < n ? (size_t)batch_size : n;
    libnn_tensor *y;
    if ((st = lnn_model_reserve(model, bs)) != LIBNN_OK || (st = new_output(model, n, &y)) != LIBNN_OK)
        return st;
    for (size_t first = 0; first < n; first += bs) {
        size_t b = n - first < bs ? n - first : bs;
        lnn_model_load_batch(model, x, NULL, NULL, NULL, first, b);
        st = lnn_model_forward(model, &model->plan, b, false, &model->rng);
        if (st != LIBNN_OK) {
            libnn_tensor_free(y);
            return st;
        }
        memcpy(y->data + first * model->out_size, model->plan.act[model->n_layers],
               b * model->out_size * sizeof(float));
    }
    *out = y;
    return LIBNN_OK;
}

libnn_status libnn_model_predict_on_batch(libnn_model *model, const libnn_tensor *x,
                                          libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "predict_on_batch: out is NULL");
    *out = NULL;
    if (!model || !x)
        return lnn_error(LIBNN_E_INVALID, "predict_on_batch: %s is NULL", model ? "x" : "model");
    return libnn_model_predict(model, x, x->ndim ? x->shape[0] : 1, out);
}

/* Loss and metrics over samples [first, first + n) of (x, y): the loss
 * summed over the samples into *sum, their count into *count. */
static libnn_status evaluate_range(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                                   const libnn_tensor *w, size_t first, size_t n, size_t bs,
                                   double *sum, double *count)
{
    reset_metrics(m);
    *sum = *count = 0;
    for (size_t at = first; at < first + n; at += bs) {
        size_t b = first + n - at < bs ? first + n - at : bs;
        lnn_model_load_batch(m, x, y, w, NULL, at, b);
        double part;
        libnn_status st = lnn_model_test_step(m, b, at, &part);
        if (st != LIBNN_OK)
            return st;
        *sum += part;
        *count += (double)b;
    }
    return LIBNN_OK;
}

/* evaluate_range over this worker's slice of the samples, summed over the
 * workers when data-parallel: *loss is the mean over all n samples plus the
 * regularisation, and the metrics hold every worker's samples. */
static libnn_status evaluate_shared(libnn_model *m, const char *who, const libnn_tensor *x,
                                    const libnn_tensor *y, size_t first, size_t n, size_t bs,
                                    double *loss)
{
    size_t my_first, my_n;
    lnn_parallel_shard(m, first, n, &my_first, &my_n);
    double sums[2];
    libnn_status st = evaluate_range(m, x, y, NULL, my_first, my_n, bs, &sums[0], &sums[1]);
    if ((st = lnn_parallel_agree(m, who, st, NULL)) != LIBNN_OK ||
        (st = lnn_parallel_sum(m, who, sums, 2)) != LIBNN_OK)
        return st;
    *loss = sums[0] / sums[1] + lnn_model_regularization(m, false);
    return LIBNN_OK;
}

libnn_status libnn_model_evaluate(libnn_model *model, const libnn_tensor *x, const libnn_tensor *y,
                                  int64_t batch_size, double *loss)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "evaluate: model is NULL");
    libnn_status st = LIBNN_OK;
    if (batch_size < 1)
        st = lnn_error(LIBNN_E_INVALID, "evaluate: batch_size must be >= 1, got %lld",
                       (long long)batch_size);
    if (st == LIBNN_OK)
        st = lnn_model_check_data(model, "evaluate", x, y);
    if (st == LIBNN_OK && !y)
        st = lnn_error(LIBNN_E_INVALID, "evaluate: y is NULL");
    size_t n = st == LIBNN_OK ? samples(x) : 0;
    size_t bs = (size_t)batch_size < n ? (size_t)batch_size : n;
    if (st == LIBNN_OK)
        st = lnn_model_reserve(model, bs);
    if (st == LIBNN_OK)
        st = lnn_parallel_reserve(model);
    /* Data-parallel workers fail together, so that none waits for another. */
    const double shape[2] = {(double)n, (double)bs};
    if ((st = lnn_parallel_same(model, "evaluate", st, shape, 2)) != LIBNN_OK)
        return st;
    double value;
    if ((st = evaluate_shared(model, "evaluate", x, y, 0, n, bs, &value)) != LIBNN_OK)
        return st;
    lnn_logs_clear(&model->results);
    log_results(model, &model->results, "", value);
    if (loss)
        *loss = value;
    return LIBNN_OK;
}

libnn_status libnn_model_set_validation_data(libnn_model *model, const libnn_tensor *x,
                                             const libnn_tensor *y)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "set_validation_data: model is NULL");
    if ((x == NULL) != (y == NULL))
        return lnn_error(LIBNN_E_INVALID, "set_validation_data: give both x and y, or neither");
    /* As the header promises, a mismatch fails here, not at the next fit
     * (which checks again: the model may be compiled anew meanwhile). */
    static const char who[] = "set_validation_data";
    libnn_status st = !x                ? LIBNN_OK
                      : model->compiled ? lnn_model_check_data(model, who, x, y)
                                        : lnn_model_check_samples(model, who, x, y);
    if (st != LIBNN_OK)
        return st;
    model->val_x = x;
    model->val_y = y;
    return LIBNN_OK;
}

libnn_status libnn_model_set_sample_weights(libnn_model *model, const libnn_tensor *w)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "set_sample_weights: model is NULL");
    if (w && w->ndim != 1)
        return lnn_error(LIBNN_E_SHAPE, "set_sample_weights: weights must be [n], got rank %zu",
                         w->ndim);
    model->sample_weights = w;
    return LIBNN_OK;
}

libnn_status libnn_model_set_class_weights(libnn_model *model, size_t n, const float *weights)
{
    if (!model || (n && !weights))
        return lnn_error(LIBNN_E_INVALID, "set_class_weights: %s is NULL",
                         model ? "weights" : "model");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(weights[i]) || weights[i] < 0)
            return lnn_error(LIBNN_E_INVALID, "set_class_weights: weight of class %zu is %g", i,
                             (double)weights[i]);
    float *copy = NULL;
    if (n) {
        copy = lnn_malloc_array(n, sizeof *copy);
        if (!copy)
            return lnn_error_nomem("set_class_weights", n * sizeof *copy);
        memcpy(copy, weights, n * sizeof *copy);
    }
    lnn_free(model->class_weights);
    model->class_weights = copy;
    model->n_class_weights = n;
    return LIBNN_OK;
}

/* Fisher-Yates over order[0..n) from the model's generator. */
static void shuffle(libnn_model *m, size_t *order, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)lnn_rng_below(&m->rng, i);
        size_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

static libnn_status check_fit_args(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                                   int64_t epochs, int64_t batch_size)
{
    libnn_status st = lnn_model_check_data(m, "fit", x, y);
    if (st != LIBNN_OK)
        return st;
    if (!y)
        return lnn_error(LIBNN_E_INVALID, "fit: y is NULL");
    if (epochs < 1 || batch_size < 1)
        return lnn_error(LIBNN_E_INVALID, "fit: epochs and batch_size must be >= 1, got %lld and %lld",
                         (long long)epochs, (long long)batch_size);
    if (m->sample_weights && (size_t)m->sample_weights->shape[0] != samples(x))
        return lnn_error(LIBNN_E_SHAPE, "fit: %zu sample weights for %zu samples",
                         (size_t)m->sample_weights->shape[0], samples(x));
    if (m->val_x && (st = lnn_model_check_data(m, "fit: validation data", m->val_x, m->val_y)) !=
                        LIBNN_OK)
        return st;
    return LIBNN_OK;
}

/* What one fit works on, fixed at its start. */
typedef struct fit_run {
    size_t n_train, bs, steps, global; /* global: samples of one step over all workers */
    const libnn_tensor *vx, *vy;
    size_t v_first, v_n;
} fit_run;

/* Check the arguments and make room for everything fit needs. */
static libnn_status fit_prepare(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                                int64_t epochs, int64_t batch_size, fit_run *r)
{
    memset(r, 0, sizeof *r);
    libnn_status st = check_fit_args(m, x, y, epochs, batch_size);
    if (st != LIBNN_OK)
        return st;
    size_t n = samples(x);
    /* validation_split takes the last samples, before any shuffling (Keras). */
    size_t n_val = m->val_x ? 0 : (size_t)floor((double)n * m->validation_split);
    r->n_train = n - n_val;
    if (r->n_train == 0)
        return lnn_error(LIBNN_E_INVALID, "fit: validation_split %g leaves no training sample",
                         m->validation_split);
    size_t workers = lnn_parallel_on(m) ? (size_t)m->parallel.size : 1;
    r->bs = (size_t)batch_size < r->n_train ? (size_t)batch_size : r->n_train;
    r->global = r->bs <= r->n_train / workers ? r->bs * workers : r->n_train;
    r->steps = (r->n_train + r->global - 1) / r->global;
    r->vx = m->val_x ? m->val_x : (n_val ? x : NULL);
    r->vy = m->val_x ? m->val_y : y;
    r->v_first = m->val_x ? 0 : r->n_train;
    r->v_n = m->val_x ? samples(m->val_x) : n_val;
    if ((st = lnn_model_reserve(m, r->bs)) != LIBNN_OK ||
        (st = lnn_parallel_reserve(m)) != LIBNN_OK ||
        (st = lnn_history_reserve(&m->history, (size_t)epochs)) != LIBNN_OK)
        return st;
    if (m->order_cap < r->n_train) {
        size_t *order = lnn_malloc_array(r->n_train, sizeof *order);
        if (!order)
            return lnn_error_nomem("fit", r->n_train * sizeof *order);
        lnn_free(m->order);
        m->order = order;
        m->order_cap = r->n_train;
    }
    return LIBNN_OK;
}

/* One epoch of training steps; *loss_sum, *reg_sum and *seen sum over this
 * worker's samples. */
static libnn_status fit_epoch(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                              const fit_run *r, int64_t epoch, lnn_progress *bar, double sums[3])
{
    libnn_logs logs;
    for (size_t s = 0; s < r->steps; s++) {
        size_t first = s * r->global;
        size_t b = r->n_train - first < r->global ? r->n_train - first : r->global, my_first, my_n;
        lnn_parallel_shard(m, first, b, &my_first, &my_n);
        double loss, reg;
        lnn_model_load_batch(m, x, y, m->sample_weights, m->order, my_first, my_n);
        libnn_status st = lnn_model_train_step(m, my_n, 0, &loss, &reg, true);
        bool stop = false;
        if (st == LIBNN_OK) {
            sums[0] += loss * (double)my_n;
            sums[1] += reg * (double)my_n;
            sums[2] += (double)my_n;
            lnn_logs_clear(&logs);
            log_results(m, &logs, "", sums[2] ? sums[0] / sums[2] : NAN);
            /* The loss includes the L1/L2 terms; Keras users also want them apart. */
            if (m->regularized)
                lnn_logs_set(&logs, "regularization_loss", sums[2] ? sums[1] / sums[2] : NAN);
            lnn_progress_update(bar, s + 1, &logs, false);
            stop = lnn_callbacks_batch(m, (int64_t)s, &logs);
        } else {
            st = lnn_error_prefix(st, "fit: epoch %lld, batch %zu", (long long)epoch + 1, s);
        }
        if ((st = lnn_parallel_agree(m, "fit", st, &stop)) != LIBNN_OK)
            return st;
        if (stop)
            m->stop_training = true;
        if (m->stop_training)
            break;
    }
    return LIBNN_OK;
}

/* The epoch's logs: training loss and metrics (summed over the workers),
 * then validation. */
static libnn_status epoch_logs(libnn_model *m, const fit_run *r, int64_t epoch, double sums[3],
                               libnn_logs *logs)
{
    libnn_status st = lnn_parallel_sum(m, "fit", sums, 3);
    if (st != LIBNN_OK)
        return st;
    lnn_logs_clear(logs);
    log_results(m, logs, "", sums[2] ? sums[0] / sums[2] : NAN);
    if (m->regularized)
        lnn_logs_set(logs, "regularization_loss", sums[2] ? sums[1] / sums[2] : NAN);
    if (r->vx && r->v_n) {
        double val_loss;
        size_t vbs = r->bs < r->v_n ? r->bs : r->v_n;
        /* Validation reuses the training buffers (capacity bs). */
        st = evaluate_shared(m, "fit: validation", r->vx, r->vy, r->v_first, r->v_n, vbs,
                             &val_loss);
        if (st != LIBNN_OK)
            return lnn_error_prefix(st, "fit: validation after epoch %lld", (long long)epoch + 1);
        log_results(m, logs, "val_", val_loss);
    }
    lnn_logs_set(logs, "lr", lnn_optimizer_current_lr(m->opt));
    return LIBNN_OK;
}

libnn_status libnn_model_fit(libnn_model *model, const libnn_tensor *x, const libnn_tensor *y,
                             int64_t epochs, int64_t batch_size)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "fit: model is NULL");
    fit_run r;
    libnn_status st = fit_prepare(model, x, y, epochs, batch_size, &r);
    /* Data-parallel workers must agree on the data and the loop, or one of
     * them would wait for the others forever. */
    const double shape[4] = {(double)r.n_train, (double)r.v_n, (double)epochs,
                             (double)model->initial_epoch};
    if ((st = lnn_parallel_same(model, "fit", st, shape, 4)) != LIBNN_OK ||
        (st = lnn_parallel_share_rng(model, "fit")) != LIBNN_OK)
        return st;
    model->history.epochs = 0;
    model->stop_training = false;
    st = lnn_callbacks_train_begin(model);
    if ((st = lnn_parallel_agree(model, "fit", st, NULL)) != LIBNN_OK)
        return st;

    int verbose = lnn_model_writes_files(model) ? model->verbose : 0;
    lnn_progress bar;
    libnn_logs logs;
    /* As Keras, with an initial epoch `epochs` is the final epoch: training
     * runs epochs initial_epoch .. epochs - 1. */
    for (int64_t epoch = model->initial_epoch; epoch < epochs && !model->stop_training; epoch++) {
        lnn_logs_clear(&logs);
        bool stop = lnn_callbacks_epoch_begin(model, epoch, &logs);
        if ((st = lnn_parallel_agree(model, "fit", LIBNN_OK, &stop)) != LIBNN_OK)
            break;
        if (stop)
            break;
        /* Each epoch's order depends only on the generator's state, so a
         * checkpoint (which saves that state) resumes the same sequence. */
        for (size_t i = 0; i < r.n_train; i++)
            model->order[i] = i;
        if (model->shuffle)
            shuffle(model, model->order, r.n_train);
        reset_metrics(model);
        lnn_progress_epoch_begin(&bar, verbose, epoch, epochs, r.steps);
        double sums[3] = {0, 0, 0};
        if ((st = fit_epoch(model, x, y, &r, epoch, &bar, sums)) != LIBNN_OK ||
            (st = epoch_logs(model, &r, epoch, sums, &logs)) != LIBNN_OK)
            break;
        lnn_progress_update(&bar, r.steps, &logs, true);
        stop = false;
        model->epoch_reached = epoch + 1; /* a checkpoint saved now resumes after it */
        st = lnn_callbacks_epoch_end(model, epoch, &logs, &stop);
        lnn_history_append(&model->history, &logs);
        model->results = logs;
        if ((st = lnn_parallel_agree(model, "fit", st, &stop)) != LIBNN_OK)
            break;
        if (stop)
            model->stop_training = true;
    }
    lnn_callbacks_train_end(model);
    return st;
}
