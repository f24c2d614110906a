/*
 * libnn: the sequential model — build, compile, train, evaluate, predict.
 *
 *   libnn_model_new(&m);
 *   libnn_model_set_input_shape(m, 3, (const int64_t[]){28, 28, 1});
 *   libnn_conv2d_new(32, 3, 3, &l); libnn_model_add(m, l); ...
 *   libnn_adam_new(1e-3f, &opt);
 *   libnn_model_compile(m, opt, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
 *   libnn_model_add_metric(m, LIBNN_METRIC_ACCURACY);
 *   libnn_model_fit(m, x, y, 5, 64);
 *
 * Shapes exclude the batch axis where they describe one sample (input
 * shape, layer outputs) and include it on data tensors ([n, ...]).
 * Class labels for sparse categorical cross-entropy are [n] (or [n, 1])
 * whole numbers in a float tensor.
 *
 * Threading: one thread at a time per model. A compiled model may be shared
 * read-only by any number of inference contexts (libnn_infer_*), one per
 * thread, as long as nobody trains or changes it meanwhile.
 */
#ifndef LIBNN_MODEL_H
#define LIBNN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/layer.h"
#include "libnn/loss.h"
#include "libnn/optim.h"
#include "libnn/status.h"
#include "libnn/tensor.h"

LIBNN_BEGIN_DECLS

typedef struct libnn_model libnn_model;
typedef struct libnn_logs libnn_logs;
typedef struct libnn_callback libnn_callback;
typedef struct libnn_infer libnn_infer;

/* Model options; values pinned. */
typedef enum libnn_model_option {
    LIBNN_MODEL_SEED = 1,             /* int >= 0: weights, shuffling, dropout (default 0) */
    LIBNN_MODEL_VERBOSE = 2,          /* 0 silent (default), 1 progress bar, 2 one line per epoch */
    LIBNN_MODEL_SHUFFLE = 3,          /* bool, default 1: shuffle the training samples every epoch */
    LIBNN_MODEL_VALIDATION_SPLIT = 4, /* float in [0, 1): the last fraction of x/y validates */
    LIBNN_MODEL_INITIAL_EPOCH = 5,    /* int >= 0: the epoch fit starts at (Keras' initial_epoch) */
    LIBNN_MODEL_CHECK_NUMERICS = 6    /* bool: stop a step at the first NaN/Inf a layer makes */
} libnn_model_option;

/* New empty model, owned by the caller (libnn_model_free).
 * Errors: LIBNN_E_INVALID, LIBNN_E_NOMEM. */
LIBNN_API libnn_status libnn_model_new(libnn_model **out);

/* Free the model, its layers, its optimizer and callbacks. NULL is ignored. */
LIBNN_API void libnn_model_free(libnn_model *model);

/* The shape of one input sample (no batch axis), required before compile.
 * Errors: LIBNN_E_INVALID (rank outside 1..7, a dimension < 1),
 * LIBNN_E_STATE (compiled). */
LIBNN_API libnn_status libnn_model_set_input_shape(libnn_model *model, size_t ndim,
                                                   const int64_t *shape);

/*
 * Append a layer. On success the model owns it (do not free it); on failure
 * the caller keeps it. A layer keeping its default name gets a unique one
 * as Keras does ("dense", then "dense_1", ...); a name set by the caller
 * must be unique. Errors: LIBNN_E_STATE (the model is compiled, or the
 * layer is built or belongs to a model), LIBNN_E_INVALID (duplicate name),
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_add(libnn_model *model, libnn_layer *layer);

/* Number of layers, and the layer at `index` or named `name` (borrowed,
 * owned by the model; NULL when there is none). */
LIBNN_API size_t libnn_model_layer_count(const libnn_model *model);
LIBNN_API libnn_layer *libnn_model_layer(libnn_model *model, size_t index);
LIBNN_API libnn_layer *libnn_model_find_layer(libnn_model *model, const char *name);

/*
 * Options (libnn_model_option). Integer and boolean options are kept as
 * int64_t and checked as integers (a seed above 2^53 keeps every bit):
 * set them with set_int. set_float takes VALIDATION_SPLIT, and for the
 * integer options only a whole number inside their bounds (NaN, infinities
 * and fractions are refused). On error the model is unchanged.
 * Errors: LIBNN_E_INVALID (NULL model, unknown key, wrong type, out of
 * bounds: the message says which).
 */
