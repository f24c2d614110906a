/*
 * The compatibility promise: model files of format version 1, written by
 * libnn 0.2.0 and committed under tests/fixtures/model_v1/, load and
 * predict what they predicted then, in every later libnn.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_zoo.h"
#include "testutil.h"

START_TEST(version_1_files_load_and_predict)
{
    static const char *const names[] = {"cnn", "text", "seq", "mlp"};
    libnn_tensor_file *expected;
    ck_assert_int_eq(libnn_tensor_file_load(tu_path("fixtures/model_v1/expected.safetensors"),
                                            &expected),
                     LIBNN_OK);
    const char *name = names[_i];
    char path[256], key[64];
    snprintf(path, sizeof path, "fixtures/model_v1/%s.safetensors", name);
    libnn_model *m;
    ck_assert_int_eq(libnn_model_load(tu_path(path), &m), LIBNN_OK);
    const libnn_tensor *x, *y;
    snprintf(key, sizeof key, "%s.input", name);
    ck_assert_int_eq(libnn_tensor_file_get(expected, key, &x), LIBNN_OK);
    snprintf(key, sizeof key, "%s.output", name);
    ck_assert_int_eq(libnn_tensor_file_get(expected, key, &y), LIBNN_OK);
    libnn_tensor *p;
    ck_assert_int_eq(libnn_model_predict(m, x, 8, &p), LIBNN_OK);
    ck_assert_uint_eq(libnn_tensor_size(p), libnn_tensor_size(y));
    const float *a = libnn_tensor_data(p), *b = libnn_tensor_data((libnn_tensor *)y);
    float scale = 0;
    for (size_t i = 0; i < libnn_tensor_size(p); i++)
        scale = fmaxf(scale, fabsf(b[i]));
    for (size_t i = 0; i < libnn_tensor_size(p); i++)
        ck_assert_msg(fabsf(a[i] - b[i]) <= 1e-5f * scale + 1e-7f, "%s output %zu: %g vs %g",
                      name, i, (double)a[i], (double)b[i]);
    /* A checkpoint after two epochs: training goes on from the third. */
    double epoch;
    ck_assert_int_eq(libnn_model_get_float(m, LIBNN_MODEL_INITIAL_EPOCH, &epoch), LIBNN_OK);
    ck_assert_double_eq(epoch, 2);
    ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(m)), 4);
    libnn_tensor_free(p);
    libnn_model_free(m);
    libnn_tensor_file_free(expected);
}
END_TEST

Suite *model_format_suite(void)
{
    Suite *s = suite_create("model_format");
    TCase *tc = tu_tcase("model_format");
    tcase_add_loop_test(tc, version_1_files_load_and_predict, 0, TU_ZOO_COUNT);
    suite_add_tcase(s, tc);
    return s;
}
