/*
 * Losses: values and gradients against PyTorch fixtures, central
 * differences, the fused from_logits forms, label smoothing, options,
 * shapes and label messages, allocation failures.
 *
 * Fixture tolerance: |got - want| <= 1e-5 |want| + 1e-7. libnn and the
 * reference both compute in double from the same float32 inputs; the only
 * differences are the final rounding to float32 (6e-8 relative) and the
 * order of summation, so 1e-5 relative is loose; the 1e-7 absolute floor is
 * for gradient entries that are zero up to rounding.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "libnn/loss.h"
#include "model/loss_internal.h"
#include "tensor_literal.h"
#include "testutil.h"

#define FX_RTOL 1e-5
#define FX_ATOL 1e-7
#define FX_MAX_CASES 64
#define FX_NAME_CAP 48


static double loss_of(libnn_loss loss, libnn_tensor *y_true, libnn_tensor *y_pred, int logits)
{
    double v = 0;
    ck_assert_msg(libnn_loss_compute(loss, y_true, y_pred, logits, &v) == LIBNN_OK, "%s: %s",
                  libnn_loss_name(loss), libnn_last_error());
    return v;
}

/* --- PyTorch fixtures --- */

static char case_names[FX_MAX_CASES][FX_NAME_CAP];
static int n_cases;

static void read_case_list(void)
{
    FILE *f = fopen(tu_path("fixtures/loss/cases.txt"), "r");
    char line[FX_NAME_CAP];
    n_cases = 0;
    if (!f)
        return; /* fixture_list_is_present reports it */
    while (n_cases < FX_MAX_CASES && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            memcpy(case_names[n_cases++], line, strlen(line) + 1);
    }
    fclose(f);
}

static libnn_loss loss_named(const char *name)
{
    for (int l = 1; libnn_loss_name((libnn_loss)l); l++)
        if (strcmp(libnn_loss_name((libnn_loss)l), name) == 0)
            return (libnn_loss)l;
    ck_abort_msg("no loss named %s", name);
    return LIBNN_LOSS_MEAN_SQUARED_ERROR;
}

static const libnn_tensor *get(const libnn_tensor_file *f, const char *name, const char *who)
{
    const libnn_tensor *t = NULL;
    ck_assert_msg(libnn_tensor_file_get(f, name, &t) == LIBNN_OK, "%s: no tensor %s", who, name);
    return t;
}

static void assert_close(const char *who, const char *what, size_t i, double got, double want)
{
    ck_assert_msg(fabs(got - want) <= FX_RTOL * fabs(want) + FX_ATOL,
                  "%s: %s[%zu] is %.9g, PyTorch %.9g", who, what, i, got, want);
}

START_TEST(fixture_list_is_present)
{
    ck_assert_msg(n_cases >= 29, "%s lists %d cases", tu_path("fixtures/loss/cases.txt"), n_cases);
}
END_TEST

