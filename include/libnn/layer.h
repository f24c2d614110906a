/*
 * libnn: layers.
 *
 * A libnn_layer is one Keras-style layer: a kind (Dense, Conv2D, ...), its
 * options, and once built for an input shape, its weights. Layers are used
 * inside a model, or on their own: build for a per-sample input shape, then
 * forward and backward over batches.
 *
 * Options are keyed: libnn_layer_set_int(layer, LIBNN_PARAM_STRIDES, 2).
 * Each kind has one table of the options it accepts (name, type, default,
 * bounds); setting an option the kind does not have, or a value out of its
 * bounds, is LIBNN_E_INVALID with a message such as
 * "conv2d: strides must be >= 1, got 0" or "dense has no parameter mask_zero".
 * Options are fixed once the layer is built (LIBNN_E_STATE after).
 *
 * Shapes: the input shape given to build excludes the batch axis, as Keras'
 * input_shape; tensors passed to forward/backward have the batch axis first.
 * Images are NHWC, sequences [batch, time, features]. Weight layouts are
 * Keras' (Dense kernel [in, units], Conv2D kernel [kh, kw, in, filters]).
 *
 * Threading: one thread at a time per layer.
 */
#ifndef LIBNN_LAYER_H
#define LIBNN_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/status.h"
#include "libnn/tensor.h"

LIBNN_BEGIN_DECLS

typedef struct libnn_layer libnn_layer;

/* Layer kinds; values pinned (they appear in model files). */
typedef enum libnn_layer_kind {
    LIBNN_LAYER_DENSE = 1,
    LIBNN_LAYER_CONV2D = 2,
    LIBNN_LAYER_MAX_POOLING2D = 3,
    LIBNN_LAYER_AVERAGE_POOLING2D = 4,
    LIBNN_LAYER_GLOBAL_MAX_POOLING2D = 5,
    LIBNN_LAYER_GLOBAL_AVERAGE_POOLING2D = 6,
    LIBNN_LAYER_FLATTEN = 7,
    LIBNN_LAYER_RESHAPE = 8,
    LIBNN_LAYER_DROPOUT = 9,
    LIBNN_LAYER_ACTIVATION = 10,
    LIBNN_LAYER_EMBEDDING = 11,
    LIBNN_LAYER_SIMPLE_RNN = 12,
    LIBNN_LAYER_LSTM = 13,
    LIBNN_LAYER_GRU = 14,
    LIBNN_LAYER_BIDIRECTIONAL = 15,
    LIBNN_LAYER_MASKING = 16
} libnn_layer_kind;

/* Option keys; values pinned. Which kinds accept which key is in the
 * constructor's comment and docs/layers.md. */
