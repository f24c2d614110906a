/*
 * Metrics: hand-computed examples for each, streaming, weights, reset, edge
 * cases, the confusion matrix, and allocation (none per update).
 */
#include <math.h>
#include <string.h>

#include "libnn/loss.h"
#include "model/metric_state_internal.h"
#include "tensor_literal.h"
#include "testutil.h"


static lnn_metric_state *metric(libnn_metric which, libnn_loss loss, int logits, size_t k)
{
    lnn_loss_cfg cfg = lnn_loss_default(loss);
    cfg.from_logits = logits;
    lnn_metric_state *m = NULL;
    ck_assert_msg(lnn_metric_new(which, &cfg, k, &m) == LIBNN_OK, "%s", libnn_last_error());
    return m;
}

/* A fresh metric's value over one batch. */
static double once(libnn_metric which, libnn_loss loss, int logits, size_t k, size_t n,
                   const float *p, const float *y, const float *w)
{
    lnn_metric_state *m = metric(which, loss, logits, k);
    ck_assert_msg(lnn_metric_update(m, n, p, y, w) == LIBNN_OK, "%s", libnn_last_error());
    double v = lnn_metric_result(m);
    lnn_metric_free(m);
    return v;
}

#define BCE LIBNN_LOSS_BINARY_CROSSENTROPY
#define CCE LIBNN_LOSS_CATEGORICAL_CROSSENTROPY
#define SCCE LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY
#define MSE LIBNN_LOSS_MEAN_SQUARED_ERROR

START_TEST(accuracy_variants)
{
    /* Binary: 0.5 is not above the threshold, so [1, 0, 0, 0] vs [1, 0, 1, 0]. */
    const float yb[] = {1, 0, 1, 0}, pb[] = {0.7f, 0.4f, 0.2f, 0.5f}, zb[] = {2, -1, -0.5f, 0.1f};
    ck_assert_double_eq(once(LIBNN_METRIC_BINARY_ACCURACY, BCE, 0, 1, 4, pb, yb, NULL), 0.75);
    /* from_logits: the sigmoid is > 0.5 where the logit is > 0. */
    ck_assert_double_eq(once(LIBNN_METRIC_BINARY_ACCURACY, BCE, 1, 1, 4, zb, yb, NULL), 0.5);
    /* Two outputs per sample: the per-sample mean, then the mean. */
    ck_assert_double_eq(once(LIBNN_METRIC_BINARY_ACCURACY, BCE, 0, 2, 2, pb, yb, NULL), 0.75);

    const float onehot[] = {0, 0, 1, 1, 0, 0, 0, 1, 0}, labels[] = {2, 0, 1};
    const float p[] = {0.1f, 0.2f, 0.7f, 0.3f, 0.6f, 0.1f, 0.2f, 0.5f, 0.3f};
    const float w[] = {1, 2, 1};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_CATEGORICAL_ACCURACY, CCE, 0, 3, 3, p, onehot, NULL),
                            2.0 / 3, 1e-15);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY, SCCE, 0, 3, 3, p,
                                 labels, NULL),
                            2.0 / 3, 1e-15);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY, SCCE, 0, 3, 3, p,
                                 labels, w),
                            0.5, 1e-15);

    /* "accuracy" resolves from the loss as Keras compiles it. */
    static const struct {
        libnn_loss loss;
        size_t k;
        libnn_metric kind;
    } r[] = {{SCCE, 3, LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY},
             {CCE, 3, LIBNN_METRIC_CATEGORICAL_ACCURACY},
             {BCE, 3, LIBNN_METRIC_BINARY_ACCURACY},
             {MSE, 1, LIBNN_METRIC_BINARY_ACCURACY},
             {MSE, 3, LIBNN_METRIC_CATEGORICAL_ACCURACY}};
    for (size_t i = 0; i < 5; i++) {
        lnn_metric_state *m = metric(LIBNN_METRIC_ACCURACY, r[i].loss, 0, r[i].k);
        ck_assert_int_eq(m->kind, r[i].kind);
        ck_assert_str_eq(lnn_metric_log_name(m), "accuracy");
        lnn_metric_free(m);
    }
}
END_TEST