START_TEST(matches_pytorch)
{
    const char *name = case_names[_i];
    char rel[128];
    snprintf(rel, sizeof rel, "fixtures/loss/%s.safetensors", name);
    libnn_tensor_file *f = NULL;
    ck_assert_msg(libnn_tensor_file_load(tu_path(rel), &f) == LIBNN_OK, "%s: %s", name,
                  libnn_last_error());
    libnn_loss loss = loss_named(libnn_tensor_file_metadata_get(f, "loss"));
    json_t *opts = json_loads(libnn_tensor_file_metadata_get(f, "options"), 0, NULL);
    ck_assert_ptr_nonnull(opts);
    static const struct {
        const char *name;
        libnn_loss_option key;
    } keys[] = {{"from_logits", LIBNN_LOSS_OPT_FROM_LOGITS},
                {"label_smoothing", LIBNN_LOSS_OPT_LABEL_SMOOTHING},
                {"delta", LIBNN_LOSS_OPT_DELTA}};
    libnn_loss_option options[3];
    double values[3];
    size_t n_opt = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(opts, keys[i].name);
        if (v) {
            options[n_opt] = keys[i].key;
            values[n_opt++] = json_number_value(v);
        }
    }
    ck_assert_uint_eq(n_opt, json_object_size(opts));
    json_decref(opts);

    const libnn_tensor *weights = NULL;
    if (libnn_tensor_file_get(f, "sample_weight", &weights) != LIBNN_OK)
        weights = NULL;
    const libnn_tensor *want_grad = get(f, "grad", name);
    double got = 0;
    libnn_tensor *grad = NULL;
    ck_assert_msg(libnn_loss_compute_ex(loss, get(f, "y_true", name), get(f, "y_pred", name),
                                        weights, n_opt, options, values, &got, &grad) == LIBNN_OK,
                  "%s: %s", name, libnn_last_error());
    float want = 0;
    ck_assert_int_eq(libnn_tensor_copy_to(get(f, "loss", name), &want, 1), LIBNN_OK);
    assert_close(name, "loss", 0, got, want);
    ck_assert_uint_eq(libnn_tensor_size(grad), libnn_tensor_size(want_grad));
    const float *g = libnn_tensor_data(grad), *w = libnn_tensor_data((libnn_tensor *)want_grad);
    for (size_t i = 0; i < libnn_tensor_size(grad); i++)
        assert_close(name, "grad", i, g[i], w[i]);
    libnn_tensor_free(grad);
    libnn_tensor_file_free(f);
}
END_TEST

/* --- Central differences --- */

typedef struct grad_case {
    libnn_loss loss;
    bool logits;
    float smoothing, delta;
    bool weighted;
} grad_case;

static const grad_case grad_cases[] = {
    {LIBNN_LOSS_MEAN_SQUARED_ERROR, false, 0, 1, true},
    {LIBNN_LOSS_MEAN_ABSOLUTE_ERROR, false, 0, 1, false},
    {LIBNN_LOSS_HUBER, false, 0, 1, false},
    {LIBNN_LOSS_HUBER, false, 0, 0.3f, true},
    {LIBNN_LOSS_BINARY_CROSSENTROPY, false, 0, 1, false},
    {LIBNN_LOSS_BINARY_CROSSENTROPY, false, 0.2f, 1, true},
    {LIBNN_LOSS_BINARY_CROSSENTROPY, true, 0, 1, false},
    {LIBNN_LOSS_BINARY_CROSSENTROPY, true, 0.3f, 1, true},
    {LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, false, 0, 1, false},
    {LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, false, 0.1f, 1, true},
    {LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, true, 0, 1, false},
    {LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, true, 0.2f, 1, true},
    {LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, false, 0, 1, true},
    {LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, true, 0, 1, false},
};

/* Batch loss sum / n in double, from the internal entry point the model uses. */
static double eval_mean(const lnn_loss_cfg *cfg, size_t n, size_t k, const float *p,
                        const float *y, const float *w, float *grad)
{
    double sum = 0;
    libnn_status st = lnn_loss_eval(cfg, n, k, p, y, w, 0, &sum, grad, 1.0f / (float)n);
    ck_assert_msg(st == LIBNN_OK, "%s", libnn_last_error());
    return sum / (double)n;
}

