/*
 * libnn_model_to_json and libnn_model_from_json: the architecture record on
 * its own, as Keras' model.to_json() and model_from_json().
 */
#include <string.h>

#include "arch_internal.h"
#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "libnn/model_file.h"
#include "model_file_internal.h"
#include "model_internal.h"
#include "text/json_parse_internal.h"

/* Python's json.dumps() layout, as Keras writes it. */
#define ARCH_DUMP_FLAGS (JSON_PRESERVE_ORDER)

libnn_status lnn_json_text(const char *who, json_t *root, char **out)
{
    size_t len = root ? json_dumpb(root, NULL, 0, ARCH_DUMP_FLAGS) : 0;
    char *text = len ? lnn_malloc(len + 1) : NULL;
    bool ok = text && json_dumpb(root, text, len, ARCH_DUMP_FLAGS) == len;
    json_decref(root);
    if (!ok || lnn_json_failed()) {
        lnn_free(text);
        return lnn_error_nomem(who, len + 1);
    }
    text[len] = '\0';
    *out = text;
    return LIBNN_OK;
}

libnn_status lnn_arch_dump(const libnn_model *m, char **out)
{
    *out = NULL;
    if (!m->has_input)
        return lnn_error(LIBNN_E_STATE, "model_to_json: the model has no input shape");
    lnn_json_begin();
    return lnn_json_text("model_to_json", lnn_arch_write(m), out);
}

libnn_status libnn_model_to_json(const libnn_model *model, char *buf, size_t capacity,
                                 size_t *needed)
{
    if (!model || (!buf && capacity > 0))
        return lnn_error(LIBNN_E_INVALID, "model_to_json: %s is NULL", model ? "buf" : "model");
    char *text;
    libnn_status st = lnn_arch_dump(model, &text);
    if (st != LIBNN_OK)
        return st;
    size_t n = strlen(text);
    if (needed)
        *needed = n;
    if (capacity > 0) {
        size_t k = n < capacity - 1 ? n : capacity - 1;
        memcpy(buf, text, k);
        buf[k] = '\0';
    }
    lnn_free(text);
    return LIBNN_OK;
}

libnn_status lnn_arch_parse(const char *who, const char *text, size_t len, libnn_model **out)
{
    *out = NULL;
    if (len > LNN_ARCH_MAX_BYTES)
        return lnn_error(LIBNN_E_FORMAT, "%s: the architecture has %zu bytes, more than the %zu "
                                         "allowed", who, len, LNN_ARCH_MAX_BYTES);
    json_t *root;
    libnn_status st = lnn_json_parse_object(who, "the architecture", text, len, &root);
    if (st != LIBNN_OK)
        return st;
    lnn_json_begin();
    st = lnn_arch_read(root, out);
    if (lnn_json_failed() && st == LIBNN_OK) {
        libnn_model_free(*out);
        *out = NULL;
        st = lnn_error_nomem(who, 0);
    }
    json_decref(root);
    return st;
}

libnn_status libnn_model_from_json(const char *json, libnn_model **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "model_from_json: out is NULL");
    *out = NULL;
    if (!json)
        return lnn_error(LIBNN_E_INVALID, "model_from_json: json is NULL");
    return lnn_arch_parse("model_from_json", json, strlen(json), out);
}
