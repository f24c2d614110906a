/*
 * Model files: save and load in one call each, bit-identical predictions,
 * byte-identical re-saves, exact resume from checkpoints, weights-only files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_zoo.h"
#include "testutil.h"

/* The bytes of libnn_model_save_buffer, malloc'ed; *n their count. */
static unsigned char *save_bytes(const libnn_model *m, unsigned flags, size_t *n)
{
    ck_assert_int_eq(libnn_model_save_buffer(m, flags, NULL, 0, n), LIBNN_E_RANGE);
    unsigned char *buf = malloc(*n);
    size_t again;
    ck_assert_int_eq(libnn_model_save_buffer(m, flags, buf, *n, &again), LIBNN_OK);
    ck_assert_uint_eq(again, *n);
    return buf;
}

static libnn_tensor *predict(libnn_model *m, const libnn_tensor *x)
{
    libnn_tensor *p;
    ck_assert_int_eq(libnn_model_predict(m, x, 3, &p), LIBNN_OK);
    return p;
}

/* Every weight of a compiled model, concatenated (malloc'ed). */
static float *all_weights(libnn_model *m, size_t *count)
{
    size_t n = libnn_model_param_count(m), k = 0;
    float *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < libnn_model_layer_count(m); i++) {
        libnn_layer *l = libnn_model_layer(m, i);
        for (size_t w = 0; w < libnn_layer_weight_count(l); w++) {
            libnn_tensor *t;
            ck_assert_int_eq(libnn_layer_get_weight(l, libnn_layer_weight_name(l, w), &t),
                             LIBNN_OK);
            memcpy(out + k, libnn_tensor_data(t), libnn_tensor_size(t) * 4);
            k += libnn_tensor_size(t);
            libnn_tensor_free(t);
        }
    }
    ck_assert_uint_eq(k, n);
    *count = n;
    return out;
}

START_TEST(save_load_predicts_the_same)
{
    int which = _i;
    libnn_model *m = tu_zoo_model(which, 21), *r;
    libnn_tensor *x, *y;
    tu_zoo_data(which, 12, 4, &x, &y);
    ck_assert_int_eq(libnn_model_fit(m, x, y, 2, 4), LIBNN_OK);
    for (unsigned flags = 0; flags <= LIBNN_SAVE_CHECKPOINT; flags++) {
        size_t n, n2;
        unsigned char *a = save_bytes(m, flags, &n);
        ck_assert_int_eq(libnn_model_load_buffer(a, n, &r), LIBNN_OK);
        libnn_tensor *p = predict(m, x), *q = predict(r, x);
        tu_assert_tensors_identical(p, q);
        unsigned char *b = save_bytes(r, flags, &n2);
        ck_assert_uint_eq(n, n2);
        ck_assert_int_eq(memcmp(a, b, n), 0); /* save -> load -> save: the same bytes */
        double la, lb;
        ck_assert_int_eq(libnn_model_evaluate(m, x, y, 5, &la), LIBNN_OK);
        ck_assert_int_eq(libnn_model_evaluate(r, x, y, 5, &lb), LIBNN_OK);
        ck_assert_double_eq(la, lb);
        ck_assert_uint_eq(libnn_model_param_count(r), libnn_model_param_count(m));
        libnn_tensor_free(p);
        libnn_tensor_free(q);
        libnn_model_free(r);
        free(a);
        free(b);
    }
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_model_free(m);
}
END_TEST

/* N epochs, checkpoint, load into a new model, M more: the same weights,
 * bit for bit, as N + M epochs without a break. */
