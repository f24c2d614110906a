/*
 * Built-in callbacks: EarlyStopping, ReduceLROnPlateau, TerminateOnNaN and
 * CSVLogger, with Keras' semantics. Each is a libnn_callback whose user
 * pointer is a `builtin` and whose hooks are the internal, status-returning
 * ones.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "model_internal.h"

enum kind { EARLY_STOPPING, REDUCE_LR, TERMINATE_ON_NAN, CSV_LOGGER };

static const char *const kind_names[] = {"early_stopping", "reduce_lr_on_plateau",
                                         "terminate_on_nan", "csv_logger"};

typedef struct builtin {
    enum kind kind;
    char monitor[LNN_LOG_NAME_CAP];
    /* options */
    double min_delta, baseline, factor, min_lr;
    int64_t patience, cooldown, start_from_epoch;
    int mode;
    bool restore_best_weights, append;
    /* state of one fit */
    bool maximise;
    double best;
    int64_t wait, cooldown_counter, stopped_epoch;
    float *best_weights;
    size_t best_floats;
    bool have_best;
    char *path;
    FILE *file;
    size_t n_keys;
    char keys[LNN_MAX_LOGS][LNN_LOG_NAME_CAP];
} builtin;

static void builtin_destroy(void *p)
{
    builtin *b = p;
    if (b->file)
        fclose(b->file);
    lnn_free(b->best_weights);
    lnn_free(b->path);
    lnn_free(b);
}

/* Options each kind accepts, checked by libnn_callback_set_float. */
static bool has_option(enum kind k, libnn_callback_option o)
{
    switch (o) {
    case LIBNN_CB_MIN_DELTA:
    case LIBNN_CB_PATIENCE:
    case LIBNN_CB_MODE:
        return k == EARLY_STOPPING || k == REDUCE_LR;
    case LIBNN_CB_RESTORE_BEST_WEIGHTS:
    case LIBNN_CB_BASELINE:
    case LIBNN_CB_START_FROM_EPOCH:
        return k == EARLY_STOPPING;
    case LIBNN_CB_FACTOR:
    case LIBNN_CB_COOLDOWN:
    case LIBNN_CB_MIN_LR:
        return k == REDUCE_LR;
    case LIBNN_CB_APPEND:
        return k == CSV_LOGGER;
    case LIBNN_CB_SAVE_BEST_ONLY:
    case LIBNN_CB_SAVE_WEIGHTS_ONLY:
    case LIBNN_CB_SAVE_FREQ:
        return false; /* ModelCheckpoint's: callback_checkpoint.c */
    }
    return false;
}

static bool is_builtin(const libnn_callback *cb)
{
    return cb && cb->destroy == builtin_destroy;
}

libnn_status libnn_callback_set_float(libnn_callback *callback, libnn_callback_option key,
                                      double v)
{
    if (lnn_is_model_checkpoint(callback))
        return lnn_model_checkpoint_set(callback, key, v);
    if (!is_builtin(callback))
        return lnn_error(LIBNN_E_INVALID,
                         "callback_set_float: only built-in callbacks have options");
    builtin *b = callback->user;
    const char *who = kind_names[b->kind];
    if (!has_option(b->kind, key))
        return lnn_error(LIBNN_E_INVALID, "%s has no option %d", who, (int)key);
    bool whole = v == floor(v);
    switch (key) {
    case LIBNN_CB_MIN_DELTA:
        if (!(v >= 0))
            return lnn_error(LIBNN_E_INVALID, "%s: min_delta must be >= 0, got %g", who, v);
        b->min_delta = v;
        break;
    case LIBNN_CB_PATIENCE:
    case LIBNN_CB_COOLDOWN:
    case LIBNN_CB_START_FROM_EPOCH:
        if (!(v >= 0) || !whole || v > 1e12)
            return lnn_error(LIBNN_E_INVALID, "%s: option %d is a whole number >= 0, got %g", who,
                             (int)key, v);
        *(key == LIBNN_CB_PATIENCE ? &b->patience
          : key == LIBNN_CB_COOLDOWN ? &b->cooldown
                                     : &b->start_from_epoch) = (int64_t)v;
        break;
    case LIBNN_CB_MODE:
        if (!(v == 0 || v == 1 || v == 2))
            return lnn_error(LIBNN_E_INVALID, "%s: mode is auto (0), min (1) or max (2), got %g",
                             who, v);
        b->mode = (int)v;
        break;
    case LIBNN_CB_RESTORE_BEST_WEIGHTS:
    case LIBNN_CB_APPEND:
        if (!(v == 0 || v == 1))
            return lnn_error(LIBNN_E_INVALID, "%s: option %d is a boolean, got %g", who, (int)key, v);
        *(key == LIBNN_CB_APPEND ? &b->append : &b->restore_best_weights) = v != 0;
        break;
    case LIBNN_CB_BASELINE:
        b->baseline = v; /* NaN: none */
        break;
    case LIBNN_CB_FACTOR:
        if (!(v > 0 && v < 1))
            return lnn_error(LIBNN_E_INVALID, "%s: factor must be in (0, 1), got %g", who, v);
        b->factor = v;
        break;
    case LIBNN_CB_MIN_LR:
        if (!(v >= 0))
            return lnn_error(LIBNN_E_INVALID, "%s: min_lr must be >= 0, got %g", who, v);
        b->min_lr = v;
        break;
    default: /* refused by has_option */
        break;
    }
    return LIBNN_OK;
}