START_TEST(precision_recall_f1)
{
    /* Predicted positive: samples 0, 2, 3, 4; positive: 0, 1, 4. tp 2, fp 2, fn 1. */
    const float y[] = {1, 1, 0, 0, 1, 0}, p[] = {0.9f, 0.3f, 0.6f, 0.7f, 0.8f, 0.4f};
    ck_assert_double_eq(once(LIBNN_METRIC_PRECISION, BCE, 0, 1, 6, p, y, NULL), 0.5);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_RECALL, BCE, 0, 1, 6, p, y, NULL), 2.0 / 3, 1e-15);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_F1, BCE, 0, 1, 6, p, y, NULL), 4.0 / 7, 1e-15);
    /* Weight 2 on the missed positive: tp 2, fp 2, fn 2. */
    const float w[] = {1, 2, 1, 1, 1, 1};
    ck_assert_double_eq(once(LIBNN_METRIC_RECALL, BCE, 0, 1, 6, p, y, w), 0.5);
    ck_assert_double_eq(once(LIBNN_METRIC_F1, BCE, 0, 1, 6, p, y, w), 0.5);
    /* Labels count as positive when non-zero (Keras casts them to bool). */
    const float soft[] = {0.9f, 0.2f, 0, 0, 1, 0};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_RECALL, BCE, 0, 1, 6, p, soft, NULL), 2.0 / 3, 1e-15);
    /* Nothing predicted positive, or no positives: 0 as Keras. */
    const float low[] = {0.1f, 0.2f, 0.3f, 0.4f, 0.1f, 0.2f}, none[] = {0, 0, 0, 0, 0, 0};
    ck_assert_double_eq(once(LIBNN_METRIC_PRECISION, BCE, 0, 1, 6, low, y, NULL), 0.0);
    ck_assert_double_eq(once(LIBNN_METRIC_RECALL, BCE, 0, 1, 6, p, none, NULL), 0.0);
    ck_assert_double_eq(once(LIBNN_METRIC_F1, BCE, 0, 1, 6, low, none, NULL), 0.0);
}
END_TEST

/* Three classes, seven samples. Per class: 0: tp 2 fp 1 fn 0 (F1 0.8);
 * 1: tp 1 fp 1 fn 1 (0.5); 2: tp 1 fp 1 fn 2 (0.4). Macro 1.7 / 3; micro
 * tp 4 fp 3 fn 3: 8 / 14, the accuracy. */
static const float f1_labels[] = {0, 1, 2, 2, 1, 0, 2};
static const float f1_scores[] = {0.8f, 0.1f, 0.1f, 0.2f, 0.3f, 0.5f, 0.1f, 0.2f, 0.7f,
                                  0.3f, 0.6f, 0.1f, 0.1f, 0.8f, 0.1f, 0.6f, 0.3f, 0.1f,
                                  0.5f, 0.4f, 0.1f};

