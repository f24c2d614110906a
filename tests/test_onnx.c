/*
 * ONNX import and export: PyTorch's exports (tests/fixtures/onnx, written by
 * tests/fixtures/make_onnx_fixtures.py) predict as PyTorch did, libnn's own
 * exports import back to the same predictions, hostile and unsupported files
 * fail with the right status, and every call survives allocation failures.
 * The check against ONNX Runtime itself is tests/onnx (onnx-export-ort).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define RTOL 1e-5

static char case_names[32][64];
static int n_cases;

static void load_case_names(void)
{
    FILE *f = fopen(tu_path("fixtures/onnx/cases.txt"), "r");
    n_cases = 0;
    while (f && n_cases < 32 && fscanf(f, "%63s", case_names[n_cases]) == 1)
        n_cases++;
    if (f)
        fclose(f);
}

/* NCHW [n, c, h, w] -> NHWC, the layout an imported model takes. */
static libnn_tensor *to_nhwc(const libnn_tensor *x)
{
    int64_t n = libnn_tensor_dim(x, 0), c = libnn_tensor_dim(x, 1), h = libnn_tensor_dim(x, 2),
            w = libnn_tensor_dim(x, 3);
    libnn_tensor *t;
    ck_assert_int_eq(libnn_tensor_new(4, (const int64_t[]){n, h, w, c}, &t), LIBNN_OK);
    const float *s = libnn_tensor_data((libnn_tensor *)x);
    float *d = libnn_tensor_data(t);
    for (int64_t b = 0; b < n; b++)
        for (int64_t k = 0; k < c; k++)
            for (int64_t i = 0; i < h; i++)
                for (int64_t j = 0; j < w; j++)
                    d[((b * h + i) * w + j) * c + k] = s[((b * c + k) * h + i) * w + j];
    return t;
}

static void assert_close(const char *what, const libnn_tensor *got, const libnn_tensor *want)
{
    ck_assert_msg(libnn_tensor_size(got) == libnn_tensor_size(want), "%s: %zu values, want %zu",
                  what, libnn_tensor_size(got), libnn_tensor_size(want));
    const float *g = libnn_tensor_data((libnn_tensor *)got);
    const float *w = libnn_tensor_data((libnn_tensor *)want);
    for (size_t k = 0; k < libnn_tensor_size(want); k++)
        ck_assert_msg(fabs((double)g[k] - w[k]) <= RTOL * fmax(1.0, fabs(w[k])),
                      "%s: value %zu is %.8g, want %.8g", what, k, g[k], w[k]);
}

START_TEST(matches_pytorch)
{
    const char *name = case_names[_i];
    char path[256];
    snprintf(path, sizeof path, "fixtures/onnx/%s.onnx", name);
    libnn_model *m = NULL;
    ck_assert_msg(libnn_model_import_onnx(tu_path(path), &m) == LIBNN_OK, "%s: %s", name,
                  libnn_last_error());
    snprintf(path, sizeof path, "fixtures/onnx/%s.safetensors", name);
    libnn_tensor_file *f;
    ck_assert_int_eq(libnn_tensor_file_load(tu_path(path), &f), LIBNN_OK);
    const libnn_tensor *x, *y;
    ck_assert_int_eq(libnn_tensor_file_get(f, "x", &x), LIBNN_OK);
    ck_assert_int_eq(libnn_tensor_file_get(f, "y", &y), LIBNN_OK);
    /* A model that starts with an image layer takes NHWC images. */
    libnn_layer_kind first = libnn_layer_kind_of(libnn_model_layer(m, 0));
    libnn_tensor *xin = libnn_tensor_ndim(x) == 4 && first != LIBNN_LAYER_FLATTEN ? to_nhwc(x)
                                                                                  : NULL;
    libnn_tensor *got = NULL;
    ck_assert_msg(libnn_model_predict(m, xin ? xin : x, 2, &got) == LIBNN_OK, "%s: %s", name,
                  libnn_last_error());
    assert_close(name, got, y);
    libnn_tensor_free(got);
    libnn_tensor_free(xin);
    libnn_tensor_file_free(f);
    libnn_model_free(m);
}
END_TEST

