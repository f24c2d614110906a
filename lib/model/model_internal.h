/*
 * Private: the sequential model.
 *
 * A model owns its layers, its optimizer and its callbacks. Execution
 * buffers live in an lnn_plan: the model has one for training and
 * evaluation, every inference context has its own, so that contexts on a
 * shared model touch nothing but their plan.
 */
#ifndef LIBNN_MODEL_INTERNAL_H
#define LIBNN_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/params_internal.h"
#include "core/rng_internal.h"
#include "layers/layer_internal.h"
#include "libnn/model.h"
#include "loss_internal.h"
#include "metric_internal.h"
#include "optim/optim_internal.h"

#define LNN_MAX_METRICS 16
#define LNN_LOG_NAME_CAP 32
#define LNN_MAX_LOGS (2 + 2 * LNN_MAX_METRICS + 2)

/* Buffers of one executor for batches of up to `capacity` samples. */
typedef struct lnn_plan {
    size_t capacity;
    bool training;    /* caches and gradient buffers for backward */
    float *block;     /* everything below points into it */
    float **act;      /* n_layers + 1: act[0] input, act[i + 1] output of layer i */
    float **cache;    /* n_layers */
    float *scratch;   /* shared by all layers, the largest need */
    float *grad[2];   /* ping-pong dL/d(act) */
    uint8_t **mask;   /* n_layers + 1, [capacity, steps of act[i]] */
    bool *has_mask;   /* n_layers + 1, set per pass */
    float *y_true;    /* [capacity, label width] */
    float *weights;   /* [capacity] */
} lnn_plan;

struct libnn_logs {
    size_t count;
    char names[LNN_MAX_LOGS][LNN_LOG_NAME_CAP];
    double values[LNN_MAX_LOGS];
};

struct libnn_callback {
    libnn_epoch_fn on_epoch_begin, on_epoch_end;
    libnn_batch_fn on_batch_end;
    void *user;
    /* Built-in callbacks keep their state behind `user` and free it here. */
    void (*destroy)(void *user);
    /* Built-in hooks that can fail (I/O): when fit starts, after each epoch
     * (setting *stop to end training), when fit ends. May be NULL. */
    libnn_status (*on_train_begin)(libnn_model *model, void *user);
    libnn_status (*on_epoch_done)(libnn_model *model, int64_t epoch, libnn_logs *logs, void *user,
                                  bool *stop);
    void (*on_train_end)(libnn_model *model, void *user);
    bool owned; /* added to a model */
};

typedef struct lnn_history {
    size_t epochs, capacity;
    size_t n_series;
    char names[LNN_MAX_LOGS][LNN_LOG_NAME_CAP];
    double *values; /* [capacity][LNN_MAX_LOGS] */
} lnn_history;

struct libnn_model {
    libnn_layer **layers;
    size_t n_layers, cap_layers;
    size_t in_ndim;
    int64_t in_shape[LIBNN_MAX_RANK - 1];
    bool has_input;

    bool compiled;
    libnn_optimizer *opt;
    lnn_loss_cfg loss;
    lnn_metric_state *metrics[LNN_MAX_METRICS];
    size_t n_metrics;
    lnn_param_ref *params; /* trainable weights, for the optimizer */
    char *param_names;     /* "layer/weight\0..." behind params[i].name */
    size_t n_params;
    size_t out_size;       /* values per output sample */
    size_t label_width;    /* values per label sample */
    bool regularized;      /* some layer has L1/L2: logs show regularization_loss */

    /* options */
    uint64_t seed;
    int verbose;
    bool shuffle;
    double validation_split;
    int64_t initial_epoch;
    bool check_numerics;
    int64_t epoch_reached; /* epochs completed by the last fit: a checkpoint resumes here */

    lnn_rng rng; /* shuffling and dropout, seeded at compile */
    lnn_plan plan;

    /* fit inputs, borrowed */
    const libnn_tensor *val_x, *val_y, *sample_weights;
    float *class_weights;
    size_t n_class_weights;
    size_t *order; /* shuffle order of the current fit */
    size_t order_cap;

    lnn_history history;
    libnn_logs results; /* of the last evaluate / epoch */
    libnn_callback **callbacks;
    size_t n_callbacks, cap_callbacks;
    bool stop_training;
};

