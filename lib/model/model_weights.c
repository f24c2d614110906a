/*
 * libnn_model_load_weights: weights from a weights-only file or a model
 * file into a compiled model, layer by layer matched by name (Keras'
 * load_weights by_name) or, with LIBNN_WEIGHTS_BY_POSITION, by position
 * where no name matches. Everything is checked before the first weight is
 * written, so a failed load leaves the model as it was.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "libnn/model_file.h"
#include "model_file_internal.h"
#include "model_internal.h"
#include "text/json_parse_internal.h"

#define NAME_CAP (LNN_NAME_CAP + 64)
#define WHO "model_load_weights"

/* The file's layer index for model layer i, or -1. */
static long file_layer(const json_t *names, const char *name, size_t i, bool by_position)
{
    for (size_t j = 0; j < json_array_size(names); j++) {
        const char *n = json_string_value(json_array_get(names, j));
        if (n && strcmp(n, name) == 0)
            return (long)j;
    }
    return by_position && i < json_array_size(names) ? (long)i : -1;
}

/* Check (copy == false) or copy every weight; *used counts the tensors. */
static libnn_status match(const libnn_tensor_file *f, libnn_model *m, const json_t *names,
                          bool by_position, bool copy, size_t *used)
{
    *used = 0;
    for (size_t i = 0; i < m->n_layers; i++) {
        libnn_layer *l = m->layers[i];
        if (l->n_weights == 0)
            continue;
        long j = file_layer(names, l->name, i, by_position);
        if (j < 0)
            return lnn_error(LIBNN_E_FORMAT, WHO ": layer %zu (%s) is not in the file%s", i,
                             l->name, by_position ? "" : " (LIBNN_WEIGHTS_BY_POSITION matches "
                                                         "by position)");
        for (size_t w = 0; w < l->n_weights; w++) {
            lnn_weight *wt = &l->weights[w];
            char name[NAME_CAP];
            const libnn_tensor *t;
            lnn_model_weight_name(name, sizeof name, (size_t)j, wt->name);
            if (libnn_tensor_file_get(f, name, &t) != LIBNN_OK)
                return lnn_error(LIBNN_E_FORMAT, WHO ": layer %zu (%s): weight %s is not in the "
                                                 "file (tensor %s)", i, l->name, wt->name, name);
            char have[200], want[200];
            if (!lnn_tensor_fits_weight(t, wt, have, want, sizeof have))
                return lnn_error(LIBNN_E_SHAPE, WHO ": layer %zu (%s): weight %s is %s in the "
                                                "file, %s in the model", i, l->name, wt->name,
                                 have, want);
            if (copy)
                memcpy(wt->value, libnn_tensor_data((libnn_tensor *)t),
                       wt->size * sizeof(float));
            (*used)++;
        }
    }
    return LIBNN_OK;
}

/* layer_names is a JSON list; the safe parser takes objects, so the list
 * is parsed as {"l": <list>}. */
static libnn_status parse_names(const char *text, json_t **root, json_t **names)
{
    size_t n = strlen(text);
    char *wrapped = lnn_malloc(n + 7);
    if (!wrapped)
        return lnn_error_nomem(WHO, n + 7);
    memcpy(wrapped, "{\"l\":", 5);
    memcpy(wrapped + 5, text, n);
    memcpy(wrapped + 5 + n, "}", 2);
    libnn_status st = lnn_json_parse_object(WHO, "layer_names", wrapped, n + 6, root);
    lnn_free(wrapped);
    *names = st == LIBNN_OK ? json_object_get(*root, "l") : NULL;
    return st;
}

static size_t weight_tensors(const libnn_tensor_file *f)
{
    size_t n = 0;
    for (size_t i = 0; i < libnn_tensor_file_count(f); i++)
        n += strncmp(libnn_tensor_file_name(f, i), "layers.", 7) == 0;
    return n;
}

libnn_status libnn_model_load_weights(libnn_model *model, const char *path, unsigned flags)
{
    if (!model || !path)
        return lnn_error(LIBNN_E_INVALID, WHO ": %s is NULL", model ? "path" : "model");
    if (flags & ~(unsigned)LIBNN_WEIGHTS_BY_POSITION)
        return lnn_error(LIBNN_E_INVALID, WHO ": unknown flags 0x%x",
                         flags & ~(unsigned)LIBNN_WEIGHTS_BY_POSITION);
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE, WHO ": compile the model first (its weights exist from "
                                        "then on)");
    libnn_tensor_file *f;
    libnn_status st = libnn_tensor_file_load(path, &f);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, WHO);
    const char *format = libnn_tensor_file_metadata_get(f, "format");
    const char *text = libnn_tensor_file_metadata_get(f, "layer_names");
    json_t *root = NULL, *names = NULL;
    if (!format || (strcmp(format, "libnn") != 0 && strcmp(format, "libnn-weights") != 0))
        st = lnn_error(LIBNN_E_FORMAT, WHO ": %s is not a libnn model or weights file", path);
    else if (!text)
        st = lnn_error(LIBNN_E_FORMAT, WHO ": no \"layer_names\" in the metadata");
    else
        st = parse_names(text, &root, &names);
    if (st == LIBNN_OK && !json_is_array(names))
        st = lnn_error(LIBNN_E_FORMAT, WHO ": layer_names must be a list of names");
    size_t used = 0;
    bool by_position = flags & LIBNN_WEIGHTS_BY_POSITION;
    if (st == LIBNN_OK)
        st = match(f, model, names, by_position, false, &used);
    if (st == LIBNN_OK && used != weight_tensors(f))
        st = lnn_error(LIBNN_E_FORMAT, WHO ": the file has %zu weight tensors, the model takes %zu",
                       weight_tensors(f), used);
    if (st == LIBNN_OK)
        match(f, model, names, by_position, true, &used);
    json_decref(root);
    libnn_tensor_file_free(f);
    return st;
}
