/*
 * Callbacks: the caller's own function pointers, and the dispatch the fit
 * loop uses. Built-in callbacks live in callbacks_builtin.c.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "model_internal.h"

libnn_status libnn_callback_new(libnn_epoch_fn on_epoch_begin, libnn_epoch_fn on_epoch_end,
                                libnn_batch_fn on_batch_end, void *user, libnn_callback **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "callback_new: out is NULL");
    libnn_callback *cb = lnn_calloc(1, sizeof *cb);
    *out = cb;
    if (!cb)
        return lnn_error_nomem("callback_new", sizeof *cb);
    cb->on_epoch_begin = on_epoch_begin;
    cb->on_epoch_end = on_epoch_end;
    cb->on_batch_end = on_batch_end;
    cb->user = user;
    return LIBNN_OK;
}

void libnn_callback_free(libnn_callback *callback)
{
    if (!callback || callback->owned)
        return; /* a model's callback goes with the model */
    if (callback->destroy)
        callback->destroy(callback->user);
    lnn_free(callback);
}

libnn_status libnn_model_add_callback(libnn_model *model, libnn_callback *callback)
{
    if (!model || !callback)
        return lnn_error(LIBNN_E_INVALID, "model_add_callback: %s is NULL",
                         model ? "callback" : "model");
    if (callback->owned)
        return lnn_error(LIBNN_E_STATE, "model_add_callback: the callback belongs to a model");
    if (model->n_callbacks == model->cap_callbacks) {
        size_t cap = model->cap_callbacks ? 2 * model->cap_callbacks : 4;
        libnn_callback **grown = lnn_realloc(model->callbacks, cap * sizeof *grown);
        if (!grown)
            return lnn_error_nomem("model_add_callback", cap * sizeof *grown);
        model->callbacks = grown;
        model->cap_callbacks = cap;
    }
    callback->owned = true;
    model->callbacks[model->n_callbacks++] = callback;
    return LIBNN_OK;
}

libnn_status lnn_callbacks_train_begin(libnn_model *m)
{
    for (size_t i = 0; i < m->n_callbacks; i++) {
        libnn_callback *cb = m->callbacks[i];
        if (cb->on_train_begin) {
            libnn_status st = cb->on_train_begin(m, cb->user);
            if (st != LIBNN_OK)
                return st;
        }
    }
    return LIBNN_OK;
}

bool lnn_callbacks_epoch_begin(libnn_model *m, int64_t epoch, const libnn_logs *logs)
{
    bool stop = false;
    for (size_t i = 0; i < m->n_callbacks; i++) {
        libnn_callback *cb = m->callbacks[i];
        if (cb->on_epoch_begin && cb->on_epoch_begin(m, epoch, logs, cb->user))
            stop = true;
    }
    return stop;
}

libnn_status lnn_callbacks_epoch_end(libnn_model *m, int64_t epoch, libnn_logs *logs, bool *stop)
{
    for (size_t i = 0; i < m->n_callbacks; i++) {
        libnn_callback *cb = m->callbacks[i];
        if (cb->on_epoch_end && cb->on_epoch_end(m, epoch, logs, cb->user))
            *stop = true;
        if (cb->on_epoch_done) {
            libnn_status st = cb->on_epoch_done(m, epoch, logs, cb->user, stop);
            if (st != LIBNN_OK)
                return st;
        }
    }
    return LIBNN_OK;
}

void lnn_callbacks_train_end(libnn_model *m)
{
    for (size_t i = 0; i < m->n_callbacks; i++)
        if (m->callbacks[i]->on_train_end)
            m->callbacks[i]->on_train_end(m, m->callbacks[i]->user);
}

libnn_status lnn_callback_builtin(void *state, void (*destroy)(void *), libnn_callback **out)
{
    libnn_status st = libnn_callback_new(NULL, NULL, NULL, state, out);
    if (st != LIBNN_OK) {
        destroy(state);
        return st;
    }
    (*out)->destroy = destroy;
    return LIBNN_OK;
}

bool lnn_callbacks_batch(libnn_model *m, int64_t batch, const libnn_logs *logs)
{
    bool stop = false;
    for (size_t i = 0; i < m->n_callbacks; i++) {
        libnn_callback *cb = m->callbacks[i];
        if (cb->on_batch_end && cb->on_batch_end(m, batch, logs, cb->user))
            stop = true;
    }
    return stop;
}