START_TEST(bad_files)
{
    FILE *f = fopen(tu_path("fixtures/onnx/bad.txt"), "r");
    ck_assert_ptr_nonnull(f);
    char file[64], status[32];
    int n = 0;
    while (fscanf(f, "%63s %31s", file, status) == 2) {
        char path[128];
        snprintf(path, sizeof path, "fixtures/onnx/%s", file);
        libnn_model *m = (libnn_model *)1;
        libnn_status st = libnn_model_import_onnx(tu_path(path), &m);
        libnn_status want = strcmp(status, "FORMAT") == 0 ? LIBNN_E_FORMAT : LIBNN_E_UNSUPPORTED;
        ck_assert_msg(st == want, "%s: status %d (%s), want %s", file, st, libnn_last_error(),
                      status);
        ck_assert_ptr_null(m);
        ck_assert_msg(strstr(libnn_last_error(), "model_import_onnx") != NULL, "%s: %s", file,
                      libnn_last_error());
        n++;
    }
    fclose(f);
    ck_assert_int_ge(n, 9);
    /* The unsupported operator is named with its node. */
    libnn_model *m;
    ck_assert_int_eq(libnn_model_import_onnx(tu_path("fixtures/onnx/bad_unsupported_op.onnx"), &m),
                     LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("(Cos)");
    ck_assert_int_eq(libnn_model_import_onnx(tu_path("fixtures/onnx/bad_external_data.onnx"), &m),
                     LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("external");
    ck_assert_int_eq(libnn_model_import_onnx(tu_path("fixtures/onnx/bad_conv_groups.onnx"), &m),
                     LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("node '/0/Conv' (Conv): group 2");
    ck_assert_int_eq(libnn_model_import_onnx(tu_path("fixtures/onnx/bad_softmax_batch.onnx"), &m),
                     LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("(Softmax): axis 0");
}
END_TEST

START_TEST(garbage)
{
    libnn_model *m = (libnn_model *)1;
    static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x08, 0x01};
    ck_assert_int_eq(libnn_model_import_onnx_buffer(junk, sizeof junk, &m), LIBNN_E_FORMAT);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(libnn_model_import_onnx_buffer("", 0, &m), LIBNN_E_FORMAT);
    ck_assert_int_eq(libnn_model_import_onnx_buffer(NULL, 3, &m), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_import_onnx_buffer(junk, 1, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_import_onnx(NULL, &m), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_import_onnx("/nonexistent/x.onnx", &m), LIBNN_E_IO);
    ck_assert_ptr_null(m);
}
END_TEST

/* A file of 150,000 empty nodes: 2 bytes each in the file, a ~100-byte struct
 * each unpacked. The reader's allocation cap refuses it. */
START_TEST(blowup_refused)
{
    size_t nodes = 150000, inner = 2 * nodes, size = 1 + 3 + inner;
    unsigned char *buf = malloc(size);
    buf[0] = 0x3a; /* ModelProto.graph, length-delimited */
    buf[1] = (unsigned char)(0x80 | (inner & 0x7f));
    buf[2] = (unsigned char)(0x80 | ((inner >> 7) & 0x7f));
    buf[3] = (unsigned char)(inner >> 14);
    for (size_t k = 0; k < nodes; k++) {
        buf[4 + 2 * k] = 0x0a; /* GraphProto.node */
        buf[5 + 2 * k] = 0x00;
    }
    libnn_model *m = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_import_onnx_buffer(buf, size, &m), LIBNN_E_FORMAT);
    ck_assert_ptr_null(m);
    tu_assert_error_has("declares more than it holds");
    free(buf);
}
END_TEST

/* Small libnn models of several kinds, compiled with fixed weights. */
static libnn_model *build(int which)
{
    libnn_model *m;
    libnn_layer *l, *inner;
    libnn_optimizer *o;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_int(m, LIBNN_MODEL_SEED, 3), LIBNN_OK);
    switch (which) {
    case 0: /* CNN */
        libnn_model_set_input_shape(m, 3, (const int64_t[]){7, 6, 2});
        libnn_conv2d_new(3, 3, 3, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_PADDING, LIBNN_PADDING_SAME);
        libnn_layer_set_int(l, LIBNN_PARAM_STRIDES, 2);
        libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_GELU);
        libnn_model_add(m, l);
        libnn_average_pooling2d_new(2, 2, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_PADDING, LIBNN_PADDING_SAME);
        libnn_model_add(m, l);
        libnn_flatten_new(&l);
        libnn_model_add(m, l);
        libnn_dense_new(4, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SWISH);
        libnn_model_add(m, l);
        libnn_dense_new(3, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SOFTMAX);
        libnn_model_add(m, l);
        break;
    case 1: /* stacked recurrent layers */
        libnn_model_set_input_shape(m, 2, (const int64_t[]){5, 3});
        libnn_gru_new(4, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_RETURN_SEQUENCES, 1);
        libnn_layer_set_int(l, LIBNN_PARAM_GO_BACKWARDS, 1);
        libnn_model_add(m, l);
        libnn_lstm_new(3, &inner);
        libnn_layer_set_int(inner, LIBNN_PARAM_RETURN_SEQUENCES, 1);
        libnn_bidirectional_new(inner, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_MERGE_MODE, LIBNN_MERGE_AVE);
        libnn_model_add(m, l);
        libnn_simple_rnn_new(2, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_GO_BACKWARDS, 1);
        libnn_model_add(m, l);
        break;
    default: /* embedding, bidirectional concat, global pooling-free head */
        libnn_model_set_input_shape(m, 1, (const int64_t[]){6});
        libnn_embedding_new(9, 3, &l);
        libnn_model_add(m, l);
        libnn_lstm_new(2, &inner);
        libnn_bidirectional_new(inner, &l);
        libnn_model_add(m, l);
        libnn_dense_new(2, &l);
        libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, LIBNN_ACT_ELU);
        libnn_layer_set_float(l, LIBNN_PARAM_ALPHA, 0.5);
        libnn_model_add(m, l);
        break;
    }
    ck_assert_int_eq(libnn_sgd_new(0.1f, &o), LIBNN_OK);
    ck_assert_msg(libnn_model_compile(m, o, LIBNN_LOSS_MEAN_SQUARED_ERROR) == LIBNN_OK, "%s",
                  libnn_last_error());
    /* Non-zero biases, so that a lost bias shows. */
    for (size_t i = 0; i < libnn_model_layer_count(m); i++) {
        libnn_layer *ly = libnn_model_layer(m, i);
        for (size_t w = 0; w < libnn_layer_weight_count(ly); w++) {
            const char *wn = libnn_layer_weight_name(ly, w);
            libnn_tensor *t;
            libnn_layer_get_weight(ly, wn, &t);
            float *v = libnn_tensor_data(t);
            for (size_t k = 0; k < libnn_tensor_size(t); k++)
                v[k] = (float)sin(1.7 * (double)(k + 3 * w + i)) * 0.5f;
            libnn_layer_set_weight(ly, wn, t);
            libnn_tensor_free(t);
        }
    }
    return m;
}

