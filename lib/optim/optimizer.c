/*
 * The optimizer object: creation, binding to a model's weights, and the
 * parts of a step every kind shares (finiteness check, clipping, weight
 * decay, the iteration count). The kind's rule only sees one weight.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "optim_kind_internal.h"

static const lnn_optim_ops *const all_kinds[] = {
    &lnn_sgd_ops, &lnn_adam_ops, &lnn_adamw_ops, &lnn_rmsprop_ops, &lnn_adagrad_ops,
};

libnn_status lnn_optimizer_create(const lnn_optim_ops *ops, float learning_rate,
                                  libnn_optimizer **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s_new: out is NULL", ops->prefix);
    *out = NULL;
    libnn_optimizer *o = lnn_calloc(1, sizeof *o);
    if (!o)
        return lnn_error_nomem(ops->prefix, sizeof *o);
    o->ops = ops;
    for (size_t i = 0; i < ops->n_params; i++)
        o->opt[ops->params[i].key] = lnn_params_default(&ops->params[i]);
    libnn_status st = libnn_optimizer_set_float(o, LIBNN_OPT_LEARNING_RATE, learning_rate);
    if (st != LIBNN_OK) {
        lnn_free(o);
        return st;
    }
    *out = o;
    return LIBNN_OK;
}

libnn_status lnn_optimizer_new_named(const char *class_name, float learning_rate,
                                     libnn_optimizer **out)
{
    for (size_t i = 0; class_name && i < sizeof all_kinds / sizeof all_kinds[0]; i++)
        if (strcmp(all_kinds[i]->class_name, class_name) == 0)
            return lnn_optimizer_create(all_kinds[i], learning_rate, out);
    if (out)
        *out = NULL;
    return lnn_error(LIBNN_E_NOTFOUND, "optimizer: no kind named \"%s\"",
                     class_name ? class_name : "(null)");
}

static void unbind(libnn_optimizer *o)
{
    lnn_free(o->params);
    lnn_free(o->slots);
    o->params = NULL;
    o->slots = NULL;
    memset(o->slot_base, 0, sizeof o->slot_base);
    o->n_params = o->n_slots = o->total = 0;
    o->slot_mask = 0;
    o->bound = false;
}

void libnn_optimizer_free(libnn_optimizer *opt)
{
    if (!opt)
        return;
    unbind(opt);
    lnn_schedule_free(opt);
    lnn_free(opt);
}

/* Everything about the weights that can be refused before the old binding
 * is dropped; the floats per slot into *total. */
static libnn_status check_params(const libnn_optimizer *o, size_t n, const lnn_param_ref *params,
                                 size_t *total)
{
    if (n && !params)
        return lnn_error(LIBNN_E_INVALID, "%s: bind to %zu weights, but params is NULL",
                         o->ops->prefix, n);
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        if (params[i].size && (!params[i].value || !params[i].grad))
            return lnn_error(LIBNN_E_INVALID, "%s: weight %zu (%s) has no %s buffer",
                             o->ops->prefix, i, params[i].name ? params[i].name : "unnamed",
                             params[i].value ? "gradient" : "value");
        if (!lnn_add_size(*total, params[i].size, total))
            return lnn_error(LIBNN_E_NOMEM, "%s: the weights' sizes overflow", o->ops->prefix);
    }
    return LIBNN_OK;
}

libnn_status lnn_optimizer_bind(libnn_optimizer *o, size_t n, const lnn_param_ref *params)
{
    if (!o)
        return lnn_error(LIBNN_E_INVALID, "optimizer_bind: optimizer is NULL");
    size_t total = 0, floats;
    libnn_status st = check_params(o, n, params, &total);
    if (st != LIBNN_OK)
        return st;
    unbind(o);
    unsigned mask = o->ops->slot_mask(o->opt);
    size_t n_slots = (size_t)__builtin_popcount(mask);
    if (!lnn_mul_size(n_slots, total, &floats))
        return lnn_error(LIBNN_E_NOMEM, "%s: %zu slots of %zu floats overflow", o->ops->prefix,
                         n_slots, total);
    o->params = lnn_malloc_array(n, sizeof *o->params);
    o->slots = floats ? lnn_malloc_array(floats, sizeof(float)) : NULL;
    if (!o->params || (floats && !o->slots)) {
        unbind(o);
        return lnn_error_nomem(o->ops->prefix, floats * sizeof(float));
    }
    size_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        o->params[i] = (lnn_opt_binding){params[i], offset};
        offset += params[i].size;
    }
    float *next = o->slots;
    for (size_t s = 0; s < o->ops->n_slot_kinds; s++) {
        if (!(mask & (1u << s)))
            continue;
        float init = o->ops->slot_init ? o->ops->slot_init(o->opt, s) : 0.0f;
        for (size_t i = 0; i < total; i++)
            next[i] = init;
        o->slot_base[s] = next;
        if (next) /* NULL when every weight is empty */
            next += total;
    }
    o->n_params = n;
    o->n_slots = n_slots;
    o->total = total;
    o->slot_mask = mask;
    o->bound = true;
    o->iterations = 0;
    return LIBNN_OK;
}

/* Sum of squares in double: a float sum of squared floats can overflow
 * where the norm itself is finite, and a NaN or infinity anywhere makes
 * the sum non-finite, so one pass checks and measures. */
static double sum_squares(const float *g, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return s;
}

