/*
 * Writes the export round-trip cases into a folder: for every layer kind and
 * option combination, and the five example models, a compiled libnn model
 * with random weights is exported (<case>.onnx) with a fixed input
 * (<case>.in) and libnn's prediction (<case>.out), raw float32, listed in
 * manifest.txt as "<case> <input dims> <output dims>". check_models.py and
 * ort_check.js then check the files; run.sh drives the three.
 *
 *   onnx-export-cases DIR DATADIR     (DATADIR: the bundled MNIST digits, data/)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libnn.h"

#define B 3 /* batch of every case */

typedef struct opt {
    libnn_param key;
    double value;
} opt;

/* Set the options (key 0 ends the list) and add the layer. */
static libnn_layer *with(libnn_layer *l, const opt *opts)
{
    for (size_t i = 0; l && opts && opts[i].key; i++)
        if (libnn_layer_set_float(l, opts[i].key, opts[i].value) != LIBNN_OK &&
            libnn_layer_set_int(l, opts[i].key, (int64_t)opts[i].value) != LIBNN_OK) {
            fprintf(stderr, "option %d: %s\n", (int)opts[i].key, libnn_last_error());
            exit(1);
        }
    return l;
}

#define OPTS(...) ((const opt[]){__VA_ARGS__, {0, 0}})

static libnn_layer *L; /* what the last constructor made */

static libnn_layer *made(libnn_status st)
{
    if (st != LIBNN_OK) {
        fprintf(stderr, "layer: %s\n", libnn_last_error());
        exit(1);
    }
    return L;
}

#define DENSE(u, o) with(made(libnn_dense_new(u, &L)), o)
#define CONV(f, kh, kw, o) with(made(libnn_conv2d_new(f, kh, kw, &L)), o)
#define MAXP(h, w, o) with(made(libnn_max_pooling2d_new(h, w, &L)), o)
#define AVGP(h, w, o) with(made(libnn_average_pooling2d_new(h, w, &L)), o)
#define GMAX() made(libnn_global_max_pooling2d_new(&L))
#define GAVG() made(libnn_global_average_pooling2d_new(&L))
#define FLAT() made(libnn_flatten_new(&L))
#define DROP() made(libnn_dropout_new(0.5f, &L))
#define ACT(a, o) with(made(libnn_activation_new(a, &L)), o)
#define EMB(v, d, o) with(made(libnn_embedding_new(v, d, &L)), o)
#define SRNN(u, o) with(made(libnn_simple_rnn_new(u, &L)), o)
#define LSTM(u, o) with(made(libnn_lstm_new(u, &L)), o)
#define GRU(u, o) with(made(libnn_gru_new(u, &L)), o)

static libnn_layer *bidi(libnn_layer *inner, int merge)
{
    libnn_layer *l;
    if (libnn_bidirectional_new(inner, &l) != LIBNN_OK)
        exit(1);
    return with(l, OPTS({LIBNN_PARAM_MERGE_MODE, merge}));
}

static libnn_layer *reshape(size_t n, const int64_t *t)
{
    return made(libnn_reshape_new(n, t, &L));
}

static unsigned long long rng = 88172645463325252ULL;
static float uniform(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 11) * (1.0 / 9007199254740992.0));
}

static FILE *manifest;
static const char *outdir;
static int failures, imported;

static void write_raw(const char *name, const char *ext, const float *v, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s", outdir, name, ext);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(v, sizeof *v, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        exit(1);
    }
}

static void dims_text(char *buf, size_t cap, const libnn_tensor *t)
{
    size_t at = 0;
    for (size_t i = 0; i < libnn_tensor_ndim(t); i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%lld", i ? "," : "",
                               (long long)libnn_tensor_dim(t, i));
}

