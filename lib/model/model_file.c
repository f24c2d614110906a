/*
 * Model files: placeholders until the implementation lands (issue 10).
 */
#include "core/error_internal.h"
#include "libnn/model_file.h"
#include "model_internal.h"

#define LNN_TODO(what) lnn_error(LIBNN_E_UNSUPPORTED, "%s: not implemented yet", what)

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