START_TEST(f1_macro_and_micro)
{
    float onehot[21] = {0};
    for (size_t i = 0; i < 7; i++)
        onehot[i * 3 + (size_t)f1_labels[i]] = 1;
    ck_assert_double_eq_tol(once(LIBNN_METRIC_F1_MACRO, SCCE, 0, 3, 7, f1_scores, f1_labels, NULL),
                            1.7 / 3, 1e-15);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_F1_MACRO, CCE, 0, 3, 7, f1_scores, onehot, NULL),
                            1.7 / 3, 1e-15);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_F1_MICRO, SCCE, 0, 3, 7, f1_scores, f1_labels, NULL),
                            4.0 / 7, 1e-15);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_F1_MICRO, CCE, 1, 3, 7, f1_scores, onehot, NULL),
                            4.0 / 7, 1e-15);
    /* Weight 0 on sample 6 (true 2, predicted 0): class 0 F1 1, class 2
     * 2/4: macro (1 + 0.5 + 0.5) / 3. */
    const float w[] = {1, 1, 1, 1, 1, 1, 0};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_F1_MACRO, SCCE, 0, 3, 7, f1_scores, f1_labels, w),
                            2.0 / 3, 1e-15);

    libnn_tensor *y = tu_tensor_of(1, (const int64_t[]){7}, f1_labels);
    libnn_tensor *p = tu_tensor_of(2, (const int64_t[]){7, 3}, f1_scores);
    double v = 0;
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_F1_MACRO, y, p, &v), LIBNN_OK);
    ck_assert_double_eq_tol(v, 1.7 / 3, 1e-15);
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_ACCURACY, y, p, &v), LIBNN_OK);
    ck_assert_double_eq_tol(v, 4.0 / 7, 1e-15);
    libnn_tensor_free(y);
    libnn_tensor_free(p);
}
END_TEST

START_TEST(auc_roc)
{
    /* Keras' documented example. Predictions 0, 0.3, 0.5, 0.9 fall in
     * separate buckets of the 200 thresholds, so the area is the exact one:
     * of the 4 (positive, negative) pairs, 3 are ordered right. */
    const float y[] = {0, 0, 1, 1}, p[] = {0, 0.5f, 0.3f, 0.9f}, w[] = {1, 0, 0, 1};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_AUC, BCE, 0, 1, 4, p, y, NULL), 0.75, 1e-12);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_AUC, BCE, 0, 1, 4, p, y, w), 1.0, 1e-12);
    /* A tie is a diagonal through it: 0.5. So are two scores in one bucket
     * (ceil(0.502 * 199) - 1 == ceil(0.501 * 199) - 1 == 99), in the wrong
     * order or not. */
    const float y2[] = {0, 1}, tie[] = {0.5f, 0.5f}, close[] = {0.502f, 0.501f};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_AUC, BCE, 0, 1, 2, tie, y2, NULL), 0.5, 1e-12);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_AUC, BCE, 0, 1, 2, close, y2, NULL), 0.5, 1e-12);
    /* Positives 0.8 and 0.35, negatives 0.4 and 0.1: 3 of 4 pairs. */
    const float y4[] = {1, 1, 0, 0}, p4[] = {0.8f, 0.35f, 0.4f, 0.1f};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_AUC, BCE, 0, 1, 4, p4, y4, NULL), 0.75, 1e-12);
    /* Logits through the sigmoid: same order, same area. */
    const float z4[] = {1.4f, -0.6f, -0.4f, -2.2f};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_AUC, BCE, 1, 1, 4, z4, y4, NULL), 0.75, 1e-12);
    /* Soft labels weigh a sample into both classes, as Keras: positive
     * weight 0.5 at 0.2 and 1 at 0.9, negative 0.5 at 0.2. Pairs: 1 * 0.5
     * ordered right, 0.5 * 0.5 tied (counting half), over 1.5 * 0.5. */
    const float ys[] = {0.5f, 1}, ps[] = {0.2f, 0.9f};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_AUC, BCE, 0, 1, 2, ps, ys, NULL), 5.0 / 6, 1e-12);

    /* Undefined without both classes (Keras says 0), or with a NaN. */
    const float ones[] = {1, 1, 1, 1}, nanp[] = {0.1f, NAN, 0.2f, 0.3f};
    ck_assert(isnan(once(LIBNN_METRIC_AUC, BCE, 0, 1, 4, p, ones, NULL)));
    ck_assert(isnan(once(LIBNN_METRIC_AUC, BCE, 0, 1, 4, nanp, y, NULL)));

    lnn_metric_state *m = metric(LIBNN_METRIC_AUC, BCE, 0, 1);
    const float high[] = {0.2f, 1.5f}, two[] = {0, 2};
    ck_assert_int_eq(lnn_metric_update(m, 2, high, y2, NULL), LIBNN_E_RANGE);
    tu_assert_error_has("auc: sample 1 has prediction 1.5 at position 0");
    ck_assert_int_eq(lnn_metric_update(m, 2, tie, two, NULL), LIBNN_E_RANGE);
    tu_assert_error_has("auc: sample 1 has label 2 at position 0; labels lie in [0, 1]");
    ck_assert(isnan(lnn_metric_result(m))); /* the failed updates added nothing */
    lnn_metric_free(m);
}
END_TEST

