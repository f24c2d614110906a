/*
 * SimpleRNN(units): h = act(x . kernel + h_prev . recurrent_kernel + bias).
 *
 * The gate vector is the new state's pre-activation; it is activated in
 * place and kept as the gradient's y.
 */
#include <string.h>

#include "rnn_internal.h"

static const lnn_param_def simple_rnn_params[] = {
    LNN_RNN_PARAM_ROWS,
};

static void simple_rnn_step(const lnn_rnn *r, const lnn_rnn_step *st)
{
    size_t n = st->batch * r->units;
    lnn_act_forward(r->act, r->alpha, st->z, st->z, st->batch, r->units);
    memcpy(st->h, st->z, n * sizeof *st->h);
}

static void simple_rnn_step_backward(const lnn_rnn *r, const lnn_rnn_step *st)
{
    lnn_act_backward(r->act, r->alpha, NULL, st->z, st->dh, st->dz, st->batch, r->units);
}

static const lnn_rnn_cell simple_rnn_cell = {
    .gates = 1,
    .states = 1,
    .bias_rows = 1,
    .forward = simple_rnn_step,
    .backward = simple_rnn_step_backward,
};

static libnn_status simple_rnn_build(libnn_layer *l)
{
    return lnn_rnn_build(l, &simple_rnn_cell);
}

static const lnn_layer_ops simple_rnn_ops = {
    .kind = LIBNN_LAYER_SIMPLE_RNN,
    .class_name = "SimpleRNN",
    .prefix = "simple_rnn",
    .params = simple_rnn_params,
    .n_params = sizeof simple_rnn_params / sizeof simple_rnn_params[0],
    .build = simple_rnn_build,
    LNN_RNN_OPS_COMMON,
};

libnn_status libnn_simple_rnn_new(int64_t units, libnn_layer **out)
{
    return lnn_rnn_new(&simple_rnn_ops, units, out);
}