START_TEST(checkpoint_resumes_exactly)
{
    int which = _i;
    const int64_t N = 2, M = 3;
    libnn_tensor *x, *y;
    tu_zoo_data(which, 22, 8, &x, &y);
    libnn_model *whole = tu_zoo_model(which, 5), *first = tu_zoo_model(which, 5), *resumed;
    ck_assert_int_eq(libnn_model_fit(whole, x, y, N + M, 8), LIBNN_OK);
    ck_assert_int_eq(libnn_model_fit(first, x, y, N, 8), LIBNN_OK);
    size_t n;
    unsigned char *bytes = save_bytes(first, LIBNN_SAVE_CHECKPOINT, &n);
    libnn_model_free(first);
    ck_assert_int_eq(libnn_model_load_buffer(bytes, n, &resumed), LIBNN_OK);
    double epoch;
    ck_assert_int_eq(libnn_model_get_float(resumed, LIBNN_MODEL_INITIAL_EPOCH, &epoch), LIBNN_OK);
    ck_assert_double_eq(epoch, (double)N);
    ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(resumed)), N * 3);
    ck_assert_int_eq(libnn_model_fit(resumed, x, y, N + M, 8), LIBNN_OK);
    ck_assert_uint_eq(libnn_model_history_length(resumed), M);
    size_t ca, cb;
    float *a = all_weights(whole, &ca), *b = all_weights(resumed, &cb);
    ck_assert_uint_eq(ca, cb);
    ck_assert_int_eq(memcmp(a, b, ca * sizeof *a), 0);
    /* A plain model file starts training afresh: optimizer state and epoch
     * are a checkpoint's. */
    libnn_model *plain;
    unsigned char *p = save_bytes(whole, 0, &n);
    ck_assert_int_eq(libnn_model_load_buffer(p, n, &plain), LIBNN_OK);
    ck_assert_int_eq(libnn_optimizer_iterations(libnn_model_optimizer(plain)), 0);
    ck_assert_int_eq(libnn_model_get_float(plain, LIBNN_MODEL_INITIAL_EPOCH, &epoch), LIBNN_OK);
    ck_assert_double_eq(epoch, 0);
    free(p);
    free(a);
    free(b);
    free(bytes);
    libnn_model_free(plain);
    libnn_model_free(whole);
    libnn_model_free(resumed);
    libnn_tensor_free(x);
    libnn_tensor_free(y);
}
END_TEST

static char *temp_path(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/libnn-model-file-%ld-%s", P_tmpdir, (long)getpid(), name);
    return buf;
}

START_TEST(files_on_disk)
{
    libnn_model *m = tu_zoo_model(0, 2), *r;
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("cnn.safetensors"));
    ck_assert_int_eq(libnn_model_save(m, path, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_model_load(path, &r), LIBNN_OK);
    libnn_tensor *x, *p, *q;
    tu_zoo_data(0, 3, 1, &x, NULL);
    p = predict(m, x);
    q = predict(r, x);
    tu_assert_tensors_identical(p, q);
    /* The file and the buffer are the same bytes. */
    size_t n;
    unsigned char *bytes = save_bytes(m, 0, &n);
    FILE *fp = fopen(path, "rb");
    unsigned char *disk = malloc(n + 1);
    ck_assert_uint_eq(fread(disk, 1, n + 1, fp), n);
    fclose(fp);
    ck_assert_int_eq(memcmp(bytes, disk, n), 0);
    ck_assert_int_eq(unlink(path), 0);
    libnn_model_free(r);
    /* Errors name the path. */
    ck_assert_int_eq(libnn_model_load(path, &r), LIBNN_E_IO);
    ck_assert_ptr_null(r);
    tu_assert_error_has(path);
    ck_assert_int_eq(libnn_model_save(m, "/nonexistent-dir/x.safetensors", 0), LIBNN_E_IO);
    tu_assert_error_has("/nonexistent-dir/x.safetensors");
    libnn_tensor_free(x);
    libnn_tensor_free(p);
    libnn_tensor_free(q);
    free(bytes);
    free(disk);
    libnn_model_free(m);
}
END_TEST