START_TEST(regression_metrics)
{
    /* Errors [0.5, 0] and [-1, 1]: per-sample MSE 0.125 and 1, MAE 0.25
     * and 1. R²: column 0 SST 2 SSR 1.25, column 1 SST 2 SSR 1. */
    const float y[] = {1, 2, 3, 4}, p[] = {1.5f, 2, 2, 5}, w[] = {3, 1};
    ck_assert_double_eq(once(LIBNN_METRIC_MEAN_SQUARED_ERROR, MSE, 0, 2, 2, p, y, NULL), 0.5625);
    ck_assert_double_eq(once(LIBNN_METRIC_ROOT_MEAN_SQUARED_ERROR, MSE, 0, 2, 2, p, y, NULL), 0.75);
    ck_assert_double_eq(once(LIBNN_METRIC_MEAN_ABSOLUTE_ERROR, MSE, 0, 2, 2, p, y, NULL), 0.625);
    ck_assert_double_eq_tol(once(LIBNN_METRIC_R2, MSE, 0, 2, 2, p, y, NULL), 0.4375, 1e-15);
    ck_assert_double_eq(once(LIBNN_METRIC_MEAN_SQUARED_ERROR, MSE, 0, 2, 2, p, y, w), 0.34375);
    /* Weighted R²: column 0 mean 1.5, SST 3, SSR 1.75; column 1 mean 2.5,
     * SST 3, SSR 1. */
    ck_assert_double_eq_tol(once(LIBNN_METRIC_R2, MSE, 0, 2, 2, p, y, w),
                            ((1 - 1.75 / 3) + (1 - 1.0 / 3)) / 2, 1e-15);
    /* A constant target: Keras' infinite score counts as 0; fitted exactly
     * it is 0 / 0. */
    const float c[] = {1, 1}, pc[] = {1, 2};
    ck_assert_double_eq(once(LIBNN_METRIC_R2, MSE, 0, 1, 2, pc, c, NULL), 0.0);
    ck_assert(isnan(once(LIBNN_METRIC_R2, MSE, 0, 1, 2, c, c, NULL)));
    /* from_logits predictions become probabilities first: softmax [0.5, 0.5]. */
    const float z[] = {3, 3}, onehot[] = {1, 0};
    ck_assert_double_eq_tol(once(LIBNN_METRIC_MEAN_SQUARED_ERROR, CCE, 1, 2, 1, z, onehot, NULL),
                            0.25, 1e-15);
}
END_TEST

/* Six samples of 3 outputs that suit every metric: scores in (0, 1),
 * one-hot labels (also 0/1 targets), class indices. */
static const float s_pred[] = {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f, 0.3f, 0.4f, 0.3f,
                               0.2f, 0.2f, 0.6f, 0.5f, 0.3f, 0.2f, 0.1f, 0.8f, 0.1f};
static const float s_onehot[] = {1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0};
static const float s_labels[] = {0, 2, 0, 1, 2, 1};
static const float s_weights[] = {1, 0.5f, 2, 1, 0, 3};

static lnn_metric_state *metric_for_sample(libnn_metric which)
{
    bool sparse = which == LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY;
    return metric(which, sparse ? SCCE : CCE, 0, 3);
}