/* libnn's own export imports back to the same predictions. */
static void check_import(const char *name, const char *path, const libnn_tensor *x,
                         const libnn_tensor *y)
{
    libnn_model *back;
    libnn_tensor *y2;
    if (libnn_model_import_onnx(path, &back) != LIBNN_OK) {
        printf("FAIL %s: import: %s\n", name, libnn_last_error());
        failures++;
        return;
    }
    if (libnn_model_predict(back, x, B, &y2) != LIBNN_OK) {
        printf("FAIL %s: predict after import: %s\n", name, libnn_last_error());
        failures++;
        libnn_model_free(back);
        return;
    }
    const float *a = libnn_tensor_data((libnn_tensor *)y), *b = libnn_tensor_data(y2);
    double worst = 0;
    for (size_t k = 0; k < libnn_tensor_size(y); k++)
        worst = fmax(worst, fabs((double)a[k] - b[k]) / fmax(1.0, fabs(a[k])));
    if (libnn_tensor_size(y2) != libnn_tensor_size(y) || !(worst <= 1e-5)) {
        printf("FAIL %s: imported model differs by %g\n", name, worst);
        failures++;
    }
    imported++;
    libnn_tensor_free(y2);
    libnn_model_free(back);
}

/* Predict x with m, export m, check the import, write the case's files. */
static void emit_case(const char *name, libnn_model *m, libnn_tensor *x, unsigned flags)
{
    libnn_tensor *y;
    if (libnn_model_predict(m, x, B, &y) != LIBNN_OK) {
        fprintf(stderr, "%s: predict: %s\n", name, libnn_last_error());
        exit(1);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.onnx", outdir, name);
    if (libnn_model_export_onnx(m, path, flags) != LIBNN_OK) {
        printf("FAIL %s: export: %s\n", name, libnn_last_error());
        failures++;
    } else {
        libnn_tensor *xin = x;
        libnn_tensor *xt = NULL;
        if (flags & LIBNN_ONNX_CHANNELS_FIRST) { /* NHWC -> NCHW */
            int64_t h = libnn_tensor_dim(x, 1), w = libnn_tensor_dim(x, 2), c = libnn_tensor_dim(x, 3);
            const float *xv = libnn_tensor_data(x);
            libnn_tensor_new(4, (const int64_t[]){B, c, h, w}, &xt);
            float *o = libnn_tensor_data(xt);
            for (int64_t b = 0; b < B; b++)
                for (int64_t i = 0; i < h; i++)
                    for (int64_t j = 0; j < w; j++)
                        for (int64_t k = 0; k < c; k++)
                            o[((b * c + k) * h + i) * w + j] = xv[((b * h + i) * w + j) * c + k];
            xin = xt;
        }
        /* A lone Dropout exports as Identity: no layer to import. */
        if (!(flags & LIBNN_ONNX_CHANNELS_FIRST) && strcmp(name, "dropout_only") != 0)
            check_import(name, path, x, y);
        write_raw(name, "in", libnn_tensor_data(xin), libnn_tensor_size(xin));
        write_raw(name, "out", libnn_tensor_data(y), libnn_tensor_size(y));
        char ind[128], outd[128];
        dims_text(ind, sizeof ind, xin);
        dims_text(outd, sizeof outd, y);
        fprintf(manifest, "%s %s %s\n", name, ind, outd);
        libnn_tensor_free(xt);
    }
    libnn_tensor_free(y);
}

/* Build, randomise, predict, export one case. vocab > 0: the input holds
 * token ids 0..vocab-1 (with some zeros for masks). */
static void run_case(const char *name, size_t ndim, const int64_t *shape, libnn_layer **layers,
                     size_t n, unsigned flags, int vocab)
{
    libnn_model *m;
    libnn_optimizer *sgd;
    if (libnn_model_new(&m) != LIBNN_OK || libnn_model_set_input_shape(m, ndim, shape) != LIBNN_OK)
        exit(1);
    for (size_t i = 0; i < n; i++)
        if (libnn_model_add(m, layers[i]) != LIBNN_OK) {
            fprintf(stderr, "%s: add: %s\n", name, libnn_last_error());
            exit(1);
        }
    if (libnn_sgd_new(0.01f, &sgd) != LIBNN_OK ||
        libnn_model_compile(m, sgd, LIBNN_LOSS_MEAN_SQUARED_ERROR) != LIBNN_OK) {
        fprintf(stderr, "%s: compile: %s\n", name, libnn_last_error());
        exit(1);
    }
    /* Random weights everywhere, biases too, so no layout slip hides. */
    for (size_t i = 0; i < n; i++) {
        libnn_layer *l = libnn_model_layer(m, i);
        for (size_t w = 0; w < libnn_layer_weight_count(l); w++) {
            libnn_tensor *t;
            const char *wn = libnn_layer_weight_name(l, w);
            libnn_layer_get_weight(l, wn, &t);
            float *v = libnn_tensor_data(t);
            for (size_t k = 0; k < libnn_tensor_size(t); k++)
                v[k] = uniform(-0.6f, 0.6f);
            libnn_layer_set_weight(l, wn, t);
            libnn_tensor_free(t);
        }
    }
    int64_t xs[8] = {B};
    memcpy(xs + 1, shape, ndim * sizeof *shape);
    libnn_tensor *x;
    libnn_tensor_new(ndim + 1, xs, &x);
    float *xv = libnn_tensor_data(x);
    for (size_t k = 0; k < libnn_tensor_size(x); k++)
        xv[k] = vocab ? (float)(int)uniform(1.0f, (float)vocab - 0.01f) : uniform(-1.5f, 1.5f);
    if (strstr(name, "mask")) {
        /* Keras padding as masks see it: sample 0 pre-padded by 2 steps,
         * sample 1 post-padded by 3, sample 2 not at all. */
        size_t per = libnn_tensor_size(x) / B, step = per / (size_t)shape[0];
        memset(xv, 0, 2 * step * sizeof *xv);
        memset(xv + 2 * per - 3 * step, 0, 3 * step * sizeof *xv);
    } else if (vocab) { /* some id 0 */
        xv[0] = 0.0f;
    }
    emit_case(name, m, x, flags);
    libnn_tensor_free(x);
    libnn_model_free(m);
}

#define CASE(name, shape, flags, vocab, ...)                                                   \
    do {                                                                                       \
        libnn_layer *ls_[] = {__VA_ARGS__};                                                    \
        run_case(name, sizeof(shape) / sizeof(int64_t), shape, ls_,                             \
                 sizeof ls_ / sizeof ls_[0], flags, vocab);                                    \
    } while (0)
#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define S1(a) ((int64_t[1]){a})
#define S2(a, b) ((int64_t[2]){a, b})
#define S3(a, b, c) ((int64_t[3]){a, b, c})

static void dense_cases(void)
{
    static const char *const acts[] = {"linear", "relu", "sigmoid", "tanh", "softmax",
                                       "leaky_relu", "elu", "selu", "gelu", "softplus",
                                       "swish", "hard_sigmoid", "softsign", "relu6",
                                       "exponential"};
    for (int a = 0; a < 15; a++) {
        char name[64];
        snprintf(name, sizeof name, "dense_%s", acts[a]);
        CASE(name, S1(6), 0, 0, DENSE(5, OPTS({LIBNN_PARAM_ACTIVATION, a})));
        snprintf(name, sizeof name, "activation_%s", acts[a]);
        CASE(name, S3(4, 3, 2), 0, 0, CONV(3, 2, 2, NULL),
             ACT(a, OPTS({LIBNN_PARAM_ALPHA, a == LIBNN_ACT_LEAKY_RELU ? 0.1 : 0.7})));
    }
    CASE("dense_nobias", S1(6), 0, 0, DENSE(4, OPTS({LIBNN_PARAM_USE_BIAS, 0})));
    CASE("dense_rank3", S2(3, 5), 0, 0, DENSE(4, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU})));
    CASE("dense_rank4_nobias", S3(2, 3, 5), 0, 0, DENSE(4, OPTS({LIBNN_PARAM_USE_BIAS, 0})));
}

