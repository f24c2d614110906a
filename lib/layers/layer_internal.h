/*
 * Private: the layer object, its ops table and its parameter table.
 *
 * A layer kind is one file that defines an lnn_layer_ops: its options (a
 * table of lnn_param_def rows), build (shapes and weights), the workspace it
 * needs for a batch, forward and backward. layer.c does everything else:
 * option validation, naming, weight storage and initialisation, the
 * standalone forward/backward API, regularisation.
 *
 * Execution is split from the layer so that a model (or many inference
 * contexts on one model) can own the buffers: forward reads the layer and
 * writes only into the lnn_exec it is given.
 */
#ifndef LIBNN_LAYER_INTERNAL_H
#define LIBNN_LAYER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <math.h>

#include "core/params_internal.h"
#include "core/rng_internal.h"
#include "kernels/activation_internal.h"
#include "kernels/init_internal.h"
#include "libnn/layer.h"

#define LNN_MAX_WEIGHTS 6
#define LNN_MAX_PARAMS 32
#define LNN_NAME_CAP 64
#define LNN_MAX_STATES 4 /* recurrent states: Bidirectional(LSTM) has h, c twice */

/* Table rows shared by several kinds. */
#define LNN_PARAM_ACTIVATION_ROWS(def_act)                                                      \
    LNN_PARAM_ENUM(LIBNN_PARAM_ACTIVATION, "activation", def_act, LNN_ACT_COUNT, lnn_act_name_of), \
    LNN_PARAM_FLOAT(LIBNN_PARAM_ALPHA, "alpha", NAN, 0, 1e30)