static libnn_status nonfinite_gradient(const libnn_optimizer *o, size_t w)
{
    const lnn_param_ref *r = &o->params[w].ref;
    size_t i = 0;
    while (i < r->size && isfinite(r->grad[i]))
        i++;
    char unnamed[32];
    snprintf(unnamed, sizeof unnamed, "weight %zu", w);
    return lnn_error(LIBNN_E_NONFINITE,
                     "%s: the gradient of %s is %g at index %zu; no weight was updated",
                     o->ops->prefix, r->name ? r->name : unnamed, i < r->size ? r->grad[i] : 0.0,
                     i);
}

/* Keras' _clip_gradients: clipnorm, else global_clipnorm, else clipvalue. */
static void clip_gradients(const libnn_optimizer *o, double global_sq)
{
    const double clipnorm = o->opt[LIBNN_OPT_CLIPNORM].f;
    const double global = o->opt[LIBNN_OPT_GLOBAL_CLIPNORM].f;
    const float clipvalue = (float)o->opt[LIBNN_OPT_CLIPVALUE].f;
    for (size_t w = 0; w < o->n_params; w++) {
        float *g = o->params[w].ref.grad;
        size_t n = o->params[w].ref.size;
        float scale = 1.0f;
        if (clipnorm > 0) {
            double norm = sqrt(sum_squares(g, n));
            if (norm > clipnorm)
                scale = (float)(clipnorm / norm);
        } else if (global > 0) {
            double norm = sqrt(global_sq);
            if (norm > global)
                scale = (float)(global / norm);
        } else if (clipvalue > 0) {
            for (size_t i = 0; i < n; i++)
                g[i] = g[i] > clipvalue ? clipvalue : g[i] < -clipvalue ? -clipvalue : g[i];
        }
        if (scale != 1.0f)
            for (size_t i = 0; i < n; i++)
                g[i] *= scale;
    }
}

libnn_status lnn_optimizer_validate(const libnn_optimizer *o)
{
    if (!o)
        return lnn_error(LIBNN_E_INVALID, "optimizer: optimizer is NULL");
    return lnn_schedule_check(o);
}

libnn_status lnn_optimizer_step(libnn_optimizer *o)
{
    libnn_status st = lnn_optimizer_validate(o);
    if (st != LIBNN_OK)
        return st;
    if (!o->bound)
        return lnn_error(LIBNN_E_STATE,
                         "%s: step before the optimizer is bound to weights (compile first)",
                         o->ops->prefix);
    double global_sq = 0;
    for (size_t w = 0; w < o->n_params; w++) {
        double s = sum_squares(o->params[w].ref.grad, o->params[w].ref.size);
        if (!isfinite(s))
            return nonfinite_gradient(o, w);
        global_sq += s;
    }
    double lr = lnn_schedule_lr(o, o->iterations);
    if (!isfinite(lr) || lr > FLT_MAX)
        return lnn_error(LIBNN_E_NONFINITE, "%s: the learning rate at step %" PRId64 " is %g",
                         o->ops->prefix, o->iterations, lr);

    clip_gradients(o, global_sq);
    const lnn_opt_step s = {o->opt, (float)lr, o->iterations + 1};
    const float wd = (float)o->opt[LIBNN_OPT_WEIGHT_DECAY].f;
    float *slot[LNN_OPT_MAX_SLOTS];
    for (size_t w = 0; w < o->n_params; w++) {
        const lnn_opt_binding *b = &o->params[w];
        float *value = b->ref.value;
        if (wd > 0)
            for (size_t i = 0; i < b->ref.size; i++)
                value[i] = value[i] - value[i] * wd * s.lr; /* Keras' order of operations */
        for (size_t k = 0; k < LNN_OPT_MAX_SLOTS; k++)
            slot[k] = o->slot_base[k] ? o->slot_base[k] + b->offset : NULL;
        o->ops->update(&s, value, b->ref.grad, slot, b->ref.size);
    }
    o->iterations++;
    return LIBNN_OK;
}

double lnn_optimizer_current_lr(const libnn_optimizer *opt)
{
    return opt ? lnn_schedule_lr(opt, opt->iterations) : NAN;
}

double libnn_optimizer_learning_rate(const libnn_optimizer *opt)
{
    return lnn_optimizer_current_lr(opt);
}

int64_t libnn_optimizer_iterations(const libnn_optimizer *opt)
{
    return opt ? opt->iterations : 0;
}

libnn_status lnn_optimizer_set_iterations(libnn_optimizer *opt, int64_t iterations)
{
    if (!opt || iterations < 0)
        return lnn_error(LIBNN_E_INVALID, "optimizer: %s", opt ? "iterations must be >= 0"
                                                               : "optimizer is NULL");
    opt->iterations = iterations;
    return LIBNN_OK;
}

const char *libnn_optimizer_kind_name(const libnn_optimizer *opt)
{
    return opt ? opt->ops->class_name : NULL;
}

size_t lnn_optimizer_slot_count(const libnn_optimizer *opt)
{
    return opt && opt->bound ? opt->n_slots : 0;
}

/* The kind's index of the slot-th slot in use, or -1. */
static int slot_kind(const libnn_optimizer *o, size_t slot)
{
    if (!o || !o->bound)
        return -1;
    for (size_t k = 0; k < o->ops->n_slot_kinds; k++)
        if ((o->slot_mask & (1u << k)) && slot-- == 0)
            return (int)k;
    return -1;
}

const char *lnn_optimizer_slot_name(const libnn_optimizer *opt, size_t slot)
{
    int k = slot_kind(opt, slot);
    return k < 0 ? NULL : opt->ops->slot_names[k];
}

float *lnn_optimizer_slot(libnn_optimizer *opt, size_t slot, size_t weight)
{
    int k = slot_kind(opt, slot);
    if (k < 0 || weight >= opt->n_params || !opt->slot_base[k])
        return NULL;
    return opt->slot_base[k] + opt->params[weight].offset;
}