START_TEST(streaming_equals_one_batch)
{
    libnn_metric which = (libnn_metric)_i;
    lnn_metric_state *a = metric_for_sample(which), *b = metric_for_sample(which);
    const float *y = a->sparse ? s_labels : s_onehot;
    size_t w = a->sparse ? 1 : 3;
    for (int weighted = 0; weighted <= 1; weighted++) {
        const float *wt = weighted ? s_weights : NULL;
        ck_assert(isnan(lnn_metric_result(a))); /* nothing seen yet */
        ck_assert_int_eq(lnn_metric_update(a, 6, s_pred, y, wt), LIBNN_OK);
        ck_assert_int_eq(lnn_metric_update(b, 2, s_pred, y, wt), LIBNN_OK);
        ck_assert_int_eq(lnn_metric_update(b, 4, s_pred + 6, y + 2 * w, wt ? wt + 2 : NULL),
                         LIBNN_OK);
        double one = lnn_metric_result(a), two = lnn_metric_result(b);
        ck_assert_msg(isfinite(one), "%s: %g", libnn_metric_name(which), one);
        ck_assert_msg(fabs(one - two) <= 1e-12, "%s: one batch %.17g, two %.17g",
                      libnn_metric_name(which), one, two);
        /* After a reset the metric starts over. */
        lnn_metric_reset(a);
        lnn_metric_reset(b);
    }
    lnn_metric_free(a);
    lnn_metric_free(b);
}
END_TEST

START_TEST(creation_is_checked)
{
    lnn_loss_cfg scce = lnn_loss_default(SCCE), cce = lnn_loss_default(CCE);
    lnn_metric_state *m = (lnn_metric_state *)1;
    ck_assert_int_eq(lnn_metric_new((libnn_metric)99, &cce, 3, &m), LIBNN_E_INVALID);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(libnn_last_error(), "metric: unknown metric 99 (valid: 1..14)");
    ck_assert_int_eq(lnn_metric_new(LIBNN_METRIC_AUC, &cce, 0, &m), LIBNN_E_INVALID);
    ck_assert_int_eq(lnn_metric_new(LIBNN_METRIC_PRECISION, &scce, 3, &m), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(),
                     "precision does not fit this model: it needs one label per output, and the "
                     "loss sparse_categorical_crossentropy takes class indices");
    ck_assert_int_eq(lnn_metric_new(LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY, &cce, 3, &m),
                     LIBNN_E_INVALID);
    tu_assert_error_has("needs class-index labels");
    ck_assert_int_eq(lnn_metric_new(LIBNN_METRIC_F1_MACRO, &cce, 1, &m), LIBNN_E_INVALID);
    tu_assert_error_has("f1_macro does not fit this model: it needs at least 2 classes");

    m = metric(LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY, SCCE, 0, 3);
    const float bad[] = {0, 3};
    ck_assert_int_eq(lnn_metric_update(m, 2, s_pred, bad, NULL), LIBNN_E_RANGE);
    ck_assert_str_eq(libnn_last_error(), "sparse_categorical_accuracy: sample 1 has label 3, not "
                                         "a class index in [0, 3)");
    ck_assert(isnan(lnn_metric_result(m)));
    lnn_metric_free(m);

    static const char *const names[] = {
        NULL, "accuracy", "binary_accuracy", "categorical_accuracy",
        "sparse_categorical_accuracy", "precision", "recall", "f1_score", "f1_macro", "f1_micro",
        "auc", "mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r2_score"};
    for (int i = 1; i <= 14; i++)
        ck_assert_str_eq(libnn_metric_name((libnn_metric)i), names[i]);
    ck_assert_ptr_null(libnn_metric_name((libnn_metric)0));
    ck_assert_ptr_null(libnn_metric_name((libnn_metric)15));
}
END_TEST

