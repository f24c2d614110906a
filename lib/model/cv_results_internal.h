/*
 * Private: the results of a cross-validation, filled fold by fold.
 */
#ifndef LIBNN_CV_RESULTS_INTERNAL_H
#define LIBNN_CV_RESULTS_INTERNAL_H

#include "libnn/model_selection.h"
#include "model_internal.h"

/* "test_" and "train_" for the loss and each metric, and "epochs". */
#define LNN_CV_MAX_NAMES (2 * (1 + LNN_MAX_METRICS) + 1)
#define LNN_CV_NAME_CAP (LNN_LOG_NAME_CAP + 8)

struct libnn_cv_results {
    size_t k, count;
    char names[LNN_CV_MAX_NAMES][LNN_CV_NAME_CAP];
    double *values; /* [LNN_CV_MAX_NAMES][k] */
};

/* Empty results for k folds. */
libnn_status lnn_cv_results_new(const char *who, size_t k, libnn_cv_results **out);

/* Record prefix + name = value for `fold`; the first fold names the values. */
void lnn_cv_results_set(libnn_cv_results *r, const char *prefix, const char *name, size_t fold,
                        double value);

#endif
