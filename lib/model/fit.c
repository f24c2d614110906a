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

/* Loss and metrics over samples [first, first + n) of (x, y). */
static libnn_status evaluate_range(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                                   const libnn_tensor *w, size_t first, size_t n, size_t bs,
                                   double *loss)
{
    reset_metrics(m);
    double sum = 0, weight = 0;
    for (size_t at = first; at < first + n; at += bs) {
        size_t b = first + n - at < bs ? first + n - at : bs;
        lnn_model_load_batch(m, x, y, w, NULL, at, b);
        double part;
        libnn_status st = lnn_model_test_step(m, b, at, &part);
        if (st != LIBNN_OK)
            return st;
        sum += part;
        weight += (double)b;
    }
    *loss = sum / weight + lnn_model_regularization(m, false);
    return LIBNN_OK;
}

libnn_status libnn_model_evaluate(libnn_model *model, const libnn_tensor *x, const libnn_tensor *y,
                                  int64_t batch_size, double *loss)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "evaluate: model is NULL");
    if (batch_size < 1)
        return lnn_error(LIBNN_E_INVALID, "evaluate: batch_size must be >= 1, got %lld",
                         (long long)batch_size);
    libnn_status st = lnn_model_check_data(model, "evaluate", x, y);
    if (st == LIBNN_OK && !y)
        st = lnn_error(LIBNN_E_INVALID, "evaluate: y is NULL");
    if (st != LIBNN_OK)
        return st;
    size_t n = samples(x), bs = (size_t)batch_size < n ? (size_t)batch_size : n;
    if ((st = lnn_model_reserve(model, bs)) != LIBNN_OK)
        return st;
    double value;
    if ((st = evaluate_range(model, x, y, NULL, 0, n, bs, &value)) != LIBNN_OK)
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

libnn_status libnn_model_fit(libnn_model *model, const libnn_tensor *x, const libnn_tensor *y,
                             int64_t epochs, int64_t batch_size)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "fit: model is NULL");
    libnn_status st = check_fit_args(model, x, y, epochs, batch_size);
    if (st != LIBNN_OK)
        return st;
    size_t n = samples(x);
    /* validation_split takes the last samples, before any shuffling (Keras). */
    size_t n_val = model->val_x ? 0 : (size_t)floor((double)n * model->validation_split);
    size_t n_train = n - n_val;
    if (n_train == 0)
        return lnn_error(LIBNN_E_INVALID, "fit: validation_split %g leaves no training sample",
                         model->validation_split);
    size_t bs = (size_t)batch_size < n_train ? (size_t)batch_size : n_train;
    size_t steps = (n_train + bs - 1) / bs;
    if ((st = lnn_model_reserve(model, bs)) != LIBNN_OK ||
        (st = lnn_history_reserve(&model->history, (size_t)epochs)) != LIBNN_OK)
        return st;
    if (model->order_cap < n_train) {
        size_t *order = lnn_malloc_array(n_train, sizeof *order);
        if (!order)
            return lnn_error_nomem("fit", n_train * sizeof *order);
        lnn_free(model->order);
        model->order = order;
        model->order_cap = n_train;
    }
    model->history.epochs = 0;
    model->stop_training = false;
    if ((st = lnn_callbacks_train_begin(model)) != LIBNN_OK)
        return st;

    const libnn_tensor *vx = model->val_x ? model->val_x : (n_val ? x : NULL);
    const libnn_tensor *vy = model->val_x ? model->val_y : y;
    size_t v_first = model->val_x ? 0 : n_train;
    size_t v_n = model->val_x ? samples(model->val_x) : n_val;
    lnn_progress bar;
    libnn_logs logs;

    /* As Keras, with an initial epoch `epochs` is the final epoch: training
     * runs epochs initial_epoch .. epochs - 1. */
    for (int64_t epoch = model->initial_epoch; epoch < epochs && !model->stop_training; epoch++) {
        lnn_logs_clear(&logs);
        if (lnn_callbacks_epoch_begin(model, epoch, &logs))
            break;
        /* Each epoch's order depends only on the generator's state, so a
         * checkpoint (which saves that state) resumes the same sequence. */
        for (size_t i = 0; i < n_train; i++)
            model->order[i] = i;
        if (model->shuffle)
            shuffle(model, model->order, n_train);
        reset_metrics(model);
        lnn_progress_epoch_begin(&bar, model->verbose, epoch, epochs, steps);
        double loss_sum = 0, reg_sum = 0;
        size_t seen = 0;
        for (size_t s = 0; s < steps; s++) {
            size_t first = s * bs, b = n_train - first < bs ? n_train - first : bs;
            double loss, reg;
            lnn_model_load_batch(model, x, y, model->sample_weights, model->order, first, b);
            st = lnn_model_train_step(model, b, 0, &loss, &reg, true);
            if (st != LIBNN_OK) {
                lnn_callbacks_train_end(model);
                return lnn_error_prefix(st, "fit: epoch %lld, batch %zu", (long long)epoch + 1, s);
            }
            loss_sum += loss * (double)b;
            reg_sum += reg * (double)b;
            seen += b;
            lnn_logs_clear(&logs);
            log_results(model, &logs, "", loss_sum / (double)seen);
            /* The loss includes the L1/L2 terms; Keras users also want them apart. */
            if (model->regularized)
                lnn_logs_set(&logs, "regularization_loss", reg_sum / (double)seen);
            lnn_progress_update(&bar, s + 1, &logs, false);
            if (lnn_callbacks_batch(model, (int64_t)s, &logs))
                model->stop_training = true;
            if (model->stop_training)
                break;
        }
        if (vx && v_n) {
            double val_loss;
            size_t vbs = bs < v_n ? bs : v_n;
            /* Validation reuses the training buffers (capacity bs). */
            st = evaluate_range(model, vx, vy, NULL, v_first, v_n, vbs, &val_loss);
            if (st != LIBNN_OK) {
                lnn_callbacks_train_end(model);
                return lnn_error_prefix(st, "fit: validation after epoch %lld",
                                        (long long)epoch + 1);
            }
            log_results(model, &logs, "val_", val_loss);
        }
        lnn_logs_set(&logs, "lr", lnn_optimizer_current_lr(model->opt));
        lnn_progress_update(&bar, steps, &logs, true);
        bool stop = false;
        model->epoch_reached = epoch + 1; /* a checkpoint saved now resumes after it */
        st = lnn_callbacks_epoch_end(model, epoch, &logs, &stop);
        lnn_history_append(&model->history, &logs);
        model->results = logs;
        if (st != LIBNN_OK) {
            lnn_callbacks_train_end(model);
            return st;
        }
        if (stop)
            model->stop_training = true;
    }
    lnn_callbacks_train_end(model);
    return LIBNN_OK;
}