START_TEST(compute_checks_shapes)
{
    libnn_tensor *a = T2(2, 3, 1, 0, 0, 0, 1, 0), *b = T2(3, 2, 1, 0, 0, 1, 1, 0);
    libnn_tensor *lab = T1(2, 0, 1);
    double v = 0;
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_AUC, a, b, &v), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "auc: y_true [2, 3] does not fit y_pred [3, 2]: the shapes must be equal");
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_PRECISION, lab, a, &v), LIBNN_E_SHAPE);
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY, a, a, &v),
                     LIBNN_E_SHAPE);
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY, lab, a, &v),
                     LIBNN_OK);
    ck_assert_double_eq(v, 1.0);
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_ACCURACY, a, a, &v), LIBNN_OK);
    ck_assert_double_eq(v, 1.0);
    ck_assert_int_eq(libnn_metric_compute((libnn_metric)0, a, a, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_AUC, a, a, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_metric_compute(LIBNN_METRIC_AUC, NULL, a, &v), LIBNN_E_INVALID);
    libnn_tensor_free(a);
    libnn_tensor_free(b);
    libnn_tensor_free(lab);
}
END_TEST

static void assert_matrix(libnn_tensor *cm, size_t c, const float *want)
{
    ck_assert_int_eq(libnn_tensor_dim(cm, 0), (int64_t)c);
    ck_assert_int_eq(libnn_tensor_dim(cm, 1), (int64_t)c);
    for (size_t i = 0; i < c * c; i++)
        ck_assert_msg(libnn_tensor_data(cm)[i] == want[i], "cell [%zu, %zu]: %g, want %g", i / c,
                      i % c, (double)libnn_tensor_data(cm)[i], (double)want[i]);
    libnn_tensor_free(cm);
}

START_TEST(confusion_matrix_is_exact)
{
    /* The F1 example: rows true class, columns predicted. */
    static const float want3[] = {2, 0, 0, 0, 1, 1, 1, 1, 1};
    libnn_tensor *y = tu_tensor_of(1, (const int64_t[]){7}, f1_labels);
    libnn_tensor *p = tu_tensor_of(2, (const int64_t[]){7, 3}, f1_scores);
    libnn_tensor *pi = T1(7, 0, 2, 2, 1, 1, 0, 0), *cm = NULL;
    float onehot[21] = {0};
    for (size_t i = 0; i < 7; i++)
        onehot[i * 3 + (size_t)f1_labels[i]] = 1;
    libnn_tensor *yh = tu_tensor_of(2, (const int64_t[]){7, 3}, onehot);
    ck_assert_int_eq(libnn_confusion_matrix(y, p, 3, &cm), LIBNN_OK);
    assert_matrix(cm, 3, want3);
    ck_assert_int_eq(libnn_confusion_matrix(yh, p, 3, &cm), LIBNN_OK);
    assert_matrix(cm, 3, want3);
    ck_assert_int_eq(libnn_confusion_matrix(y, pi, 3, &cm), LIBNN_OK);
    assert_matrix(cm, 3, want3);
    /* Two classes from probabilities: > 0.5 is class 1. */
    libnn_tensor *yb = T2(4, 1, 1, 0, 1, 0), *pb = T2(4, 1, 0.9f, 0.5f, 0.2f, 0.7f);
    ck_assert_int_eq(libnn_confusion_matrix(yb, pb, 2, &cm), LIBNN_OK);
    assert_matrix(cm, 2, (const float[]){1, 1, 1, 1});

    ck_assert_int_eq(libnn_confusion_matrix(y, pi, 2, &cm), LIBNN_E_RANGE);
    ck_assert_ptr_null(cm);
    ck_assert_str_eq(libnn_last_error(), "confusion_matrix: sample 2 has label 2, not a class "
                                         "index in [0, 2)");
    ck_assert_int_eq(libnn_confusion_matrix(y, p, 4, &cm), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "confusion_matrix: y_pred [7, 3] has 3 scores per sample for 4 classes");
    libnn_tensor_data(pb)[2] = NAN;
    ck_assert_int_eq(libnn_confusion_matrix(yb, pb, 2, &cm), LIBNN_E_NONFINITE);
    ck_assert_str_eq(libnn_last_error(), "confusion_matrix: sample 2 has prediction NaN");
    ck_assert_int_eq(libnn_confusion_matrix(yb, p, 3, &cm), LIBNN_E_SHAPE);
    ck_assert_int_eq(libnn_confusion_matrix(y, p, 0, &cm), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_confusion_matrix(y, p, 3, NULL), LIBNN_E_INVALID);
    libnn_tensor_free(y);
    libnn_tensor_free(p);
    libnn_tensor_free(pi);
    libnn_tensor_free(yh);
    libnn_tensor_free(yb);
    libnn_tensor_free(pb);
}
END_TEST