START_TEST(gradients_match_central_differences)
{
    enum { N = 3, K = 4 };
    const grad_case *c = &grad_cases[_i];
    lnn_loss_cfg cfg = lnn_loss_default(c->loss);
    cfg.from_logits = c->logits;
    cfg.label_smoothing = c->smoothing;
    cfg.delta = c->delta;
    bool sparse = c->loss == LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
    bool probabilities = !c->logits && c->loss >= LIBNN_LOSS_BINARY_CROSSENTROPY;
    float p[N * K], y[N * K], grad[N * K], w[N] = {0.5f, 2.0f, 1.25f};
    uint32_t s = 12345u + (uint32_t)_i;
    for (size_t i = 0; i < N * K; i++) {
        s = s * 1664525u + 1013904223u;
        float u = (float)(s >> 8) / 16777216.0f; /* [0, 1) */
        y[i] = c->loss < LIBNN_LOSS_BINARY_CROSSENTROPY ? 2 * u - 1 : (float)(i % 3 == 0);
        /* Probabilities in [0.1, 0.9]; errors of regression losses at least
         * 0.1 away from the kinks at 0 and +-delta. */
        float off = 0.1f + 0.8f * u;
        float err = (i % 2 ? 1.0f : -1.0f) * c->delta * (i % 4 < 2 ? 0.4f : 1.6f);
        p[i] = probabilities ? off : c->logits ? 6 * u - 3 : y[i] + err;
    }
    if (sparse)
        for (size_t i = 0; i < N; i++)
            y[i] = (float)((i * 2 + 1) % K);
    const float *wp = c->weighted ? w : NULL;
    eval_mean(&cfg, N, K, p, y, wp, grad);
    for (size_t i = 0; i < N * K; i++) {
        float keep = p[i], up = keep + 1e-3f, down = keep - 1e-3f;
        p[i] = up;
        double f_up = eval_mean(&cfg, N, K, p, y, wp, NULL);
        p[i] = down;
        double f_down = eval_mean(&cfg, N, K, p, y, wp, NULL);
        p[i] = keep;
        double numeric = (f_up - f_down) / ((double)up - (double)down);
        ck_assert_msg(fabs(grad[i] - numeric) <= 1e-6 + 1e-4 * fabs(numeric),
                      "case %d (%s, logits %d, smoothing %g): grad[%zu] %.8g, central %.8g", _i,
                      libnn_loss_name(c->loss), c->logits, (double)c->smoothing, i,
                      (double)grad[i], numeric);
    }
}
END_TEST

/* --- from_logits: the fused forms --- */

static void softmax_rows(const float *z, float *p, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        double m = z[i * k], s = 0;
        for (size_t j = 1; j < k; j++)
            m = fmax(m, z[i * k + j]);
        for (size_t j = 0; j < k; j++)
            s += exp(z[i * k + j] - m);
        for (size_t j = 0; j < k; j++)
            p[i * k + j] = (float)(exp(z[i * k + j] - m) / s);
    }
}

START_TEST(logits_equal_probabilities_where_nothing_clips)
{
    const float z[] = {0.3f, -1.2f, 2.0f, 0.7f, 1.1f, -0.4f, -2.5f, 0.0f, 0.9f};
    const float onehot[] = {0, 0, 1, 1, 0, 0, 0, 1, 0}, labels[] = {2, 0, 1};
    float p[9], sig[9];
    softmax_rows(z, p, 3, 3);
    for (size_t i = 0; i < 9; i++)
        sig[i] = (float)(1.0 / (1.0 + exp(-(double)z[i])));
    libnn_tensor *tz = tu_tensor_of(2, (const int64_t[]){3, 3}, z);
    libnn_tensor *tp = tu_tensor_of(2, (const int64_t[]){3, 3}, p);
    libnn_tensor *ts = tu_tensor_of(2, (const int64_t[]){3, 3}, sig);
    libnn_tensor *ty = tu_tensor_of(2, (const int64_t[]){3, 3}, onehot);
    libnn_tensor *tl = tu_tensor_of(1, (const int64_t[]){3}, labels);
    struct {
        libnn_loss loss;
        libnn_tensor *y, *probs;
    } cases[] = {
        {LIBNN_LOSS_BINARY_CROSSENTROPY, ty, ts},
        {LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, ty, tp},
        {LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, tl, tp},
    };
    for (size_t c = 0; c < 3; c++) {
        double a = loss_of(cases[c].loss, cases[c].y, tz, 1);
        double b = loss_of(cases[c].loss, cases[c].y, cases[c].probs, 0);
        ck_assert_msg(fabs(a - b) <= 1e-5 * fabs(b), "%s: logits %.9g, probabilities %.9g",
                      libnn_loss_name(cases[c].loss), a, b);
    }
    libnn_tensor_free(tz);
    libnn_tensor_free(tp);
    libnn_tensor_free(ts);
    libnn_tensor_free(ty);
    libnn_tensor_free(tl);
}
END_TEST