LIBNN_API libnn_status libnn_model_set_int(libnn_model *model, libnn_model_option key, int64_t value);
LIBNN_API libnn_status libnn_model_set_float(libnn_model *model, libnn_model_option key, double value);
/*
 * Read an option into *value. get_int refuses VALIDATION_SPLIT; get_float
 * reads every option, an integer one only when a double holds it exactly.
 * Errors: LIBNN_E_INVALID (NULL, unknown key, get_int of a float option),
 * LIBNN_E_RANGE (get_float of an integer beyond 2^53 that a double cannot
 * hold: use get_int).
 */
LIBNN_API libnn_status libnn_model_get_int(const libnn_model *model, libnn_model_option key,
                                           int64_t *value);
LIBNN_API libnn_status libnn_model_get_float(const libnn_model *model, libnn_model_option key,
                                             double *value);

/*
 * Build every layer for the shapes that flow through the model (weights
 * initialised from LIBNN_MODEL_SEED), bind the optimizer and fix the loss.
 * Takes ownership of `optimizer` on success (it is freed with the model).
 * A compiled model can be compiled again (another optimizer or loss): the
 * weights are kept.
 * Errors: LIBNN_E_STATE (no input shape, no layers), LIBNN_E_SHAPE (the
 * first layer whose input does not fit, e.g. "layer 5 (dense_1): ..."),
 * LIBNN_E_INVALID (unknown loss, or a loss that does not fit the output,
 * an incomplete learning-rate schedule), LIBNN_E_RANGE and
 * LIBNN_E_UNSUPPORTED (from building a layer, as libnn_layer_build; also a
 * categorical loss on an output of rank > 1 per sample), LIBNN_E_NOMEM.
 * On failure the model is as before.
 */
LIBNN_API libnn_status libnn_model_compile(libnn_model *model, libnn_optimizer *optimizer,
                                           libnn_loss loss);

/* Loss options (from_logits, label smoothing, huber delta); any time.
 * Errors: LIBNN_E_STATE (not compiled), LIBNN_E_INVALID. */
LIBNN_API libnn_status libnn_model_set_loss_option(libnn_model *model, libnn_loss_option option,
                                                   double value);

/* Track a metric during fit and evaluate (after compile). Errors:
 * LIBNN_E_STATE (not compiled), LIBNN_E_INVALID (unknown or unfit metric,
 * already tracked), LIBNN_E_NOMEM. */
LIBNN_API libnn_status libnn_model_add_metric(libnn_model *model, libnn_metric metric);

/* The optimizer the model owns (borrowed), to change options during
 * training; NULL before compile. */
LIBNN_API libnn_optimizer *libnn_model_optimizer(libnn_model *model);

/*
 * One gradient step on the batch (x, y); *loss (may be NULL) receives the
 * batch loss including regularisation. The first call for a batch size
 * larger than any before allocates the model's buffers; later calls
 * allocate nothing.
 * Errors: LIBNN_E_STATE (not compiled), LIBNN_E_SHAPE (x or y does not fit),
 * LIBNN_E_RANGE (a label out of range: the message names the sample),
 * LIBNN_E_NONFINITE (check-numerics, or a NaN gradient), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_train_on_batch(libnn_model *model, const libnn_tensor *x,
                                                  const libnn_tensor *y, double *loss);

/* The batch loss in inference mode, no update. Errors as train_on_batch. */
LIBNN_API libnn_status libnn_model_test_on_batch(libnn_model *model, const libnn_tensor *x,
                                                 const libnn_tensor *y, double *loss);

/* Predictions for one batch as a new tensor [n, output...] owned by the
 * caller. Errors: LIBNN_E_INVALID (a NULL argument, x without samples),
 * LIBNN_E_STATE, LIBNN_E_SHAPE, LIBNN_E_NOMEM. */
LIBNN_API libnn_status libnn_model_predict_on_batch(libnn_model *model, const libnn_tensor *x,
                                                    libnn_tensor **out);

