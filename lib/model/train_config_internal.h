/*
 * Private: a model's compiled state as JSON objects for its files.
 */
#ifndef LIBNN_TRAIN_CONFIG_INTERNAL_H
#define LIBNN_TRAIN_CONFIG_INTERNAL_H

#include <jansson.h>

#include "libnn/model.h"

/* {"loss": {...}, "metrics": [...], "optimizer": {...}, "options": {...}}
 * of a compiled model; NULL on allocation failure. */
json_t *lnn_train_config_write(const libnn_model *m);

/* {"iterations": n, "epoch": e, "rng": [4 hex words]}; NULL on failure. */
json_t *lnn_checkpoint_state_write(const libnn_model *m);

/* Compile the uncompiled model m as the training configuration says.
 * Errors: LIBNN_E_FORMAT (naming the field), LIBNN_E_NOMEM. */
libnn_status lnn_train_config_read(const json_t *root, libnn_model *m);

/* Restore iterations, epoch (and so LIBNN_MODEL_INITIAL_EPOCH) and the
 * generator of compiled m. Errors: LIBNN_E_FORMAT. */
libnn_status lnn_checkpoint_state_read(const json_t *root, libnn_model *m);

#endif
