/*
 * Every layer against PyTorch, from the committed fixtures in
 * tests/fixtures/layers/ (written by tests/fixtures/make_layer_fixtures.py;
 * tests/fixtures/README.md says how to regenerate them).
 *
 * Each fixture is one case: its __metadata__ names the Keras class, the
 * constructor's arguments and the keyed options; its tensors are the input
 * x, the weights, the output y, an upstream gradient dy and the gradients dx
 * and d<weight>, float32 in Keras layouts. The test builds the layer from
 * the metadata alone (options are looked up by name in the kind's parameter
 * table), sets the weights, runs forward and backward and compares.
 *
 * Tolerance: |got - want| <= 1e-5 * max(1, |want|), i.e. 1e-5 relative above
 * 1 and 1e-5 absolute below. The reference is float64 rounded once to
 * float32; libnn accumulates in float32. The longest sums in the cases are
 * ~300 terms of magnitude <= 1 (Conv2D kernel gradients over batch x output
 * positions), whose float32 rounding stays well inside that bound, so no
 * sqrt(K) term is needed.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fixture_helpers.h"
#include "layers/layer_internal.h"
#include "testutil.h"

#define FX_RTOL 1e-5
#define FX_MAX_CASES 256
#define FX_NAME_CAP 64

/*
 * Cases where libnn and PyTorch are known to disagree, with the diagnosis.
 * Such a case must still fail (a fixed one is reported so it can leave this
 * list).
 */
static const struct {
    const char *name, *why;
} known_failures[] = {
    {NULL, NULL},
};

static const char *known_failure(const char *name)
{
    for (size_t i = 0; known_failures[i].name; i++)
        if (strcmp(known_failures[i].name, name) == 0)
            return known_failures[i].why;
    return NULL;
}

/* Case names from fixtures/layers/cases.txt, in file order. */
static char case_names[FX_MAX_CASES][FX_NAME_CAP];
static int n_cases;

static void read_case_list(void)
{
    FILE *f = fopen(tu_path("fixtures/layers/cases.txt"), "r");
    char line[FX_NAME_CAP]; /* the script keeps names shorter */
    n_cases = 0;
    if (!f)
        return; /* the list_is_present test reports it */
    while (n_cases < FX_MAX_CASES && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            memcpy(case_names[n_cases++], line, strlen(line) + 1);
    }
    fclose(f);
}

/* Value of a named enum option (activation, padding) from its table row. */
static int64_t enum_value(const lnn_param_def *def, const char *name, const char *case_name)
{
    for (int v = (int)def->min; v <= (int)def->max; v++)
        if (def->enum_name(v) && strcmp(def->enum_name(v), name) == 0)
            return v;
    ck_abort_msg("%s: %s has no value \"%s\"", case_name, def->name, name);
    return -1;
}

static int64_t activation_value(const char *name, const char *case_name)
{
    static const lnn_param_def row = LNN_PARAM_ENUM(LIBNN_PARAM_ACTIVATION, "activation", 0,
                                                    LNN_ACT_COUNT, lnn_act_name_of);
    return enum_value(&row, name, case_name);
}