static void conv_cases(void)
{
    CASE("conv_valid", S3(7, 6, 2), 0, 0, CONV(3, 3, 3, NULL));
    CASE("conv_same", S3(7, 6, 2), 0, 0, CONV(3, 3, 3, OPTS({LIBNN_PARAM_PADDING, 1})));
    CASE("conv_same_s2", S3(7, 8, 2), 0, 0,
         CONV(3, 3, 3, OPTS({LIBNN_PARAM_PADDING, 1}, {LIBNN_PARAM_STRIDES, 2})));
    CASE("conv_same_k2", S3(5, 5, 1), 0, 0, CONV(2, 2, 2, OPTS({LIBNN_PARAM_PADDING, 1})));
    CASE("conv_same_k4_s3", S3(10, 9, 2), 0, 0,
         CONV(2, 4, 4, OPTS({LIBNN_PARAM_PADDING, 1}, {LIBNN_PARAM_STRIDES, 3})));
    CASE("conv_dilation", S3(9, 9, 2), 0, 0, CONV(2, 3, 3, OPTS({LIBNN_PARAM_DILATION_RATE, 2})));
    CASE("conv_dilation_same", S3(9, 8, 2), 0, 0,
         CONV(2, 3, 2, OPTS({LIBNN_PARAM_DILATION_H, 2}, {LIBNN_PARAM_PADDING, 1})));
    CASE("conv_strides_hw", S3(8, 7, 3), 0, 0,
         CONV(4, 3, 2, OPTS({LIBNN_PARAM_STRIDE_H, 2}, {LIBNN_PARAM_STRIDE_W, 1})));
    CASE("conv_nobias_relu", S3(6, 6, 2), 0, 0,
         CONV(3, 3, 3, OPTS({LIBNN_PARAM_USE_BIAS, 0}, {LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU})));
    CASE("conv_channels_first", S3(6, 5, 2), LIBNN_ONNX_CHANNELS_FIRST, 0,
         CONV(3, 3, 3, OPTS({LIBNN_PARAM_PADDING, 1})), FLAT(), DENSE(3, NULL));
}