int64_t libnn_callback_stopped_epoch(const libnn_callback *callback)
{
    if (!is_builtin(callback))
        return -1;
    const builtin *b = callback->user;
    return b->kind == EARLY_STOPPING ? b->stopped_epoch : -1;
}

/* Keras' "auto": metrics that grow when better are maximised. */
bool lnn_monitor_maximise(const char *monitor, int mode)
{
    if (mode != LIBNN_MODE_AUTO)
        return mode == LIBNN_MODE_MAX;
    static const char *const up[] = {"acc", "auc", "precision", "recall", "f1", "r2"};
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++)
        if (strstr(monitor, up[i]))
            return true;
    return false;
}

static bool maximise(const builtin *b)
{
    return lnn_monitor_maximise(b->monitor, b->mode);
}

/* value improves on reference by more than min_delta. */
static bool improves(const builtin *b, double value, double reference)
{
    return b->maximise ? value - b->min_delta > reference : value + b->min_delta < reference;
}

/* Copy every weight of the model into (to_model false) or out of the
 * snapshot. */
static void snapshot(libnn_model *m, float *buf, bool to_model)
{
    for (size_t i = 0; i < m->n_layers; i++)
        for (size_t w = 0; w < m->layers[i]->n_weights; w++) {
            lnn_weight *wt = &m->layers[i]->weights[w];
            if (to_model)
                memcpy(wt->value, buf, wt->size * sizeof(float));
            else
                memcpy(buf, wt->value, wt->size * sizeof(float));
            buf += wt->size;
        }
}

static libnn_status builtin_train_begin(libnn_model *m, void *user)
{
    builtin *b = user;
    b->maximise = maximise(b);
    b->best = b->maximise ? -INFINITY : INFINITY;
    b->wait = 0;
    b->cooldown_counter = 0;
    b->stopped_epoch = -1;
    b->have_best = false;
    if (b->kind == EARLY_STOPPING && b->restore_best_weights) {
        size_t floats = 0;
        for (size_t i = 0; i < m->n_layers; i++)
            for (size_t w = 0; w < m->layers[i]->n_weights; w++)
                floats += m->layers[i]->weights[w].size;
        if (floats > b->best_floats) {
            float *grown = lnn_realloc(b->best_weights, floats * sizeof(float));
            if (!grown)
                return lnn_error_nomem("early_stopping: best weights", floats * sizeof(float));
            b->best_weights = grown;
            b->best_floats = floats;
        }
    }
    /* Data-parallel workers other than 0 log nothing: one file, one writer. */
    if (b->kind == CSV_LOGGER && lnn_model_writes_files(m)) {
        if (b->file)
            fclose(b->file);
        b->n_keys = 0;
        /* Appending to a file that has rows keeps its header. */
        bool had_rows = false;
        if (b->append) {
            FILE *probe = fopen(b->path, "r");
            if (probe) {
                had_rows = fgetc(probe) != EOF;
                fclose(probe);
            }
        }
        b->file = fopen(b->path, b->append ? "a" : "w");
        if (!b->file)
            return lnn_error(LIBNN_E_IO, "csv_logger: cannot open %s: %s", b->path,
                             strerror(errno));
        if (had_rows)
            b->n_keys = SIZE_MAX; /* header exists: take keys from the first epoch silently */
    }
    return LIBNN_OK;
}