/* A new layer from the constructor arguments (a JSON list). */
static libnn_layer *construct(const char *cls, const json_t *args, const char *case_name)
{
    libnn_layer *l = NULL;
    libnn_status st;
#define ARG_INT(i) json_integer_value(json_array_get(args, (i)))
    if (strcmp(cls, "Dense") == 0)
        st = libnn_dense_new(ARG_INT(0), &l);
    else if (strcmp(cls, "Conv2D") == 0)
        st = libnn_conv2d_new(ARG_INT(0), ARG_INT(1), ARG_INT(2), &l);
    else if (strcmp(cls, "MaxPooling2D") == 0)
        st = libnn_max_pooling2d_new(ARG_INT(0), ARG_INT(1), &l);
    else if (strcmp(cls, "AveragePooling2D") == 0)
        st = libnn_average_pooling2d_new(ARG_INT(0), ARG_INT(1), &l);
    else if (strcmp(cls, "GlobalMaxPooling2D") == 0)
        st = libnn_global_max_pooling2d_new(&l);
    else if (strcmp(cls, "GlobalAveragePooling2D") == 0)
        st = libnn_global_average_pooling2d_new(&l);
    else if (strcmp(cls, "Flatten") == 0)
        st = libnn_flatten_new(&l);
    else if (strcmp(cls, "Reshape") == 0) {
        const json_t *target = json_array_get(args, 0);
        int64_t dims[LIBNN_MAX_RANK];
        size_t n = json_array_size(target);
        ck_assert_uint_le(n, LIBNN_MAX_RANK);
        for (size_t i = 0; i < n; i++)
            dims[i] = json_integer_value(json_array_get(target, i));
        st = libnn_reshape_new(n, dims, &l);
    } else if (strcmp(cls, "Dropout") == 0)
        st = libnn_dropout_new((float)json_number_value(json_array_get(args, 0)), &l);
    else if (strcmp(cls, "Activation") == 0)
        st = libnn_activation_new(
            (libnn_activation)activation_value(json_string_value(json_array_get(args, 0)),
                                               case_name),
            &l);
    else
        ck_abort_msg("%s: unknown layer class %s", case_name, cls);
#undef ARG_INT
    ck_assert_msg(st == LIBNN_OK, "%s: constructor: %s", case_name, libnn_last_error());
    ck_assert_str_eq(libnn_layer_kind_name(l), cls);
    return l;
}

/* Set each option of the JSON object, found by name in the kind's table. */
static void set_options(libnn_layer *l, const json_t *options, const char *case_name)
{
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)options, name, value) {
        const lnn_param_def *def = fx_param_named(l, name);
        ck_assert_msg(def != NULL, "%s: %s has no option %s", case_name,
                      libnn_layer_kind_name(l), name);
        libnn_status st;
        if (json_is_string(value))
            st = libnn_layer_set_int(l, def->key,
                                     enum_value(def, json_string_value(value), case_name));
        else if (json_is_integer(value))
            st = libnn_layer_set_int(l, def->key, json_integer_value(value));
        else
            st = libnn_layer_set_float(l, def->key, json_number_value(value));
        ck_assert_msg(st == LIBNN_OK, "%s: option %s: %s", case_name, name, libnn_last_error());
    }
}

/*
 * Compare `got` with `want` element by element. Returns the number of
 * elements off; unless `quiet`, fails the test at the first one.
 */
static size_t compare(const char *case_name, const char *what, const libnn_tensor *got,
                      const libnn_tensor *want, int quiet)
{
    size_t n = libnn_tensor_size(want);
    ck_assert_msg(libnn_tensor_ndim(got) == libnn_tensor_ndim(want) &&
                      libnn_tensor_size(got) == n,
                  "%s: %s has the wrong shape", case_name, what);
    const float *g = fx_data(got), *w = fx_data(want);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        double tol = FX_RTOL * fmax(1.0, fabs((double)w[i]));
        if (!(fabs((double)g[i] - (double)w[i]) <= tol)) {
            ck_assert_msg(quiet, "%s: %s[%zu] = %.9g, PyTorch gives %.9g (|diff| %.3g > %.3g)",
                          case_name, what, i, (double)g[i], (double)w[i],
                          fabs((double)g[i] - (double)w[i]), tol);
            off++;
        }
    }
    return off;
}

/* Build, forward, backward and compare one case; returns the elements off
 * (failing at the first unless quiet). */
