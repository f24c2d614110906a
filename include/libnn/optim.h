/*
 * libnn: optimizers.
 *
 * A libnn_optimizer is one Keras-style optimizer (SGD, Adam, AdamW, RMSprop,
 * Adagrad) with its options and learning-rate schedule. It is handed to a
 * model at compile; the model then owns it, binds it to its trainable
 * weights and calls it once per training step. The update rules are those
 * of Keras 3 (keras.optimizers), in float32.
 *
 * Options are keyed: libnn_optimizer_set_float(opt, LIBNN_OPT_BETA_1, 0.9).
 * Each kind has one table of the options it accepts (name, type, default,
 * bounds); setting an option the kind does not have, or a value out of its
 * bounds, is LIBNN_E_INVALID with a message such as
 * "adam has no option momentum" or "sgd: momentum must be <= 1, got 2".
 * Options may be changed at any time, also during training (a callback
 * lowering the learning rate), with one exception: an option that decides
 * which state buffers (slots) exist — SGD's and RMSprop's momentum between
 * zero and non-zero, Adam's amsgrad, RMSprop's centered — is fixed once the
 * optimizer is bound to a model (LIBNN_E_STATE).
 *
 * Every optimizer applies, in this order, as Keras 3 does: gradient
 * clipping (at most one of clipnorm, clipvalue, global_clipnorm), weight
 * decay (w -= w * weight_decay * lr), then its own update rule, with lr the
 * scheduled learning rate at the current iteration.
 *
 * Threading: one thread at a time per optimizer.
 */
#ifndef LIBNN_OPTIM_H
#define LIBNN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/status.h"

LIBNN_BEGIN_DECLS

typedef struct libnn_optimizer libnn_optimizer;

/* Option keys; values pinned (they appear in model files). Which kinds
 * accept which key is in the constructors' comments. Booleans are 0/1
 * through set_int; floats through set_float. */
typedef enum libnn_opt_param {
    LIBNN_OPT_LEARNING_RATE = 1,           /* float >= 0; all kinds */
    LIBNN_OPT_BETA_1 = 2,                  /* float in [0, 1), default 0.9 */
    LIBNN_OPT_BETA_2 = 3,                  /* float in [0, 1), default 0.999 */
    LIBNN_OPT_EPSILON = 4,                 /* float >= 0, default 1e-7 */
    LIBNN_OPT_AMSGRAD = 5,                 /* bool, default 0 */
    LIBNN_OPT_MOMENTUM = 6,                /* float in [0, 1], default 0 */
    LIBNN_OPT_NESTEROV = 7,                /* bool, default 0 */
    LIBNN_OPT_RHO = 8,                     /* float in [0, 1], default 0.9 */
    LIBNN_OPT_CENTERED = 9,                /* bool, default 0 */
    LIBNN_OPT_INITIAL_ACCUMULATOR_VALUE = 10, /* float >= 0, default 0.1; read at bind */
    /* Common to all kinds. */
    LIBNN_OPT_WEIGHT_DECAY = 11,           /* float >= 0, default 0 (AdamW: 0.004) */
    LIBNN_OPT_CLIPNORM = 12,               /* float >= 0; 0 = off: per-weight norm clip */
    LIBNN_OPT_CLIPVALUE = 13,              /* float >= 0; 0 = off: clip to [-v, v] */
    LIBNN_OPT_GLOBAL_CLIPNORM = 14,        /* float >= 0; 0 = off: norm over all weights */
    LIBNN_OPT_SCHEDULE = 15,               /* libnn_lr_schedule, default CONSTANT */
    LIBNN_OPT_DECAY_STEPS = 16,            /* int >= 1, unset (0) by default; exponential,
                                              inverse time, cosine: required */
    LIBNN_OPT_DECAY_RATE = 17,             /* float >= 0, unset (NaN) by default; exponential,
                                              inverse time: required */
    LIBNN_OPT_STAIRCASE = 18,              /* bool, default 0; exponential, inverse time */
    LIBNN_OPT_ALPHA = 19,                  /* float in [0, 1], default 0; cosine */
    LIBNN_OPT_WARMUP_STEPS = 20,           /* int >= 0, default 0; cosine */
    LIBNN_OPT_WARMUP_TARGET = 21           /* float >= 0, default unset (NaN): no warmup; cosine */
} libnn_opt_param;

/*
 * Learning-rate schedules (Keras' keras.optimizers.schedules), evaluated at
 * step = the optimizer's iteration count, with initial_learning_rate =
 * LIBNN_OPT_LEARNING_RATE. Unlike Keras, which refuses to set the learning
 * rate of a scheduled optimizer, setting LEARNING_RATE changes the
 * schedule's initial_learning_rate, effective from the next step (piecewise
 * constant has none and ignores it).
 * A schedule whose required options are missing makes the step fail with
 * LIBNN_E_INVALID naming the option. Values pinned.
 */
typedef enum libnn_lr_schedule {
    LIBNN_LR_CONSTANT = 0,           /* lr */
    LIBNN_LR_EXPONENTIAL_DECAY = 1,  /* lr * decay_rate^(step / decay_steps) (floored: staircase) */
    LIBNN_LR_PIECEWISE_CONSTANT = 2, /* libnn_optimizer_set_piecewise(); lr is not used */
    LIBNN_LR_COSINE_DECAY = 3,       /* CosineDecay with optional linear warmup */
    LIBNN_LR_INVERSE_TIME_DECAY = 4  /* lr / (1 + decay_rate * step / decay_steps) */
} libnn_lr_schedule;

