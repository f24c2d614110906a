/*
 * Model files that lie: wrong or missing metadata, versions from the
 * future, missing, extra and misshapen tensors, truncations and flipped
 * bytes. Each gives a clear status and message and no model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_zoo.h"
#include "testutil.h"

static unsigned char *bytes_of(const libnn_tensor_file *f, size_t *n)
{
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, NULL, 0, n), LIBNN_E_RANGE);
    unsigned char *buf = malloc(*n);
    ck_assert_int_eq(libnn_tensor_file_save_buffer(f, buf, *n, n), LIBNN_OK);
    return buf;
}

/* The zoo model `which` saved (as a checkpoint), as a tensor file to edit. */
static libnn_tensor_file *saved(int which)
{
    libnn_model *m = tu_zoo_model(which, 1);
    size_t n;
    ck_assert_int_eq(libnn_model_save_buffer(m, LIBNN_SAVE_CHECKPOINT, NULL, 0, &n),
                     LIBNN_E_RANGE);
    unsigned char *buf = malloc(n);
    ck_assert_int_eq(libnn_model_save_buffer(m, LIBNN_SAVE_CHECKPOINT, buf, n, &n), LIBNN_OK);
    libnn_tensor_file *f;
    ck_assert_int_eq(libnn_tensor_file_load_buffer(buf, n, &f), LIBNN_OK);
    free(buf);
    libnn_model_free(m);
    return f;
}

static void expect(const libnn_tensor_file *f, libnn_status status, const char *message)
{
    size_t n;
    unsigned char *buf = bytes_of(f, &n);
    libnn_model *m = (libnn_model *)1;
    ck_assert_int_eq(libnn_model_load_buffer(buf, n, &m), status);
    ck_assert_ptr_null(m);
    tu_assert_error_has(message);
    free(buf);
}

/* A copy of f without the tensor or metadata key `drop`, or with tensor
 * `add` added. */
static libnn_tensor_file *rebuilt(const libnn_tensor_file *f, const char *drop, const char *add,
                                  const libnn_tensor *t)
{
    libnn_tensor_file *g;
    ck_assert_int_eq(libnn_tensor_file_new(&g), LIBNN_OK);
    for (size_t i = 0; i < libnn_tensor_file_metadata_count(f); i++) {
        const char *k = libnn_tensor_file_metadata_key(f, i);
        if (!drop || strcmp(k, drop) != 0)
            ck_assert_int_eq(libnn_tensor_file_set_metadata(g, k, libnn_tensor_file_metadata_get(f, k)),
                             LIBNN_OK);
    }
    for (size_t i = 0; i < libnn_tensor_file_count(f); i++) {
        const char *name = libnn_tensor_file_name(f, i);
        const libnn_tensor *src;
        if (drop && strcmp(name, drop) == 0)
            continue;
        ck_assert_int_eq(libnn_tensor_file_get(f, name, &src), LIBNN_OK);
        ck_assert_int_eq(libnn_tensor_file_add(g, name, src), LIBNN_OK);
    }
    if (add)
        ck_assert_int_eq(libnn_tensor_file_add(g, add, t), LIBNN_OK);
    return g;
}

static const struct {
    const char *key, *value;
    libnn_status status;
    const char *message;
} meta_edits[] = {
    {"format", "pytorch", LIBNN_E_FORMAT, "metadata format is \"pytorch\""},
    {"format", "libnn-weights", LIBNN_E_FORMAT, "libnn_model_load_weights"},
    {"format_version", "2", LIBNN_E_UNSUPPORTED, "format version 2 was written by a newer libnn"},
    {"format_version", "0", LIBNN_E_FORMAT, "format_version \"0\""},
    {"format_version", "1x", LIBNN_E_FORMAT, "format_version \"1x\""},
    {"format_version", "99999999999999999999", LIBNN_E_FORMAT, "format_version"},
    {"colour", "blue", LIBNN_E_FORMAT, "unknown metadata key \"colour\""},
    {"architecture", "{", LIBNN_E_FORMAT, "architecture"},
    {"architecture", "[]", LIBNN_E_FORMAT, "architecture"},
    {"training_config", "{\"loss\": {\"class_name\": \"hinge\"}}", LIBNN_E_FORMAT,
     "unknown loss \"hinge\""},
    {"training_config", "{\"loss\": {\"class_name\": \"huber\"}, \"optimizer\": {\"class_name\": "
     "\"Adam\", \"config\": {\"beta_1\": 7}}, \"metrics\": [], \"options\": {}}", LIBNN_E_FORMAT,
     "optimizer"},
    {"training_config", "{\"loss\": {\"class_name\": \"huber\"}, \"optimizer\": {\"class_name\": "
     "\"Lion\", \"config\": {}}, \"metrics\": [], \"options\": {}}", LIBNN_E_FORMAT, "Lion"},
    {"training_config", "{\"loss\": {\"class_name\": \"huber\"}, \"optimizer\": {\"class_name\": "
     "\"SGD\", \"config\": {}}, \"metrics\": [\"bleu\"], \"options\": {}}", LIBNN_E_FORMAT,
     "unknown metric \"bleu\""},
    {"training_config", "{\"loss\": {\"class_name\": \"huber\"}, \"optimizer\": {\"class_name\": "
     "\"SGD\", \"config\": {}}, \"metrics\": [], \"options\": {\"seed\": -4}}", LIBNN_E_FORMAT,
     "options.seed"},
    {"checkpoint", "{\"iterations\": -1, \"epoch\": 0, \"rng\": []}", LIBNN_E_FORMAT,
     "checkpoint"},
    {"checkpoint", "{\"iterations\": 1, \"epoch\": 0, \"rng\": [\"0000000000000000\", "
     "\"0000000000000000\", \"0000000000000000\", \"0000000000000000\"]}", LIBNN_E_FORMAT,
     "all zero"},
    {"checkpoint", "{\"iterations\": 1, \"epoch\": 0, \"rng\": [\"-000000000000001\", "
     "\"0000000000000000\", \"0000000000000000\", \"0000000000000000\"]}", LIBNN_E_FORMAT,
     "rng[0]"},
};