START_TEST(misuse)
{
    libnn_model *m, *r = (libnn_model *)1;
    libnn_layer *l;
    size_t n;
    ck_assert_int_eq(libnn_model_new(&m), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(m, 1, (const int64_t[]){2}), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(1, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(m, l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_save_buffer(m, 0, NULL, 0, &n), LIBNN_E_STATE);
    tu_assert_error_has("compile the model first");
    ck_assert_int_eq(libnn_model_save(m, "x", 0), LIBNN_E_STATE);
    ck_assert_int_eq(libnn_model_save_weights(m, "x"), LIBNN_E_STATE);
    ck_assert_int_eq(libnn_model_load_weights(m, "x", 0), LIBNN_E_STATE);
    libnn_model_free(m);
    m = tu_zoo_model(3, 1);
    ck_assert_int_eq(libnn_model_save_buffer(m, 2, NULL, 0, &n), LIBNN_E_INVALID);
    tu_assert_error_has("unknown flags");
    ck_assert_int_eq(libnn_model_save_buffer(m, 0, NULL, 5, &n), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_save_buffer(m, 0, NULL, 0, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_save_buffer(NULL, 0, NULL, 0, &n), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_save(m, NULL, 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_save(NULL, "x", 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_load(NULL, &r), LIBNN_E_INVALID);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(libnn_model_load("x", NULL), LIBNN_E_INVALID);
    r = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_load_buffer(NULL, 0, &r), LIBNN_E_FORMAT);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(libnn_model_load_buffer("x", 1, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_load_weights(m, NULL, 0), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_model_load_weights(m, "x", 4), LIBNN_E_INVALID);
    libnn_model_free(m);
}
END_TEST

/* ---- weights-only files ---- */

START_TEST(weights_only_round_trip)
{
    libnn_model *m = tu_zoo_model(1, 3), *fresh;
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("w.safetensors"));
    ck_assert_int_eq(libnn_model_save_weights(m, path), LIBNN_OK);
    ck_assert_int_eq(libnn_model_clone(m, 77, 0, &fresh), LIBNN_OK);
    libnn_tensor *x, *p, *q;
    tu_zoo_data(1, 3, 2, &x, NULL);
    p = predict(m, x);
    ck_assert_int_eq(libnn_model_load_weights(fresh, path, 0), LIBNN_OK);
    q = predict(fresh, x);
    tu_assert_tensors_identical(p, q);
    libnn_tensor_free(q);
    /* A weights-only file is not a model file... */
    libnn_model *r = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_load(path, &r), LIBNN_E_FORMAT);
    ck_assert_ptr_null(r);
    tu_assert_error_has("libnn_model_load_weights");
    /* ...but a model file holds weights. */
    ck_assert_int_eq(libnn_model_save(m, path, LIBNN_SAVE_CHECKPOINT), LIBNN_OK);
    libnn_model_free(fresh);
    ck_assert_int_eq(libnn_model_clone(m, 78, 0, &fresh), LIBNN_OK);
    ck_assert_int_eq(libnn_model_load_weights(fresh, path, 0), LIBNN_OK);
    q = predict(fresh, x);
    tu_assert_tensors_identical(p, q);
    ck_assert_int_eq(unlink(path), 0);
    libnn_tensor_free(x);
    libnn_tensor_free(p);
    libnn_tensor_free(q);
    libnn_model_free(fresh);
    libnn_model_free(m);
}
END_TEST

START_TEST(weights_mismatches_change_nothing)
{
    libnn_model *m = tu_zoo_model(3, 3), *other;
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("w2.safetensors"));
    ck_assert_int_eq(libnn_model_save_weights(m, path), LIBNN_OK);

    /* Renamed layers: not found by name, found by position. */
    libnn_layer *l;
    libnn_optimizer *opt;
    ck_assert_int_eq(libnn_model_new(&other), LIBNN_OK);
    ck_assert_int_eq(libnn_model_set_input_shape(other, 3, (const int64_t[]){3, 3, 4}), LIBNN_OK);
    ck_assert_int_eq(libnn_global_average_pooling2d_new(&l), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(other, l), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(6, &l), LIBNN_OK);
    ck_assert_int_eq(libnn_layer_set_name(l, "hidden"), LIBNN_OK);
    ck_assert_int_eq(libnn_model_add(other, l), LIBNN_OK);
    ck_assert_int_eq(libnn_dense_new(2, &l), LIBNN_OK); /* 2 units where the file has 1 */
    ck_assert_int_eq(libnn_model_add(other, l), LIBNN_OK);
    ck_assert_int_eq(libnn_sgd_new(0.1f, &opt), LIBNN_OK);
    ck_assert_int_eq(libnn_model_compile(other, opt, LIBNN_LOSS_MEAN_SQUARED_ERROR), LIBNN_OK);
    size_t n0;
    float *before = all_weights(other, &n0);
    ck_assert_int_eq(libnn_model_load_weights(other, path, 0), LIBNN_E_FORMAT);
    tu_assert_error_has("layer 1 (hidden) is not in the file");
    ck_assert_int_eq(libnn_model_load_weights(other, path, LIBNN_WEIGHTS_BY_POSITION),
                     LIBNN_E_SHAPE);
    tu_assert_error_has("layer 2 (dense): weight kernel is [6, 1] in the file, [6, 2] in the "
                        "model");
    size_t n1;
    float *after = all_weights(other, &n1);
    ck_assert_int_eq(memcmp(before, after, n0 * sizeof(float)), 0); /* all or nothing */
    ck_assert_int_eq(libnn_model_load_weights(other, "/nonexistent/w", 0), LIBNN_E_IO);
    ck_assert_int_eq(unlink(path), 0);
    free(before);
    free(after);
    libnn_model_free(other);
    libnn_model_free(m);
}
END_TEST

/* ---- allocation failures ---- */

typedef struct io_ctx {
    libnn_model *m;
    unsigned flags;
    unsigned char *bytes;
    size_t n;
} io_ctx;

static libnn_status save_body(void *p)
{
    io_ctx *c = p;
    size_t n = c->n;
    unsigned char *buf = malloc(n);
    libnn_status st = libnn_model_save_buffer(c->m, c->flags, buf, n, &n);
    if (st == LIBNN_OK)
        ck_assert_int_eq(memcmp(buf, c->bytes, n), 0);
    free(buf);
    return st;
}

static libnn_status load_body(void *p)
{
    io_ctx *c = p;
    libnn_model *r = NULL;
    libnn_status st = libnn_model_load_buffer(c->bytes, c->n, &r);
    if (st != LIBNN_OK)
        ck_assert_ptr_null(r);
    libnn_model_free(r);
    return st;
}

START_TEST(allocation_failures)
{
    io_ctx c = {tu_zoo_model(_i, 1), LIBNN_SAVE_CHECKPOINT, NULL, 0};
    c.bytes = save_bytes(c.m, c.flags, &c.n);
    ck_assert_int_gt(tu_alloc_fail_loop(save_body, &c), 0);
    ck_assert_int_gt(tu_alloc_fail_loop(load_body, &c), 0);
    free(c.bytes);
    libnn_model_free(c.m);
}
END_TEST

typedef struct weights_ctx {
    libnn_model *m;
    const char *path;
} weights_ctx;

/* Save the weights and load them into the model: either both succeed or
 * the model's weights are as they were (load_weights is all or nothing). */
static libnn_status weights_body(void *p)
{
    weights_ctx *c = p;
    libnn_status st = libnn_model_save_weights(c->m, c->path);
    if (st == LIBNN_OK)
        st = libnn_model_load_weights(c->m, c->path, 0);
    return st;
}

START_TEST(weights_allocation_failures)
{
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("w-alloc.safetensors"));
    weights_ctx c = {tu_zoo_model(1, 6), path};
    size_t n0, n1;
    float *before = all_weights(c.m, &n0);
    ck_assert_int_gt(tu_alloc_fail_loop(weights_body, &c), 0);
    float *after = all_weights(c.m, &n1);
    ck_assert_int_eq(memcmp(before, after, n0 * sizeof(float)), 0);
    ck_assert_int_eq(unlink(path), 0);
    free(before);
    free(after);
    libnn_model_free(c.m);
}
END_TEST

Suite *model_file_suite(void)
{
    Suite *s = suite_create("model_file");
    TCase *tc = tu_tcase("model_file");
    tcase_add_loop_test(tc, save_load_predicts_the_same, 0, TU_ZOO_COUNT);
    tcase_add_loop_test(tc, checkpoint_resumes_exactly, 0, TU_ZOO_COUNT);
    tcase_add_test(tc, files_on_disk);
    tcase_add_test(tc, misuse);
    tcase_add_test(tc, weights_only_round_trip);
    tcase_add_test(tc, weights_mismatches_change_nothing);
    /* Two models cover every allocation site of the file code; four cost
     * minutes under valgrind. */
    tcase_add_loop_test(tc, allocation_failures, 1, 3);
    tcase_add_test(tc, weights_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
