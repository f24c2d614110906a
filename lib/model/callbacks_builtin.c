/*
 * Built-in callbacks: EarlyStopping, ReduceLROnPlateau, TerminateOnNaN and
 * CSVLogger, with Keras' semantics. Each is a libnn_callback whose user
 * pointer is a `builtin` and whose hooks are the internal, status-returning
 * ones.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/params_internal.h"
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

static bool is_builtin(const libnn_callback *cb)
{
    return cb && cb->destroy == builtin_destroy;
}

static const char *mode_name(int mode)
{
    return mode == LIBNN_MODE_AUTO ? "auto" : mode == LIBNN_MODE_MIN ? "min"
                                          : mode == LIBNN_MODE_MAX   ? "max"
                                                                      : NULL;
}

#define KIND(k) (1u << (k))

/* The options of the built-in callbacks: a row (defaults are set by the
 * constructors, as they differ per kind) and the kinds that have it. */
static const struct {
    lnn_param_def row;
    unsigned kinds;
} options[] = {
    {LNN_PARAM_FLOAT(LIBNN_CB_MIN_DELTA, "min_delta", 0, 0, DBL_MAX),
     KIND(EARLY_STOPPING) | KIND(REDUCE_LR)},
    {LNN_PARAM_INT(LIBNN_CB_PATIENCE, "patience", 0, 0, LNN_INT_NO_MAX),
     KIND(EARLY_STOPPING) | KIND(REDUCE_LR)},
    {LNN_PARAM_ENUM(LIBNN_CB_MODE, "mode", 0, 3, mode_name),
     KIND(EARLY_STOPPING) | KIND(REDUCE_LR)},
    {LNN_PARAM_BOOL(LIBNN_CB_RESTORE_BEST_WEIGHTS, "restore_best_weights", 0),
     KIND(EARLY_STOPPING)},
    {{LIBNN_CB_BASELINE, "baseline", LNN_PT_FLOAT, NAN, -DBL_MAX, DBL_MAX, false, NULL, true},
     KIND(EARLY_STOPPING)},
    {LNN_PARAM_INT(LIBNN_CB_START_FROM_EPOCH, "start_from_epoch", 0, 0, LNN_INT_NO_MAX),
     KIND(EARLY_STOPPING)},
    /* (0, 1): the smallest positive double stands for "> 0". */
    {{LIBNN_CB_FACTOR, "factor", LNN_PT_FLOAT, 0.1, DBL_TRUE_MIN, 1, true, NULL, false},
     KIND(REDUCE_LR)},
    {LNN_PARAM_INT(LIBNN_CB_COOLDOWN, "cooldown", 0, 0, LNN_INT_NO_MAX), KIND(REDUCE_LR)},
    {LNN_PARAM_FLOAT(LIBNN_CB_MIN_LR, "min_lr", 0, 0, DBL_MAX), KIND(REDUCE_LR)},
    {LNN_PARAM_BOOL(LIBNN_CB_APPEND, "append", 0), KIND(CSV_LOGGER)},
};

/* The row of `key` for the callback, or NULL with a message (also when
 * `value`, the getters' out-parameter, is NULL). */
static const lnn_param_def *find_option(const libnn_callback *cb, libnn_callback_option key,
                                        const char *who, const void *value)
{
    if (!is_builtin(cb) || !value) {
        lnn_error(LIBNN_E_INVALID, "%s: %s", who,
                  !cb                ? "callback is NULL"
                  : is_builtin(cb) ? "value is NULL"
                                     : "only built-in callbacks have options");
        return NULL;
    }
    const builtin *b = cb->user;
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (options[i].row.key == (int)key) {
            if (options[i].kinds & KIND(b->kind))
                return &options[i].row;
            lnn_error(LIBNN_E_INVALID, "%s has no option %s", kind_names[b->kind],
                      options[i].row.name);
            return NULL;
        }
    lnn_error(LIBNN_E_INVALID, "%s: unknown option key %d", kind_names[b->kind], (int)key);
    return NULL;
}

/* Where each option lives in a builtin. */
static void store_option(builtin *b, libnn_callback_option key, lnn_param_value v)
{
    switch (key) {
    case LIBNN_CB_MIN_DELTA: b->min_delta = v.f; break;
    case LIBNN_CB_PATIENCE: b->patience = v.i; break;
    case LIBNN_CB_MODE: b->mode = (int)v.i; break;
    case LIBNN_CB_RESTORE_BEST_WEIGHTS: b->restore_best_weights = v.i != 0; break;
    case LIBNN_CB_BASELINE: b->baseline = v.f; break; /* NaN: none */
    case LIBNN_CB_START_FROM_EPOCH: b->start_from_epoch = v.i; break;
    case LIBNN_CB_FACTOR: b->factor = v.f; break;
    case LIBNN_CB_COOLDOWN: b->cooldown = v.i; break;
    case LIBNN_CB_MIN_LR: b->min_lr = v.f; break;
    case LIBNN_CB_APPEND: b->append = v.i != 0; break;
    default: break; /* find_option refused keys without a row */
    }
}