static libnn_tensor *input_for(int which)
{
    static const int64_t shapes[3][4] = {{2, 7, 6, 2}, {2, 5, 3, 0}, {2, 6, 0, 0}};
    size_t ndim = which == 0 ? 4 : which == 1 ? 3 : 2;
    libnn_tensor *x;
    ck_assert_int_eq(libnn_tensor_new(ndim, shapes[which], &x), LIBNN_OK);
    float *v = libnn_tensor_data(x);
    for (size_t k = 0; k < libnn_tensor_size(x); k++)
        v[k] = which == 2 ? (float)((k * 5 + 1) % 9) : (float)cos(0.37 * (double)k);
    return x;
}

START_TEST(roundtrip)
{
    libnn_model *m = build(_i), *back = NULL;
    size_t needed = 0;
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, NULL, 0, &needed), LIBNN_E_RANGE);
    ck_assert_uint_gt(needed, 100);
    unsigned char *buf = malloc(needed);
    size_t again = 0;
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, buf, needed - 1, &again), LIBNN_E_RANGE);
    ck_assert_uint_eq(again, needed);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, buf, needed, &again), LIBNN_OK);
    ck_assert_msg(libnn_model_import_onnx_buffer(buf, needed, &back) == LIBNN_OK, "%s",
                  libnn_last_error());
    ck_assert_uint_eq(libnn_model_layer_count(back), libnn_model_layer_count(m));
    libnn_tensor *x = input_for(_i), *y1, *y2;
    ck_assert_int_eq(libnn_model_predict(m, x, 2, &y1), LIBNN_OK);
    ck_assert_int_eq(libnn_model_predict(back, x, 2, &y2), LIBNN_OK);
    assert_close("roundtrip", y2, y1);
    /* The same model gives the same bytes. */
    unsigned char *buf2 = malloc(needed);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(back, 0, buf2, needed, &again), LIBNN_OK);
    ck_assert_uint_eq(again, needed);
    libnn_tensor_free(x);
    libnn_tensor_free(y1);
    libnn_tensor_free(y2);
    free(buf);
    free(buf2);
    libnn_model_free(m);
    libnn_model_free(back);
}
END_TEST