START_TEST(large_logits_stay_finite)
{
    /* The true class scores -100 against +100: the exact loss is 200, where
     * the probability form can only reach -log(1e-7). */
    libnn_tensor *z = T2(1, 2, -100.0f, 100.0f), *y = T2(1, 2, 1, 0), *lab = T1(1, 0);
    libnn_tensor *p = T2(1, 2, 0.0f, 1.0f);
    libnn_tensor *grad = NULL;
    double v = 0, clipped = -log((double)1e-7f);
    libnn_loss_option key = LIBNN_LOSS_OPT_FROM_LOGITS;
    double one = 1;
    ck_assert_int_eq(libnn_loss_compute_ex(LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, y, z, NULL, 1,
                                           &key, &one, &v, &grad),
                     LIBNN_OK);
    ck_assert_double_eq_tol(v, 200.0, 1e-9);
    ck_assert_float_eq_tol(libnn_tensor_data(grad)[0], -1.0f, 1e-6f);
    ck_assert_float_eq_tol(libnn_tensor_data(grad)[1], 1.0f, 1e-6f);
    libnn_tensor_free(grad);
    ck_assert_double_eq_tol(loss_of(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, lab, z, 1), 200.0,
                            1e-9);
    /* Binary: both outputs are 100 on the wrong side. */
    ck_assert_double_eq_tol(loss_of(LIBNN_LOSS_BINARY_CROSSENTROPY, y, z, 1), 100.0, 1e-9);
    ck_assert_double_eq_tol(loss_of(LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, y, p, 0), clipped, 1e-6);
    ck_assert_double_eq_tol(loss_of(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, lab, p, 0),
                            clipped, 1e-6);
    libnn_tensor_free(z);
    libnn_tensor_free(y);
    libnn_tensor_free(lab);
    libnn_tensor_free(p);
}
END_TEST

/* --- Label smoothing, by hand --- */

START_TEST(label_smoothing_is_keras)
{
    libnn_loss_option keys[] = {LIBNN_LOSS_OPT_LABEL_SMOOTHING};
    /* 0.25: exact in float32, where the smoothing is kept. */
    double ls[] = {0.25}, v = 0;
    /* Binary: y = 1 becomes 1 - 0.25 + 0.125 = 0.875, y = 0 becomes 0.125. */
    libnn_tensor *y = T2(1, 2, 1, 0), *p = T2(1, 2, 0.75f, 0.5f);
    ck_assert_int_eq(libnn_loss_compute_ex(LIBNN_LOSS_BINARY_CROSSENTROPY, y, p, NULL, 1, keys, ls,
                                           &v, NULL),
                     LIBNN_OK);
    double want = (-(0.875 * log(0.75) + 0.125 * log(0.25)) - log(0.5)) / 2;
    ck_assert_double_eq_tol(v, want, 1e-12);
    libnn_tensor_free(y);
    libnn_tensor_free(p);
    /* Categorical, k = 4: one-hot becomes [0.8125, 0.0625, 0.0625, 0.0625]. */
    y = T2(1, 4, 1, 0, 0, 0);
    p = T2(1, 4, 0.5f, 0.25f, 0.125f, 0.125f);
    ck_assert_int_eq(libnn_loss_compute_ex(LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, y, p, NULL, 1,
                                           keys, ls, &v, NULL),
                     LIBNN_OK);
    want = -(0.8125 * log(0.5) + 0.0625 * log(0.25) + 0.125 * log(0.125));
    ck_assert_double_eq_tol(v, want, 1e-12);
    libnn_tensor_free(y);
    libnn_tensor_free(p);
}
END_TEST