static libnn_status early_stopping_epoch(libnn_model *m, builtin *b, int64_t epoch,
                                         const libnn_logs *logs, bool *stop)
{
    double current;
    if (epoch < b->start_from_epoch || libnn_logs_get(logs, b->monitor, &current) != LIBNN_OK)
        return LIBNN_OK; /* Keras warns and goes on when the value is missing */
    if (b->restore_best_weights && !b->have_best) {
        snapshot(m, b->best_weights, false);
        b->have_best = true;
    }
    b->wait++;
    if (improves(b, current, b->best)) {
        b->best = current;
        if (b->restore_best_weights)
            snapshot(m, b->best_weights, false);
        if (isnan(b->baseline) || improves(b, current, b->baseline)) {
            b->wait = 0;
            return LIBNN_OK;
        }
    }
    if (b->wait >= b->patience && epoch > 0) {
        b->stopped_epoch = epoch;
        *stop = true;
        if (b->restore_best_weights && b->have_best)
            snapshot(m, b->best_weights, true);
    }
    return LIBNN_OK;
}

static libnn_status reduce_lr_epoch(libnn_model *m, builtin *b, const libnn_logs *logs)
{
    double current;
    if (libnn_logs_get(logs, b->monitor, &current) != LIBNN_OK)
        return LIBNN_OK;
    if (b->cooldown_counter > 0) {
        b->cooldown_counter--;
        b->wait = 0;
    }
    if (improves(b, current, b->best)) {
        b->best = current;
        b->wait = 0;
    } else if (b->cooldown_counter == 0 && ++b->wait >= b->patience) {
        double lr;
        libnn_status st = libnn_optimizer_get_float(m->opt, LIBNN_OPT_LEARNING_RATE, &lr);
        if (st != LIBNN_OK)
            return st;
        if (lr > (double)(float)b->min_lr) {
            double next = fmax(lr * b->factor, b->min_lr);
            if ((st = libnn_optimizer_set_float(m->opt, LIBNN_OPT_LEARNING_RATE, next)) != LIBNN_OK)
                return st;
            b->cooldown_counter = b->cooldown;
            b->wait = 0;
        }
    }
    return LIBNN_OK;
}

static libnn_status csv_epoch(builtin *b, int64_t epoch, const libnn_logs *logs)
{
    if (b->n_keys == 0 || b->n_keys == SIZE_MAX) {
        /* Columns: the first epoch's log names, sorted, as Keras. */
        bool header = b->n_keys == 0;
        b->n_keys = logs->count;
        memcpy(b->keys, logs->names, sizeof b->keys);
        for (size_t i = 1; i < b->n_keys; i++)
            for (size_t j = i; j > 0 && strcmp(b->keys[j - 1], b->keys[j]) > 0; j--) {
                char t[LNN_LOG_NAME_CAP];
                memcpy(t, b->keys[j], sizeof t);
                memcpy(b->keys[j], b->keys[j - 1], sizeof t);
                memcpy(b->keys[j - 1], t, sizeof t);
            }
        if (header) {
            fputs("epoch", b->file);
            for (size_t i = 0; i < b->n_keys; i++)
                fprintf(b->file, ",%s", b->keys[i]);
            fputc('\n', b->file);
        }
    }
    fprintf(b->file, "%lld", (long long)epoch);
    for (size_t i = 0; i < b->n_keys; i++) {
        double v;
        if (libnn_logs_get(logs, b->keys[i], &v) == LIBNN_OK)
            fprintf(b->file, ",%.9g", v);
        else
            fputs(",NA", b->file);
    }
    fputc('\n', b->file);
    if (fflush(b->file) != 0 || ferror(b->file))
        return lnn_error(LIBNN_E_IO, "csv_logger: writing %s failed: %s", b->path, strerror(errno));
    return LIBNN_OK;
}