START_TEST(export_errors)
{
    libnn_model *m;
    size_t needed = 7;
    ck_assert_int_eq(libnn_model_export_onnx_buffer(NULL, 0, NULL, 0, &needed), LIBNN_E_INVALID);
    ck_assert_uint_eq(needed, 0);
    ck_assert_int_eq(libnn_model_export_onnx(NULL, "x.onnx", 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, NULL, 0, &needed), LIBNN_E_STATE);
    libnn_model_free(m);
    m = build(0);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0x10, NULL, 0, &needed), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, NULL, 5, &needed), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, NULL, 0, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_export_onnx(m, NULL, 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_export_onnx(m, "/nonexistent/dir/x.onnx", 0), LIBNN_E_IO);
    libnn_model_free(m);
    /* A sequence returned over a mask (Keras repeats outputs where ONNX
     * gives zeros) is refused by name. */
    libnn_layer *l;
    libnn_optimizer *o;
    libnn_model_new(&m);
    libnn_model_set_input_shape(m, 1, (const int64_t[]){4});
    libnn_embedding_new(5, 2, &l);
    libnn_layer_set_int(l, LIBNN_PARAM_MASK_ZERO, 1);
    libnn_model_add(m, l);
    libnn_simple_rnn_new(2, &l);
    libnn_layer_set_int(l, LIBNN_PARAM_RETURN_SEQUENCES, 1);
    libnn_layer_set_name(l, "the_rnn");
    libnn_model_add(m, l);
    libnn_sgd_new(0.1f, &o);
    ck_assert_int_eq(libnn_model_compile(m, o, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_OK);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, NULL, 0, &needed), LIBNN_E_UNSUPPORTED);
    tu_assert_error_has("the_rnn");
    libnn_model_free(m);
}
END_TEST

