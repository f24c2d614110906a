/*
 * ModelCheckpoint, as Keras': save the model (a checkpoint, or weights
 * only) after every epoch or every N batches to a path made from a template
 * ("ckpt-{epoch:03d}-{val_loss:.4f}.safetensors"), optionally only when the
 * monitored value improves. The template is checked when the callback is
 * made, so fit fails only for what cannot be known before: a log value the
 * template names that fit does not produce, or a save the system refuses.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/log_internal.h"
#include "core/params_internal.h"
#include "libnn/model_file.h"
#include "model_internal.h"

#define WHO "model_checkpoint"
#define PATH_CAP 4096

typedef struct checkpoint {
    char *filepath;
    char monitor[LNN_LOG_NAME_CAP];
    int mode;
    bool save_best_only, weights_only;
    int64_t save_freq; /* 0: every epoch */
    double min_delta;
    /* state of one fit */
    bool maximise;
    double best;
    int64_t batches, epoch;
    libnn_status failed; /* a batch-time save's error, returned at epoch end */
    char message[512];
} checkpoint;

static void checkpoint_destroy(void *p)
{
    checkpoint *c = p;
    lnn_free(c->filepath);
    lnn_free(c);
}

bool lnn_is_model_checkpoint(const libnn_callback *cb)
{
    return cb && cb->destroy == checkpoint_destroy;
}

/* A field's format: Python's spec for numbers as far as Keras' templates
 * use it: an optional 0 flag, a width, a precision, one conversion. */
typedef struct spec {
    bool zero;
    int width, precision; /* -1: none */
    char conv;            /* d, f, e or g */
} spec;

static bool parse_spec(const char *text, size_t n, bool epoch, spec *out)
{
    *out = (spec){false, 0, -1, epoch ? 'd' : 'g'};
    if (n == 0)
        return true;
    size_t i = 0;
    if (text[i] == '0')
        out->zero = true, i++;
    for (; i < n && text[i] >= '0' && text[i] <= '9' && out->width < 1000; i++)
        out->width = out->width * 10 + (text[i] - '0');
    if (i < n && text[i] == '.') {
        out->precision = 0;
        for (i++; i < n && text[i] >= '0' && text[i] <= '9' && out->precision < 100; i++)
            out->precision = out->precision * 10 + (text[i] - '0');
    }
    if (i + 1 != n)
        return false;
    out->conv = text[i];
    return epoch ? out->conv == 'd' && out->precision < 0
                 : out->conv == 'f' || out->conv == 'e' || out->conv == 'g';
}

/* The next {field} of the template at *s: its name and format. 0: none
 * left; -1: malformed. *start points at its '{'. */
static int next_field(const char **s, char *name, size_t name_cap, spec *fmt, const char **start)
{
    const char *open = strchr(*s, '{');
    if (!open)
        return 0;
    const char *close = strchr(open, '}');
    if (!close)
        return -1;
    const char *colon = memchr(open, ':', (size_t)(close - open));
    const char *name_end = colon ? colon : close;
    size_t n = (size_t)(name_end - open - 1);
    if (n == 0 || n >= name_cap || memchr(open + 1, '{', (size_t)(close - open - 1)))
        return -1;
    memcpy(name, open + 1, n);
    name[n] = '\0';
    if (!parse_spec(colon ? colon + 1 : close, colon ? (size_t)(close - colon - 1) : 0,
                    strcmp(name, "epoch") == 0, fmt))
        return -1;
    *start = open;
    *s = close + 1;
    return 1;
}

/* Append printf output to out at *used; false once PATH_CAP is reached. */
static bool append(char *out, size_t *used, const char *fmt, ...) LNN_PRINTF(3, 4);

static bool append(char *out, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, PATH_CAP - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= PATH_CAP - *used)
        return false;
    *used += (size_t)n;
    return true;
}

