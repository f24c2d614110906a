/*
 * Helpers of the suites that run the committed PyTorch fixtures
 * (test_fixtures.c, test_rnn_fixtures.c): the tensors and JSON metadata of
 * a fixture file, and a layer's options by name. Failures are Check
 * assertions that name the case.
 */
#ifndef LIBNN_FIXTURE_HELPERS_H
#define LIBNN_FIXTURE_HELPERS_H

#include <jansson.h>

#include "layers/layer_internal.h"
#include "libnn.h"

/* The file lends its tensors read-only; libnn_tensor_data takes a mutable one. */
const float *fx_data(const libnn_tensor *t);

/* The tensor `name`, or NULL when the case has none. */
const libnn_tensor *fx_find_tensor(const libnn_tensor_file *f, const char *name);

/* The tensor `name`, which the case must have. */
const libnn_tensor *fx_tensor(const libnn_tensor_file *f, const char *name,
                              const char *case_name);

/* The metadata `key`, which the case must have, parsed as JSON (the caller
 * json_decref's it). */
json_t *fx_metadata_json(const libnn_tensor_file *f, const char *key, const char *case_name);

/* The row of the layer kind's parameter table named `name`, or NULL. */
const lnn_param_def *fx_param_named(const libnn_layer *l, const char *name);

#endif
