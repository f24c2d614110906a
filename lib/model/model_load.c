/*
 * Reading model files and weights-only files. The safetensors reader has
 * validated the container (offsets, shapes, dtypes) before anything here
 * runs; this file checks what the tensors and metadata mean: the format and
 * its version, the architecture, the training configuration, that every
 * weight is present with its exact shape and that nothing else is. Any
 * mismatch is LIBNN_E_FORMAT naming the key or tensor; the model is freed
 * and nothing of it escapes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "layers/layer_factory_internal.h"
#include "libnn/model_file.h"
#include "libnn/version.h"
#include "model_file_internal.h"
#include "model_internal.h"
#include "text/json_parse_internal.h"
#include "train_config_internal.h"

#define NAME_CAP (LNN_NAME_CAP + 64)

static const char *const known_keys[] = {"format",          "format_version", "libnn_version",
                                         "layer_names",     "architecture",   "training_config",
                                         "checkpoint",      NULL};

/* The file's format and version: `format` as expected, version 1..ours. */
static libnn_status check_format(const char *who, const libnn_tensor_file *f, const char *format)
{
    const char *have = libnn_tensor_file_metadata_get(f, "format");
    if (!have)
        return lnn_error(LIBNN_E_FORMAT, "%s: not a libnn file (no \"format\" in the metadata)",
                         who);
    if (strcmp(have, format) != 0) {
        if (strcmp(have, "libnn-weights") == 0)
            return lnn_error(LIBNN_E_FORMAT, "%s: a weights-only file; load it into a model with "
                                             "libnn_model_load_weights", who);
        return lnn_error(LIBNN_E_FORMAT, "%s: metadata format is \"%.40s\", expected \"%s\"", who,
                         have, format);
    }
    const char *v = libnn_tensor_file_metadata_get(f, "format_version");
    char *end = NULL;
    errno = 0;
    long version = v && v[0] >= '0' && v[0] <= '9' ? strtol(v, &end, 10) : -1;
    if (!v || !end || *end || errno || version < 1)
        return lnn_error(LIBNN_E_FORMAT, "%s: format_version \"%.20s\" is not a positive integer",
                         who, v ? v : "(missing)");
    if (version > LIBNN_MODEL_FORMAT_VERSION)
        return lnn_error(LIBNN_E_UNSUPPORTED, "%s: format version %ld was written by a newer "
                                              "libnn (%.20s); this one (%s) reads versions up "
                                              "to %d",
                         who, version, libnn_tensor_file_metadata_get(f, "libnn_version"),
                         libnn_version_string(), LIBNN_MODEL_FORMAT_VERSION);
    for (size_t i = 0; i < libnn_tensor_file_metadata_count(f); i++) {
        const char *key = libnn_tensor_file_metadata_key(f, i);
        size_t k = 0;
        while (known_keys[k] && strcmp(known_keys[k], key) != 0)
            k++;
        if (!known_keys[k])
            return lnn_error(LIBNN_E_FORMAT, "%s: unknown metadata key \"%.60s\"", who, key);
    }
    return LIBNN_OK;
}

static libnn_status parse_meta(const char *who, const libnn_tensor_file *f, const char *key,
                               json_t **root)
{
    const char *text = libnn_tensor_file_metadata_get(f, key);
    *root = NULL;
    if (!text)
        return lnn_error(LIBNN_E_FORMAT, "%s: no \"%s\" in the metadata", who, key);
    return lnn_json_parse_object(who, key, text, strlen(text), root);
}

bool lnn_tensor_fits_weight(const libnn_tensor *t, const lnn_weight *w, char *have,
                            char *want, size_t cap)
{
    bool same = libnn_tensor_ndim(t) == w->ndim;
    for (size_t i = 0; same && i < w->ndim; i++)
        same = libnn_tensor_dim(t, i) == w->shape[i];
    if (!same) {
        int64_t dims[LIBNN_MAX_RANK];
        for (size_t i = 0; i < libnn_tensor_ndim(t); i++)
            dims[i] = libnn_tensor_dim(t, i);
        lnn_format_shape(have, cap, libnn_tensor_ndim(t), dims);
        lnn_format_shape(want, cap, w->ndim, w->shape);
    }
    return same;
}