typedef enum libnn_param {
    LIBNN_PARAM_UNITS = 1,              /* int >= 1 */
    LIBNN_PARAM_FILTERS = 2,            /* int >= 1 */
    LIBNN_PARAM_KERNEL_H = 3,           /* int >= 1 */
    LIBNN_PARAM_KERNEL_W = 4,           /* int >= 1 */
    LIBNN_PARAM_STRIDES = 5,            /* int >= 1: sets STRIDE_H and STRIDE_W */
    LIBNN_PARAM_STRIDE_H = 6,           /* int >= 1 */
    LIBNN_PARAM_STRIDE_W = 7,           /* int >= 1 */
    LIBNN_PARAM_PADDING = 8,            /* libnn_padding */
    LIBNN_PARAM_DILATION_RATE = 9,      /* int >= 1: sets DILATION_H and DILATION_W */
    LIBNN_PARAM_DILATION_H = 10,        /* int >= 1 */
    LIBNN_PARAM_DILATION_W = 11,        /* int >= 1 */
    LIBNN_PARAM_ACTIVATION = 12,        /* libnn_activation */
    LIBNN_PARAM_ALPHA = 13,             /* float: slope of leaky_relu (0.2), alpha of elu (1.0) */
    LIBNN_PARAM_USE_BIAS = 14,          /* bool (0/1), default 1 */
    LIBNN_PARAM_KERNEL_INITIALIZER = 15,     /* libnn_initializer */
    LIBNN_PARAM_BIAS_INITIALIZER = 16,       /* libnn_initializer */
    LIBNN_PARAM_RECURRENT_INITIALIZER = 17,  /* libnn_initializer */
    LIBNN_PARAM_EMBEDDINGS_INITIALIZER = 18, /* libnn_initializer */
    /* Initialiser arguments, float: constant: A = value; random_uniform:
     * A = minval, B = maxval; random/truncated normal: A = mean, B = stddev;
     * orthogonal: A = gain. NaN (the default) means Keras' default. */
    LIBNN_PARAM_KERNEL_INIT_A = 19,
    LIBNN_PARAM_KERNEL_INIT_B = 20,
    LIBNN_PARAM_BIAS_INIT_A = 21,
    LIBNN_PARAM_BIAS_INIT_B = 22,
    LIBNN_PARAM_RECURRENT_INIT_A = 23,
    LIBNN_PARAM_RECURRENT_INIT_B = 24,
    LIBNN_PARAM_EMBEDDINGS_INIT_A = 25,
    LIBNN_PARAM_EMBEDDINGS_INIT_B = 26,
    /* Regularisation factors, float >= 0 (default 0): loss += l1*sum|w| + l2*sum w^2 */
    LIBNN_PARAM_KERNEL_L1 = 27,
    LIBNN_PARAM_KERNEL_L2 = 28,
    LIBNN_PARAM_BIAS_L1 = 29,
    LIBNN_PARAM_BIAS_L2 = 30,
    LIBNN_PARAM_RECURRENT_L1 = 31,
    LIBNN_PARAM_RECURRENT_L2 = 32,
    LIBNN_PARAM_EMBEDDINGS_L1 = 33,
    LIBNN_PARAM_EMBEDDINGS_L2 = 34,
    LIBNN_PARAM_POOL_SIZE = 35,         /* int >= 1: sets POOL_H and POOL_W */
    LIBNN_PARAM_POOL_H = 36,            /* int >= 1 */
    LIBNN_PARAM_POOL_W = 37,            /* int >= 1 */
    LIBNN_PARAM_RATE = 38,              /* float in [0, 1): Dropout */
    LIBNN_PARAM_SEED = 39,              /* int >= 0: seed of the layer's own draws */
    LIBNN_PARAM_INPUT_DIM = 40,         /* int >= 1: Embedding vocabulary size */
    LIBNN_PARAM_OUTPUT_DIM = 41,        /* int >= 1: Embedding vector size */
    LIBNN_PARAM_MASK_ZERO = 42,         /* bool */
    LIBNN_PARAM_RETURN_SEQUENCES = 43,  /* bool */
    LIBNN_PARAM_RETURN_STATE = 44,      /* bool */
    LIBNN_PARAM_GO_BACKWARDS = 45,      /* bool */
    LIBNN_PARAM_RECURRENT_ACTIVATION = 46, /* libnn_activation */
    LIBNN_PARAM_UNIT_FORGET_BIAS = 47,  /* bool */
    LIBNN_PARAM_DROPOUT = 48,           /* float in [0, 1): recurrent layers' input dropout */
    LIBNN_PARAM_RECURRENT_DROPOUT = 49, /* float in [0, 1) */
    LIBNN_PARAM_RESET_AFTER = 50,       /* bool */
    LIBNN_PARAM_MERGE_MODE = 51,        /* libnn_merge_mode */
    LIBNN_PARAM_MASK_VALUE = 52,        /* float */
    LIBNN_PARAM_TRAINABLE = 53          /* bool, default 1 */
} libnn_param;

typedef enum libnn_padding {
    LIBNN_PADDING_VALID = 0,
    LIBNN_PADDING_SAME = 1 /* TensorFlow's: the extra row/column at the bottom/right */
} libnn_padding;

/* Activations, as Keras names them. */
typedef enum libnn_activation {
    LIBNN_ACT_LINEAR = 0,
    LIBNN_ACT_RELU = 1,
    LIBNN_ACT_SIGMOID = 2,
    LIBNN_ACT_TANH = 3,
    LIBNN_ACT_SOFTMAX = 4,      /* over the last axis */
    LIBNN_ACT_LEAKY_RELU = 5,   /* slope LIBNN_PARAM_ALPHA, default 0.2 */
    LIBNN_ACT_ELU = 6,          /* LIBNN_PARAM_ALPHA, default 1.0 */
    LIBNN_ACT_SELU = 7,
    LIBNN_ACT_GELU = 8,         /* exact erf form */
    LIBNN_ACT_SOFTPLUS = 9,
    LIBNN_ACT_SWISH = 10,       /* silu */
    LIBNN_ACT_HARD_SIGMOID = 11,/* tf.keras 2: clip(0.2 x + 0.5, 0, 1) */
    LIBNN_ACT_SOFTSIGN = 12,
    LIBNN_ACT_RELU6 = 13,
    LIBNN_ACT_EXPONENTIAL = 14
} libnn_activation;

