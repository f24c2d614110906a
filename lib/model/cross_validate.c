/*
 * k-fold cross-validation: one fresh clone per fold, trained on the other
 * folds and evaluated on its own. The callbacks of the model are lent to
 * each clone for its fit, so EarlyStopping & co. work per fold without
 * being copied.
 */
#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "cv_results_internal.h"
#include "libnn/model_file.h"

/* One fold's copies of the data. */
typedef struct fold_data {
    libnn_tensor *x_train, *y_train, *w_train, *x_test, *y_test;
} fold_data;

static void fold_data_free(fold_data *d)
{
    libnn_tensor_free(d->x_train);
    libnn_tensor_free(d->y_train);
    libnn_tensor_free(d->w_train);
    libnn_tensor_free(d->x_test);
    libnn_tensor_free(d->y_test);
}

static libnn_status fold_data_take(const libnn_model *model, const libnn_tensor *x,
                                   const libnn_tensor *y, const libnn_folds *folds, size_t fold,
                                   int64_t *idx, fold_data *d)
{
    size_t n = (size_t)x->shape[0], m;
    libnn_status st = libnn_folds_train_indices(folds, fold, idx, n, &m);
    if (st == LIBNN_OK)
        st = libnn_take(x, idx, m, &d->x_train);
    if (st == LIBNN_OK)
        st = libnn_take(y, idx, m, &d->y_train);
    if (st == LIBNN_OK && model->sample_weights)
        st = libnn_take(model->sample_weights, idx, m, &d->w_train);
    if (st == LIBNN_OK)
        st = libnn_folds_test_indices(folds, fold, idx, n, &m);
    if (st == LIBNN_OK)
        st = libnn_take(x, idx, m, &d->x_test);
    if (st == LIBNN_OK)
        st = libnn_take(y, idx, m, &d->y_test);
    return st;
}

/* Fit the clone with the model's callbacks, which stay the model's. */
static libnn_status fit_with_callbacks(libnn_model *clone, libnn_model *model, const fold_data *d,
                                       int64_t epochs, int64_t batch_size)
{
    clone->callbacks = model->callbacks;
    clone->n_callbacks = model->n_callbacks;
    clone->cap_callbacks = model->cap_callbacks;
    libnn_status st = libnn_model_fit(clone, d->x_train, d->y_train, epochs, batch_size);
    clone->callbacks = NULL;
    clone->n_callbacks = clone->cap_callbacks = 0;
    return st;
}

static libnn_status evaluate_into(libnn_cv_results *r, libnn_model *clone, const char *prefix,
                                  const libnn_tensor *x, const libnn_tensor *y, size_t fold,
                                  int64_t batch_size)
{
    libnn_status st = libnn_model_evaluate(clone, x, y, batch_size, NULL);
    for (size_t i = 0; st == LIBNN_OK && i < clone->results.count; i++)
        lnn_cv_results_set(r, prefix, clone->results.names[i], fold, clone->results.values[i]);
    return st;
}

static libnn_status run_fold(libnn_model *model, const libnn_tensor *x, const libnn_tensor *y,
                             const libnn_folds *folds, size_t fold, int64_t epochs,
                             int64_t batch_size, int64_t *idx, libnn_cv_results *r)
{
    fold_data d = {0};
    libnn_model *clone = NULL;
    /* Fold seeds: the model's, counted on, within int64's positive range. */
    int64_t seed = (int64_t)((model->seed + fold) & (uint64_t)INT64_MAX);
    libnn_status st = fold_data_take(model, x, y, folds, fold, idx, &d);
    if (st == LIBNN_OK)
        st = libnn_model_clone(model, seed, 0, &clone);
    if (st == LIBNN_OK && model->n_class_weights)
        st = libnn_model_set_class_weights(clone, model->n_class_weights, model->class_weights);
    if (st == LIBNN_OK && d.w_train)
        st = libnn_model_set_sample_weights(clone, d.w_train);
    if (st == LIBNN_OK)
        st = fit_with_callbacks(clone, model, &d, epochs, batch_size);
    if (st == LIBNN_OK)
        lnn_cv_results_set(r, "", "epochs", fold, (double)libnn_model_history_length(clone));
    if (st == LIBNN_OK)
        st = evaluate_into(r, clone, "test_", d.x_test, d.y_test, fold, batch_size);
    if (st == LIBNN_OK)
        st = evaluate_into(r, clone, "train_", d.x_train, d.y_train, fold, batch_size);
    libnn_model_free(clone);
    fold_data_free(&d);
    return st;
}

