/*
 * Writing model files (docs/file-format.md): a safetensors file whose
 * tensors are the weights as "layers.<index>.<weight>" (and, in a
 * checkpoint, the optimizer's slots as "optimizer.<slot>.layers.<index>.
 * <weight>") and whose metadata holds the architecture, the training
 * configuration and, in a checkpoint, the training state. The tensor file
 * writer sorts tensors and keeps metadata in insertion order, so the same
 * model always gives the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "io/tensor_file_internal.h"
#include "libnn/model_file.h"
#include "libnn/version.h"
#include "model_file_internal.h"
#include "model_internal.h"
#include "train_config_internal.h"

#define NAME_CAP (LNN_NAME_CAP + 64)

/* Push a new tensor holding a copy of `n` floats at `data` under `name`. */
static libnn_status push_tensor(libnn_tensor_file *f, const char *who, const char *name,
                                size_t ndim, const int64_t *shape, const float *data)
{
    libnn_tensor *t;
    libnn_status st = libnn_tensor_new(ndim, shape, &t);
    if (st != LIBNN_OK)
        return st;
    char *copy = lnn_strdup(name);
    if (!copy) {
        libnn_tensor_free(t);
        return lnn_error_nomem(who, strlen(name) + 1);
    }
    memcpy(libnn_tensor_data(t), data, libnn_tensor_size(t) * sizeof(float));
    lnn_tf_push(f, copy, t);
    return LIBNN_OK;
}

/* Set metadata key to the text of the JSON that build makes of m. */
static libnn_status put_json(libnn_tensor_file *f, const char *who, const char *key,
                             json_t *(*build)(const libnn_model *m), const libnn_model *m)
{
    char *text;
    lnn_json_begin(); /* see lnn_json_failed() */
    libnn_status st = lnn_json_text(who, build(m), &text);
    if (st != LIBNN_OK)
        return st;
    st = libnn_tensor_file_set_metadata(f, key, text);
    lnn_free(text);
    return st;
}

static json_t *layer_names(const libnn_model *m)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < m->n_layers; i++)
        if (json_array_append_new(list, json_string(m->layers[i]->name)) != 0) {
            json_decref(list);
            return NULL;
        }
    return list;
}

size_t lnn_model_weight_tensor_count(const libnn_model *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_layers; i++)
        n += m->layers[i]->n_weights;
    return n;
}

void lnn_model_weight_name(char *buf, size_t cap, size_t layer, const char *weight)
{
    snprintf(buf, cap, "layers.%zu.%s", layer, weight);
}

/* The metadata every libnn file starts with. */
static libnn_status put_header(libnn_tensor_file *f, const char *who, const libnn_model *m,
                               const char *format)
{
    char version[16];
    snprintf(version, sizeof version, "%d", LIBNN_MODEL_FORMAT_VERSION);
    libnn_status st = libnn_tensor_file_set_metadata(f, "format", format);
    if (st == LIBNN_OK)
        st = libnn_tensor_file_set_metadata(f, "format_version", version);
    if (st == LIBNN_OK)
        st = libnn_tensor_file_set_metadata(f, "libnn_version", libnn_version_string());
    if (st == LIBNN_OK)
        st = put_json(f, who, "layer_names", layer_names, m);
    return st;
}

static libnn_status put_weights(libnn_tensor_file *f, const char *who, const libnn_model *m)
{
    libnn_status st = lnn_tf_reserve(f, lnn_model_weight_tensor_count(m), 0, who);
    for (size_t i = 0; st == LIBNN_OK && i < m->n_layers; i++)
        for (size_t w = 0; st == LIBNN_OK && w < m->layers[i]->n_weights; w++) {
            const lnn_weight *wt = &m->layers[i]->weights[w];
            char name[NAME_CAP];
            lnn_model_weight_name(name, sizeof name, i, wt->name);
            st = push_tensor(f, who, name, wt->ndim, wt->shape, wt->value);
        }
    return st;
}

/* The optimizer's slots, in the order the optimizer binds the weights:
 * every trainable weight, layer by layer. */
