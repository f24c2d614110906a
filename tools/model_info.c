/*
 * Loading a model file and learning what the commands need: the input
 * shape (from the architecture JSON: libnn has no other public getter for
 * it), the output shape (the last layer's) and what the outputs are (from
 * the loss in the file's "training_config" and the last activation).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

void tool_format_shape(char *buf, size_t size, size_t ndim, const int64_t *shape)
{
    size_t used = (size_t)snprintf(buf, size, "(None");
    for (size_t i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, ", %" PRId64, shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, ")");
}

/* The per-sample shape in a [null, d1, d2, ...] array (Keras' batch shape). */
static int batch_shape(json_t *arr, struct tool_model *tm)
{
    size_t n = json_array_size(arr);
    if (n < 2 || n - 1 > LIBNN_MAX_RANK || !json_is_null(json_array_get(arr, 0)))
        return 0;
    for (size_t i = 1; i < n; i++) {
        json_t *d = json_array_get(arr, i);
        if (!json_is_integer(d) || json_integer_value(d) < 1)
            return 0;
        tm->in_shape[i - 1] = (int64_t)json_integer_value(d);
    }
    tm->in_ndim = n - 1;
    return 1;
}

/* The input shape of the architecture JSON: the InputLayer's batch shape
 * ("batch_shape" in Keras 3, "batch_input_shape" in Keras 2, which may also
 * put it on the first real layer). */
static int input_shape_from_json(const char *text, struct tool_model *tm)
{
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    json_t *layers = json_object_get(json_object_get(root, "config"), "layers");
    int found = 0;
    for (size_t i = 0; i < json_array_size(layers) && i < 2 && !found; i++) {
        json_t *cfg = json_object_get(json_array_get(layers, i), "config");
        found = batch_shape(json_object_get(cfg, "batch_shape"), tm) ||
                batch_shape(json_object_get(cfg, "batch_input_shape"), tm);
    }
    json_decref(root);
    return found;
}

static int learn_input_shape(const char *path, struct tool_model *tm)
{
    size_t needed = 0;
    if (libnn_model_to_json(tm->model, NULL, 0, &needed) != LIBNN_OK)
        return tool_fail_libnn(path);
    char *json = malloc(needed + 1);
    if (!json)
        return tool_fail("%s: out of memory for the architecture (%zu bytes)", path, needed);
    int rc = TOOL_OK;
    if (libnn_model_to_json(tm->model, json, needed + 1, NULL) != LIBNN_OK)
        rc = tool_fail_libnn(path);
    else if (!input_shape_from_json(json, tm))
        rc = tool_fail("%s: the architecture has no input shape", path);
    free(json);
    return rc;
}

/* The loss of the file's training configuration: its name into `loss`
 * ("" when the file has none) and whether it takes logits. The file is one
 * libnn_model_load has just validated; only its JSON header is read (the
 * safetensors layout: 8-byte little-endian length, then the header). */
static void training_loss(const char *path, char *loss, size_t size, int *from_logits)
{
    loss[0] = '\0';
    *from_logits = 0;
    FILE *f = fopen(path, "rb");
    unsigned char len[8];
    if (!f)
        return;
    uint64_t n = 0;
    if (fread(len, 1, 8, f) == 8)
        for (int i = 7; i >= 0; i--)
            n = n << 8 | len[i];
    char *header = n > 0 && n <= 100000000 ? malloc((size_t)n + 1) : NULL;
    if (header && fread(header, 1, (size_t)n, f) == n) {
        header[n] = '\0';
        json_t *root = json_loads(header, 0, NULL);
        const char *text = json_string_value(
            json_object_get(json_object_get(root, "__metadata__"), "training_config"));
        json_t *config = text ? json_loads(text, 0, NULL) : NULL;
        json_t *l = json_object_get(config, "loss");
        const char *name = json_string_value(json_object_get(l, "class_name"));
        snprintf(loss, size, "%s", name ? name : "");
        *from_logits = json_is_true(json_object_get(l, "from_logits"));
        json_decref(config);
        json_decref(root);
    }
    free(header);
    fclose(f);
}

/* What the outputs are. A model trained with a cross-entropy gives classes:
 * probabilities from a softmax or sigmoid, or from logits (from_logits)
 * through the same function here; other activations give class scores. A
 * model trained on another loss (a regression) gives values. A file without
 * a loss is judged on the last activation alone. */
static enum tool_output_kind output_kind(const char *path, struct tool_model *tm)
{
    size_t n = libnn_model_layer_count(tm->model);
    libnn_layer *last = n ? libnn_model_layer(tm->model, n - 1) : NULL;
    int64_t act = -1;
    if (!last || libnn_layer_get_int(last, LIBNN_PARAM_ACTIVATION, &act) != LIBNN_OK)
        act = -1; /* no activation option: a layer that only moves or pools values */
    libnn_clear_error();
    char loss[64];
    training_loss(path, loss, sizeof loss, &tm->logits);
    int classes = strstr(loss, "crossentropy") != NULL;
    if (tm->out_ndim != 1 || (loss[0] && !classes))
        return TOOL_OUT_VALUES;
    if (tm->out_shape[0] > 1) {
        if (tm->logits || act == LIBNN_ACT_SOFTMAX)
            return TOOL_OUT_PROBABILITIES;
        return classes ? TOOL_OUT_SCORES : TOOL_OUT_VALUES;
    }
    return tm->logits || act == LIBNN_ACT_SIGMOID ? TOOL_OUT_SIGMOID : TOOL_OUT_VALUES;
}

int tool_model_load(const char *path, struct tool_model *tm)
{
    memset(tm, 0, sizeof *tm);
    if (libnn_model_load(path, &tm->model) != LIBNN_OK)
        return tool_fail_libnn(path);
    size_t n = libnn_model_layer_count(tm->model);
    libnn_layer *last = n ? libnn_model_layer(tm->model, n - 1) : NULL;
    int rc = learn_input_shape(path, tm);
    if (rc == TOOL_OK && (!last || libnn_layer_output_shape(last, LIBNN_MAX_RANK, tm->out_shape,
                                                            &tm->out_ndim) != LIBNN_OK))
        rc = last ? tool_fail_libnn(path) : tool_fail("%s: the model has no layers", path);
    if (rc != TOOL_OK) {
        tool_model_free(tm);
        return rc;
    }
    tm->output = output_kind(path, tm);
    return TOOL_OK;
}

void tool_model_free(struct tool_model *tm)
{
    libnn_model_free(tm->model);
    tm->model = NULL;
}