/* An imported PyTorch model trains further after compiling it again, and saves. */
START_TEST(fine_tune)
{
    libnn_model *m;
    libnn_optimizer *adam;
    ck_assert_int_eq(libnn_model_import_onnx(tu_path("fixtures/onnx/mlp.onnx"), &m), LIBNN_OK);
    ck_assert_int_eq(libnn_adam_new(1e-2f, &adam), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(m, adam, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY),
                     LIBNN_OK);
    libnn_tensor *x, *y;
    libnn_tensor_new(4, (const int64_t[]){4, 1, 4, 4}, &x);
    libnn_tensor_new(1, (const int64_t[]){4}, &y);
    for (size_t k = 0; k < 64; k++)
        libnn_tensor_data(x)[k] = (float)((int)(k % 7) - 3) / 3.0f;
    for (size_t k = 0; k < 4; k++)
        libnn_tensor_data(y)[k] = (float)(k % 3);
    double first = 0, loss = 0;
    for (int step = 0; step < 30; step++) {
        ck_assert_int_eq(libnn_model_train_on_batch(m, x, y, &loss), LIBNN_OK);
        if (step == 0)
            first = loss;
    }
    ck_assert_msg(loss < first, "loss %g did not fall below %g", loss, first);
    /* ... and is saved as a libnn model file that loads to the same predictions. */
    size_t needed = 0;
    ck_assert_int_eq(libnn_model_save_buffer(m, 0, NULL, 0, &needed), LIBNN_E_RANGE);
    unsigned char *file = malloc(needed);
    ck_assert_int_eq(libnn_model_save_buffer(m, 0, file, needed, &needed), LIBNN_OK);
    libnn_model *loaded;
    ck_assert_msg(libnn_model_load_buffer(file, needed, &loaded) == LIBNN_OK, "%s",
                  libnn_last_error());
    libnn_tensor *p1, *p2;
    ck_assert_int_eq(libnn_model_predict(m, x, 4, &p1), LIBNN_OK);
    ck_assert_int_eq(libnn_model_predict(loaded, x, 4, &p2), LIBNN_OK);
    assert_close("saved and loaded", p2, p1);
    /* A loaded libnn file exports as the model it was saved from. */
    size_t n1 = 0, n2 = 0;
    libnn_model_export_onnx_buffer(m, 0, NULL, 0, &n1);
    libnn_model_export_onnx_buffer(loaded, 0, NULL, 0, &n2);
    ck_assert_uint_eq(n1, n2);
    unsigned char *o1 = malloc(n1), *o2 = malloc(n2);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(m, 0, o1, n1, &n1), LIBNN_OK);
    ck_assert_int_eq(libnn_model_export_onnx_buffer(loaded, 0, o2, n2, &n2), LIBNN_OK);
    ck_assert(memcmp(o1, o2, n1) == 0);
    free(o1);
    free(o2);
    libnn_tensor_free(p1);
    libnn_tensor_free(p2);
    libnn_model_free(loaded);
    free(file);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(m);
}
END_TEST

typedef struct nomem_ctx {
    const void *data;
    size_t size;
    const libnn_model *model;
} nomem_ctx;

static libnn_status import_body(void *p)
{
    nomem_ctx *c = p;
    libnn_model *m = NULL;
    libnn_status st = libnn_model_import_onnx_buffer(c->data, c->size, &m);
    ck_assert(st == LIBNN_OK || m == NULL);
    libnn_model_free(m);
    return st;
}

static libnn_status export_body(void *p)
{
    nomem_ctx *c = p;
    size_t needed;
    libnn_status st = libnn_model_export_onnx_buffer(c->model, 0, NULL, 0, &needed);
    return st == LIBNN_E_RANGE ? LIBNN_OK : st;
}

START_TEST(allocation_failures)
{
    FILE *f = fopen(tu_path("fixtures/onnx/embedding_lstm.onnx"), "rb");
    ck_assert_ptr_nonnull(f);
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    nomem_ctx c = {buf, n, NULL};
    ck_assert_int_gt(tu_alloc_fail_loop(import_body, &c), 0);
    libnn_model *m = build(1);
    c.model = m;
    ck_assert_int_gt(tu_alloc_fail_loop(export_body, &c), 0);
    libnn_model_free(m);
}
END_TEST

START_TEST(disabled)
{
    libnn_model *m = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_import_onnx_buffer("x", 1, &m), LIBNN_E_UNSUPPORTED);
    ck_assert_ptr_null(m);
    tu_assert_error_has("protobuf-c");
}
END_TEST

Suite *onnx_suite(void)
{
    Suite *s = suite_create("onnx");
    TCase *tc = tu_tcase("onnx");
    if (!libnn_onnx_available()) {
        tcase_add_test(tc, disabled);
        suite_add_tcase(s, tc);
        return s;
    }
    load_case_names();
    tcase_add_loop_test(tc, matches_pytorch, 0, n_cases);
    tcase_add_test(tc, bad_files);
    tcase_add_test(tc, garbage);
    tcase_add_test(tc, blowup_refused);
    tcase_add_loop_test(tc, roundtrip, 0, 3);
    tcase_add_test(tc, export_errors);
    tcase_add_test(tc, fine_tune);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
