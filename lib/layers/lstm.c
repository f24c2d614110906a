/*
 * LSTM(units), Keras' gate order i, f, c, o:
 *   i, f, o = ract(...), g = act(...)   (each x . kernel + h_prev . recurrent_kernel + bias)
 *   c = f * c_prev + i * g,  h = o * act(c)
 * The gates are activated in place and act(c) is kept (aux), so backward
 * reads every factor it needs without recomputing a transcendental.
 * Activations go one gate of one row at a time: softmax, if asked for, is
 * over a gate's units as in Keras.
 */
#include <string.h>

#include "kernels/vmath_internal.h"
#include "rnn_internal.h"

static const lnn_param_def lstm_params[] = {
    LNN_RNN_PARAM_ROWS,
    LNN_RNN_RECURRENT_ACTIVATION_ROW,
    LNN_PARAM_BOOL(LIBNN_PARAM_UNIT_FORGET_BIAS, "unit_forget_bias", 1),
};

static void lstm_step(const lnn_rnn *r, const lnn_rnn_step *st)
{
    size_t u = r->units, G = r->gates;
    if (r->act == LNN_ACT_TANH && r->ract == LNN_ACT_SIGMOID) {
        /* Keras' default: every gate of a row in one vectorised pass. */
        for (size_t b = 0; b < st->batch; b++)
            lnn_vlstm_cell(st->z + b * G, st->bias, st->c_prev + b * u, st->c + b * u,
                           st->aux + b * u, st->h + b * u, u);
        return;
    }
    for (size_t b = 0; b < st->batch; b++) {
        float *i = st->z + b * G, *f = i + u, *g = f + u, *o = g + u;
        for (size_t j = 0; st->bias && j < G; j++)
            i[j] += st->bias[j];
        const float *cp = st->c_prev + b * u;
        float *c = st->c + b * u, *tc = st->aux + b * u, *h = st->h + b * u;
        lnn_act_forward(r->ract, r->ralpha, i, i, 1, u);
        lnn_act_forward(r->ract, r->ralpha, f, f, 1, u);
        lnn_act_forward(r->act, r->alpha, g, g, 1, u);
        lnn_act_forward(r->ract, r->ralpha, o, o, 1, u);
        for (size_t j = 0; j < u; j++)
            c[j] = f[j] * cp[j] + i[j] * g[j];
        lnn_act_forward(r->act, r->alpha, c, tc, 1, u);
        for (size_t j = 0; j < u; j++)
            h[j] = o[j] * tc[j];
    }
}

static void lstm_step_backward(const lnn_rnn *r, const lnn_rnn_step *st)
{
    size_t u = r->units, G = r->gates;
    if (r->act == LNN_ACT_TANH && r->ract == LNN_ACT_SIGMOID) {
        for (size_t b = 0; b < st->batch; b++)
            lnn_vlstm_cell_backward(st->z + b * G, st->c_prev + b * u, st->aux + b * u,
                                    st->dh + b * u, st->dc + b * u, st->dz + b * G,
                                    st->dc_prev + b * u, u);
        return;
    }
    for (size_t b = 0; b < st->batch; b++) {
        const float *i = st->z + b * G, *f = i + u, *g = f + u, *o = g + u;
        const float *cp = st->c_prev + b * u, *tc = st->aux + b * u;
        const float *dh = st->dh + b * u, *dc = st->dc + b * u;
        float *di = st->dz + b * G, *df = di + u, *dg = df + u, *dout = dg + u;
        float *dcp = st->dc_prev + b * u;
        /* dL/dc through h first, parked in the o slot. */
        for (size_t j = 0; j < u; j++)
            dout[j] = dh[j] * o[j];
        lnn_act_backward(r->act, r->alpha, NULL, tc, dout, dout, 1, u);
        for (size_t j = 0; j < u; j++) {
            float dcj = dc[j] + dout[j];
            di[j] = dcj * g[j];
            df[j] = dcj * cp[j];
            dg[j] = dcj * i[j];
            dout[j] = dh[j] * tc[j];
            dcp[j] = dcj * f[j];
        }
        lnn_act_backward(r->ract, r->ralpha, NULL, i, di, di, 1, u);
        lnn_act_backward(r->ract, r->ralpha, NULL, f, df, df, 1, u);
        lnn_act_backward(r->act, r->alpha, NULL, g, dg, dg, 1, u);
        lnn_act_backward(r->ract, r->ralpha, NULL, o, dout, dout, 1, u);
    }
}

/* Keras' unit_forget_bias: the f quarter of the bias starts at 1, whatever
 * the bias initialiser, so that the cell remembers from the start. */
static void lstm_init_weights(const libnn_layer *l, lnn_weight *w)
{
    const lnn_rnn *r = l->state;
    if (!r->use_bias || !lnn_param_int(l, LIBNN_PARAM_UNIT_FORGET_BIAS))
        return;
    for (size_t j = 0; j < r->units; j++)
        w[2].value[r->units + j] = 1.0f;
}

static const lnn_rnn_cell lstm_cell = {
    .gates = 4,
    .states = 2,
    .bias_rows = 1,
    .aux = true,
    .recurrent_activation = true,
    .adds_bias = true,
    .forward = lstm_step,
    .backward = lstm_step_backward,
    .init_weights = lstm_init_weights,
};

static libnn_status lstm_build(libnn_layer *l)
{
    return lnn_rnn_build(l, &lstm_cell);
}

static const lnn_layer_ops lstm_ops = {
    .kind = LIBNN_LAYER_LSTM,
    .class_name = "LSTM",
    .prefix = "lstm",
    .params = lstm_params,
    .n_params = sizeof lstm_params / sizeof lstm_params[0],
    .build = lstm_build,
    LNN_RNN_OPS_COMMON,
};

libnn_status libnn_lstm_new(int64_t units, libnn_layer **out)
{
    return lnn_rnn_new(&lstm_ops, units, out);
}
