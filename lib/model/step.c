/*
 * One step: forward through the layers, the loss, backward, the update.
 * Everything here works inside a plan and allocates nothing.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "model_internal.h"

/* The exec a layer runs in, the same for its forward and backward. */
static lnn_exec layer_exec(lnn_plan *p, size_t i, size_t batch, bool training, lnn_rng *rng)
{
    lnn_exec e = {
        .batch = batch,
        .training = training,
        .cache = p->cache[i],
        .scratch = p->scratch,
        .rng = rng,
        .mask_in = p->has_mask[i] ? p->mask[i] : NULL,
        .mask_out = p->mask[i + 1],
    };
    return e;
}

static libnn_status check_finite(const libnn_layer *l, size_t index, const float *y, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (!isfinite(y[j]))
            return lnn_error(LIBNN_E_NONFINITE, "layer %zu (%s): output value %zu is %g", index,
                             l->name, j, (double)y[j]);
    return LIBNN_OK;
}

libnn_status lnn_model_forward(const libnn_model *m, lnn_plan *p, size_t batch, bool training,
                               lnn_rng *rng)
{
    p->has_mask[0] = false;
    for (size_t i = 0; i < m->n_layers; i++) {
        const libnn_layer *l = m->layers[i];
        lnn_exec e = layer_exec(p, i, batch, training, rng);
        libnn_status st = l->ops->forward(l, &e, p->act[i], p->act[i + 1]);
        if (st != LIBNN_OK)
            return lnn_error_prefix(st, "layer %zu", i);
        lnn_mask_mode mode = lnn_layer_mask_mode(l);
        p->has_mask[i + 1] = mode == LNN_MASK_PRODUCE || (mode == LNN_MASK_PASS && e.mask_in);
        if (mode == LNN_MASK_PASS && e.mask_in)
            memcpy(e.mask_out, e.mask_in, batch * (size_t)l->in_shape[0]);
        if (m->check_numerics) {
            st = check_finite(l, i, p->act[i + 1], batch * l->out_size);
            if (st != LIBNN_OK)
                return st;
        }
    }
    return LIBNN_OK;
}

double lnn_model_regularization(libnn_model *m, bool add_grad)
{
    double sum = 0;
    for (size_t i = 0; i < m->n_layers; i++)
        sum += lnn_layer_regularization(m->layers[i], add_grad);
    return sum;
}

static libnn_status shape_mismatch(const char *who, const char *what, const libnn_tensor *t,
                                   size_t ndim, const int64_t *shape)
{
    char a[200], b[200];
    int64_t want[LIBNN_MAX_RANK];
    want[0] = t->ndim ? t->shape[0] : 0;
    memcpy(want + 1, shape, ndim * sizeof *shape);
    return lnn_error(LIBNN_E_SHAPE, "%s: %s must have shape %s, got %s", who, what,
                     lnn_format_shape(a, sizeof a, ndim + 1, want),
                     lnn_format_shape(b, sizeof b, t->ndim, t->shape));
}

libnn_status lnn_model_check_samples(const libnn_model *m, const char *who,
                                     const libnn_tensor *x, const libnn_tensor *y)
{
    if (!x)
        return lnn_error(LIBNN_E_INVALID, "%s: x is NULL", who);
    if (m->has_input && (x->ndim != m->in_ndim + 1 ||
                         memcmp(x->shape + 1, m->in_shape, m->in_ndim * sizeof *m->in_shape) != 0))
        return shape_mismatch(who, "x", x, m->in_ndim, m->in_shape);
    if (x->ndim < 1 || x->shape[0] < 1)
        return lnn_error(LIBNN_E_INVALID, "%s: x holds no samples", who);
    if (y && (y->ndim < 1 || y->shape[0] != x->shape[0])) {
        char a[200], b[200];
        return lnn_error(LIBNN_E_SHAPE, "%s: y %s has %" PRId64 " samples, x %s has %" PRId64, who,
                         lnn_format_shape(a, sizeof a, y->ndim, y->shape), y->ndim ? y->shape[0] : 0,
                         lnn_format_shape(b, sizeof b, x->ndim, x->shape), x->shape[0]);
    }
    return LIBNN_OK;
}