/* --- Allocation --- */

static libnn_status new_every_metric(void *ctx)
{
    (void)ctx;
    for (int i = 1; i <= 14; i++) {
        lnn_metric_state *m = NULL;
        bool sparse = i == LIBNN_METRIC_SPARSE_CATEGORICAL_ACCURACY;
        lnn_loss_cfg cfg = lnn_loss_default(sparse ? SCCE : CCE);
        libnn_status st = lnn_metric_new((libnn_metric)i, &cfg, 3, &m);
        if (st != LIBNN_OK)
            return st;
        lnn_metric_free(m);
    }
    return LIBNN_OK;
}

struct pair {
    libnn_tensor *y, *p;
};

static libnn_status compute_and_matrix(void *ctx)
{
    struct pair *c = ctx;
    double v;
    libnn_tensor *cm = NULL;
    libnn_status st = libnn_metric_compute(LIBNN_METRIC_F1_MACRO, c->y, c->p, &v);
    if (st == LIBNN_OK)
        st = libnn_confusion_matrix(c->y, c->p, 3, &cm);
    libnn_tensor_free(cm);
    return st;
}

START_TEST(allocation)
{
    ck_assert_int_ge(tu_alloc_fail_loop(new_every_metric, NULL), 14);
    struct pair c = {tu_tensor_of(1, (const int64_t[]){7}, f1_labels),
                     tu_tensor_of(2, (const int64_t[]){7, 3}, f1_scores)};
    tu_alloc_fail_loop(compute_and_matrix, &c);
    libnn_tensor_free(c.y);
    libnn_tensor_free(c.p);
    /* Updates and results allocate nothing. */
    for (int i = 1; i <= 14; i++) {
        lnn_metric_state *m = metric_for_sample((libnn_metric)i);
        tu_alloc_reset();
        const float *y = m->sparse ? s_labels : s_onehot;
        ck_assert_int_eq(lnn_metric_update(m, 6, s_pred, y, s_weights), LIBNN_OK);
        (void)lnn_metric_result(m);
        lnn_metric_reset(m);
        ck_assert_msg(tu_alloc_calls() == 0, "%s allocates", libnn_metric_name((libnn_metric)i));
        lnn_metric_free(m);
    }
}
END_TEST

Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tu_tcase("metrics");
    tcase_add_test(tc, accuracy_variants);
    tcase_add_test(tc, precision_recall_f1);
    tcase_add_test(tc, f1_macro_and_micro);
    tcase_add_test(tc, auc_roc);
    tcase_add_test(tc, regression_metrics);
    tcase_add_loop_test(tc, streaming_equals_one_batch, LIBNN_METRIC_ACCURACY,
                        LIBNN_METRIC_R2 + 1);
    tcase_add_test(tc, creation_is_checked);
    tcase_add_test(tc, compute_checks_shapes);
    tcase_add_test(tc, confusion_matrix_is_exact);
    tcase_add_test(tc, allocation);
    suite_add_tcase(s, tc);
    return s;
}
