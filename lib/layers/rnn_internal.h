/*
 * Private: what SimpleRNN, LSTM and GRU share, and what Bidirectional uses
 * of them.
 *
 * rnn.c runs the sequence: it copies the input time-major in processing
 * order (go_backwards reverses it there, input dropout is applied there),
 * makes the input projection of all steps one GEMM, runs one recurrent GEMM
 * per step, applies masks and writes outputs and states. A kind (one
 * lnn_rnn_cell) only does the element-wise work of one step, forward and
 * backward. Backward gathers the weight gradients of all steps in one GEMM
 * per weight.
 *
 * Buffers are time-major ([step][batch][...]) so that one step's rows are
 * contiguous for its GEMM, and all steps stack into one matrix for the
 * weight-gradient GEMMs.
 */
#ifndef LIBNN_RNN_INTERNAL_H
#define LIBNN_RNN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "kernels/activation_internal.h"
#include "layer_internal.h"

typedef struct lnn_rnn lnn_rnn;

/* One step of a cell, over the batch's rows. Forward: z holds the step's
 * input projection (plus, without split, the recurrent one); the cell
 * leaves its gate values there (what backward needs) and writes the
 * candidate state into h (and c, aux). Backward: dh, dc are dL/d(candidate
 * state); the cell writes dz (the pre-activation gradients of the input
 * projection), dzr (of the recurrent one, split only), dc_prev (overwritten)
 * and, when the cell says writes_dh_prev, the direct part of dh_prev
 * (overwritten; rnn.c adds dzr . recurrent_kernel^T, into a dh_prev it
 * clears itself for the other cells only when a masked row needs it). */
typedef struct lnn_rnn_step {
    size_t batch;
    const float *bias;             /* [gates] to add to each z row first; NULL: none */
    float *z, *zr;                 /* [batch, gates] */
    const float *h_prev, *c_prev;  /* [batch, units] */
    float *h, *c, *aux;            /* [batch, units] */
    const float *dh, *dc;
    float *dz, *dzr;
    float *dh_prev, *dc_prev;
} lnn_rnn_step;

typedef struct lnn_rnn_cell {
    size_t gates;     /* blocks of `units` in the gate vector: 1, 4, 3 */
    size_t states;    /* 1 (h) or 2 (h, c) */
    size_t bias_rows; /* 1: bias [gates*units]; 2: [2, gates*units] (input, recurrent) */
    bool split;       /* the recurrent projection is kept apart (GRU reset_after) */
    bool aux;         /* one more [units] per step and row is cached (LSTM: act(c)) */
    bool recurrent_activation; /* the kind has RECURRENT_ACTIVATION */
    /* forward adds the (input) bias to z itself (step.bias), in its pass
     * over the gates, rather than rnn.c writing it into every step's rows
     * before the input GEMM: that costs a pass over [steps, batch, gates]. */
    bool adds_bias;
    bool writes_dh_prev; /* backward writes a direct part of dh_prev */
    void (*forward)(const lnn_rnn *r, const lnn_rnn_step *st);
    void (*backward)(const lnn_rnn *r, const lnn_rnn_step *st);
    /* Initial values beyond the initialisers, on the kind's weights [kernel,
     * recurrent_kernel, bias]; NULL: none. */
    void (*init_weights)(const libnn_layer *l, lnn_weight *w);
} lnn_rnn_cell;

/* The kind-private state of the three recurrent kinds. */
struct lnn_rnn {
    const lnn_rnn_cell *cell;
    size_t in, units, steps, gates; /* gates: cell->gates * units */
    bool use_bias, return_sequences, go_backwards;
    /* Masked steps of a returned sequence are zeros rather than the previous
     * output: set by Bidirectional (Keras' zero_output_for_mask). */
    bool zero_output_for_mask;
    lnn_act act, ract;
    float alpha, ralpha;
    float dropout;
};