libnn_status lnn_model_check_data(const libnn_model *m, const char *who, const libnn_tensor *x,
                                  const libnn_tensor *y)
{
    if (!m->compiled)
        return lnn_error(LIBNN_E_STATE, "%s: the model is not compiled; call libnn_model_compile",
                         who);
    libnn_status st = lnn_model_check_samples(m, who, x, y);
    if (st != LIBNN_OK || !y)
        return st;
    const libnn_layer *last = m->layers[m->n_layers - 1];
    if (m->label_width != m->out_size) {
        /* Sparse labels: [n] or [n, 1] class indices, checked here once so
         * that the message names the sample of the data set, not of a
         * shuffled batch. */
        if (y->ndim > 2 || (y->ndim == 2 && y->shape[1] != 1))
            return lnn_error(LIBNN_E_SHAPE,
                             "%s: sparse labels must have shape [%" PRId64 "] or [%" PRId64
                             ", 1] (class indices), got rank %zu",
                             who, x->shape[0], x->shape[0], y->ndim);
        for (size_t i = 0; i < y->size; i++) {
            float v = y->data[i];
            if (!(v >= 0 && v < (float)m->out_size && v == floorf(v)))
                return lnn_error(LIBNN_E_RANGE,
                                 "%s: label of sample %zu is %g, not a class index in [0, %zu)",
                                 who, i, (double)v, m->out_size);
        }
        return LIBNN_OK;
    }
    if (y->ndim != last->out_ndim + 1 ||
        memcmp(y->shape + 1, last->out_shape, last->out_ndim * sizeof *last->out_shape) != 0)
        return shape_mismatch(who, "y", y, last->out_ndim, last->out_shape);
    return LIBNN_OK;
}

libnn_status lnn_model_load_batch(libnn_model *m, const libnn_tensor *x, const libnn_tensor *y,
                                  const libnn_tensor *w, const size_t *idx, size_t first, size_t n)
{
    lnn_plan *p = &m->plan;
    size_t xs = m->layers[0]->in_size, lw = m->label_width;
    for (size_t i = 0; i < n; i++) {
        size_t r = idx ? idx[first + i] : first + i;
        memcpy(p->act[0] + i * xs, x->data + r * xs, xs * sizeof(float));
        if (!y)
            continue;
        memcpy(p->y_true + i * lw, y->data + r * lw, lw * sizeof(float));
        float weight = w ? w->data[r] : 1.0f;
        if (m->n_class_weights) {
            /* The class of a sample: its sparse label, or the argmax of its one-hot row. */
            const float *row = y->data + r * lw;
            size_t cls = 0;
            if (lw == 1 && m->label_width != m->out_size)
                cls = (size_t)row[0];
            else if (lw == 1)
                cls = row[0] > 0.5f;
            else
                for (size_t c = 1; c < lw; c++)
                    if (row[c] > row[cls])
                        cls = c;
            if (cls < m->n_class_weights)
                weight *= m->class_weights[cls];
        }
        p->weights[i] = weight;
    }
    return LIBNN_OK;
}

static libnn_status update_metrics(libnn_model *m, size_t n)
{
    lnn_plan *p = &m->plan;
    for (size_t i = 0; i < m->n_metrics; i++) {
        libnn_status st = lnn_metric_update(m->metrics[i], n, p->act[m->n_layers], p->y_true,
                                            p->weights);
        if (st != LIBNN_OK)
            return st;
    }
    return LIBNN_OK;
}

libnn_status lnn_model_train_step(libnn_model *m, size_t n, size_t base, double *loss,
                                  double *reg_out, bool with_metrics)
{
    lnn_plan *p = &m->plan;
    size_t L = m->n_layers;
    libnn_status st = lnn_model_forward(m, p, n, true, &m->rng);
    if (st != LIBNN_OK)
        return st;
    double sum;
    st = lnn_loss_eval(&m->loss, n, m->out_size, p->act[L], p->y_true, p->weights, base, &sum,
                       p->grad[0], 1.0f / (float)n);
    if (st != LIBNN_OK)
        return st;
    if (with_metrics && (st = update_metrics(m, n)) != LIBNN_OK)
        return st;
    for (size_t i = 0; i < L; i++)
        libnn_layer_zero_grad(m->layers[i]);
    /* Backward: dy in grad[cur], dx into grad[1 - cur]; the first layer's
     * dx is never needed. */
    int cur = 0;
    for (size_t i = L; i-- > 0;) {
        libnn_layer *l = m->layers[i];
        lnn_exec e = layer_exec(p, i, n, true, &m->rng);
        float *dx = i > 0 ? p->grad[1 - cur] : NULL;
        st = l->ops->backward(l, &e, p->act[i], p->act[i + 1], p->grad[cur], dx);
        if (st != LIBNN_OK)
            return lnn_error_prefix(st, "layer %zu", i);
        cur = 1 - cur;
    }
    double reg = lnn_model_regularization(m, true);
    st = lnn_optimizer_step(m->opt);
    if (st != LIBNN_OK)
        return st;
    if (loss)
        *loss = sum / (double)n + reg;
    if (reg_out)
        *reg_out = reg;
    return LIBNN_OK;
}

libnn_status lnn_model_test_step(libnn_model *m, size_t n, size_t base, double *loss_sum)
{
    lnn_plan *p = &m->plan;
    libnn_status st = lnn_model_forward(m, p, n, false, &m->rng);
    if (st == LIBNN_OK)
        st = lnn_loss_eval(&m->loss, n, m->out_size, p->act[m->n_layers], p->y_true, p->weights,
                           base, loss_sum, NULL, 0.0f);
    if (st == LIBNN_OK)
        st = update_metrics(m, n);
    return st;
}