/*
 * Constructors. Each writes a new, unbound optimizer to *out, owned by the
 * caller until it is handed to a model (free it with libnn_optimizer_free
 * otherwise). Errors: LIBNN_E_INVALID (out is NULL, or the learning rate is
 * negative or not finite; *out is then NULL), LIBNN_E_NOMEM.
 * All kinds take the common options WEIGHT_DECAY, CLIPNORM, CLIPVALUE,
 * GLOBAL_CLIPNORM, SCHEDULE and the schedule options.
 */

/* SGD. Options: MOMENTUM, NESTEROV. */
LIBNN_API libnn_status libnn_sgd_new(float learning_rate, libnn_optimizer **out);

/* Adam. Options: BETA_1, BETA_2, EPSILON, AMSGRAD. */
LIBNN_API libnn_status libnn_adam_new(float learning_rate, libnn_optimizer **out);

/* AdamW: Adam with WEIGHT_DECAY 0.004 by default, as Keras. */
LIBNN_API libnn_status libnn_adamw_new(float learning_rate, libnn_optimizer **out);

/* RMSprop. Options: RHO, MOMENTUM, EPSILON, CENTERED. */
LIBNN_API libnn_status libnn_rmsprop_new(float learning_rate, libnn_optimizer **out);

/* Adagrad. Options: INITIAL_ACCUMULATOR_VALUE, EPSILON. */
LIBNN_API libnn_status libnn_adagrad_new(float learning_rate, libnn_optimizer **out);

/* Free an optimizer and its state. NULL is ignored. Must not be called on
 * an optimizer a model owns (the model frees it). */
LIBNN_API void libnn_optimizer_free(libnn_optimizer *opt);

/*
 * Options. set_int takes integers, booleans and the schedule; set_float
 * takes float options. Setting CLIPNORM, CLIPVALUE or GLOBAL_CLIPNORM to a
 * non-zero value while another of the three is non-zero is LIBNN_E_INVALID
 * (set the other to 0 first). Errors: LIBNN_E_INVALID (NULL, a key the
 * kind does not have, the wrong type, a value out of bounds: the message
 * names the optimizer, the option and the bound), LIBNN_E_STATE (an option
 * that decides the slots, once bound). On error the option is unchanged.
 */
LIBNN_API libnn_status libnn_optimizer_set_int(libnn_optimizer *opt, libnn_opt_param key,
                                               int64_t value);
LIBNN_API libnn_status libnn_optimizer_set_float(libnn_optimizer *opt, libnn_opt_param key,
                                                 double value);
/* Read an option (its default when never set; WARMUP_TARGET unset is NaN).
 * get_int refuses float options. Errors: LIBNN_E_INVALID. */
LIBNN_API libnn_status libnn_optimizer_get_int(const libnn_optimizer *opt, libnn_opt_param key,
                                               int64_t *value);
LIBNN_API libnn_status libnn_optimizer_get_float(const libnn_optimizer *opt, libnn_opt_param key,
                                                 double *value);

/*
 * Keras' PiecewiseConstantDecay: the learning rate is values[0] while
 * step <= boundaries[0], values[i] while boundaries[i-1] < step <=
 * boundaries[i], and values[n_boundaries] after the last boundary.
 * `boundaries` (n_boundaries entries, strictly increasing) and `values`
 * (n_boundaries + 1 finite entries >= 0) are copied, and the schedule is
 * switched to LIBNN_LR_PIECEWISE_CONSTANT.
 * Errors: LIBNN_E_INVALID (NULL arrays, a bad value: the message gives its
 * index), LIBNN_E_NOMEM. On error the previous arrays and schedule stay.
 */
LIBNN_API libnn_status libnn_optimizer_set_piecewise(libnn_optimizer *opt, size_t n_boundaries,
                                                     const int64_t *boundaries,
                                                     const float *values);

/* Number of update steps taken since the optimizer was last bound; 0 for
 * NULL. */
LIBNN_API int64_t libnn_optimizer_iterations(const libnn_optimizer *opt);

/* Set the step count (the learning-rate schedule and Adam's bias
 * correction follow it), as a checkpoint restores it or a data-parallel
 * worker copies it from another. Errors: LIBNN_E_INVALID (NULL, negative). */
LIBNN_API libnn_status libnn_optimizer_set_iterations(libnn_optimizer *opt, int64_t iterations);

/* Keras' class name of the kind ("Adam", "SGD"); static, NULL for NULL. */
LIBNN_API const char *libnn_optimizer_kind_name(const libnn_optimizer *opt);

/* The learning rate the next step will use (the schedule at the current
 * iteration); NaN for NULL. With a schedule that lacks a required option
 * (decay_steps, ...) it is the plain LEARNING_RATE; the step reports the
 * missing option. */
LIBNN_API double libnn_optimizer_learning_rate(const libnn_optimizer *opt);

LIBNN_END_DECLS

#endif /* LIBNN_OPTIM_H */