/*
 * Validation data for the next fit calls (instead of VALIDATION_SPLIT).
 * The tensors are borrowed: keep them alive and unchanged until cleared
 * (NULL, NULL) or the model is freed. They are checked here as far as the
 * model allows (x against the input shape once set; on a compiled model y
 * against the output and the loss, as fit does) and again by fit. On error
 * the previous validation data stays.
 * Errors: LIBNN_E_INVALID (NULL model, only one of x and y, x without
 * samples), LIBNN_E_SHAPE (x does not fit the input shape, y has another
 * number of samples or does not fit the output), LIBNN_E_RANGE (a sparse
 * label outside the classes).
 */
LIBNN_API libnn_status libnn_model_set_validation_data(libnn_model *model, const libnn_tensor *x,
                                                       const libnn_tensor *y);

/* Per-sample weights [n] for the next fit calls (borrowed as above; NULL
 * clears). Errors: LIBNN_E_INVALID (NULL model), LIBNN_E_SHAPE (w is not
 * of rank 1; from fit when n differs from x's). */
LIBNN_API libnn_status libnn_model_set_sample_weights(libnn_model *model, const libnn_tensor *w);

/* Class weights: the weight of class c is weights[c] (copied; n = 0 clears).
 * Multiplies the sample weights. Errors: LIBNN_E_INVALID (negative or
 * non-finite), LIBNN_E_NOMEM. */
LIBNN_API libnn_status libnn_model_set_class_weights(libnn_model *model, size_t n,
                                                     const float *weights);

/*
 * Train epochs LIBNN_MODEL_INITIAL_EPOCH .. epochs - 1 (as Keras: with an
 * initial epoch, `epochs` is the final epoch; nothing to train when the
 * initial epoch is not below it) in batches of `batch_size` (the last batch may
 * be smaller), shuffling with the model's seed, validating at the end of
 * each epoch when there is validation data, and recording the history.
 * Callbacks run as added. Returns LIBNN_OK also when a callback stopped the
 * training early. Errors: LIBNN_E_STATE (not compiled), LIBNN_E_INVALID
 * (epochs or batch_size < 1, empty data), LIBNN_E_SHAPE, LIBNN_E_RANGE,
 * LIBNN_E_NONFINITE, LIBNN_E_NOMEM, LIBNN_E_IO (CSV logger).
 */
LIBNN_API libnn_status libnn_model_fit(libnn_model *model, const libnn_tensor *x,
                                       const libnn_tensor *y, int64_t epochs, int64_t batch_size);

/* Loss and metrics over (x, y) in inference mode; *loss may be NULL and the
 * metrics are read with libnn_model_result(). Errors as fit. */
LIBNN_API libnn_status libnn_model_evaluate(libnn_model *model, const libnn_tensor *x,
                                            const libnn_tensor *y, int64_t batch_size,
                                            double *loss);

/* Predictions for all of x as a new tensor [n, output...] owned by the
 * caller. Errors: LIBNN_E_STATE, LIBNN_E_SHAPE, LIBNN_E_INVALID, LIBNN_E_NOMEM. */
LIBNN_API libnn_status libnn_model_predict(libnn_model *model, const libnn_tensor *x,
                                           int64_t batch_size, libnn_tensor **out);

/* A value of the last evaluate() (or of the last epoch of fit) by its log
 * name: "loss", "accuracy", "val_loss", ... Errors: LIBNN_E_INVALID (a NULL
 * argument), LIBNN_E_NOTFOUND. */
LIBNN_API libnn_status libnn_model_result(const libnn_model *model, const char *name, double *value);

/*
 * Training history of the last fit: epochs recorded, series names ("loss",
 * "accuracy", "val_loss", "val_accuracy", "lr", ...; borrowed, NULL when out
 * of range) and values. Errors: LIBNN_E_INVALID (a NULL argument),
 * LIBNN_E_NOTFOUND (no such series), LIBNN_E_RANGE (epoch index).
 */
LIBNN_API size_t libnn_model_history_length(const libnn_model *model);
LIBNN_API size_t libnn_model_history_series_count(const libnn_model *model);
LIBNN_API const char *libnn_model_history_series_name(const libnn_model *model, size_t index);
LIBNN_API libnn_status libnn_model_history_get(const libnn_model *model, const char *name,
                                               size_t epoch, double *value);