typedef enum libnn_initializer {
    LIBNN_INIT_ZEROS = 0,
    LIBNN_INIT_ONES = 1,
    LIBNN_INIT_CONSTANT = 2,
    LIBNN_INIT_RANDOM_UNIFORM = 3,
    LIBNN_INIT_RANDOM_NORMAL = 4,
    LIBNN_INIT_TRUNCATED_NORMAL = 5,
    LIBNN_INIT_GLOROT_UNIFORM = 6,
    LIBNN_INIT_GLOROT_NORMAL = 7,
    LIBNN_INIT_HE_UNIFORM = 8,
    LIBNN_INIT_HE_NORMAL = 9,
    LIBNN_INIT_LECUN_UNIFORM = 10,
    LIBNN_INIT_LECUN_NORMAL = 11,
    LIBNN_INIT_ORTHOGONAL = 12
} libnn_initializer;

typedef enum libnn_merge_mode {
    LIBNN_MERGE_CONCAT = 0,
    LIBNN_MERGE_SUM = 1,
    LIBNN_MERGE_AVE = 2,
    LIBNN_MERGE_MUL = 3
} libnn_merge_mode;

/*
 * Constructors. Each writes a new, unbuilt layer to *out, owned by the
 * caller (free with libnn_layer_free, or hand it to a model). Required
 * arguments are validated against the kind's table: LIBNN_E_INVALID with
 * the rule in the message; LIBNN_E_NOMEM.
 */

/* Dense(units). Options: ACTIVATION, ALPHA, USE_BIAS, KERNEL/BIAS_INITIALIZER
 * (+ _INIT_A/B), KERNEL/BIAS_L1/L2, TRAINABLE. Input rank >= 1 per sample;
 * applied on the last axis. */
LIBNN_API libnn_status libnn_dense_new(int64_t units, libnn_layer **out);

/* Conv2D(filters, kernel_h, kernel_w) over NHWC input [h, w, c] per sample.
 * Options: STRIDES/STRIDE_H/STRIDE_W, PADDING, DILATION_RATE/_H/_W,
 * ACTIVATION, ALPHA, USE_BIAS, initialisers, KERNEL/BIAS_L1/L2, TRAINABLE. */
LIBNN_API libnn_status libnn_conv2d_new(int64_t filters, int64_t kernel_h, int64_t kernel_w,
                                        libnn_layer **out);

/* MaxPooling2D / AveragePooling2D(pool_h, pool_w). Options: STRIDES (default:
 * the pool size), STRIDE_H/W, PADDING. */
LIBNN_API libnn_status libnn_max_pooling2d_new(int64_t pool_h, int64_t pool_w, libnn_layer **out);
LIBNN_API libnn_status libnn_average_pooling2d_new(int64_t pool_h, int64_t pool_w,
                                                   libnn_layer **out);

/* GlobalMaxPooling2D / GlobalAveragePooling2D: [h, w, c] -> [c]. */
LIBNN_API libnn_status libnn_global_max_pooling2d_new(libnn_layer **out);
LIBNN_API libnn_status libnn_global_average_pooling2d_new(libnn_layer **out);

/* Flatten: any per-sample shape -> [prod(shape)]. */
LIBNN_API libnn_status libnn_flatten_new(libnn_layer **out);

/* Reshape(target): per-sample target shape of `ndim` dimensions, one of them
 * may be -1. The array is copied. */
LIBNN_API libnn_status libnn_reshape_new(size_t ndim, const int64_t *target, libnn_layer **out);

/* Dropout(rate): inverted dropout, only in training. Options: SEED. */
LIBNN_API libnn_status libnn_dropout_new(float rate, libnn_layer **out);

/* Activation(kind). Options: ALPHA. */
LIBNN_API libnn_status libnn_activation_new(libnn_activation activation, libnn_layer **out);

