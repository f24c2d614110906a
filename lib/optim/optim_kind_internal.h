/*
 * Private: the optimizer object and what one optimizer kind provides.
 *
 * A kind is one file that defines an lnn_optim_ops: its option table, the
 * slots (state buffers) it may keep per weight and its update rule for one
 * weight. optimizer.c does everything common: binding, the finiteness
 * check, clipping, weight decay and the iteration count; optim_params.c the
 * option tables; schedule.c the learning rate at a step.
 */
#ifndef LIBNN_OPTIM_KIND_INTERNAL_H
#define LIBNN_OPTIM_KIND_INTERNAL_H

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/params_internal.h"
#include "optim_internal.h"

/* One past the last libnn_opt_param: options are stored by key. */
#define LNN_OPT_KEY_END (LIBNN_OPT_WARMUP_TARGET + 1)
/* Most slots a kind may keep per weight (Adam with amsgrad, centered
 * RMSprop with momentum). */
#define LNN_OPT_MAX_SLOTS 3

/* Option rows (core/params_internal.h): K is the key without LIBNN_OPT_,
 * n its Keras name. Integer and boolean options are stored as int64_t
 * (lnn_param_value.i), floats as double (.f), by key. */
#define LNN_OPT_FLOAT(K, n, d, lo, hi) LNN_PARAM_FLOAT(LIBNN_OPT_##K, #n, d, lo, hi)
#define LNN_OPT_FRACTION_OPEN(K, n, d) LNN_PARAM_FRACTION_OPEN(LIBNN_OPT_##K, #n, d)
#define LNN_OPT_BOOL(K, n, d) LNN_PARAM_BOOL(LIBNN_OPT_##K, #n, d)
#define LNN_OPT_INT(K, n, d, lo, hi) LNN_PARAM_INT(LIBNN_OPT_##K, #n, d, lo, hi)
#define LNN_OPT_NONNEG(K, n, d) LNN_OPT_FLOAT(K, n, d, 0, DBL_MAX)

/* The rows every kind has; wd is the kind's default weight decay. */
#define LNN_OPT_COMMON_ROWS(wd)                                                                  \
    LNN_OPT_NONNEG(LEARNING_RATE, learning_rate, 0.001),                                         \
    LNN_OPT_NONNEG(WEIGHT_DECAY, weight_decay, wd), LNN_OPT_NONNEG(CLIPNORM, clipnorm, 0),       \
    LNN_OPT_NONNEG(CLIPVALUE, clipvalue, 0), LNN_OPT_NONNEG(GLOBAL_CLIPNORM, global_clipnorm, 0), \
    LNN_PARAM_ENUM(LIBNN_OPT_SCHEDULE, "schedule", LIBNN_LR_CONSTANT,                            \
                   LIBNN_LR_INVERSE_TIME_DECAY + 1, lnn_schedule_name),                          \
    LNN_OPT_INT(DECAY_STEPS, decay_steps, 0, 1, LNN_INT_NO_MAX),                                 \
    LNN_OPT_NONNEG(DECAY_RATE, decay_rate, NAN), LNN_OPT_BOOL(STAIRCASE, staircase, 0),          \
    LNN_OPT_FLOAT(ALPHA, alpha, 0, 0, 1),                                                        \
    LNN_OPT_INT(WARMUP_STEPS, warmup_steps, 0, 0, LNN_INT_NO_MAX),                               \
    LNN_OPT_NONNEG(WARMUP_TARGET, warmup_target, NAN)

/* What the update rule of one step sees besides the weight. */
typedef struct lnn_opt_step {
    const lnn_param_value *opt; /* options by key */
    float lr;          /* the scheduled learning rate */
    int64_t t;         /* 1-based number of this step (iterations + 1) */
} lnn_opt_step;

typedef struct lnn_optim_ops {
    const char *class_name; /* Keras' class: "Adam" */
    const char *prefix;     /* in messages: "adam" */
    const lnn_param_def *params;
    size_t n_params;
    /* Every slot the kind may keep, by the index its update uses ("momentum"
     * as Keras names the variables). */
    const char *const *slot_names;
    size_t n_slot_kinds;
    /* Bit s set: slot s is in use with these options. */
    unsigned (*slot_mask)(const lnn_param_value *opt);
    /* Starting value of slot s (NULL: all zero). */
    float (*slot_init)(const lnn_param_value *opt, size_t slot);
    /* One weight of n floats; slot[s] is NULL for a slot not in use. */
    void (*update)(const lnn_opt_step *s, float *w, const float *g, float *const *slot, size_t n);
} lnn_optim_ops;

/* A kind's ops from its tables and functions (init_fn may be NULL). */
#define LNN_OPTIM_OPS(cls, pfx, table, slots, mask_fn, init_fn, update_fn)                     \
    {                                                                                          \
        .class_name = cls, .prefix = pfx, .params = table,                                     \
        .n_params = sizeof table / sizeof table[0], .slot_names = slots,                       \
        .n_slot_kinds = sizeof slots / sizeof slots[0], .slot_mask = mask_fn,                  \
        .slot_init = init_fn, .update = update_fn,                                             \
    }

/* A bound weight and where its part of each slot starts. */
typedef struct lnn_opt_binding {
    lnn_param_ref ref;
    size_t offset;
} lnn_opt_binding;

struct libnn_optimizer {
    const lnn_optim_ops *ops;
    lnn_param_value opt[LNN_OPT_KEY_END]; /* by key; keys the kind lacks stay unused */
    int64_t iterations;

    /* Piecewise-constant schedule: n boundaries, n + 1 values; one block
     * owned through pw_boundaries. */
    size_t pw_n;
    int64_t *pw_boundaries;
    float *pw_values;

    /* Binding: the weights, the slot mask fixed then, and one block of
     * n_slots * total floats. slot_base[s] is slot s's part, NULL if the
     * slot is not in use. */
    bool bound;
    size_t n_params;
    lnn_opt_binding *params;
    unsigned slot_mask;
    size_t n_slots, total;
    float *slots;
    float *slot_base[LNN_OPT_MAX_SLOTS];
};

extern const lnn_optim_ops lnn_sgd_ops, lnn_adam_ops, lnn_adamw_ops, lnn_rmsprop_ops,
    lnn_adagrad_ops;

/* New unbound optimizer of a kind with its defaults and learning_rate
 * validated by the table. *out is NULL on failure. */
libnn_status lnn_optimizer_create(const lnn_optim_ops *ops, float learning_rate,
                                  libnn_optimizer **out);

/* The Keras spelling of a key ("global_clipnorm"), NULL if unknown. */
const char *lnn_opt_key_name(libnn_opt_param key);
/* The kind's row for a key, NULL if it has none. */
const lnn_param_def *lnn_opt_find(const lnn_optim_ops *ops, libnn_opt_param key);

/* Schedules (schedule.c). The learning rate at `step`; missing options
 * fall back to the plain learning rate (lnn_schedule_check reports them). */
double lnn_schedule_lr(const libnn_optimizer *opt, int64_t step);
/* LIBNN_E_INVALID when the selected schedule lacks a required option. */
libnn_status lnn_schedule_check(const libnn_optimizer *opt);
/* "exponential_decay"; NULL for an unknown value. */
const char *lnn_schedule_name(int schedule);
/* Free the piecewise arrays. */
void lnn_schedule_free(libnn_optimizer *opt);

#endif
