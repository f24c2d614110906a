/*
 * Logs (the named values of one batch or epoch) and the training history.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "model_internal.h"

void lnn_logs_clear(libnn_logs *logs)
{
    logs->count = 0;
}

static size_t logs_find(const libnn_logs *logs, const char *name)
{
    for (size_t i = 0; i < logs->count; i++)
        if (strcmp(logs->names[i], name) == 0)
            return i;
    return logs->count;
}

void lnn_logs_set(libnn_logs *logs, const char *name, double value)
{
    size_t i = logs_find(logs, name);
    if (i == logs->count) {
        if (logs->count == LNN_MAX_LOGS)
            return; /* cannot happen: the model has at most LNN_MAX_METRICS metrics */
        snprintf(logs->names[i], LNN_LOG_NAME_CAP, "%s", name);
        logs->count++;
    }
    logs->values[i] = value;
}

size_t libnn_logs_count(const libnn_logs *logs)
{
    return logs ? logs->count : 0;
}

const char *libnn_logs_name(const libnn_logs *logs, size_t index)
{
    return (logs && index < logs->count) ? logs->names[index] : NULL;
}

libnn_status libnn_logs_get(const libnn_logs *logs, const char *name, double *value)
{
    if (!logs || !name || !value)
        return lnn_error(LIBNN_E_INVALID, "logs_get: an argument is NULL");
    size_t i = logs_find(logs, name);
    if (i == logs->count)
        return lnn_error(LIBNN_E_NOTFOUND, "logs: no value named \"%s\"", name);
    *value = logs->values[i];
    return LIBNN_OK;
}

libnn_status libnn_model_result(const libnn_model *model, const char *name, double *value)
{
    if (!model)
        return lnn_error(LIBNN_E_INVALID, "model_result: model is NULL");
    return libnn_logs_get(&model->results, name, value);
}

libnn_status lnn_history_reserve(lnn_history *h, size_t epochs)
{
    if (epochs <= h->capacity)
        return LIBNN_OK;
    double *grown = lnn_realloc(h->values, epochs * LNN_MAX_LOGS * sizeof *grown);
    if (!grown)
        return lnn_error_nomem("fit: history", epochs * LNN_MAX_LOGS * sizeof *grown);
    h->values = grown;
    h->capacity = epochs;
    return LIBNN_OK;
}

void lnn_history_append(lnn_history *h, const libnn_logs *logs)
{
    if (h->epochs == 0)
        h->n_series = 0;
    if (h->epochs == h->capacity)
        return; /* reserved for every epoch of the fit */
    double *row = h->values + h->epochs * LNN_MAX_LOGS;
    for (size_t s = 0; s < LNN_MAX_LOGS; s++)
        row[s] = NAN;
    for (size_t i = 0; i < logs->count; i++) {
        size_t s = 0;
        while (s < h->n_series && strcmp(h->names[s], logs->names[i]) != 0)
            s++;
        if (s == h->n_series) {
            memcpy(h->names[s], logs->names[i], LNN_LOG_NAME_CAP);
            h->n_series++;
            /* Earlier epochs had no value for a series that appears late. */
            for (size_t e = 0; e < h->epochs; e++)
                h->values[e * LNN_MAX_LOGS + s] = NAN;
        }
        row[s] = logs->values[i];
    }
    h->epochs++;
}

void lnn_history_free(lnn_history *h)
{
    lnn_free(h->values);
    memset(h, 0, sizeof *h);
}

size_t libnn_model_history_length(const libnn_model *model)
{
    return model ? model->history.epochs : 0;
}

size_t libnn_model_history_series_count(const libnn_model *model)
{
    return (model && model->history.epochs) ? model->history.n_series : 0;
}

const char *libnn_model_history_series_name(const libnn_model *model, size_t index)
{
    return index < libnn_model_history_series_count(model) ? model->history.names[index] : NULL;
}

libnn_status libnn_model_history_get(const libnn_model *model, const char *name, size_t epoch,
                                     double *value)
{
    if (!model || !name || !value)
        return lnn_error(LIBNN_E_INVALID, "model_history_get: an argument is NULL");
    const lnn_history *h = &model->history;
    if (epoch >= h->epochs)
        return lnn_error(LIBNN_E_RANGE, "model_history_get: epoch %zu of %zu recorded", epoch,
                         h->epochs);
    for (size_t s = 0; s < h->n_series; s++)
        if (strcmp(h->names[s], name) == 0) {
            *value = h->values[epoch * LNN_MAX_LOGS + s];
            return LIBNN_OK;
        }
    return lnn_error(LIBNN_E_NOTFOUND, "model_history_get: no series named \"%s\"", name);
}
