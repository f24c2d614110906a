/*
 * libnn: whole models in and out of the process — architecture as JSON,
 * model files, checkpoints, weights-only files, clones.
 *
 *   libnn_model_save(m, "mnist.safetensors", 0);          one call out
 *   libnn_model_load("mnist.safetensors", &m2);           one call in: ready to predict
 *   libnn_model_save(m, "ckpt.safetensors", LIBNN_SAVE_CHECKPOINT);
 *   libnn_model_load("ckpt.safetensors", &m3);            fit goes on exactly
 *
 * A model file is a safetensors file (docs/file-format.md): the weights as
 * "layers.<index>.<weight>" in Keras layouts, and "__metadata__" with
 * "format": "libnn", "format_version", "libnn_version", "architecture" (the
 * JSON of libnn_model_to_json) and "training_config" (loss, its options,
 * metrics, optimizer). A checkpoint adds the optimizer's iteration count and
 * slot tensors ("optimizer.<slot>.layers.<index>.<weight>"), the epoch
 * reached and every random generator's state.
 *
 * Loading trusts nothing: everything is validated before anything is built,
 * and a bad file is LIBNN_E_FORMAT (LIBNN_E_UNSUPPORTED for a newer format
 * version) with a message naming the field or tensor at fault. Saving is
 * atomic as libnn_tensor_file_save: a failed save leaves the previous file
 * byte-identical.
 *
 * Threading: as model.h; saving reads the model, so no other thread may
 * train it meanwhile.
 */
#ifndef LIBNN_MODEL_FILE_H
#define LIBNN_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/model.h"
#include "libnn/status.h"

LIBNN_BEGIN_DECLS

/* The model file format version this libnn writes (and the newest it reads). */
#define LIBNN_MODEL_FORMAT_VERSION 1

/* Flags of libnn_model_save and libnn_model_save_buffer; values pinned. */
typedef enum libnn_save_flag {
    LIBNN_SAVE_CHECKPOINT = 1 /* also the optimizer's state, the epoch and the RNG states */
} libnn_save_flag;

/* Flags of libnn_model_load_weights; values pinned. */
typedef enum libnn_weights_flag {
    LIBNN_WEIGHTS_BY_POSITION = 1 /* match layers by position when a name is not found */
} libnn_weights_flag;

/* Flags of libnn_model_clone; values pinned. */
typedef enum libnn_clone_flag {
    LIBNN_CLONE_WEIGHTS = 1 /* copy the weights (default: fresh weights from `seed`) */
} libnn_clone_flag;

/*
 * The architecture as Keras' model.to_json() shapes it:
 * {"class_name": "Sequential", "config": {"name": ..., "layers": [...]}},
 * the first entry an InputLayer with the input shape, each layer with its
 * name and every option. Works on compiled and uncompiled models (an input
 * shape is needed). Into buf (capacity bytes, always NUL-terminated when
 * capacity > 0) as snprintf; *needed (may be NULL) receives the length
 * without the NUL; a short buffer is not an error.
 * Errors: LIBNN_E_INVALID (NULL model, buf NULL with capacity > 0),
 * LIBNN_E_STATE (no input shape), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_to_json(const libnn_model *model, char *buf, size_t capacity,
                                           size_t *needed);

/*
 * A new uncompiled model from architecture JSON (libnn's or Keras'
 * model.to_json() for the layers libnn has). Keras option names libnn
 * spells otherwise are mapped; an option libnn does not know is an error
 * naming the layer and the key. On success *out is owned by the caller;
 * on failure it is NULL.
 * Errors: LIBNN_E_INVALID (NULL argument), LIBNN_E_FORMAT (not JSON, wrong
 * structure, unknown class or option, value out of bounds: the message names
 * the layer and field), LIBNN_E_UNSUPPORTED (a Keras option value libnn does
 * not implement), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_from_json(const char *json, libnn_model **out);

/*
 * Save a compiled model to `path` atomically (see libnn_tensor_file_save).
 * flags: 0 or LIBNN_SAVE_CHECKPOINT. The same model always gives the same
 * bytes, and load followed by save reproduces the file byte for byte.
 * Errors: LIBNN_E_INVALID (NULL argument, unknown flag), LIBNN_E_STATE (not
 * compiled), LIBNN_E_IO (the message names the path and the reason),
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_save(const libnn_model *model, const char *path, unsigned flags);

/*
 * The bytes libnn_model_save would write, into buf, as
 * libnn_tensor_file_save_buffer: *needed always receives the size; the
 * bytes are written only when capacity >= *needed, else LIBNN_E_RANGE.
 * Errors: LIBNN_E_INVALID, LIBNN_E_STATE, LIBNN_E_RANGE, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_save_buffer(const libnn_model *model, unsigned flags, void *buf,
                                               size_t capacity, size_t *needed);

/*
 * Load a model file: a new compiled model with the saved weights, loss,
 * metrics and optimizer, ready to predict, evaluate and train. From a
 * checkpoint the optimizer's state, the epoch (LIBNN_MODEL_INITIAL_EPOCH)
 * and the random generators are restored too, so fit continues exactly as
 * if it had not stopped. On success *out is owned by the caller; on failure
 * it is NULL.
 * Errors: LIBNN_E_INVALID, LIBNN_E_IO, LIBNN_E_FORMAT, LIBNN_E_UNSUPPORTED
 * (a newer format version), LIBNN_E_RANGE, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_load(const char *path, libnn_model **out);

/* As libnn_model_load from `size` bytes at `data` (read only during the
 * call). Errors as libnn_model_load, but LIBNN_E_IO. */