static libnn_status put_slots(libnn_tensor_file *f, const char *who, const libnn_model *m)
{
    size_t slots = lnn_optimizer_slot_count(m->opt);
    libnn_status st = lnn_tf_reserve(f, slots * m->n_params, 0, who);
    for (size_t s = 0; st == LIBNN_OK && s < slots; s++) {
        size_t k = 0;
        for (size_t i = 0; st == LIBNN_OK && i < m->n_layers; i++)
            for (size_t w = 0; st == LIBNN_OK && w < m->layers[i]->n_weights; w++) {
                const lnn_weight *wt = &m->layers[i]->weights[w];
                if (!wt->trainable)
                    continue;
                char name[NAME_CAP];
                snprintf(name, sizeof name, "optimizer.%s.layers.%zu.%s",
                         lnn_optimizer_slot_name(m->opt, s), i, wt->name);
                st = push_tensor(f, who, name, wt->ndim, wt->shape,
                                 lnn_optimizer_slot(m->opt, s, k++));
            }
    }
    return st;
}

static libnn_status check_model(const char *who, const libnn_model *m)
{
    if (!m)
        return lnn_error(LIBNN_E_INVALID, "%s: model is NULL", who);
    if (!m->compiled)
        return lnn_error(LIBNN_E_STATE, "%s: compile the model first (its weights exist from "
                                        "then on)", who);
    return LIBNN_OK;
}

libnn_status lnn_model_file_build(const char *who, const libnn_model *m, unsigned flags,
                                  libnn_tensor_file **out)
{
    *out = NULL;
    libnn_status st = check_model(who, m);
    if (st != LIBNN_OK)
        return st;
    if (flags & ~(unsigned)LIBNN_SAVE_CHECKPOINT)
        return lnn_error(LIBNN_E_INVALID, "%s: unknown flags 0x%x", who,
                         flags & ~(unsigned)LIBNN_SAVE_CHECKPOINT);
    libnn_tensor_file *f;
    st = libnn_tensor_file_new(&f);
    if (st != LIBNN_OK)
        return st;
    char *arch = NULL;
    st = put_header(f, who, m, "libnn");
    if (st == LIBNN_OK)
        st = lnn_arch_dump(m, &arch);
    if (st == LIBNN_OK)
        st = libnn_tensor_file_set_metadata(f, "architecture", arch);
    lnn_free(arch);
    if (st == LIBNN_OK)
        st = put_json(f, who, "training_config", lnn_train_config_write, m);
    if (st == LIBNN_OK && (flags & LIBNN_SAVE_CHECKPOINT))
        st = put_json(f, who, "checkpoint", lnn_checkpoint_state_write, m);
    if (st == LIBNN_OK)
        st = put_weights(f, who, m);
    if (st == LIBNN_OK && (flags & LIBNN_SAVE_CHECKPOINT))
        st = put_slots(f, who, m);
    if (st != LIBNN_OK) {
        libnn_tensor_file_free(f);
        return st;
    }
    *out = f;
    return LIBNN_OK;
}

libnn_status libnn_model_save(const libnn_model *model, const char *path, unsigned flags)
{
    static const char who[] = "model_save";
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "%s: path is NULL", who);
    libnn_tensor_file *f;
    libnn_status st = lnn_model_file_build(who, model, flags, &f);
    if (st != LIBNN_OK)
        return st;
    st = libnn_tensor_file_save(f, path);
    libnn_tensor_file_free(f);
    return st == LIBNN_OK ? st : lnn_error_prefix(st, "%s", who);
}

libnn_status libnn_model_save_buffer(const libnn_model *model, unsigned flags, void *buf,
                                     size_t capacity, size_t *needed)
{
    static const char who[] = "model_save_buffer";
    if (!needed || (!buf && capacity > 0))
        return lnn_error(LIBNN_E_INVALID, "%s: %s", who,
                         needed ? "buf is NULL with a non-zero capacity" : "needed is NULL");
    libnn_tensor_file *f;
    libnn_status st = lnn_model_file_build(who, model, flags, &f);
    if (st != LIBNN_OK)
        return st;
    st = libnn_tensor_file_save_buffer(f, buf, capacity, needed);
    libnn_tensor_file_free(f);
    return st == LIBNN_OK ? st : lnn_error_prefix(st, "%s", who);
}

libnn_status libnn_model_save_weights(const libnn_model *model, const char *path)
{
    static const char who[] = "model_save_weights";
    libnn_status st = check_model(who, model);
    if (st != LIBNN_OK)
        return st;
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "%s: path is NULL", who);
    libnn_tensor_file *f;
    st = libnn_tensor_file_new(&f);
    if (st == LIBNN_OK)
        st = put_header(f, who, model, "libnn-weights");
    if (st == LIBNN_OK)
        st = put_weights(f, who, model);
    if (st == LIBNN_OK && (st = libnn_tensor_file_save(f, path)) != LIBNN_OK)
        st = lnn_error_prefix(st, "%s", who);
    libnn_tensor_file_free(f);
    return st;
}