static void pool_cases(void)
{
    CASE("maxpool_valid", S3(6, 7, 2), 0, 0, MAXP(2, 2, NULL));
    CASE("maxpool_same_s2", S3(7, 6, 2), 0, 0,
         MAXP(3, 3, OPTS({LIBNN_PARAM_PADDING, 1}, {LIBNN_PARAM_STRIDES, 2})));
    CASE("maxpool_strides_hw", S3(7, 7, 1), 0, 0,
         MAXP(3, 2, OPTS({LIBNN_PARAM_STRIDE_H, 1}, {LIBNN_PARAM_STRIDE_W, 2})));
    CASE("avgpool_valid", S3(6, 7, 2), 0, 0, AVGP(2, 3, NULL));
    CASE("avgpool_same", S3(7, 5, 2), 0, 0, AVGP(2, 2, OPTS({LIBNN_PARAM_PADDING, 1})));
    CASE("avgpool_same_s1", S3(5, 5, 2), 0, 0,
         AVGP(3, 3, OPTS({LIBNN_PARAM_PADDING, 1}, {LIBNN_PARAM_STRIDES, 1})));
    CASE("global_max", S3(5, 4, 3), 0, 0, GMAX());
    CASE("global_avg", S3(5, 4, 3), 0, 0, CONV(2, 3, 3, NULL), GAVG());
    CASE("flatten_image", S3(4, 3, 2), 0, 0, CONV(3, 2, 2, NULL), FLAT(), DENSE(2, NULL));
    CASE("reshape", S1(12), 0, 0, reshape(3, (const int64_t[]){2, -1, 3}), DENSE(2, NULL));
    CASE("reshape_image", S3(4, 3, 2), 0, 0, CONV(2, 2, 2, NULL),
         reshape(2, (const int64_t[]){6, 2}), DENSE(2, NULL));
    CASE("dropout", S1(5), 0, 0, DENSE(4, NULL), DROP(), DENSE(2, NULL));
    CASE("dropout_only", S1(5), 0, 0, DROP());
    CASE("embedding", S1(5), 0, 10, EMB(10, 3, NULL), FLAT(), DENSE(2, NULL));
    CASE("embedding_mask_dropped", S1(5), 0, 10,
         EMB(10, 3, OPTS({LIBNN_PARAM_MASK_ZERO, 1})), FLAT());
}