/* Parameter-table rows every recurrent kind has. */
#define LNN_RNN_PARAM_ROWS                                                                     \
    LNN_PARAM_INT(LIBNN_PARAM_UNITS, "units", 1, 1, 1e9),                                      \
    LNN_PARAM_ACTIVATION_ROWS(LNN_ACT_TANH),                                                   \
    LNN_PARAM_BOOL(LIBNN_PARAM_USE_BIAS, "use_bias", 1),                                       \
    LNN_PARAM_INIT_ROWS(KERNEL, kernel, LNN_INIT_GLOROT_UNIFORM),                              \
    LNN_PARAM_INIT_ROWS(RECURRENT, recurrent, LNN_INIT_ORTHOGONAL),                            \
    LNN_PARAM_INIT_ROWS(BIAS, bias, LNN_INIT_ZEROS),                                           \
    LNN_PARAM_REG_ROWS(KERNEL, kernel),                                                        \
    LNN_PARAM_REG_ROWS(RECURRENT, recurrent),                                                  \
    LNN_PARAM_REG_ROWS(BIAS, bias),                                                            \
    LNN_PARAM_BOOL(LIBNN_PARAM_RETURN_SEQUENCES, "return_sequences", 0),                       \
    LNN_PARAM_BOOL(LIBNN_PARAM_RETURN_STATE, "return_state", 0),                               \
    LNN_PARAM_BOOL(LIBNN_PARAM_GO_BACKWARDS, "go_backwards", 0),                               \
    LNN_PARAM_FRACTION_OPEN(LIBNN_PARAM_DROPOUT, "dropout", 0),                                \
    LNN_PARAM_INT(LIBNN_PARAM_SEED, "seed", 0, 0, LNN_INT_NO_MAX),                             \
    LNN_PARAM_TRAINABLE_ROW
#define LNN_RNN_RECURRENT_ACTIVATION_ROW                                                       \
    LNN_PARAM_ENUM(LIBNN_PARAM_RECURRENT_ACTIVATION, "recurrent_activation", LNN_ACT_SIGMOID,  \
                   LNN_ACT_COUNT, lnn_act_name_of)

/* Whether the layer is a SimpleRNN, LSTM or GRU. */
bool lnn_rnn_is(const libnn_layer *l);

/* ops->build of the recurrent kinds: checks [steps, features], fills the
 * state, sets the output shape and declares kernel, recurrent_kernel and
 * (use_bias) bias. */
libnn_status lnn_rnn_build(libnn_layer *l, const lnn_rnn_cell *cell);

/* A new layer of a recurrent kind with `units`. */
libnn_status lnn_rnn_new(const lnn_layer_ops *ops, int64_t units, libnn_layer **out);

/* The ops every recurrent kind uses as they are. */
libnn_status lnn_rnn_workspace(const libnn_layer *l, size_t batch, bool training, size_t *cache,
                               size_t *scratch);
libnn_status lnn_rnn_forward_op(const libnn_layer *l, lnn_exec *e, const float *x, float *y);
libnn_status lnn_rnn_backward_op(libnn_layer *l, lnn_exec *e, const float *x, const float *y,
                                 const float *dy, float *dx);
lnn_mask_mode lnn_rnn_mask_mode(const libnn_layer *l);
size_t lnn_rnn_states(const libnn_layer *l, size_t *width);
void lnn_rnn_init_weights_op(libnn_layer *l);

/* The entries of a recurrent kind's lnn_layer_ops that all three share. */
#define LNN_RNN_OPS_COMMON                                                                     \
    .state_size = sizeof(lnn_rnn), .workspace = lnn_rnn_workspace,                             \
    .forward = lnn_rnn_forward_op, .backward = lnn_rnn_backward_op,                            \
    .mask_mode = lnn_rnn_mask_mode, .init_weights = lnn_rnn_init_weights_op,                   \
    .states = lnn_rnn_states

/* The same passes over weights `w` ([kernel, recurrent_kernel, bias])
 * held elsewhere: Bidirectional runs its inner layers over its own weights. */
libnn_status lnn_rnn_forward(const libnn_layer *l, const lnn_weight *w, lnn_exec *e,
                             const float *x, float *y);
libnn_status lnn_rnn_backward(const libnn_layer *l, lnn_weight *w, lnn_exec *e, const float *dy,
                              float *dx);
void lnn_rnn_init_weights(const libnn_layer *l, lnn_weight *w);

/* Cuts consecutive buffers out of one block, with overflow checks. With a
 * NULL base it only counts (for ops->workspace). */
typedef struct lnn_carver {
    float *base;
    size_t used; /* floats */
    bool ok;     /* false once a size overflowed */
} lnn_carver;

/* a * b * c floats; NULL when counting or on overflow. */
float *lnn_carve(lnn_carver *cv, size_t a, size_t b, size_t c);

#endif