static libnn_status builtin_epoch_done(libnn_model *m, int64_t epoch, libnn_logs *logs, void *user,
                                       bool *stop)
{
    builtin *b = user;
    switch (b->kind) {
    case EARLY_STOPPING:
        return early_stopping_epoch(m, b, epoch, logs, stop);
    case REDUCE_LR:
        return reduce_lr_epoch(m, b, logs);
    case CSV_LOGGER:
        return b->file ? csv_epoch(b, epoch, logs) : LIBNN_OK;
    case TERMINATE_ON_NAN:
        break;
    }
    return LIBNN_OK;
}

static int terminate_on_nan_batch(libnn_model *m, int64_t batch, const libnn_logs *logs, void *user)
{
    double loss;
    (void)m;
    (void)batch;
    (void)user;
    return libnn_logs_get(logs, "loss", &loss) == LIBNN_OK && !isfinite(loss);
}

static void builtin_train_end(libnn_model *m, void *user)
{
    builtin *b = user;
    (void)m;
    if (b->file) {
        fclose(b->file);
        b->file = NULL;
    }
}

static libnn_status builtin_new(enum kind kind, const char *monitor, libnn_callback **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s_new: out is NULL", kind_names[kind]);
    *out = NULL;
    if (monitor && (!monitor[0] || strlen(monitor) >= LNN_LOG_NAME_CAP))
        return lnn_error(LIBNN_E_INVALID, "%s_new: monitor must have 1 to %d characters",
                         kind_names[kind], LNN_LOG_NAME_CAP - 1);
    builtin *b = lnn_calloc(1, sizeof *b);
    if (!b)
        return lnn_error_nomem(kind_names[kind], sizeof *b);
    b->kind = kind;
    snprintf(b->monitor, sizeof b->monitor, "%s", monitor ? monitor : "loss");
    b->baseline = NAN;
    b->stopped_epoch = -1;
    if (kind == REDUCE_LR) {
        b->factor = 0.1;
        b->patience = 10;
        b->min_delta = 1e-4;
    }
    libnn_status st = lnn_callback_builtin(b, builtin_destroy, out);
    if (st != LIBNN_OK)
        return st;
    (*out)->on_train_begin = builtin_train_begin;
    (*out)->on_epoch_done = builtin_epoch_done;
    (*out)->on_train_end = builtin_train_end;
    if (kind == TERMINATE_ON_NAN)
        (*out)->on_batch_end = terminate_on_nan_batch;
    return LIBNN_OK;
}

libnn_status libnn_early_stopping_new(const char *monitor, libnn_callback **out)
{
    if (!monitor)
        return lnn_error(LIBNN_E_INVALID, "early_stopping_new: monitor is NULL");
    return builtin_new(EARLY_STOPPING, monitor, out);
}

libnn_status libnn_reduce_lr_on_plateau_new(const char *monitor, libnn_callback **out)
{
    if (!monitor)
        return lnn_error(LIBNN_E_INVALID, "reduce_lr_on_plateau_new: monitor is NULL");
    return builtin_new(REDUCE_LR, monitor, out);
}

libnn_status libnn_terminate_on_nan_new(libnn_callback **out)
{
    return builtin_new(TERMINATE_ON_NAN, NULL, out);
}

libnn_status libnn_csv_logger_new(const char *path, libnn_callback **out)
{
    if (!path || !path[0])
        return lnn_error(LIBNN_E_INVALID, "csv_logger_new: path is NULL or empty");
    char *copy = lnn_strdup(path);
    if (!copy)
        return lnn_error_nomem("csv_logger_new", strlen(path) + 1);
    libnn_status st = builtin_new(CSV_LOGGER, NULL, out);
    if (st != LIBNN_OK) {
        lnn_free(copy);
        return st;
    }
    ((builtin *)(*out)->user)->path = copy;
    return LIBNN_OK;
}