static lnn_param_value load_option(const builtin *b, libnn_callback_option key)
{
    lnn_param_value v = {.i = 0};
    switch (key) {
    case LIBNN_CB_MIN_DELTA: v.f = b->min_delta; break;
    case LIBNN_CB_PATIENCE: v.i = b->patience; break;
    case LIBNN_CB_MODE: v.i = b->mode; break;
    case LIBNN_CB_RESTORE_BEST_WEIGHTS: v.i = b->restore_best_weights; break;
    case LIBNN_CB_BASELINE: v.f = b->baseline; break;
    case LIBNN_CB_START_FROM_EPOCH: v.i = b->start_from_epoch; break;
    case LIBNN_CB_FACTOR: v.f = b->factor; break;
    case LIBNN_CB_COOLDOWN: v.i = b->cooldown; break;
    case LIBNN_CB_MIN_LR: v.f = b->min_lr; break;
    case LIBNN_CB_APPEND: v.i = b->append; break;
    default: break;
    }
    return v;
}

/* Integer options take whole doubles from set_float too, as it was their
 * only setter once: exactly, inside int64_t and the bounds, or not at all. */
static libnn_status set_option(libnn_callback *cb, libnn_callback_option key, const char *who,
                               bool from_int, lnn_param_value in)
{
    if (lnn_is_model_checkpoint(cb))
        return lnn_model_checkpoint_set(cb, key, from_int, in);
    const lnn_param_def *def = find_option(cb, key, who, &in);
    if (!def)
        return LIBNN_E_INVALID;
    builtin *b = cb->user;
    lnn_param_value v;
    libnn_status st = lnn_params_from(kind_names[b->kind], def, from_int, in, true,
                                      "libnn_callback_set_int", &v);
    if (st == LIBNN_OK)
        store_option(b, key, v);
    return st;
}

libnn_status libnn_callback_set_int(libnn_callback *callback, libnn_callback_option key,
                                    int64_t value)
{
    return set_option(callback, key, "callback_set_int", true, (lnn_param_value){.i = value});
}

libnn_status libnn_callback_set_float(libnn_callback *callback, libnn_callback_option key,
                                      double value)
{
    return set_option(callback, key, "callback_set_float", false, (lnn_param_value){.f = value});
}

libnn_status libnn_callback_get_int(const libnn_callback *callback, libnn_callback_option key,
                                    int64_t *value)
{
    if (lnn_is_model_checkpoint(callback))
        return lnn_model_checkpoint_get(callback, key, value, NULL);
    const lnn_param_def *def = find_option(callback, key, "callback_get_int", value);
    if (!def)
        return LIBNN_E_INVALID;
    const builtin *b = callback->user;
    return lnn_params_to_int(kind_names[b->kind], def, load_option(b, key),
                             "libnn_callback_get_float", value);
}

libnn_status libnn_callback_get_float(const libnn_callback *callback, libnn_callback_option key,
                                      double *value)
{
    if (lnn_is_model_checkpoint(callback))
        return lnn_model_checkpoint_get(callback, key, NULL, value);
    const lnn_param_def *def = find_option(callback, key, "callback_get_float", value);
    if (!def)
        return LIBNN_E_INVALID;
    const builtin *b = callback->user;
    return lnn_params_to_double(kind_names[b->kind], def, load_option(b, key),
                                "libnn_callback_get_int", value);
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
    if (b->kind == CSV_LOGGER) {
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
        return csv_epoch(b, epoch, logs);
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

/* needs_monitor: monitor must be given (NULL means "loss" otherwise). */
static libnn_status builtin_new(enum kind kind, const char *monitor, bool needs_monitor,
                                libnn_callback **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s_new: out is NULL", kind_names[kind]);
    *out = NULL;
    if (needs_monitor && !monitor)
        return lnn_error(LIBNN_E_INVALID, "%s_new: monitor is NULL", kind_names[kind]);
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
    return builtin_new(EARLY_STOPPING, monitor, true, out);
}

libnn_status libnn_reduce_lr_on_plateau_new(const char *monitor, libnn_callback **out)
{
    return builtin_new(REDUCE_LR, monitor, true, out);
}

libnn_status libnn_terminate_on_nan_new(libnn_callback **out)
{
    return builtin_new(TERMINATE_ON_NAN, NULL, false, out);
}

libnn_status libnn_csv_logger_new(const char *path, libnn_callback **out)
{
    if (out)
        *out = NULL;
    if (!out || !path || !path[0])
        return lnn_error(LIBNN_E_INVALID, "csv_logger_new: %s",
                         out ? "path is NULL or empty" : "out is NULL");
    char *copy = lnn_strdup(path);
    if (!copy)
        return lnn_error_nomem("csv_logger_new", strlen(path) + 1);
    libnn_status st = builtin_new(CSV_LOGGER, NULL, false, out);
    if (st != LIBNN_OK) {
        lnn_free(copy);
        return st;
    }
    ((builtin *)(*out)->user)->path = copy;
    return LIBNN_OK;
}