/*
 * Embedding(input_dim, output_dim): token ids -> vectors, weight
 * "embeddings" [input_dim, output_dim]. The input holds token ids as whole
 * numbers in a float tensor, per sample [steps] (any rank up to 6; the output
 * adds an axis of output_dim). Options: MASK_ZERO (id 0 is padding: the
 * output gets a mask, 1 where the id is not 0; needs [steps] input),
 * EMBEDDINGS_INITIALIZER (+ _INIT_A/B; default random_uniform(-0.05, 0.05)),
 * EMBEDDINGS_L1/L2, TRAINABLE.
 * Forward errors: LIBNN_E_RANGE for an id < 0 or >= input_dim,
 * LIBNN_E_INVALID for NaN or an id with a fraction; the message names the
 * sample and the position. Token ids have no gradient: a dx given to
 * backward is filled with zeros.
 */
LIBNN_API libnn_status libnn_embedding_new(int64_t input_dim, int64_t output_dim,
                                           libnn_layer **out);

/* Masking(mask_value) over input [steps, features]: a step whose features
 * all equal mask_value is masked (the output gets a mask, as Keras'
 * Masking) and its features are set to 0. */
LIBNN_API libnn_status libnn_masking_new(float mask_value, libnn_layer **out);

/*
 * Recurrent layers over input [steps, features], Keras' formulas and weight
 * layouts, u = units:
 *   SimpleRNN  h = act(x . kernel + h . recurrent_kernel + bias);
 *              kernel [features, u], recurrent_kernel [u, u], bias [u]
 *   LSTM       gates i, f, c, o: kernel [features, 4u], recurrent_kernel
 *              [u, 4u], bias [4u] (PyTorch's b_ih + b_hh); states h, c
 *   GRU        reset_after form (as PyTorch), gates z, r, h: kernel
 *              [features, 3u], recurrent_kernel [u, 3u], bias [2, 3u]
 *              (row 0 the input bias, row 1 the recurrent bias)
 * Output: [u] for the last step, or [steps, u] with RETURN_SEQUENCES.
 * Options: ACTIVATION (tanh), RECURRENT_ACTIVATION (LSTM, GRU: sigmoid),
 * ALPHA, USE_BIAS, KERNEL/RECURRENT/BIAS_INITIALIZER (+ _INIT_A/B;
 * glorot_uniform, orthogonal, zeros), KERNEL/RECURRENT/BIAS_L1/L2,
 * RETURN_SEQUENCES, RETURN_STATE, GO_BACKWARDS, DROPOUT (on the inputs, in
 * training, one mask per sequence as Keras; SEED seeds it in standalone
 * use), UNIT_FORGET_BIAS (LSTM, default 1: the f bias starts at 1),
 * RESET_AFTER (GRU; only 1, the default, is supported), TRAINABLE.
 * Activations whose gradient needs their input (gelu, swish) are refused at
 * build with LIBNN_E_UNSUPPORTED.
 *
 * go_backwards processes the steps last to first, and a returned sequence
 * comes in that processing order (its step 0 follows input step T-1).
 * Masks (Keras): a masked step keeps the previous state; with
 * return_sequences its output repeats the previous output (zeros before the
 * first real step), without it the output is the state after the last real
 * step. The output mask is the input mask with return_sequences, else none.
 * RETURN_STATE is recorded for models; on its own a layer gives its final
 * states through libnn_layer_get_final_state() either way.
 */
LIBNN_API libnn_status libnn_simple_rnn_new(int64_t units, libnn_layer **out);
LIBNN_API libnn_status libnn_lstm_new(int64_t units, libnn_layer **out);
LIBNN_API libnn_status libnn_gru_new(int64_t units, libnn_layer **out);

/*
 * Bidirectional(inner): runs `inner` (an unbuilt SimpleRNN, LSTM or GRU,
 * options set) forwards and a copy of it with GO_BACKWARDS flipped, and
 * merges the two outputs; the backward copy's returned sequence is put back
 * in input order first, as Keras does. On success the new layer owns
 * `inner` (do not use or free it any more); on failure the caller keeps it.
 * Weights: the inner weights prefixed "forward_" and "backward_"
 * ("forward_kernel", ..., "backward_bias"), each keeping the inner
 * options' initialiser and regulariser. Masked steps of a returned
 * sequence are zeros in both directions (Keras). Options: MERGE_MODE
 * (concat, the default, doubles the last axis; sum, ave, mul).
 * Errors: LIBNN_E_INVALID (NULL, not a recurrent layer), LIBNN_E_STATE
 * (inner is built), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_bidirectional_new(libnn_layer *inner, libnn_layer **out);

/* Free a layer and its weights. NULL is ignored. Must not be called on a
 * layer a model owns. */
