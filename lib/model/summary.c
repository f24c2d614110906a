/*
 * summary(): the Keras table, written snprintf-style into the caller's
 * buffer.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error_internal.h"
#include "model_internal.h"

typedef struct writer {
    char *buf;
    size_t cap, len; /* len counts what would have been written */
} writer;

static void put(writer *w, const char *fmt, ...) LNN_PRINTF(2, 3);

static void put(writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = w->len < w->cap ? w->cap - w->len : 0;
    int n = vsnprintf(room ? w->buf + w->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        w->len += (size_t)n;
}

/* 225034 -> "225,034" */
static const char *thousands(char *out, size_t cap, size_t v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", v);
    size_t j = 0;
    for (int i = 0; i < n && j + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
    return out;
}

static void rule(writer *w, char c)
{
    char line[70];
    memset(line, c, 69);
    line[69] = '\0';
    put(w, "%s\n", line);
}

libnn_status libnn_model_summary(const libnn_model *model, char *buf, size_t capacity,
                                 size_t *needed)
{
    if (!model || (!buf && capacity))
        return lnn_error(LIBNN_E_INVALID, "model_summary: %s is NULL", model ? "buf" : "model");
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE,
                         "model_summary: compile the model first (shapes are known then)");
    writer w = {buf, capacity, 0};
    if (capacity)
        buf[0] = '\0';
    put(&w, "Model: \"sequential\"\n");
    rule(&w, '_');
    /* Keras' columns, the first wide enough for "max_pooling2d_1 (MaxPooling2D)". */
    put(&w, " %-31s %-25s %-10s\n", "Layer (type)", "Output Shape", "Param #");
    rule(&w, '=');
    size_t total = 0;
    for (size_t i = 0; i < model->n_layers; i++) {
        const libnn_layer *l = model->layers[i];
        char name[96], shape[128], count[32];
        snprintf(name, sizeof name, "%s (%s)", l->name, l->ops->class_name);
        size_t used = (size_t)snprintf(shape, sizeof shape, "(None");
        for (size_t d = 0; d < l->out_ndim && used < sizeof shape; d++)
            used += (size_t)snprintf(shape + used, sizeof shape - used, ", %" PRId64,
                                     l->out_shape[d]);
        if (used < sizeof shape)
            snprintf(shape + used, sizeof shape - used, ")");
        size_t params = libnn_layer_param_count(l);
        total += params;
        put(&w, " %-31s %-25s %-10s\n", name, shape, thousands(count, sizeof count, params));
        if (i + 1 < model->n_layers)
            put(&w, "\n");
    }
    rule(&w, '=');
    size_t trainable = libnn_model_trainable_param_count(model);
    char a[32], b[32], c[32];
    put(&w, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s\n",
        thousands(a, sizeof a, total), thousands(b, sizeof b, trainable),
        thousands(c, sizeof c, total - trainable));
    rule(&w, '_');
    if (needed)
        *needed = w.len;
    return LIBNN_OK;
}
