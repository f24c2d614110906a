/*
 * Helpers of the PyTorch fixture suites; see fixture_helpers.h.
 */
#include <check.h>
#include <string.h>

#include "fixture_helpers.h"

const float *fx_data(const libnn_tensor *t)
{
    return libnn_tensor_data((libnn_tensor *)t);
}

const libnn_tensor *fx_find_tensor(const libnn_tensor_file *f, const char *name)
{
    const libnn_tensor *t = NULL;
    return libnn_tensor_file_get(f, name, &t) == LIBNN_OK ? t : NULL;
}

const libnn_tensor *fx_tensor(const libnn_tensor_file *f, const char *name,
                              const char *case_name)
{
    const libnn_tensor *t = fx_find_tensor(f, name);
    ck_assert_msg(t != NULL, "%s: no tensor \"%s\"", case_name, name);
    return t;
}

json_t *fx_metadata_json(const libnn_tensor_file *f, const char *key, const char *case_name)
{
    const char *text = libnn_tensor_file_metadata_get(f, key);
    ck_assert_msg(text != NULL, "%s: no metadata \"%s\"", case_name, key);
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    ck_assert_msg(j != NULL, "%s: metadata %s: %s", case_name, key, err.text);
    return j;
}

const lnn_param_def *fx_param_named(const libnn_layer *l, const char *name)
{
    for (size_t i = 0; i < l->ops->n_params; i++)
        if (strcmp(l->ops->params[i].name, name) == 0)
            return &l->ops->params[i];
    return NULL;
}