/* --- Options, labels, shapes, NaN --- */

START_TEST(options_are_checked)
{
    lnn_loss_cfg c = lnn_loss_default(LIBNN_LOSS_HUBER);
    ck_assert(!c.from_logits && c.label_smoothing == 0 && c.delta == 1);
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_DELTA, 0.5), LIBNN_OK);
    ck_assert_float_eq(c.delta, 0.5f);
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_DELTA, 0), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "huber: delta must be finite and > 0, got 0");
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_FROM_LOGITS, 1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "huber has no option from_logits");
    ck_assert_int_eq(lnn_loss_set_option(&c, (libnn_loss_option)42, 1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "huber: unknown option key 42");

    c = lnn_loss_default(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_LABEL_SMOOTHING, 0.1), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(),
                     "sparse_categorical_crossentropy has no option label_smoothing");
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_FROM_LOGITS, 2), LIBNN_E_INVALID);
    tu_assert_error_has("from_logits is a boolean");
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_FROM_LOGITS, 1), LIBNN_OK);
    ck_assert(c.from_logits);
    ck_assert_uint_eq(lnn_loss_label_width(&c, 10), 1);

    c = lnn_loss_default(LIBNN_LOSS_CATEGORICAL_CROSSENTROPY);
    ck_assert_uint_eq(lnn_loss_label_width(&c, 10), 10);
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_LABEL_SMOOTHING, 1.5), LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(),
                     "categorical_crossentropy: label_smoothing must be in [0, 1], got 1.5");
    ck_assert_int_eq(lnn_loss_set_option(&c, LIBNN_LOSS_OPT_LABEL_SMOOTHING, NAN), LIBNN_E_INVALID);

    ck_assert_str_eq(libnn_loss_name(LIBNN_LOSS_MEAN_SQUARED_ERROR), "mean_squared_error");
    ck_assert_str_eq(libnn_loss_name(LIBNN_LOSS_HUBER), "huber");
    ck_assert_ptr_null(libnn_loss_name((libnn_loss)0));
    ck_assert_ptr_null(libnn_loss_name((libnn_loss)7));
    c = lnn_loss_default((libnn_loss)9);
    double sum;
    float p = 0, y = 0;
    ck_assert_int_eq(lnn_loss_eval(&c, 1, 1, &p, &y, NULL, 0, &sum, NULL, 1), LIBNN_E_INVALID);
    tu_assert_error_has("unknown loss 9");
}
END_TEST

START_TEST(bad_sparse_labels_name_the_sample)
{
    lnn_loss_cfg c = lnn_loss_default(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    const float p[] = {0.2f, 0.3f, 0.5f, 0.2f, 0.3f, 0.5f, 0.2f, 0.3f, 0.5f};
    const struct {
        float label;
        const char *text;
    } bad[] = {{3, "label 3,"}, {-1, "label -1,"}, {1.5f, "label 1.5,"}, {NAN, "label nan,"}};
    for (size_t b = 0; b < 4; b++) {
        float y[] = {0, 2, bad[b].label};
        double sum;
        ck_assert_int_eq(lnn_loss_eval(&c, 3, 3, p, y, NULL, 40, &sum, NULL, 1), LIBNN_E_RANGE);
        tu_assert_error_has("sparse_categorical_crossentropy: sample 42 has");
        tu_assert_error_has(bad[b].text);
        tu_assert_error_has("not a class index in [0, 3)");
    }
    libnn_tensor *y = T1(2, 1, 7), *tp = T2(2, 3, 0.2f, 0.3f, 0.5f, 0.2f, 0.3f, 0.5f);
    double v;
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, y, tp, 0, &v),
                     LIBNN_E_RANGE);
    ck_assert_str_eq(libnn_last_error(), "sparse_categorical_crossentropy: sample 1 has label 7, "
                                         "not a class index in [0, 3)");
    libnn_tensor_free(y);
    libnn_tensor_free(tp);
}
END_TEST

