/*
 * GRU(units), Keras' reset_after form (PyTorch's GRU), gate order z, r, h:
 *   xz, xr, xh = x . kernel + bias[0];  rz, rr, rh = h_prev . recurrent_kernel + bias[1]
 *   z = ract(xz + rz), r = ract(xr + rr), hh = act(xh + r * rh)
 *   h = z * h_prev + (1 - z) * hh
 * The recurrent projection stays apart from the input one (split) since
 * the reset gate multiplies only its h block; backward needs rh from it.
 */
#include "core/error_internal.h"
#include "rnn_internal.h"

static const lnn_param_def gru_params[] = {
    LNN_RNN_PARAM_ROWS,
    LNN_RNN_RECURRENT_ACTIVATION_ROW,
    LNN_PARAM_BOOL(LIBNN_PARAM_RESET_AFTER, "reset_after", 1),
};

static void gru_step(const lnn_rnn *r, const lnn_rnn_step *st)
{
    size_t u = r->units, G = r->gates;
    for (size_t b = 0; b < st->batch; b++) {
        float *z = st->z + b * G, *rg = z + u, *hh = rg + u;
        const float *rec = st->zr + b * G, *hp = st->h_prev + b * u;
        float *h = st->h + b * u;
        for (size_t j = 0; j < 2 * u; j++)
            z[j] += rec[j];
        lnn_act_forward(r->ract, r->ralpha, z, z, 1, u);
        lnn_act_forward(r->ract, r->ralpha, rg, rg, 1, u);
        for (size_t j = 0; j < u; j++)
            hh[j] += rg[j] * rec[2 * u + j];
        lnn_act_forward(r->act, r->alpha, hh, hh, 1, u);
        for (size_t j = 0; j < u; j++)
            h[j] = z[j] * hp[j] + (1.0f - z[j]) * hh[j];
    }
}

static void gru_step_backward(const lnn_rnn *r, const lnn_rnn_step *st)
{
    size_t u = r->units, G = r->gates;
    for (size_t b = 0; b < st->batch; b++) {
        const float *z = st->z + b * G, *rg = z + u, *hh = rg + u;
        const float *rh = st->zr + b * G + 2 * u, *hp = st->h_prev + b * u;
        const float *dh = st->dh + b * u;
        float *dz = st->dz + b * G, *dr = dz + u, *dhh = dr + u;
        float *drec = st->dzr + b * G, *dhp = st->dh_prev + b * u;
        for (size_t j = 0; j < u; j++) {
            dz[j] = dh[j] * (hp[j] - hh[j]);
            dhh[j] = dh[j] * (1.0f - z[j]);
            dhp[j] = dh[j] * z[j];
        }
        lnn_act_backward(r->act, r->alpha, NULL, hh, dhh, dhh, 1, u);
        for (size_t j = 0; j < u; j++)
            dr[j] = dhh[j] * rh[j];
        lnn_act_backward(r->ract, r->ralpha, NULL, z, dz, dz, 1, u);
        lnn_act_backward(r->ract, r->ralpha, NULL, rg, dr, dr, 1, u);
        for (size_t j = 0; j < 2 * u; j++)
            drec[j] = dz[j];
        for (size_t j = 0; j < u; j++)
            drec[2 * u + j] = dhh[j] * rg[j];
    }
}

static const lnn_rnn_cell gru_cell = {
    .gates = 3,
    .states = 1,
    .bias_rows = 2,
    .split = true,
    .writes_dh_prev = true,
    .recurrent_activation = true,
    .forward = gru_step,
    .backward = gru_step_backward,
};

static libnn_status gru_build(libnn_layer *l)
{
    if (!lnn_param_int(l, LIBNN_PARAM_RESET_AFTER))
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "%s: reset_after=0 (the Keras 1 GRU) is not supported; use the "
                         "default reset_after=1 (PyTorch's GRU)",
                         l->name);
    return lnn_rnn_build(l, &gru_cell);
}

static const lnn_layer_ops gru_ops = {
    .kind = LIBNN_LAYER_GRU,
    .class_name = "GRU",
    .prefix = "gru",
    .params = gru_params,
    .n_params = sizeof gru_params / sizeof gru_params[0],
    .build = gru_build,
    LNN_RNN_OPS_COMMON,
};

libnn_status libnn_gru_new(int64_t units, libnn_layer **out)
{
    return lnn_rnn_new(&gru_ops, units, out);
}