LIBNN_API void libnn_layer_free(libnn_layer *layer);

/*
 * Options. set_int also takes enums and booleans; set_float takes float
 * options. Errors: LIBNN_E_INVALID (NULL, a key the kind does not have, the
 * wrong type, a value out of bounds: the message names the layer, the option
 * and the bound), LIBNN_E_STATE (the layer is built).
 */
LIBNN_API libnn_status libnn_layer_set_int(libnn_layer *layer, libnn_param key, int64_t value);
LIBNN_API libnn_status libnn_layer_set_float(libnn_layer *layer, libnn_param key, double value);
/* Read an option (its default when never set). Int options read through
 * get_float too. Errors: LIBNN_E_INVALID. */
LIBNN_API libnn_status libnn_layer_get_int(const libnn_layer *layer, libnn_param key, int64_t *value);
LIBNN_API libnn_status libnn_layer_get_float(const libnn_layer *layer, libnn_param key, double *value);

/* The kind, and its Keras class name ("Conv2D"); static strings. */
LIBNN_API libnn_layer_kind libnn_layer_kind_of(const libnn_layer *layer);
LIBNN_API const char *libnn_layer_kind_name(const libnn_layer *layer);

/* The layer's name: the kind's Keras prefix ("conv2d") until set; a model
 * makes names unique ("dense_1"). Borrowed, valid until changed or freed. */
LIBNN_API const char *libnn_layer_name(const libnn_layer *layer);
/* Set the name (1..63 bytes of [A-Za-z0-9_.-]). Errors: LIBNN_E_INVALID. */
LIBNN_API libnn_status libnn_layer_set_name(libnn_layer *layer, const char *name);

/*
 * Build the layer for a per-sample input shape (no batch axis): check it,
 * compute the output shape, allocate and initialise the weights from `seed`
 * (the same seed gives the same bits). A built layer can be built again for
 * another shape: its weights are then re-initialised.
 * On error the layer is as before.
 * Errors: LIBNN_E_INVALID (NULL layer or input_shape), LIBNN_E_SHAPE
 * (message names the layer and the shape, e.g. "dense: expects rank >= 1,
 * got []"), LIBNN_E_RANGE (a shape beyond what the kernels index: the BLAS
 * or LAPACK int range, the int32 argmax of pooling), LIBNN_E_UNSUPPORTED
 * (an option combination libnn does not implement, e.g. GRU reset_after=0),
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_layer_build(libnn_layer *layer, size_t ndim, const int64_t *input_shape,
                                         uint64_t seed);

/* Whether the layer is built (1) or not (0). */
LIBNN_API int libnn_layer_is_built(const libnn_layer *layer);

/*
 * Per-sample output shape into `shape` (capacity entries), its rank into
 * *ndim. Errors: LIBNN_E_STATE (not built), LIBNN_E_RANGE (capacity too
 * small), LIBNN_E_INVALID.
 */
LIBNN_API libnn_status libnn_layer_output_shape(const libnn_layer *layer, size_t capacity,
                                                int64_t *shape, size_t *ndim);

/* Number of weight scalars (trainable and not); 0 when not built. */
LIBNN_API size_t libnn_layer_param_count(const libnn_layer *layer);

/*
 * Forward pass of a batch: x is [batch, input shape...], y must already have
 * the shape [batch, output shape...] and is overwritten. training (0/1)
 * switches Dropout and friends. The layer keeps what backward needs; the
 * first call for a larger batch than before allocates that space, later
 * calls allocate nothing.
 * Errors: LIBNN_E_STATE (not built), LIBNN_E_SHAPE (x or y of the wrong
 * shape; the message shows both), LIBNN_E_NOMEM, LIBNN_E_INVALID.
 */
LIBNN_API libnn_status libnn_layer_forward(libnn_layer *layer, const libnn_tensor *x,
                                           libnn_tensor *y, int training);

