/*
 * Model files: placeholders until the implementation lands (issue 10).
 */
#include "core/error_internal.h"
#include "libnn/model_file.h"
#include "model_internal.h"

#define LNN_TODO(what) lnn_error(LIBNN_E_UNSUPPORTED, "%s: not implemented yet", what)

libnn_status libnn_model_to_json(const libnn_model *model, char *buf, size_t capacity,
                                 size_t *needed)
{
    return LNN_TODO("model_to_json");
}

libnn_status libnn_model_from_json(const char *json, libnn_model **out)
{
    if (out)
        *out = NULL;
    return LNN_TODO("model_from_json");
}

libnn_status libnn_model_save(const libnn_model *model, const char *path, unsigned flags)
{
    return LNN_TODO("model_save");
}

libnn_status libnn_model_save_buffer(const libnn_model *model, unsigned flags, void *buf,
                                     size_t capacity, size_t *needed)
{
    return LNN_TODO("model_save_buffer");
}

libnn_status libnn_model_load(const char *path, libnn_model **out)
{
    if (out)
        *out = NULL;
    return LNN_TODO("model_load");
}

libnn_status libnn_model_load_buffer(const void *data, size_t size, libnn_model **out)
{
    if (out)
        *out = NULL;
    return LNN_TODO("model_load_buffer");
}

libnn_status libnn_model_save_weights(const libnn_model *model, const char *path)
{
    return LNN_TODO("model_save_weights");
}

libnn_status libnn_model_load_weights(libnn_model *model, const char *path, unsigned flags)
{
    return LNN_TODO("model_load_weights");
}

libnn_status libnn_model_checkpoint_new(const char *filepath, const char *monitor,
                                        libnn_callback **out)
{
    if (out)
        *out = NULL;
    return LNN_TODO("model_checkpoint_new");
}

bool lnn_is_model_checkpoint(const libnn_callback *cb)
{
    return false;
}

libnn_status lnn_model_checkpoint_set(libnn_callback *cb, libnn_callback_option key, double v)
{
    return LNN_TODO("model_checkpoint options");
}