START_TEST(probability_targets_are_checked)
{
    libnn_tensor *y = T2(2, 2, 0, 1, 1, 1.5f), *p = T2(2, 2, 0.5f, 0.5f, 0.5f, 0.5f);
    double v;
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_BINARY_CROSSENTROPY, y, p, 0, &v),
                     LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "binary_crossentropy: sample 1 has target 1.5 at "
                                         "position 1; probabilities lie in [0, 1]");
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, y, p, 1, &v),
                     LIBNN_E_INVALID);
    /* Regression targets are anything. */
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_MEAN_SQUARED_ERROR, y, p, 0, &v), LIBNN_OK);
    libnn_tensor_free(y);
    libnn_tensor_free(p);
}
END_TEST

START_TEST(shapes_are_checked)
{
    libnn_tensor *a = T2(2, 3, 0, 0, 1, 0, 1, 0), *b = T2(3, 2, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f);
    libnn_tensor *lab = T1(3, 0, 1, 1), *w = T1(3, 1, 1, 1);
    double v = 0;
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_MEAN_SQUARED_ERROR, a, b, 0, &v), LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "mean_squared_error: y_true [2, 3] does not fit y_pred "
                                         "[3, 2]: the shapes must be equal");
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, a, b, 0, &v),
                     LIBNN_E_SHAPE);
    tu_assert_error_has("y_true [2, 3] does not fit y_pred [3, 2]: class indices take");
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, lab, b, 0, &v),
                     LIBNN_OK);
    ck_assert_double_eq_tol(v, log(2.0), 1e-12);
    ck_assert_int_eq(libnn_loss_compute_ex(LIBNN_LOSS_MEAN_SQUARED_ERROR, a, a, w, 0, NULL, NULL,
                                           &v, NULL),
                     LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(), "mean_squared_error: sample_weight [3] does not fit "
                                         "y_pred [2, 3]: it takes the leading axes of y_pred's "
                                         "shape without the last");
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_MEAN_SQUARED_ERROR, NULL, b, 0, &v),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_MEAN_SQUARED_ERROR, b, b, 0, NULL),
                     LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_MEAN_SQUARED_ERROR, b, b, 1, &v),
                     LIBNN_E_INVALID);
    ck_assert_str_eq(libnn_last_error(), "mean_squared_error has no option from_logits");
    ck_assert_int_eq(libnn_loss_compute((libnn_loss)0, b, b, 0, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_loss_compute_ex(LIBNN_LOSS_HUBER, b, b, NULL, 1, NULL, NULL, &v, NULL),
                     LIBNN_E_INVALID);
    libnn_tensor *empty = NULL, *none = NULL;
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){0, 3}, &empty), LIBNN_OK);
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_MEAN_SQUARED_ERROR, empty, empty, 0, &v),
                     LIBNN_OK);
    ck_assert(isnan(v));
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){3, 0}, &none), LIBNN_OK);
    ck_assert_int_eq(libnn_loss_compute(LIBNN_LOSS_MEAN_SQUARED_ERROR, none, none, 0, &v),
                     LIBNN_E_SHAPE);
    ck_assert_str_eq(libnn_last_error(),
                     "mean_squared_error: y_pred [3, 0] has no values per sample");
    libnn_tensor_free(empty);
    libnn_tensor_free(none);
    libnn_tensor_free(a);
    libnn_tensor_free(b);
    libnn_tensor_free(lab);
    libnn_tensor_free(w);
}
END_TEST

