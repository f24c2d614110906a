/*
 * libnn: model selection — k-fold cross-validation of a compiled model.
 *
 *   libnn_cv_results *r;  double mean, std;
 *   libnn_model_add_callback(m, early_stopping);      // runs in every fold
 *   libnn_cross_validate(m, x, y, 5, 20, 32, LIBNN_SPLIT_SHUFFLE, &r);
 *   libnn_cv_results_mean(r, "test_accuracy", &mean);
 *   libnn_cv_results_std(r, "test_accuracy", &std);
 *   libnn_cv_results_free(r);
 *
 * Each fold trains a clone of the model (libnn_model_clone: same layers,
 * options, optimizer settings, loss and metrics) with fresh weights from
 * its own seed, on the k - 1 other folds, then evaluates it on the held-out
 * fold and on its own training rows. `model` itself is not trained.
 *
 * The folds are libnn_kfold's (libnn_stratified_kfold's with
 * LIBNN_SPLIT_STRATIFY, y then being class labels), shuffled with
 * LIBNN_SPLIT_SHUFFLE by the model's seed (LIBNN_MODEL_SEED); or the
 * caller's own partition with libnn_cross_validate_folds. Fold i's clone is
 * seeded with (model seed + i) mod 2^63, which decides its initial weights,
 * its batch order and its dropout masks: a run is reproducible, and a
 * different model seed gives different folds and weights.
 *
 * Callbacks: the callbacks added to `model` run in every fold's fit, as if
 * added to that fold's clone (the clone is the `model` they are called
 * with); the built-in ones restart at every fit, so EarlyStopping watches
 * each fold on its own. A CSVLogger rewrites its file in every fold unless
 * LIBNN_CB_APPEND is set; a ModelCheckpoint saves every fold's models. The
 * model's LIBNN_MODEL_VALIDATION_SPLIT carries over (clones copy options):
 * EarlyStopping on "val_loss" then watches the last part of each fold's
 * training rows, never the held-out fold. Class weights are copied to the
 * clones and sample weights (libnn_model_set_sample_weights) are split with
 * the samples; validation data set with libnn_model_set_validation_data is
 * not used.
 *
 * Memory: one fold's copy of the data at a time (its training and held-out
 * rows: as much as x and y once), plus one clone.
 *
 * Threading: as model.h; the model and the data must not change during the
 * call.
 */
#ifndef LIBNN_MODEL_SELECTION_H
#define LIBNN_MODEL_SELECTION_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/data.h"
#include "libnn/export.h"
#include "libnn/model.h"
#include "libnn/status.h"
#include "libnn/tensor.h"

LIBNN_BEGIN_DECLS

typedef struct libnn_cv_results libnn_cv_results;

/*
 * k-fold cross-validation of the compiled `model` on (x, y): per fold,
 * train a fresh clone for `epochs` epochs in batches of `batch_size`, then
 * evaluate it (batch_size again). flags: LIBNN_SPLIT_SHUFFLE and
 * LIBNN_SPLIT_STRATIFY (libnn_split_flag). On success *out (owned by the
 * caller, libnn_cv_results_free) holds, per fold:
 *   "test_loss", "test_<metric>"   on the held-out fold (as evaluate),
 *   "train_loss", "train_<metric>" on the fold's training rows, after
 *                                  training, in inference mode,
 *   "epochs"                       the epochs trained (fewer than `epochs`
 *                                  when a callback stopped the fit),
 * where <metric> runs over the model's compiled metrics ("accuracy", ...).
 * The loss is the compiled loss without regularisation terms, as evaluate.
 * On failure *out is NULL and nothing is left allocated; a failure inside
 * a fold says which, counting from 1 ("cross_validate: fold 3/5: fit: ...").
 * Errors: LIBNN_E_INVALID (NULL argument, unknown flags, k < 2, epochs or
 * batch_size < 1), LIBNN_E_STATE (model not compiled), LIBNN_E_SHAPE (x
 * and y differ in length, data that does not fit the model), LIBNN_E_RANGE
 * (k > samples; labels that are not class labels with STRATIFY), and every
 * error of libnn_model_fit and libnn_model_evaluate.
 */
LIBNN_API libnn_status libnn_cross_validate(libnn_model *model, const libnn_tensor *x,
                                            const libnn_tensor *y, int64_t k, int64_t epochs,
                                            int64_t batch_size, unsigned flags,
                                            libnn_cv_results **out);

/*
 * As libnn_cross_validate over the caller's partition `folds` (borrowed,
 * for as many samples as x has): fold i trains on folds' training indices
 * of fold i and is tested on its test indices.
 * Errors: as libnn_cross_validate; LIBNN_E_SHAPE when folds partition
 * another number of samples.
 */
LIBNN_API libnn_status libnn_cross_validate_folds(libnn_model *model, const libnn_tensor *x,
                                                  const libnn_tensor *y, const libnn_folds *folds,
                                                  int64_t epochs, int64_t batch_size,
                                                  libnn_cv_results **out);

/* Free results. NULL is ignored. */
LIBNN_API void libnn_cv_results_free(libnn_cv_results *results);

/* Number of folds; 0 for NULL. */
LIBNN_API size_t libnn_cv_results_fold_count(const libnn_cv_results *results);

/* Number of named values, and the name of the ith ("test_loss", ...;
 * borrowed, valid until libnn_cv_results_free; NULL when out of range). */
LIBNN_API size_t libnn_cv_results_count(const libnn_cv_results *results);
LIBNN_API const char *libnn_cv_results_name(const libnn_cv_results *results, size_t index);

/*
 * The value `name` of fold `fold`; the mean over the folds; and their
 * population standard deviation (ddof = 0, NumPy's default, what
 * `scores.std()` prints for scikit-learn's cross_validate), sqrt(sum((v -
 * mean)^2) / k). Errors: LIBNN_E_INVALID (NULL), LIBNN_E_NOTFOUND (no such
 * name), LIBNN_E_RANGE (fold >= k).
 */
LIBNN_API libnn_status libnn_cv_results_get(const libnn_cv_results *results, const char *name,
                                            size_t fold, double *value);
LIBNN_API libnn_status libnn_cv_results_mean(const libnn_cv_results *results, const char *name,
                                             double *value);
LIBNN_API libnn_status libnn_cv_results_std(const libnn_cv_results *results, const char *name,
                                            double *value);

LIBNN_END_DECLS

#endif /* LIBNN_MODEL_SELECTION_H */