/* The tensor `name` of f, shaped as the weight; *out borrowed. */
static libnn_status find_tensor(const char *who, const libnn_tensor_file *f, const char *name,
                                const lnn_weight *w, const libnn_tensor **out)
{
    char have[200], want[200];
    if (libnn_tensor_file_get(f, name, out) != LIBNN_OK)
        return lnn_error(LIBNN_E_FORMAT, "%s: tensor %s is missing", who, name);
    if (!lnn_tensor_fits_weight(*out, w, have, want, sizeof have))
        return lnn_error(LIBNN_E_FORMAT, "%s: tensor %s has shape %s, the model's weight %s", who,
                         name, have, want);
    return LIBNN_OK;
}

static void copy_into(float *dst, const libnn_tensor *t)
{
    memcpy(dst, libnn_tensor_data((libnn_tensor *)t), libnn_tensor_size(t) * sizeof(float));
}

/* Weights (and slots, for a checkpoint) from f into compiled m; every
 * tensor of f must be used. */
static libnn_status read_tensors(const char *who, const libnn_tensor_file *f, libnn_model *m,
                                 bool checkpoint)
{
    size_t used = 0;
    libnn_status st = LIBNN_OK;
    for (size_t i = 0; st == LIBNN_OK && i < m->n_layers; i++)
        for (size_t w = 0; st == LIBNN_OK && w < m->layers[i]->n_weights; w++) {
            lnn_weight *wt = &m->layers[i]->weights[w];
            char name[NAME_CAP];
            const libnn_tensor *t;
            lnn_model_weight_name(name, sizeof name, i, wt->name);
            if ((st = find_tensor(who, f, name, wt, &t)) == LIBNN_OK) {
                copy_into(wt->value, t);
                used++;
            }
        }
    size_t slots = checkpoint ? lnn_optimizer_slot_count(m->opt) : 0;
    for (size_t s = 0; st == LIBNN_OK && s < slots; s++) {
        size_t k = 0;
        for (size_t i = 0; st == LIBNN_OK && i < m->n_layers; i++)
            for (size_t w = 0; st == LIBNN_OK && w < m->layers[i]->n_weights; w++) {
                lnn_weight *wt = &m->layers[i]->weights[w];
                if (!wt->trainable)
                    continue;
                char name[NAME_CAP];
                const libnn_tensor *t;
                snprintf(name, sizeof name, "optimizer.%s.layers.%zu.%s",
                         lnn_optimizer_slot_name(m->opt, s), i, wt->name);
                if ((st = find_tensor(who, f, name, wt, &t)) == LIBNN_OK) {
                    copy_into(lnn_optimizer_slot(m->opt, s, k), t);
                    used++;
                }
                k++;
            }
    }
    if (st == LIBNN_OK && used != libnn_tensor_file_count(f)) {
        /* Name the first tensor the model has no place for. */
        for (size_t i = 0; i < libnn_tensor_file_count(f); i++) {
            const char *name = libnn_tensor_file_name(f, i);
            bool known = false;
            for (size_t l = 0; !known && l < m->n_layers; l++)
                for (size_t w = 0; !known && w < m->layers[l]->n_weights; w++) {
                    char mine[NAME_CAP];
                    lnn_model_weight_name(mine, sizeof mine, l, m->layers[l]->weights[w].name);
                    const char *tail = strncmp(name, "optimizer.", 10) == 0 && checkpoint
                                           ? strchr(name + 10, '.')
                                           : NULL;
                    known = strcmp(name, mine) == 0 || (tail && strcmp(tail + 1, mine) == 0);
                }
            if (!known)
                return lnn_error(LIBNN_E_FORMAT, "%s: tensor %.80s is not a weight of the model",
                                 who, name);
        }
        return lnn_error(LIBNN_E_FORMAT, "%s: the file has %zu tensors, the model uses %zu", who,
                         libnn_tensor_file_count(f), used);
    }
    return st;
}