/*
 * Keras-style summary into buf (capacity bytes, always NUL-terminated when
 * capacity > 0): layer (name and kind), output shape, parameters, and the
 * totals. *needed (may be NULL) receives the length without the NUL, as
 * snprintf; a short buffer is not an error. Errors: LIBNN_E_STATE (not
 * compiled), LIBNN_E_INVALID.
 */
LIBNN_API libnn_status libnn_model_summary(const libnn_model *model, char *buf, size_t capacity,
                                           size_t *needed);

/* Weight scalars of the model: all, and the trainable ones. 0 before compile. */
LIBNN_API size_t libnn_model_param_count(const libnn_model *model);
LIBNN_API size_t libnn_model_trainable_param_count(const libnn_model *model);

/* ---- logs and callbacks ---- */

/* The named values a callback sees ("loss", "accuracy", "val_loss", ...):
 * count, name of the ith (borrowed), value by name (LIBNN_E_NOTFOUND;
 * LIBNN_E_INVALID for a NULL argument). */
LIBNN_API size_t libnn_logs_count(const libnn_logs *logs);
LIBNN_API const char *libnn_logs_name(const libnn_logs *logs, size_t index);
LIBNN_API libnn_status libnn_logs_get(const libnn_logs *logs, const char *name, double *value);

/* A callback returns 0 to go on, anything else to stop training after the
 * current batch. `epoch` and `batch` count from 0. */
typedef int (*libnn_epoch_fn)(libnn_model *model, int64_t epoch, const libnn_logs *logs, void *user);
typedef int (*libnn_batch_fn)(libnn_model *model, int64_t batch, const libnn_logs *logs, void *user);

/* A callback of the caller's own; any of the functions may be NULL. The
 * model owns it once added. Errors: LIBNN_E_INVALID, LIBNN_E_NOMEM. */
LIBNN_API libnn_status libnn_callback_new(libnn_epoch_fn on_epoch_begin, libnn_epoch_fn on_epoch_end,
                                          libnn_batch_fn on_batch_end, void *user,
                                          libnn_callback **out);

/* Free a callback that was not added to a model. NULL is ignored. */
LIBNN_API void libnn_callback_free(libnn_callback *callback);

/* Add a callback; the model owns it on success. Errors: LIBNN_E_INVALID,
 * LIBNN_E_STATE (it belongs to a model already), LIBNN_E_NOMEM. */
LIBNN_API libnn_status libnn_model_add_callback(libnn_model *model, libnn_callback *callback);

/* Options of the built-in callbacks; values pinned. */
typedef enum libnn_callback_option {
    LIBNN_CB_MIN_DELTA = 1,            /* float >= 0: smallest change that counts as improvement */
    LIBNN_CB_PATIENCE = 2,             /* int >= 0: epochs without improvement before acting */
    LIBNN_CB_MODE = 3,                 /* libnn_monitor_mode */
    LIBNN_CB_RESTORE_BEST_WEIGHTS = 4, /* bool: EarlyStopping puts the best epoch's weights back */
    LIBNN_CB_BASELINE = 5,             /* float: EarlyStopping stops unless it beats this (NaN: none) */
    LIBNN_CB_START_FROM_EPOCH = 6,     /* int >= 0: EarlyStopping ignores earlier epochs */
    LIBNN_CB_FACTOR = 7,               /* float in (0, 1): ReduceLROnPlateau's lr multiplier */
    LIBNN_CB_COOLDOWN = 8,             /* int >= 0: epochs to wait after a reduction */
    LIBNN_CB_MIN_LR = 9,               /* float >= 0: lower bound of the learning rate */
    LIBNN_CB_APPEND = 10,              /* bool: CSVLogger appends to an existing file */
    LIBNN_CB_SAVE_BEST_ONLY = 11,      /* bool: ModelCheckpoint saves only when the monitor improves */
    LIBNN_CB_SAVE_WEIGHTS_ONLY = 12,   /* bool: ModelCheckpoint writes weights-only files */
    LIBNN_CB_SAVE_FREQ = 13            /* int >= 0: ModelCheckpoint saves every N batches (0: per epoch) */
} libnn_callback_option;

