/*
 * Private: how a model drives an optimizer.
 *
 * At compile the model binds the optimizer to its trainable weights (the
 * optimizer allocates its slots then, once); each training step the model
 * fills the gradients and calls lnn_optimizer_step(), which allocates
 * nothing. The gradients are the already averaged batch gradients
 * (loss reduction is the mean over the batch).
 */
#ifndef LIBNN_OPTIM_INTERNAL_H
#define LIBNN_OPTIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnn/optim.h"

/* One trainable weight: value and gradient of `size` floats. */
typedef struct lnn_param_ref {
    float *value;
    float *grad;
    size_t size;
    const char *name; /* "dense_1/kernel", for messages; borrowed */
} lnn_param_ref;

/*
 * Bind to `n` weights (the array is copied; the buffers stay the caller's)
 * and allocate the slots (moments, accumulators), zero or, for Adagrad, its
 * initial_accumulator_value as Keras starts them. Binding again replaces
 * the previous binding and its slots, and resets the iteration count.
 * Errors: LIBNN_E_NOMEM (the optimizer is then unbound).
 */
libnn_status lnn_optimizer_bind(libnn_optimizer *opt, size_t n, const lnn_param_ref *params);

/*
 * One update of every bound weight from its gradient, in Keras' order:
 * clipping (clipvalue, clipnorm per weight, global_clipnorm over all), the
 * learning-rate schedule at the current iteration, decoupled weight decay,
 * the update rule; then iterations += 1. Gradients may be modified (clipped) in
 * place. Allocates nothing. Errors: LIBNN_E_STATE when not bound;
 * LIBNN_E_NONFINITE when a gradient is NaN/Inf (nothing is updated then).
 */
libnn_status lnn_optimizer_step(libnn_optimizer *opt);

/* The learning rate the next step will use (schedule applied). */
double lnn_optimizer_current_lr(const libnn_optimizer *opt);

/* Slots of the bound weights as named tensors for checkpoints: count, then
 * name ("m", "v", ...) and buffer of the slot s of weight i. */
size_t lnn_optimizer_slot_count(const libnn_optimizer *opt);
const char *lnn_optimizer_slot_name(const libnn_optimizer *opt, size_t slot);
float *lnn_optimizer_slot(libnn_optimizer *opt, size_t slot, size_t weight);

/* Additions for compile, checkpoints and the model file. */

/* Check that the options form a usable configuration (a selected schedule
 * has its required options: "adam: schedule exponential_decay needs
 * decay_steps"), as the step will: for compile, to fail early.
 * Errors: LIBNN_E_INVALID. lnn_optimizer_step checks the same and returns
 * LIBNN_E_INVALID too, before touching anything. */
libnn_status lnn_optimizer_validate(const libnn_optimizer *opt);

/* Restore the iteration count from a checkpoint (after bind, which resets
 * it). Errors: LIBNN_E_INVALID (negative). */
libnn_status lnn_optimizer_set_iterations(libnn_optimizer *opt, int64_t iterations);

/* New optimizer from its Keras class name ("Adam"), for loading a model
 * file. Errors: LIBNN_E_NOTFOUND, and those of the constructors. */
libnn_status lnn_optimizer_new_named(const char *class_name, float learning_rate,
                                     libnn_optimizer **out);

/* The kind's options in table order, for the model file's record: key,
 * Keras name ("beta_1") and current value of row i; false past the end. */
bool lnn_optimizer_option(const libnn_optimizer *opt, size_t i, libnn_opt_param *key,
                          const char **name, double *value);
/* Row i's type and, for an integer row (step count, boolean, schedule),
 * its exact value: what lnn_optimizer_option gives as a double is exact
 * only up to 2^53. false past the end. */
bool lnn_optimizer_option_int(const libnn_optimizer *opt, size_t i, bool *is_int,
                              int64_t *int_value);

/* The piecewise-constant arrays (borrowed; n + 1 values); returns n, or 0
 * with NULL arrays when none were set. */
size_t lnn_optimizer_piecewise(const libnn_optimizer *opt, const int64_t **boundaries,
                               const float **values);

/* optim_config.c: whether an option is an integer one (int, bool, schedule). */
bool lnn_optimizer_option_is_int(const libnn_optimizer *opt, libnn_opt_param key);

/* A new unbound optimizer of the same kind and options (schedule, piecewise
 * arrays included); no slots, iteration 0. Errors: LIBNN_E_NOMEM. */
libnn_status lnn_optimizer_clone(const libnn_optimizer *src, libnn_optimizer **out);

#endif