static void rnn_cases(void)
{
    static const char *const kinds[3] = {"simple_rnn", "lstm", "gru"};
    for (int k = 0; k < 3; k++)
        for (int rs = 0; rs < 2; rs++)
            for (int gb = 0; gb < 2; gb++) {
                char name[64];
                snprintf(name, sizeof name, "%s%s%s", kinds[k], rs ? "_seq" : "",
                         gb ? "_backwards" : "");
                const opt *o = OPTS({LIBNN_PARAM_RETURN_SEQUENCES, rs},
                                    {LIBNN_PARAM_GO_BACKWARDS, gb});
                libnn_layer *l = k == 0 ? SRNN(3, o) : k == 1 ? LSTM(3, o) : GRU(3, o);
                CASE(name, S2(5, 4), 0, 0, l);
            }
    CASE("simple_rnn_relu", S2(4, 3), 0, 0, SRNN(3, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU})));
    CASE("lstm_hard_sigmoid", S2(4, 3), 0, 0,
         LSTM(3, OPTS({LIBNN_PARAM_RECURRENT_ACTIVATION, LIBNN_ACT_HARD_SIGMOID})));
    CASE("gru_nobias", S2(4, 3), 0, 0, GRU(3, OPTS({LIBNN_PARAM_USE_BIAS, 0})));
    static const char *const merges[4] = {"concat", "sum", "ave", "mul"};
    for (int mm = 0; mm < 4; mm++)
        for (int rs = 0; rs < 2; rs++) {
            char name[64];
            snprintf(name, sizeof name, "bidi_lstm_%s%s", merges[mm], rs ? "_seq" : "");
            CASE(name, S2(5, 4), 0, 0, bidi(LSTM(3, OPTS({LIBNN_PARAM_RETURN_SEQUENCES, rs})), mm));
        }
    CASE("bidi_gru_seq", S2(5, 4), 0, 0,
         bidi(GRU(3, OPTS({LIBNN_PARAM_RETURN_SEQUENCES, 1})), LIBNN_MERGE_CONCAT));
    CASE("bidi_simple_rnn", S2(5, 4), 0, 0, bidi(SRNN(3, NULL), LIBNN_MERGE_SUM));
    const opt *back = OPTS({LIBNN_PARAM_GO_BACKWARDS, 1});
    CASE("masking_lstm", S2(6, 3), 0, 0, made(libnn_masking_new(0.0f, &L)), LSTM(3, NULL));
    CASE("masking_gru_backwards", S2(6, 3), 0, 0, made(libnn_masking_new(0.0f, &L)), GRU(3, back));
    CASE("masking_simple_rnn_backwards", S2(6, 3), 0, 0, made(libnn_masking_new(0.0f, &L)),
         SRNN(3, OPTS({LIBNN_PARAM_GO_BACKWARDS, 1})));
    CASE("masking_bidi_lstm", S2(6, 3), 0, 0, made(libnn_masking_new(0.0f, &L)),
         bidi(LSTM(3, NULL), LIBNN_MERGE_CONCAT));
    CASE("masking_bidi_gru_mul", S2(6, 3), 0, 0, made(libnn_masking_new(0.0f, &L)),
         bidi(GRU(3, NULL), LIBNN_MERGE_MUL));
    CASE("masking_flatten", S2(6, 3), 0, 0, made(libnn_masking_new(0.0f, &L)), FLAT());
    CASE("mask_zero_lstm", S1(7), 0, 10, EMB(10, 4, OPTS({LIBNN_PARAM_MASK_ZERO, 1})),
         LSTM(3, NULL), DENSE(2, NULL));
    CASE("stacked_lstm", S2(5, 4), 0, 0, LSTM(4, OPTS({LIBNN_PARAM_RETURN_SEQUENCES, 1})),
         LSTM(3, NULL), DENSE(2, NULL));
}