/* The checks both entry points share, in the order a caller fixes them. */
static libnn_status check_args(const char *who, const libnn_model *model, const libnn_tensor *x,
                               const libnn_tensor *y, int64_t epochs, int64_t batch_size)
{
    if (!model || !x || !y)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, !model ? "model" : !x ? "x" : "y");
    if (!model->compiled)
        return lnn_error(LIBNN_E_STATE, "%s: the model is not compiled (compile it first)", who);
    if (epochs < 1 || batch_size < 1)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be >= 1, got %lld", who,
                         epochs < 1 ? "epochs" : "batch_size",
                         (long long)(epochs < 1 ? epochs : batch_size));
    if (y->shape[0] != x->shape[0]) {
        char xs[200], ys[200];
        return lnn_error(LIBNN_E_SHAPE, "%s: y %s has %lld samples, x %s has %lld", who,
                         lnn_format_shape(ys, sizeof ys, y->ndim, y->shape), (long long)y->shape[0],
                         lnn_format_shape(xs, sizeof xs, x->ndim, x->shape), (long long)x->shape[0]);
    }
    const libnn_tensor *w = model->sample_weights;
    if (w && w->shape[0] != x->shape[0])
        return lnn_error(LIBNN_E_SHAPE, "%s: the model's sample weights are %lld, x has %lld samples",
                         who, (long long)w->shape[0], (long long)x->shape[0]);
    return lnn_model_check_data(model, who, x, y);
}

static libnn_status run(const char *who, libnn_model *model, const libnn_tensor *x,
                        const libnn_tensor *y, const libnn_folds *folds, int64_t epochs,
                        int64_t batch_size, libnn_cv_results **out)
{
    size_t n = (size_t)x->shape[0], k = libnn_folds_count(folds);
    if (libnn_folds_sample_count(folds) != n)
        return lnn_error(LIBNN_E_SHAPE, "%s: the folds partition %zu samples, x has %zu", who,
                         libnn_folds_sample_count(folds), n);
    libnn_cv_results *r;
    libnn_status st = lnn_cv_results_new(who, k, &r);
    if (st != LIBNN_OK)
        return st;
    int64_t *idx = lnn_malloc_array(n, sizeof *idx);
    if (!idx)
        st = lnn_error_nomem(who, n * sizeof *idx);
    for (size_t fold = 0; st == LIBNN_OK && fold < k; fold++) {
        st = run_fold(model, x, y, folds, fold, epochs, batch_size, idx, r);
        if (st != LIBNN_OK)
            st = lnn_error_prefix(st, "%s: fold %zu/%zu", who, fold + 1, k);
    }
    lnn_free(idx);
    if (st != LIBNN_OK)
        libnn_cv_results_free(r);
    else
        *out = r;
    return st;
}

libnn_status libnn_cross_validate_folds(libnn_model *model, const libnn_tensor *x,
                                        const libnn_tensor *y, const libnn_folds *folds,
                                        int64_t epochs, int64_t batch_size,
                                        libnn_cv_results **out)
{
    static const char who[] = "cross_validate_folds";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    libnn_status st = check_args(who, model, x, y, epochs, batch_size);
    if (st == LIBNN_OK && !folds)
        st = lnn_error(LIBNN_E_INVALID, "%s: folds is NULL", who);
    return st == LIBNN_OK ? run(who, model, x, y, folds, epochs, batch_size, out) : st;
}

libnn_status libnn_cross_validate(libnn_model *model, const libnn_tensor *x,
                                  const libnn_tensor *y, int64_t k, int64_t epochs,
                                  int64_t batch_size, unsigned flags, libnn_cv_results **out)
{
    static const char who[] = "cross_validate";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    libnn_status st = check_args(who, model, x, y, epochs, batch_size);
    if (st != LIBNN_OK)
        return st;
    if (flags & ~(unsigned)(LIBNN_SPLIT_SHUFFLE | LIBNN_SPLIT_STRATIFY))
        return lnn_error(LIBNN_E_INVALID, "%s: unknown flags 0x%x", who, flags);
    libnn_folds *folds;
    unsigned shuffle = flags & LIBNN_SPLIT_SHUFFLE;
    st = flags & LIBNN_SPLIT_STRATIFY ? libnn_stratified_kfold(y, k, shuffle, model->seed, &folds)
                                      : libnn_kfold(x->shape[0], k, shuffle, model->seed, &folds);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", who);
    st = run(who, model, x, y, folds, epochs, batch_size, out);
    libnn_folds_free(folds);
    return st;
}