/* The weights the architecture declares must fit in the tensors the file
 * holds: checked on shapes alone, before compile allocates anything. */
static libnn_status check_weight_budget(const char *who, const libnn_tensor_file *f,
                                        libnn_model *m)
{
    size_t held = 0, need = 0, ndim = m->in_ndim;
    int64_t shape[LIBNN_MAX_RANK];
    memcpy(shape, m->in_shape, ndim * sizeof *shape);
    for (size_t i = 0; i < libnn_tensor_file_count(f); i++) {
        const libnn_tensor *t;
        libnn_tensor_file_get(f, libnn_tensor_file_name(f, i), &t);
        held += libnn_tensor_size(t);
    }
    for (size_t i = 0; i < m->n_layers; i++) {
        size_t w;
        libnn_status st = lnn_layer_dry_build(m->layers[i], ndim, shape, &ndim, shape, &w);
        if (st != LIBNN_OK)
            return lnn_error_prefix(LIBNN_E_FORMAT, "%s: architecture: layer %zu (%s)", who, i,
                                    m->layers[i]->name);
        if (!lnn_add_size(need, w, &need) || need > held)
            return lnn_error(LIBNN_E_FORMAT, "%s: the architecture needs more weights (at least "
                                             "%zu by layer %zu) than the file's %zu values",
                             who, need, i, held);
    }
    return LIBNN_OK;
}

libnn_status lnn_model_file_read(const char *who, const libnn_tensor_file *f, libnn_model **out)
{
    *out = NULL;
    libnn_status st = check_format(who, f, "libnn");
    const char *arch = libnn_tensor_file_metadata_get(f, "architecture");
    if (st == LIBNN_OK && !arch)
        st = lnn_error(LIBNN_E_FORMAT, "%s: no \"architecture\" in the metadata", who);
    libnn_model *m = NULL;
    if (st == LIBNN_OK)
        st = lnn_arch_parse(who, arch, strlen(arch), &m);
    json_t *cfg = NULL, *ckpt = NULL;
    if (st == LIBNN_OK)
        st = check_weight_budget(who, f, m);
    if (st == LIBNN_OK)
        st = parse_meta(who, f, "training_config", &cfg);
    if (st == LIBNN_OK) {
        lnn_json_begin();
        st = lnn_train_config_read(cfg, m);
    }
    bool checkpoint = libnn_tensor_file_metadata_get(f, "checkpoint") != NULL;
    if (st == LIBNN_OK && checkpoint && (st = parse_meta(who, f, "checkpoint", &ckpt)) == LIBNN_OK)
        st = lnn_checkpoint_state_read(ckpt, m);
    if (st == LIBNN_OK)
        st = read_tensors(who, f, m, checkpoint);
    if (st == LIBNN_OK && lnn_json_failed())
        st = lnn_error_nomem(who, 0);
    json_decref(cfg);
    json_decref(ckpt);
    if (st != LIBNN_OK) {
        libnn_model_free(m);
        return st;
    }
    *out = m;
    return LIBNN_OK;
}

/* A file error from the tensor reader, or the model file's own. */
static libnn_status load_from(const char *who, libnn_status st, libnn_tensor_file *f,
                              libnn_model **out)
{
    if (st == LIBNN_OK)
        st = lnn_model_file_read(who, f, out);
    else
        st = lnn_error_prefix(st, "%s", who);
    libnn_tensor_file_free(f);
    return st;
}

libnn_status libnn_model_load(const char *path, libnn_model **out)
{
    static const char who[] = "model_load";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "%s: path is NULL", who);
    libnn_tensor_file *f = NULL;
    libnn_status st = libnn_tensor_file_load(path, &f);
    return load_from(who, st, f, out);
}

libnn_status libnn_model_load_buffer(const void *data, size_t size, libnn_model **out)
{
    static const char who[] = "model_load_buffer";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    libnn_tensor_file *f = NULL;
    libnn_status st = libnn_tensor_file_load_buffer(data, size, &f);
    return load_from(who, st, f, out);
}