LIBNN_API libnn_status libnn_model_load_buffer(const void *data, size_t size, libnn_model **out);

/*
 * Weights only (Keras' save_weights): a safetensors file of
 * "layers.<index>.<weight>" tensors with each layer's name in the metadata.
 * Errors: LIBNN_E_INVALID, LIBNN_E_STATE (not compiled), LIBNN_E_IO,
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_save_weights(const libnn_model *model, const char *path);

/*
 * Load weights into a compiled model, layer by layer matched by name (with
 * LIBNN_WEIGHTS_BY_POSITION, by position when no layer has the name).
 * All-or-nothing: nothing changes unless every weight fits.
 * Errors: LIBNN_E_INVALID, LIBNN_E_STATE (not compiled), LIBNN_E_IO,
 * LIBNN_E_FORMAT (a layer or weight missing or extra), LIBNN_E_SHAPE (the
 * message names the first mismatching layer, weight and both shapes),
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_load_weights(libnn_model *model, const char *path,
                                                unsigned flags);

/*
 * A new model with the same architecture and options (LIBNN_MODEL_SEED set
 * to `seed`); when `model` is compiled the clone is compiled too, with a
 * fresh optimizer of the same kind and settings, the same loss, loss
 * options and metrics, and weights initialised from `seed`, or copied with
 * LIBNN_CLONE_WEIGHTS. Callbacks, validation data, sample and class weights
 * and the history are not cloned. On success *out is owned by the caller.
 * Errors: LIBNN_E_INVALID (NULL argument, negative seed, unknown flag),
 * LIBNN_E_STATE (no input shape), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_clone(const libnn_model *model, int64_t seed, unsigned flags,
                                         libnn_model **out);

/*
 * Keras' ModelCheckpoint: after each epoch (or every LIBNN_CB_SAVE_FREQ
 * batches) save the model to a path made from `filepath`, where "{epoch}"
 * becomes the epoch number (from 1, as Keras), "{epoch:03d}" a padded one
 * and "{name}" or "{name:.4f}" a log value ("{val_loss:.4f}"). `monitor`
 * (NULL: "val_loss") with LIBNN_CB_MODE decides "best" for
 * LIBNN_CB_SAVE_BEST_ONLY. LIBNN_CB_SAVE_WEIGHTS_ONLY writes weights-only
 * files; otherwise checkpoints (LIBNN_SAVE_CHECKPOINT). Both strings are
 * copied. A save that fails makes fit return its error (LIBNN_E_IO).
 * Errors: LIBNN_E_INVALID (NULL or empty filepath, a malformed {...}
 * field), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_model_checkpoint_new(const char *filepath, const char *monitor,
                                                  libnn_callback **out);

LIBNN_END_DECLS

#endif /* LIBNN_MODEL_FILE_H */