static size_t run_case(const char *case_name, int quiet)
{
    char rel[FX_NAME_CAP + 32];
    snprintf(rel, sizeof rel, "fixtures/layers/%s.safetensors", case_name);
    libnn_tensor_file *f = NULL;
    ck_assert_msg(libnn_tensor_file_load(tu_path(rel), &f) == LIBNN_OK, "%s: %s", case_name,
                  libnn_last_error());
    const char *cls = libnn_tensor_file_metadata_get(f, "class");
    const char *training = libnn_tensor_file_metadata_get(f, "training");
    ck_assert_msg(cls && training, "%s: metadata lacks class or training", case_name);
    json_t *args = fx_metadata_json(f, "args", case_name);
    json_t *options = fx_metadata_json(f, "options", case_name);

    libnn_layer *l = construct(cls, args, case_name);
    set_options(l, options, case_name);
    json_decref(args);
    json_decref(options);

    const libnn_tensor *x = fx_tensor(f, "x", case_name);
    const libnn_tensor *y_want = fx_tensor(f, "y", case_name);
    const libnn_tensor *dy = fx_tensor(f, "dy", case_name);
    int64_t x_shape[LIBNN_MAX_RANK], y_shape[LIBNN_MAX_RANK];
    ck_assert_int_eq(libnn_tensor_shape(x, LIBNN_MAX_RANK, x_shape), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_shape(y_want, LIBNN_MAX_RANK, y_shape), LIBNN_OK);
    ck_assert_msg(libnn_layer_build(l, libnn_tensor_ndim(x) - 1, x_shape + 1, 1) == LIBNN_OK,
                  "%s: build: %s", case_name, libnn_last_error());

    /* The file holds exactly x, y, dy, dx and each weight with its gradient. */
    size_t n_weights = libnn_layer_weight_count(l);
    ck_assert_msg(libnn_tensor_file_count(f) == 4 + 2 * n_weights,
                  "%s: the file has %zu tensors, the layer %zu weights", case_name,
                  libnn_tensor_file_count(f), n_weights);
    for (size_t i = 0; i < n_weights; i++) {
        const char *wname = libnn_layer_weight_name(l, i);
        ck_assert_msg(libnn_layer_set_weight(l, wname, fx_tensor(f, wname, case_name)) == LIBNN_OK,
                      "%s: set %s: %s", case_name, wname, libnn_last_error());
    }

    libnn_tensor *y, *dx;
    ck_assert_int_eq(libnn_tensor_new(libnn_tensor_ndim(y_want), y_shape, &y), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_new(libnn_tensor_ndim(x), x_shape, &dx), LIBNN_OK);
    ck_assert_msg(libnn_layer_forward(l, x, y, strcmp(training, "1") == 0) == LIBNN_OK,
                  "%s: forward: %s", case_name, libnn_last_error());
    size_t off = compare(case_name, "y", y, y_want, quiet);
    ck_assert_int_eq(libnn_layer_zero_grad(l), LIBNN_OK);
    ck_assert_msg(libnn_layer_backward(l, dy, dx) == LIBNN_OK, "%s: backward: %s", case_name,
                  libnn_last_error());
    off += compare(case_name, "dx", dx, fx_tensor(f, "dx", case_name), quiet);
    for (size_t i = 0; i < n_weights; i++) {
        const char *wname = libnn_layer_weight_name(l, i);
        char dname[FX_NAME_CAP];
        snprintf(dname, sizeof dname, "d%s", wname);
        libnn_tensor *g;
        ck_assert_int_eq(libnn_layer_get_gradient(l, wname, &g), LIBNN_OK);
        off += compare(case_name, dname, g, fx_tensor(f, dname, case_name), quiet);
        libnn_tensor_free(g);
    }
    libnn_tensor_free(y);
    libnn_tensor_free(dx);
    libnn_layer_free(l);
    libnn_tensor_file_free(f);
    return off;
}

START_TEST(list_is_present)
{
    /* 89 cases when written; a lost or truncated list must not pass quietly. */
    ck_assert_msg(n_cases >= 80, "%s lists %d cases", tu_path("fixtures/layers/cases.txt"),
                  n_cases);
}
END_TEST

START_TEST(matches_pytorch)
{
    const char *name = case_names[_i];
    const char *why = known_failure(name);
    if (!why) {
        run_case(name, 0);
        return;
    }
    ck_assert_msg(run_case(name, 1) > 0,
                  "%s now matches PyTorch: remove it from known_failures (it was: %s)", name, why);
}
END_TEST

Suite *fixtures_suite(void)
{
    Suite *s = suite_create("fixtures");
    TCase *tc = tu_tcase("fixtures");
    read_case_list();
    tcase_add_test(tc, list_is_present);
    tcase_add_loop_test(tc, matches_pytorch, 0, n_cases);
    suite_add_tcase(s, tc);
    return s;
}