/* The path for this save; LIBNN_E_INVALID for a log value fit lacks. */
static libnn_status make_path(const checkpoint *c, int64_t epoch, const libnn_logs *logs,
                              char *out)
{
    const char *s = c->filepath, *prev = s, *start;
    char name[LNN_LOG_NAME_CAP];
    spec f;
    size_t used = 0;
    bool ok = true;
    while (ok && next_field(&s, name, sizeof name, &f, &start) == 1) {
        ok = append(out, &used, "%.*s", (int)(start - prev), prev);
        prev = s;
        if (f.conv == 'd') { /* the epoch, from 1 as Keras counts */
            long long e = (long long)epoch + 1;
            ok = ok && (f.zero ? append(out, &used, "%0*lld", f.width, e)
                               : append(out, &used, "%*lld", f.width, e));
            continue;
        }
        double v;
        if (libnn_logs_get(logs, name, &v) != LIBNN_OK)
            return lnn_error(LIBNN_E_INVALID, WHO ": the file path names {%s}, which this fit "
                                              "does not log", name);
        int p = f.precision < 0 ? 6 : f.precision, w = f.width;
        switch (f.conv) {
        case 'f':
            ok = ok && (f.zero ? append(out, &used, "%0*.*f", w, p, v)
                               : append(out, &used, "%*.*f", w, p, v));
            break;
        case 'e':
            ok = ok && (f.zero ? append(out, &used, "%0*.*e", w, p, v)
                               : append(out, &used, "%*.*e", w, p, v));
            break;
        default:
            ok = ok && (f.zero ? append(out, &used, "%0*.*g", w, p, v)
                               : append(out, &used, "%*.*g", w, p, v));
            break;
        }
    }
    if (!ok || !append(out, &used, "%s", prev))
        return lnn_error(LIBNN_E_INVALID, WHO ": the file path is longer than %d bytes", PATH_CAP);
    return LIBNN_OK;
}

static libnn_status save(libnn_model *m, checkpoint *c, int64_t epoch, const libnn_logs *logs)
{
    double current = NAN;
    if (c->save_best_only) {
        if (libnn_logs_get(logs, c->monitor, &current) != LIBNN_OK) {
            lnn_log(LIBNN_LOG_WARNING, WHO ": can save best model only with %s available, "
                                       "skipping", c->monitor);
            return LIBNN_OK; /* as Keras: a warning, no save */
        }
        bool better = c->maximise ? current - c->min_delta > c->best
                                  : current + c->min_delta < c->best;
        if (!better)
            return LIBNN_OK;
    }
    char path[PATH_CAP];
    libnn_status st = make_path(c, epoch, logs, path);
    if (st != LIBNN_OK)
        return st;
    st = c->weights_only ? libnn_model_save_weights(m, path)
                         : libnn_model_save(m, path, LIBNN_SAVE_CHECKPOINT);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, WHO);
    if (c->save_best_only)
        c->best = current;
    return LIBNN_OK;
}

static libnn_status checkpoint_train_begin(libnn_model *m, void *user)
{
    checkpoint *c = user;
    c->maximise = lnn_monitor_maximise(c->monitor, c->mode);
    c->best = c->maximise ? -INFINITY : INFINITY;
    c->batches = 0;
    c->failed = LIBNN_OK;
    return LIBNN_OK;
}

static int checkpoint_epoch_begin(libnn_model *m, int64_t epoch, const libnn_logs *logs,
                                  void *user)
{
    ((checkpoint *)user)->epoch = epoch;
    return 0;
}

static int checkpoint_batch(libnn_model *m, int64_t batch, const libnn_logs *logs, void *user)
{
    checkpoint *c = user;
    if (c->save_freq == 0 || ++c->batches % c->save_freq != 0 || c->failed != LIBNN_OK)
        return 0;
    c->failed = save(m, c, c->epoch, logs);
    if (c->failed == LIBNN_OK)
        return 0;
    snprintf(c->message, sizeof c->message, "%s", libnn_last_error());
    return 1; /* stop; the error comes back from the epoch's end */
}

static libnn_status checkpoint_epoch_done(libnn_model *m, int64_t epoch, libnn_logs *logs,
                                          void *user, bool *stop)
{
    checkpoint *c = user;
    if (c->failed != LIBNN_OK)
        return lnn_error(c->failed, "%s", c->message);
    return c->save_freq == 0 ? save(m, c, epoch, logs) : LIBNN_OK;
}

