/*
 * Central differences against the layer's backward pass. The loss is a
 * random projection of the output, L = sum(y * r), accumulated in double so
 * that the difference quotient is limited by the layer's float32 arithmetic
 * only.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "gradcheck.h"

tu_gradcheck tu_gradcheck_defaults(void)
{
    tu_gradcheck g = {1e-2, 2e-3, 2e-2, 0, 0, 300, "", 0};
    return g;
}

struct probe {
    libnn_layer *layer;
    libnn_tensor *x, *y, *r;
    int training;
};

static double loss(struct probe *p)
{
    libnn_status st = libnn_layer_forward(p->layer, p->x, p->y, p->training);
    ck_assert_msg(st == LIBNN_OK, "forward: %s", libnn_last_error());
    const float *y = libnn_tensor_data(p->y), *r = libnn_tensor_data(p->r);
    double sum = 0;
    for (size_t i = 0; i < libnn_tensor_size(p->y); i++)
        sum += (double)y[i] * r[i];
    return sum;
}

struct tally {
    size_t checked, skipped;
};

/* up/down/mid: the loss at +eps, -eps and 0. */
static void compare(const char *what, size_t index, double analytic, double up, double down,
                    double mid, const tu_gradcheck *opt, struct tally *t)
{
    double numeric = (up - down) / (2 * opt->eps);
    t->checked++;
    if (opt->kinked) {
        double fwd = (up - mid) / opt->eps, bwd = (mid - down) / opt->eps;
        if (fabs(fwd - bwd) > opt->atol + opt->rtol * fabs(numeric)) {
            t->skipped++;
            return;
        }
    }
    double diff = fabs(analytic - numeric);
    ck_assert_msg(diff <= opt->atol + opt->rtol * fabs(numeric),
                  "%s: %s[%zu]: backward gives %.6g, central difference %.6g (|diff| %.3g)",
                  opt->label ? opt->label : "", what, index, analytic, numeric, diff);
}

static size_t stride_for(size_t n, const tu_gradcheck *opt)
{
    if (opt->max_checks == 0 || n <= opt->max_checks)
        return 1;
    return (n + opt->max_checks - 1) / opt->max_checks;
}

void tu_gradcheck_layer(libnn_layer *layer, const libnn_tensor *x0, uint64_t seed,
                        const tu_gradcheck *opt)
{
    struct probe p = {layer, NULL, NULL, NULL, opt->training};
    int64_t shape[LIBNN_MAX_RANK];
    size_t ndim;
    libnn_tensor *dx = NULL;

    ck_assert_int_eq(libnn_layer_output_shape(layer, LIBNN_MAX_RANK - 1, shape + 1, &ndim), LIBNN_OK);
    shape[0] = libnn_tensor_dim(x0, 0);
    ck_assert_int_eq(libnn_tensor_new(ndim + 1, shape, &p.y), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(ndim + 1, shape, &p.r), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_fill_uniform(p.r, -1, 1, seed), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_clone(x0, &p.x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_clone(x0, &dx), LIBNN_OK);

    struct tally tally = {0, 0};
    /* Analytic gradients. */
    double mid = loss(&p);
    ck_assert_int_eq(libnn_layer_zero_grad(layer), LIBNN_OK);
    ck_assert_msg(libnn_layer_backward(layer, p.r, opt->skip_dx ? NULL : dx) == LIBNN_OK,
                  "backward: %s", libnn_last_error());

    if (!opt->skip_dx) {
        float *xs = libnn_tensor_data(p.x);
        const float *g = libnn_tensor_data(dx);
        size_t n = libnn_tensor_size(p.x), step = stride_for(n, opt);
        for (size_t i = 0; i < n; i += step) {
            float keep = xs[i];
            xs[i] = keep + (float)opt->eps;
            double up = loss(&p);
            xs[i] = keep - (float)opt->eps;
            double down = loss(&p);
            xs[i] = keep;
            compare("dx", i, g[i], up, down, mid, opt, &tally);
        }
    }

    for (size_t w = 0; w < libnn_layer_weight_count(layer); w++) {
        const char *name = libnn_layer_weight_name(layer, w);
        libnn_tensor *value = NULL, *grad = NULL;
        ck_assert_int_eq(libnn_layer_get_weight(layer, name, &value), LIBNN_OK);
        ck_assert_int_eq(libnn_layer_get_gradient(layer, name, &grad), LIBNN_OK);
        float *v = libnn_tensor_data(value);
        const float *g = libnn_tensor_data(grad);
        size_t n = libnn_tensor_size(value), step = stride_for(n, opt);
        for (size_t i = 0; i < n; i += step) {
            float keep = v[i];
            v[i] = keep + (float)opt->eps;
            ck_assert_int_eq(libnn_layer_set_weight(layer, name, value), LIBNN_OK);
            double up = loss(&p);
            v[i] = keep - (float)opt->eps;
            ck_assert_int_eq(libnn_layer_set_weight(layer, name, value), LIBNN_OK);
            double down = loss(&p);
            v[i] = keep;
            compare(name, i, g[i], up, down, mid, opt, &tally);
        }
        ck_assert_int_eq(libnn_layer_set_weight(layer, name, value), LIBNN_OK);
        libnn_tensor_free(value);
        libnn_tensor_free(grad);
    }
    ck_assert_msg(tally.skipped * 10 <= tally.checked,
                  "%s: %zu of %zu points straddle a kink: choose other inputs", opt->label,
                  tally.skipped, tally.checked);
    libnn_tensor_free(p.x);
    libnn_tensor_free(p.y);
    libnn_tensor_free(p.r);
    libnn_tensor_free(dx);
}