/* ---- plan.c ---- */
/* Size and allocate a plan for batches of `capacity`. */
libnn_status lnn_plan_create(const libnn_model *m, size_t capacity, bool training, lnn_plan *p);
void lnn_plan_free(lnn_plan *p);
/* Make sure the model's own plan fits a batch of n (allocates only when
 * growing). */
libnn_status lnn_model_reserve(libnn_model *m, size_t n);

/* ---- step.c ---- */
/* Forward pass over act[0] (already filled) for `batch` samples. */
libnn_status lnn_model_forward(const libnn_model *m, lnn_plan *p, size_t batch, bool training,
                               lnn_rng *rng);
/* Copy rows idx[0..n) (NULL: rows first..first+n) of x into act[0] and of
 * y / weights into the plan; weights default to 1 times class weights. */
libnn_status lnn_model_load_batch(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                                  const libnn_tensor *w, const size_t *idx, size_t first, size_t n);
/* One training step on the loaded batch; *loss receives the batch loss
 * (with regularisation), *reg (may be NULL) the regularisation part alone.
 * Updates the metrics when update_metrics. */
libnn_status lnn_model_train_step(libnn_model *m, size_t n, size_t base, double *loss,
                                  double *reg, bool update_metrics);
/* Loss (without regularisation) and metrics of the loaded batch, inference mode. */
libnn_status lnn_model_test_step(libnn_model *m, size_t n, size_t base, double *loss_sum);
/* What can be checked without compiling: x against the input shape (when
 * set) and with samples, y (when not NULL) with as many samples. */
libnn_status lnn_model_check_samples(const libnn_model *m, const char *who,
                                     const libnn_tensor *x, const libnn_tensor *y);
/* Check x (and y when not NULL) against the model's shapes. */
libnn_status lnn_model_check_data(const libnn_model *m, const char *who, const libnn_tensor *x,
                                  const libnn_tensor *y);
/* The regularisation loss of all layers (adding its gradient when add_grad). */
double lnn_model_regularization(libnn_model *m, bool add_grad);

/* ---- history.c ---- */
void lnn_logs_clear(libnn_logs *logs);
void lnn_logs_set(libnn_logs *logs, const char *name, double value);
libnn_status lnn_history_reserve(lnn_history *h, size_t epochs);
void lnn_history_append(lnn_history *h, const libnn_logs *logs);
void lnn_history_free(lnn_history *h);

/* ---- progress.c ---- */
typedef struct lnn_progress {
    int verbose;
    bool tty;
    int64_t epoch, epochs;
    size_t steps, step;
    double start, last_draw;
} lnn_progress;
void lnn_progress_epoch_begin(lnn_progress *p, int verbose, int64_t epoch, int64_t epochs,
                              size_t steps);
void lnn_progress_update(lnn_progress *p, size_t step, const libnn_logs *logs, bool final);

/* ---- callbacks ---- */
/* Run the callbacks' hooks in the order added; *stop is set when one asks
 * to stop. Epoch-end hooks may add to logs (ReduceLROnPlateau's "lr"). */
bool lnn_callbacks_epoch_begin(libnn_model *m, int64_t epoch, const libnn_logs *logs);
libnn_status lnn_callbacks_epoch_end(libnn_model *m, int64_t epoch, libnn_logs *logs, bool *stop);
bool lnn_callbacks_batch(libnn_model *m, int64_t batch, const libnn_logs *logs);
libnn_status lnn_callbacks_train_begin(libnn_model *m);
void lnn_callbacks_train_end(libnn_model *m);
/* The built-in callback object with hooks; *out owns `state`, freed by destroy. */
libnn_status lnn_callback_builtin(void *state, void (*destroy)(void *), libnn_callback **out);

/* Whether a monitored log value is better when larger, by mode
 * (libnn_monitor_mode) and, for auto, by its name as Keras decides. */
bool lnn_monitor_maximise(const char *monitor, int mode);

/* ---- callback_checkpoint.c ---- */
/* Whether cb is a ModelCheckpoint, and setting one of its options (the
 * shared monitor options and LIBNN_CB_SAVE_*). */
bool lnn_is_model_checkpoint(const libnn_callback *cb);
libnn_status lnn_model_checkpoint_set(libnn_callback *cb, libnn_callback_option key, bool from_int,
                                      lnn_param_value in);
/* Getting one into *as_int or else *as_double (the other NULL). */
libnn_status lnn_model_checkpoint_get(const libnn_callback *cb, libnn_callback_option key,
                                      int64_t *as_int, double *as_double);

#endif