libnn_status libnn_model_checkpoint_new(const char *filepath, const char *monitor,
                                        libnn_callback **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, WHO ": out is NULL");
    *out = NULL;
    if (!filepath || !*filepath)
        return lnn_error(LIBNN_E_INVALID, WHO ": the file path is %s", filepath ? "empty" : "NULL");
    if (monitor && (!*monitor || strlen(monitor) >= LNN_LOG_NAME_CAP))
        return lnn_error(LIBNN_E_INVALID, WHO ": monitor must have 1 to %d bytes",
                         LNN_LOG_NAME_CAP - 1);
    const char *s = filepath, *start;
    char name[LNN_LOG_NAME_CAP];
    spec f;
    int r;
    while ((r = next_field(&s, name, sizeof name, &f, &start)) == 1)
        ;
    if (r < 0 || strchr(s, '}'))
        return lnn_error(LIBNN_E_INVALID, WHO ": malformed field in \"%.200s\" (use {epoch}, "
                                          "{epoch:03d}, {val_loss:.4f}, ...)", filepath);
    checkpoint *c = lnn_calloc(1, sizeof *c);
    char *copy = lnn_strdup(filepath);
    if (!c || !copy) {
        lnn_free(c);
        lnn_free(copy);
        return lnn_error_nomem(WHO, sizeof *c + strlen(filepath) + 1);
    }
    c->filepath = copy;
    snprintf(c->monitor, sizeof c->monitor, "%s", monitor ? monitor : "val_loss");
    libnn_status st = lnn_callback_builtin(c, checkpoint_destroy, out);
    if (st != LIBNN_OK)
        return st;
    (*out)->on_train_begin = checkpoint_train_begin;
    (*out)->on_epoch_begin = checkpoint_epoch_begin;
    (*out)->on_batch_end = checkpoint_batch;
    (*out)->on_epoch_done = checkpoint_epoch_done;
    return LIBNN_OK;
}

static const char *mode_name(int mode)
{
    static const char *const names[] = {"auto", "min", "max"};
    return mode >= 0 && mode < 3 ? names[mode] : NULL;
}

/* ModelCheckpoint's options, validated by the shared option rows. */
static const lnn_param_def options[] = {
    LNN_PARAM_ENUM(LIBNN_CB_MODE, "mode", 0, 3, mode_name),
    LNN_PARAM_FLOAT(LIBNN_CB_MIN_DELTA, "min_delta", 0, 0, DBL_MAX),
    LNN_PARAM_BOOL(LIBNN_CB_SAVE_BEST_ONLY, "save_best_only", 0),
    LNN_PARAM_BOOL(LIBNN_CB_SAVE_WEIGHTS_ONLY, "save_weights_only", 0),
    LNN_PARAM_INT(LIBNN_CB_SAVE_FREQ, "save_freq", 0, 0, LNN_INT_NO_MAX),
};

static const lnn_param_def *find_option(libnn_callback_option key)
{
    int i = lnn_params_find(options, sizeof options / sizeof options[0], (int)key);
    if (i < 0)
        lnn_error(LIBNN_E_INVALID, WHO " has no option %d", (int)key);
    return i < 0 ? NULL : &options[i];
}

libnn_status lnn_model_checkpoint_set(libnn_callback *cb, libnn_callback_option key, bool from_int,
                                      lnn_param_value in)
{
    checkpoint *c = cb->user;
    const lnn_param_def *def = find_option(key);
    lnn_param_value v;
    libnn_status st = def ? lnn_params_from(WHO, def, from_int, in, true,
                                            "libnn_callback_set_int", &v)
                          : LIBNN_E_INVALID;
    if (st != LIBNN_OK)
        return st;
    switch (key) {
    case LIBNN_CB_MODE: c->mode = (int)v.i; break;
    case LIBNN_CB_MIN_DELTA: c->min_delta = v.f; break;
    case LIBNN_CB_SAVE_BEST_ONLY: c->save_best_only = v.i != 0; break;
    case LIBNN_CB_SAVE_WEIGHTS_ONLY: c->weights_only = v.i != 0; break;
    default: c->save_freq = v.i; break;
    }
    return LIBNN_OK;
}

libnn_status lnn_model_checkpoint_get(const libnn_callback *cb, libnn_callback_option key,
                                      int64_t *as_int, double *as_double)
{
    const checkpoint *c = cb->user;
    const lnn_param_def *def = find_option(key);
    if (!def)
        return LIBNN_E_INVALID;
    if (!as_int && !as_double)
        return lnn_error(LIBNN_E_INVALID, WHO ": value is NULL");
    lnn_param_value v = {.i = 0};
    switch (key) {
    case LIBNN_CB_MODE: v.i = c->mode; break;
    case LIBNN_CB_MIN_DELTA: v.f = c->min_delta; break;
    case LIBNN_CB_SAVE_BEST_ONLY: v.i = c->save_best_only; break;
    case LIBNN_CB_SAVE_WEIGHTS_ONLY: v.i = c->weights_only; break;
    default: v.i = c->save_freq; break;
    }
    return as_int ? lnn_params_to_int(WHO, def, v, "libnn_callback_get_float", as_int)
                  : lnn_params_to_double(WHO, def, v, "libnn_callback_get_int", as_double);
}