START_TEST(metadata_edits)
{
    libnn_tensor_file *f = saved(3);
    ck_assert_int_eq(libnn_tensor_file_set_metadata(f, meta_edits[_i].key, meta_edits[_i].value),
                     LIBNN_OK);
    expect(f, meta_edits[_i].status, meta_edits[_i].message);
    libnn_tensor_file_free(f);
}
END_TEST

START_TEST(missing_and_extra_pieces)
{
    libnn_tensor_file *f = saved(0), *g;
    g = rebuilt(f, "architecture", NULL, NULL);
    expect(g, LIBNN_E_FORMAT, "no \"architecture\"");
    libnn_tensor_file_free(g);
    g = rebuilt(f, "training_config", NULL, NULL);
    expect(g, LIBNN_E_FORMAT, "no \"training_config\"");
    libnn_tensor_file_free(g);
    g = rebuilt(f, "format", NULL, NULL);
    expect(g, LIBNN_E_FORMAT, "not a libnn file");
    libnn_tensor_file_free(g);
    g = rebuilt(f, "layers.2.kernel", NULL, NULL);
    expect(g, LIBNN_E_FORMAT, "tensor layers.2.kernel is missing");
    libnn_tensor_file_free(g);
    g = rebuilt(f, "optimizer.momentum.layers.0.kernel", NULL, NULL);
    expect(g, LIBNN_E_FORMAT, "optimizer.momentum.layers.0.kernel is missing");
    libnn_tensor_file_free(g);

    libnn_tensor *t;
    ck_assert_int_eq(libnn_tensor_new(1, (const int64_t[]){3}, &t), LIBNN_OK);
    g = rebuilt(f, NULL, "layers.9.kernel", t);
    expect(g, LIBNN_E_FORMAT, "tensor layers.9.kernel is not a weight of the model");
    libnn_tensor_file_free(g);
    libnn_tensor_free(t);
    ck_assert_int_eq(libnn_tensor_new(2, (const int64_t[]){1, 3}, &t), LIBNN_OK);
    g = rebuilt(f, "layers.6.bias", "layers.6.bias", t); /* wrong rank */
    expect(g, LIBNN_E_FORMAT, "tensor layers.6.bias has shape [1, 3], the model's weight [3]");
    libnn_tensor_file_free(g);
    libnn_tensor_free(t);
    /* Without the checkpoint record the slots have no place. */
    g = rebuilt(f, "checkpoint", NULL, NULL);
    expect(g, LIBNN_E_FORMAT, "is not a weight of the model");
    libnn_tensor_file_free(g);
    libnn_tensor_file_free(f);
}
END_TEST

/* Every prefix of a file, and single flipped bytes: a status, never a
 * crash, and a model only when the file is whole. */
START_TEST(truncations_and_flips)
{
    libnn_tensor_file *f = saved(_i);
    size_t n;
    unsigned char *buf = bytes_of(f, &n);
    for (size_t len = 0; len < n; len += 1 + len / 64) {
        libnn_model *m = (libnn_model *)1;
        ck_assert_int_eq(libnn_model_load_buffer(buf, len, &m), LIBNN_E_FORMAT);
        ck_assert_ptr_null(m);
    }
    uint64_t s = 12345;
    for (int k = 0; k < 300; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t at = (size_t)(s >> 33) % n;
        unsigned char old = buf[at];
        buf[at] ^= (unsigned char)(1u << ((s >> 20) & 7));
        libnn_model *m = NULL;
        libnn_status st = libnn_model_load_buffer(buf, n, &m);
        ck_assert_msg(st == LIBNN_OK || st == LIBNN_E_FORMAT || st == LIBNN_E_UNSUPPORTED ||
                          st == LIBNN_E_RANGE,
                      "byte %zu: status %d (%s)", at, st, libnn_last_error());
        ck_assert(st == LIBNN_OK ? m != NULL : m == NULL);
        libnn_model_free(m);
        buf[at] = old;
    }
    free(buf);
    libnn_tensor_file_free(f);
}
END_TEST

Suite *model_file_errors_suite(void)
{
    Suite *s = suite_create("model_file_errors");
    TCase *tc = tu_tcase("model_file_errors");
    tcase_add_loop_test(tc, metadata_edits, 0, sizeof meta_edits / sizeof meta_edits[0]);
    tcase_add_test(tc, missing_and_extra_pieces);
    tcase_add_loop_test(tc, truncations_and_flips, 0, TU_ZOO_COUNT);
    suite_add_tcase(s, tc);
    return s;
}