/* The shapes of the five example programs (examples/). */
static void example_cases(void)
{
    const opt *relu = OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU});
    CASE("example_mnist_cnn", S3(28, 28, 1), 0, 0, CONV(32, 3, 3, relu), MAXP(2, 2, NULL),
         CONV(64, 3, 3, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU})), MAXP(2, 2, NULL),
         FLAT(), DENSE(128, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU})),
         DENSE(10, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SOFTMAX})));
    CASE("example_linear_regression", S1(2), 0, 0, DENSE(1, NULL));
    CASE("example_logistic_regression", S1(2), 0, 0,
         DENSE(1, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID})));
    CASE("example_rnn_sequence", S2(20, 1), 0, 0, SRNN(32, NULL),
         DENSE(1, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID})));
    CASE("example_text_lstm_mask_zero", S1(12), 0, 30,
         EMB(30, 16, OPTS({LIBNN_PARAM_MASK_ZERO, 1})), LSTM(32, NULL),
         DENSE(1, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID})));
    CASE("example_text_lstm_unmasked", S1(12), 0, 30, EMB(30, 16, NULL), LSTM(32, NULL),
         DENSE(1, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SIGMOID})));
}

/* examples/mnist_cnn's model trained for one epoch on 1,000 bundled digits,
 * predicting three others: a trained model, real images. */
static void trained_mnist_case(const char *datadir)
{
    char ip[1024], lp[1024];
    snprintf(ip, sizeof ip, "%s/mnist10k-images-idx3-ubyte.gz", datadir);
    snprintf(lp, sizeof lp, "%s/mnist10k-labels-idx1-ubyte.gz", datadir);
    libnn_tensor *images, *labels, *xt, *yt, *xs;
    libnn_model *m;
    libnn_optimizer *adam;
    const opt *relu = OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_RELU});
    libnn_layer *ls[] = {CONV(32, 3, 3, relu), MAXP(2, 2, NULL), CONV(64, 3, 3, relu),
                         MAXP(2, 2, NULL), FLAT(), DENSE(128, relu),
                         DENSE(10, OPTS({LIBNN_PARAM_ACTIVATION, LIBNN_ACT_SOFTMAX}))};
    if (libnn_idx_load(ip, LIBNN_IDX_SCALE, &images) != LIBNN_OK ||
        libnn_idx_load(lp, 0, &labels) != LIBNN_OK || libnn_slice(images, 0, 1000, &xt) ||
        libnn_slice(labels, 0, 1000, &yt) || libnn_slice(images, 9000, B, &xs) ||
        libnn_model_new(&m) || libnn_model_set_int(m, LIBNN_MODEL_SEED, 1) ||
        libnn_model_set_input_shape(m, 3, (const int64_t[]){28, 28, 1})) {
        fprintf(stderr, "mnist: %s\n", libnn_last_error());
        exit(1);
    }
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++)
        libnn_model_add(m, ls[i]);
    if (libnn_adam_new(1e-3f, &adam) ||
        libnn_model_compile(m, adam, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) ||
        libnn_model_fit(m, xt, yt, 1, 64)) {
        fprintf(stderr, "mnist: %s\n", libnn_last_error());
        exit(1);
    }
    emit_case("example_mnist_cnn_trained", m, xs, 0);
    libnn_tensor_free(images);
    libnn_tensor_free(labels);
    libnn_tensor_free(xt);
    libnn_tensor_free(yt);
    libnn_tensor_free(xs);
    libnn_model_free(m);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DIR DATADIR\n", argv[0]);
        return 2;
    }
    if (!libnn_onnx_available()) {
        printf("SKIP: libnn was built without ONNX (protobuf-c)\n");
        return 77;
    }
    outdir = argv[1];
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.txt", outdir);
    manifest = fopen(path, "w");
    if (!manifest)
        return 1;
    dense_cases();
    conv_cases();
    pool_cases();
    rnn_cases();
    example_cases();
    trained_mnist_case(argv[2]);
    fclose(manifest);
    printf("%d exports import back to libnn's predictions; %d failures\n", imported, failures);
    return failures ? 1 : 0;
}