typedef enum libnn_monitor_mode {
    LIBNN_MODE_AUTO = 0, /* max for accuracy/auc/precision/recall/f1/r2 names, else min */
    LIBNN_MODE_MIN = 1,
    LIBNN_MODE_MAX = 2
} libnn_monitor_mode;

/*
 * Built-in callbacks, owned by the caller until added to a model. `monitor`
 * names a log value ("val_loss", "accuracy", ...) and is copied.
 * EarlyStopping: Keras' semantics (min_delta 0, patience 0, mode auto,
 * baseline none, restore_best_weights 0, start_from_epoch 0); stops fit when
 * the monitored value has not improved for `patience` epochs.
 * ReduceLROnPlateau: factor 0.1, patience 10, min_delta 1e-4, cooldown 0,
 * min_lr 0; multiplies the optimizer's learning rate by factor on a plateau.
 * TerminateOnNaN: stops at the first batch whose loss is NaN or infinite.
 * CSVLogger: writes "epoch,<log names...>" and one row per epoch to `path`
 * (LIBNN_E_IO from fit when the file cannot be written).
 * Errors: LIBNN_E_INVALID (NULL or empty monitor/path), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_early_stopping_new(const char *monitor, libnn_callback **out);
LIBNN_API libnn_status libnn_reduce_lr_on_plateau_new(const char *monitor, libnn_callback **out);
LIBNN_API libnn_status libnn_terminate_on_nan_new(libnn_callback **out);
LIBNN_API libnn_status libnn_csv_logger_new(const char *path, libnn_callback **out);

/*
 * Options of a built-in callback, typed as the enum says: integer, boolean
 * and mode options through set_int (kept as int64_t), float options through
 * set_float. set_float also takes an integer option's value when it is a
 * whole number inside the bounds (NaN, infinities and fractions are
 * refused). BASELINE takes NaN (none). On error the callback is unchanged.
 * Errors: LIBNN_E_INVALID (NULL or user-made callback, the callback has no
 * such option, wrong type, out of bounds: the message names the option).
 */
LIBNN_API libnn_status libnn_callback_set_int(libnn_callback *callback, libnn_callback_option key,
                                              int64_t value);
LIBNN_API libnn_status libnn_callback_set_float(libnn_callback *callback, libnn_callback_option key,
                                                double value);
/*
 * Read an option of a built-in callback into *value. get_int refuses float
 * options; get_float reads every option (an integer one only when a double
 * holds it exactly). Errors: LIBNN_E_INVALID (as the setters, NULL value),
 * LIBNN_E_RANGE (an integer a double cannot hold: use get_int).
 */
LIBNN_API libnn_status libnn_callback_get_int(const libnn_callback *callback,
                                              libnn_callback_option key, int64_t *value);
LIBNN_API libnn_status libnn_callback_get_float(const libnn_callback *callback,
                                                libnn_callback_option key, double *value);

/* The epoch (from 0) at which an EarlyStopping callback stopped training,
 * or -1 when it did not. */
LIBNN_API int64_t libnn_callback_stopped_epoch(const libnn_callback *callback);

/* ---- inference contexts ---- */

/*
 * An inference context on a compiled model: its own buffers for batches of
 * up to max_batch samples, so any number of contexts can run on one model
 * from different threads at once (one thread per context), allocation-free.
 * The model must stay compiled and unchanged while contexts exist.
 * Errors: LIBNN_E_STATE (not compiled), LIBNN_E_INVALID, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_infer_new(libnn_model *model, int64_t max_batch, libnn_infer **out);

/* Predict x [n <= max_batch, input...] into y [n, output...] (the caller's
 * tensor). Allocates nothing. Errors: LIBNN_E_SHAPE, LIBNN_E_INVALID. */
LIBNN_API libnn_status libnn_infer_run(libnn_infer *ctx, const libnn_tensor *x, libnn_tensor *y);

/* Free a context. NULL is ignored. */
LIBNN_API void libnn_infer_free(libnn_infer *ctx);

LIBNN_END_DECLS

#endif /* LIBNN_MODEL_H */
