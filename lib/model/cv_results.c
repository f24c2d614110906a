/*
 * The results of libnn_cross_validate: one value per fold for each name,
 * with their mean and population standard deviation.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "cv_results_internal.h"

libnn_status lnn_cv_results_new(const char *who, size_t k, libnn_cv_results **out)
{
    libnn_cv_results *r = lnn_calloc(1, sizeof *r);
    if (r)
        r->values = lnn_calloc((size_t)LNN_CV_MAX_NAMES * k, sizeof *r->values);
    if (!r || !r->values) {
        libnn_cv_results_free(r);
        return lnn_error_nomem(who, sizeof *r + (size_t)LNN_CV_MAX_NAMES * k * sizeof(double));
    }
    r->k = k;
    *out = r;
    return LIBNN_OK;
}

void libnn_cv_results_free(libnn_cv_results *results)
{
    if (!results)
        return;
    lnn_free(results->values);
    lnn_free(results);
}

static long find(const libnn_cv_results *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->names[i], name))
            return (long)i;
    return -1;
}

void lnn_cv_results_set(libnn_cv_results *r, const char *prefix, const char *name, size_t fold,
                        double value)
{
    char full[LNN_CV_NAME_CAP];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    long i = find(r, full);
    if (i < 0) {
        if (r->count == LNN_CV_MAX_NAMES)
            return; /* cannot happen: the names come from one model's logs */
        i = (long)r->count++;
        memcpy(r->names[i], full, sizeof full);
    }
    r->values[(size_t)i * r->k + fold] = value;
}

size_t libnn_cv_results_fold_count(const libnn_cv_results *results)
{
    return results ? results->k : 0;
}

size_t libnn_cv_results_count(const libnn_cv_results *results)
{
    return results ? results->count : 0;
}

const char *libnn_cv_results_name(const libnn_cv_results *results, size_t index)
{
    return results && index < results->count ? results->names[index] : NULL;
}

/* The k values of `name`, or an error naming what is missing. */
static libnn_status series(const char *who, const libnn_cv_results *r, const char *name,
                           const double *value_out, const double **values)
{
    if (!r || !name || !value_out)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who,
                         !r ? "results" : !name ? "name" : "value");
    long i = find(r, name);
    if (i < 0)
        return lnn_error(LIBNN_E_NOTFOUND, "%s: no value named \"%s\" (%zu names, e.g. \"%s\")",
                         who, name, r->count, r->count ? r->names[0] : "");
    *values = r->values + (size_t)i * r->k;
    return LIBNN_OK;
}

libnn_status libnn_cv_results_get(const libnn_cv_results *results, const char *name, size_t fold,
                                  double *value)
{
    const double *v;
    libnn_status st = series("cv_results_get", results, name, value, &v);
    if (st != LIBNN_OK)
        return st;
    if (fold >= results->k)
        return lnn_error(LIBNN_E_RANGE, "cv_results_get: fold %zu does not exist (k = %zu)", fold,
                         results->k);
    *value = v[fold];
    return LIBNN_OK;
}

static double mean_of(const double *v, size_t k)
{
    double sum = 0;
    for (size_t i = 0; i < k; i++)
        sum += v[i];
    return sum / (double)k;
}

libnn_status libnn_cv_results_mean(const libnn_cv_results *results, const char *name,
                                   double *value)
{
    const double *v;
    libnn_status st = series("cv_results_mean", results, name, value, &v);
    if (st == LIBNN_OK)
        *value = mean_of(v, results->k);
    return st;
}

libnn_status libnn_cv_results_std(const libnn_cv_results *results, const char *name,
                                  double *value)
{
    const double *v;
    libnn_status st = series("cv_results_std", results, name, value, &v);
    if (st != LIBNN_OK)
        return st;
    double mean = mean_of(v, results->k), sq = 0;
    for (size_t i = 0; i < results->k; i++)
        sq += (v[i] - mean) * (v[i] - mean);
    *value = sqrt(sq / (double)results->k);
    return LIBNN_OK;
}