START_TEST(nan_predictions_propagate)
{
    libnn_tensor *y = T2(1, 3, 0, 1, 0), *p = T2(1, 3, 0.2f, NAN, 0.3f), *lab = T1(1, 0);
    libnn_tensor *grad = NULL;
    for (int l = LIBNN_LOSS_MEAN_SQUARED_ERROR; l <= LIBNN_LOSS_CATEGORICAL_CROSSENTROPY; l++)
        for (int logits = 0; logits <= (l >= LIBNN_LOSS_BINARY_CROSSENTROPY); logits++)
            ck_assert_msg(isnan(loss_of((libnn_loss)l, y, p, logits)), "%s hides a NaN",
                          libnn_loss_name((libnn_loss)l));
    ck_assert(isnan(loss_of(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, lab, p, 0)));
    ck_assert(isnan(loss_of(LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, lab, p, 1)));
    double v;
    ck_assert_int_eq(libnn_loss_compute_ex(LIBNN_LOSS_BINARY_CROSSENTROPY, y, p, NULL, 0, NULL,
                                           NULL, &v, &grad),
                     LIBNN_OK);
    ck_assert(isnan(libnn_tensor_data(grad)[1]));
    libnn_tensor_free(grad);
    libnn_tensor_free(y);
    libnn_tensor_free(p);
    libnn_tensor_free(lab);
}
END_TEST

/* --- Allocation --- */

struct alloc_ctx {
    libnn_tensor *y, *p, *w;
};

static libnn_status compute_with_grad(void *ctx)
{
    struct alloc_ctx *c = ctx;
    libnn_loss_option key = LIBNN_LOSS_OPT_LABEL_SMOOTHING;
    double ls = 0.1, v;
    libnn_tensor *grad = NULL;
    libnn_status st = libnn_loss_compute_ex(LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, c->y, c->p, c->w,
                                            1, &key, &ls, &v, &grad);
    ck_assert(st == LIBNN_OK ? grad != NULL : grad == NULL);
    libnn_tensor_free(grad);
    return st;
}

START_TEST(allocation_failures)
{
    struct alloc_ctx c = {T2(2, 2, 1, 0, 0, 1), T2(2, 2, 0.6f, 0.4f, 0.3f, 0.7f), T1(2, 1, 2)};
    ck_assert_int_ge(tu_alloc_fail_loop(compute_with_grad, &c), 1);
    /* Without the gradient, and inside the model's step, nothing is allocated. */
    tu_alloc_reset();
    ck_assert(loss_of(LIBNN_LOSS_CATEGORICAL_CROSSENTROPY, c.y, c.p, 0) > 0);
    lnn_loss_cfg cfg = lnn_loss_default(LIBNN_LOSS_BINARY_CROSSENTROPY);
    float grad[4];
    eval_mean(&cfg, 2, 2, libnn_tensor_data(c.p), libnn_tensor_data(c.y), NULL, grad);
    ck_assert_int_eq(tu_alloc_calls(), 0);
    libnn_tensor_free(c.y);
    libnn_tensor_free(c.p);
    libnn_tensor_free(c.w);
}
END_TEST

Suite *loss_suite(void)
{
    Suite *s = suite_create("loss");
    TCase *tc = tu_tcase("loss");
    read_case_list();
    tcase_add_test(tc, fixture_list_is_present);
    tcase_add_loop_test(tc, matches_pytorch, 0, n_cases);
    tcase_add_loop_test(tc, gradients_match_central_differences, 0,
                        (int)(sizeof grad_cases / sizeof grad_cases[0]));
    tcase_add_test(tc, logits_equal_probabilities_where_nothing_clips);
    tcase_add_test(tc, large_logits_stay_finite);
    tcase_add_test(tc, label_smoothing_is_keras);
    tcase_add_test(tc, options_are_checked);
    tcase_add_test(tc, bad_sparse_labels_name_the_sample);
    tcase_add_test(tc, probability_targets_are_checked);
    tcase_add_test(tc, shapes_are_checked);
    tcase_add_test(tc, nan_predictions_propagate);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