#define LNN_PARAM_INIT_ROWS(ROLE, role, def_init)                                               \
    LNN_PARAM_ENUM(LIBNN_PARAM_##ROLE##_INITIALIZER, #role "_initializer", def_init,            \
                   LNN_INIT_COUNT, lnn_init_name_of),                                           \
    LNN_PARAM_FLOAT(LIBNN_PARAM_##ROLE##_INIT_A, #role "_init_a", NAN, -1e30, 1e30),            \
    LNN_PARAM_FLOAT(LIBNN_PARAM_##ROLE##_INIT_B, #role "_init_b", NAN, -1e30, 1e30)
#define LNN_PARAM_REG_ROWS(ROLE, role)                                                          \
    LNN_PARAM_FLOAT(LIBNN_PARAM_##ROLE##_L1, #role "_l1", 0, 0, 1e30),                          \
    LNN_PARAM_FLOAT(LIBNN_PARAM_##ROLE##_L2, #role "_l2", 0, 0, 1e30)
#define LNN_PARAM_TRAINABLE_ROW LNN_PARAM_BOOL(LIBNN_PARAM_TRAINABLE, "trainable", 1)
/* The options of a layer with a kernel and an optional bias (Dense,
 * Conv2D): an option they share is one row here. */
#define LNN_PARAM_AFFINE_ROWS                                                                   \
    LNN_PARAM_ACTIVATION_ROWS(LNN_ACT_LINEAR),                                                  \
    LNN_PARAM_BOOL(LIBNN_PARAM_USE_BIAS, "use_bias", 1),                                        \
    LNN_PARAM_INIT_ROWS(KERNEL, kernel, LNN_INIT_GLOROT_UNIFORM),                               \
    LNN_PARAM_INIT_ROWS(BIAS, bias, LNN_INIT_ZEROS),                                            \
    LNN_PARAM_REG_ROWS(KERNEL, kernel),                                                         \
    LNN_PARAM_REG_ROWS(BIAS, bias),                                                             \
    LNN_PARAM_TRAINABLE_ROW

const char *lnn_act_name_of(int value);
const char *lnn_init_name_of(int value);
const char *lnn_padding_name_of(int value);

/*
 * What one forward/backward pass works in. The owner (a model, an inference
 * context, or the layer itself when used alone) sizes cache and scratch with
 * ops->workspace for its largest batch. cache carries values from forward to
 * backward; scratch is free for the pass to use and may be shared. backward
 * is given the exec its forward pass had (training, rng, mask_in as they were).
 */
typedef struct lnn_exec {
    size_t batch;
    bool training;
    float *cache;
    float *scratch;
    lnn_rng *rng; /* draws of training-time randomness (dropout) */
    /* Keras masks over time steps, [batch, steps], 1 = real step. mask_in
     * is the previous layer's output mask (NULL: none); a kind whose
     * mask_mode is LNN_MASK_PRODUCE writes mask_out ([batch, out_shape[0]]). */
    const uint8_t *mask_in;
    uint8_t *mask_out;
    /* Recurrent kinds (ops->states set): state_in[i] is the initial state i,
     * [batch, width] (NULL: zeros); forward writes the final state i into
     * state_out[i] unless that is NULL. Other kinds ignore both. */
    const float *state_in[LNN_MAX_STATES];
    float *state_out[LNN_MAX_STATES];
} lnn_exec;

/* What a layer does with the mask of its input (Keras' supports_masking and
 * compute_mask). */
typedef enum lnn_mask_mode {
    LNN_MASK_DROP = 0, /* ignores it; its output has no mask */
    LNN_MASK_PASS,     /* its output has the input's mask (same steps) */
    LNN_MASK_PRODUCE,  /* computes a new mask into exec->mask_out */
    LNN_MASK_CONSUME   /* uses it; its output has no mask */
} lnn_mask_mode;

typedef struct lnn_layer_ops {
    libnn_layer_kind kind;
    const char *class_name; /* Keras' class: "Conv2D" */
    const char *prefix;     /* default name: "conv2d" */
    const lnn_param_def *params;
    size_t n_params;
    size_t state_size; /* bytes of kind-private state, zeroed, at layer->state */

    /* Check layer->in_shape, set layer->out_shape, declare the weights with
     * lnn_layer_add_weight(). Allocate nothing else. */
    libnn_status (*build)(libnn_layer *l);
    /* Floats of cache and scratch a batch of `batch` needs. */
    libnn_status (*workspace)(const libnn_layer *l, size_t batch, bool training, size_t *cache,
                              size_t *scratch);
    /* x [batch, in...] -> y [batch, out...]. */
    libnn_status (*forward)(const libnn_layer *l, lnn_exec *e, const float *x, float *y);
    /* dy -> dx (may be NULL: not wanted) and weight gradients added into
     * l->weights[i].grad. x and y are the forward pass's input and output. */
    libnn_status (*backward)(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                             const float *dy, float *dx);
    /* Free what the kind allocated itself; may be NULL. */
    void (*destroy)(libnn_layer *l);
    /* Mask behaviour once built; NULL means LNN_MASK_DROP. */
    lnn_mask_mode (*mask_mode)(const libnn_layer *l);
    /* Runs once the weights are allocated and filled by their initialisers,
     * for initial values that no per-weight initialiser gives (LSTM's
     * unit_forget_bias). Whoever allocates weights calls it. May be NULL. */
    void (*init_weights)(libnn_layer *l);
    /* Recurrent kinds: the number of states (at most LNN_MAX_STATES; Keras'
     * order, h then c) and the floats per sample of each into *width. NULL
     * for kinds without state. */
    size_t (*states)(const libnn_layer *l, size_t *width);
} lnn_layer_ops;

typedef struct lnn_weight {
    const char *name; /* static: "kernel", "bias", ... */
    size_t ndim;
    int64_t shape[4];
    size_t size;
    float *value;
    float *grad;
    lnn_init_spec init;
    libnn_param l1_key, l2_key; /* 0: no regulariser option */
    /* The layer whose options l1_key and l2_key are read from; NULL: the
     * weight's own. A wrapper (Bidirectional) exposes its inner layers'
     * weights under its own name but keeps their options. */
    const libnn_layer *options;
    bool trainable;
} lnn_weight;

struct libnn_layer {
    const lnn_layer_ops *ops;
    char name[LNN_NAME_CAP];
    lnn_param_value params[LNN_MAX_PARAMS]; /* parallel to ops->params */
    bool built;

    size_t in_ndim, out_ndim;
    int64_t in_shape[LIBNN_MAX_RANK], out_shape[LIBNN_MAX_RANK];
    size_t in_size, out_size; /* per sample */

    size_t n_weights;
    lnn_weight weights[LNN_MAX_WEIGHTS];
    float *weight_block; /* all values, then all gradients */

    /* Standalone use (libnn_layer_forward/backward): own buffers. */
    struct {
        size_t capacity;   /* batch the buffers fit */
        size_t batch;      /* batch of the last forward; 0: none */
        float *block;      /* x copy, y copy, cache, scratch */
        float *x, *y;
        uint8_t *mask_in, *mask_out; /* [capacity, steps] each */
        bool has_mask;               /* libnn_layer_set_mask gave one */
        bool out_has_mask;           /* the last forward produced a mask */
        size_t mask_batch;           /* its batch */
        uint8_t *user_mask;          /* the caller's mask, owned */
        float *final_state;          /* in block: [states][capacity, width] */
        float *user_state[LNN_MAX_STATES]; /* initial states the caller set, owned */
        size_t user_state_batch[LNN_MAX_STATES];
        lnn_exec exec;
        lnn_rng rng;
    } solo;

    void *state; /* ops->state_size bytes, kind-private */
};

/* New unbuilt layer of a kind with its defaults. */
libnn_status lnn_layer_create(const lnn_layer_ops *ops, libnn_layer **out);

/* New layer with the constructor's required options set (validated by the
 * table: "conv2d: filters must be >= 1, got 0"). *out is NULL on failure. */
libnn_status lnn_layer_new_with(const lnn_layer_ops *ops, size_t n, const libnn_param *keys,
                                const lnn_param_value *values, libnn_layer **out);

/* Whether the kind has the option. */
bool lnn_param_has(const libnn_layer *l, libnn_param key);
/* Option values for the layer code (already validated); 0 for an option the
 * kind does not have. */
int64_t lnn_param_int(const libnn_layer *l, libnn_param key);
double lnn_param_float(const libnn_layer *l, libnn_param key);
/* Set an option with the table's validation. lnn_param_set takes a number
 * (a whole one for an integer row, as a file records it); lnn_param_set_int
 * an integer, never converted for an integer row; lnn_param_set_value a
 * value already in the row's type (.i for integer rows, .f for floats). */
libnn_status lnn_param_set(libnn_layer *l, libnn_param key, double value);
libnn_status lnn_param_set_int(libnn_layer *l, libnn_param key, int64_t value);
libnn_status lnn_param_set_value(libnn_layer *l, libnn_param key, lnn_param_value value);

/* The initialiser spec the options of one role say (kind + A/B with NaN
 * replaced by Keras' defaults). */
lnn_init_spec lnn_param_init(const libnn_layer *l, libnn_param kind_key, libnn_param a_key,
                             libnn_param b_key);

/* Declare a weight during build. Shape up to 4 dims. */
libnn_status lnn_layer_add_weight(libnn_layer *l, const char *name, size_t ndim,
                                  const int64_t *shape, lnn_init_spec init, libnn_param l1_key,
                                  libnn_param l2_key);

/* The weight named `name`, or NULL. */
lnn_weight *lnn_layer_weight(libnn_layer *l, const char *name);

/* Shape-error message helper: "<layer>: <what>, got [..]". Returns LIBNN_E_SHAPE. */
libnn_status lnn_layer_shape_error(const libnn_layer *l, const char *expect);

/*
 * Sum of the regularisation terms of the layer's weights; with add_grad the
 * gradient of that sum is added to each weight's gradient.
 */
double lnn_layer_regularization(libnn_layer *l, bool add_grad);

/*
 * Backward of y = x . kernel (+ bias) over `rows` rows, shared by Dense and
 * Conv2D (whose x is the column matrix): kernel [in, out] is weights[0],
 * bias [out] weights[1] when use_bias. Adds dK = x^T dz and db = column sums
 * of dz to the (trainable) gradients; dx = dz . kernel^T when dx is not NULL.
 */
libnn_status lnn_layer_affine_backward(libnn_layer *l, bool use_bias, size_t rows, size_t in,
                                       size_t out, const float *x, const float *dz, float *dx);

/* Whether any trainable weight of the layer has an L1 or L2 factor. */
bool lnn_layer_has_regularization(const libnn_layer *l);

/* ops->workspace of kinds that need neither cache nor scratch. */
libnn_status lnn_layer_no_workspace(const libnn_layer *l, size_t batch, bool training,
                                    size_t *cache, size_t *scratch);

/* The layer's recurrent states: their number (0 for kinds without) and
 * the floats per sample of each into *width. */
size_t lnn_layer_states(const libnn_layer *l, size_t *width);

/* The layer's mask mode (LNN_MASK_DROP when the kind has none). */
lnn_mask_mode lnn_layer_mask_mode(const libnn_layer *l);

/* mask_mode of kinds that keep the time axis and pass the mask on. */
lnn_mask_mode lnn_layer_mask_pass(const libnn_layer *l);

/* The activation options of a layer as the kernels take them. */
void lnn_layer_activation(const libnn_layer *l, int *act, float *alpha);

#endif