/*
 * Backward pass for the last forward batch: dy is dL/dy (shape of y); dx, if
 * not NULL, receives dL/dx (shape of x); the weights' gradients are
 * accumulated (added) into the layer's gradient buffers: call
 * libnn_layer_zero_grad() between steps.
 * Errors: LIBNN_E_STATE (no forward pass before), LIBNN_E_SHAPE, LIBNN_E_INVALID.
 */
LIBNN_API libnn_status libnn_layer_backward(libnn_layer *layer, const libnn_tensor *dy,
                                            libnn_tensor *dx);

/*
 * Give the next forward passes an input mask (Keras masking): `mask` is
 * [batch, steps] with 1 for a real time step and 0 for a padded one, where
 * steps is the first axis of the input shape; it is copied. NULL removes it.
 * Inside a model masks travel from layer to layer by themselves (Embedding
 * with mask_zero, Masking); this is for layers used on their own.
 * Errors: LIBNN_E_STATE (not built), LIBNN_E_SHAPE, LIBNN_E_INVALID (values
 * other than 0 and 1), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_layer_set_mask(libnn_layer *layer, const libnn_tensor *mask);

/*
 * The output mask of the last forward pass as a new [batch, steps] tensor of
 * 0/1 owned by the caller; on failure *out is NULL. Errors: LIBNN_E_INVALID
 * (NULL layer or out), LIBNN_E_STATE (no forward pass yet), LIBNN_E_NOTFOUND
 * (the output has no mask), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_layer_get_mask(const libnn_layer *layer, libnn_tensor **out);

/*
 * Recurrent layers used on their own: the initial state `index` of the next
 * forward passes (SimpleRNN, GRU: 0 = h; LSTM: 0 = h, 1 = c; Bidirectional:
 * the forward layer's states, then the backward layer's). `state` is
 * [batch, units] and copied; NULL goes back to zeros. Backward gives no
 * gradient for it. Inside a model layers start from zeros.
 * Errors: LIBNN_E_STATE (not built), LIBNN_E_INVALID (a layer without
 * state), LIBNN_E_RANGE (no such index), LIBNN_E_SHAPE, LIBNN_E_NONFINITE,
 * LIBNN_E_NOMEM; a forward pass whose batch differs from the state's fails
 * with LIBNN_E_SHAPE.
 */
LIBNN_API libnn_status libnn_layer_set_initial_state(libnn_layer *layer, size_t index,
                                                     const libnn_tensor *state);

/*
 * The state `index` (numbered as above) after the last forward pass, as a
 * new [batch, units] tensor owned by the caller: Keras' return_state
 * values. With a mask it is the state after each sequence's last real step.
 * Errors: LIBNN_E_STATE (no forward pass yet), LIBNN_E_INVALID,
 * LIBNN_E_RANGE, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_layer_get_final_state(const libnn_layer *layer, size_t index,
                                                   libnn_tensor **out);

/* Set every weight gradient to 0. Errors: LIBNN_E_INVALID. */
LIBNN_API libnn_status libnn_layer_zero_grad(libnn_layer *layer);

/* Number of weight tensors (0 when not built) and the name of the ith
 * ("kernel", "bias", ...; borrowed, NULL when out of range). */
LIBNN_API size_t libnn_layer_weight_count(const libnn_layer *layer);
LIBNN_API const char *libnn_layer_weight_name(const libnn_layer *layer, size_t index);

/*
 * Copy of the weight (or its accumulated gradient) named `name` as a new
 * tensor owned by the caller. Errors: LIBNN_E_STATE (not built),
 * LIBNN_E_NOTFOUND (the message lists the layer's weights), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_layer_get_weight(const libnn_layer *layer, const char *name,
                                              libnn_tensor **out);
LIBNN_API libnn_status libnn_layer_get_gradient(const libnn_layer *layer, const char *name,
                                                libnn_tensor **out);

/*
 * Overwrite the weight `name` with a copy of `value`, which must have the
 * weight's shape and only finite values. On error the weight is unchanged.
 * Errors: LIBNN_E_INVALID (NULL layer, name or value), LIBNN_E_STATE,
 * LIBNN_E_NOTFOUND, LIBNN_E_SHAPE, LIBNN_E_NONFINITE (the message gives the
 * first bad index).
 */
LIBNN_API libnn_status libnn_layer_set_weight(libnn_layer *layer, const char *name,
                                              const libnn_tensor *value);

LIBNN_END_DECLS

#endif /* LIBNN_LAYER_H */
