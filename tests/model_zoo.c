/*
 * The model zoo: four small models that between them hold every layer kind,
 * every weight kind and many non-default options.
 */
#include <check.h>
#include <string.h>

#include "model_zoo.h"

#define OK(call) ck_assert_int_eq((call), LIBNN_OK)

static void add(libnn_model *m, libnn_layer *l)
{
    OK(libnn_model_add(m, l));
}

static libnn_layer *act(libnn_layer *l, libnn_activation a)
{
    OK(libnn_layer_set_int(l, LIBNN_PARAM_ACTIVATION, a));
    return l;
}

/* Conv2D (same, strides, dilation, L2, he_normal) -> MaxPool (same) ->
 * Conv2D -> AveragePool -> Flatten -> Dropout -> Dense softmax. */
static void cnn(libnn_model *m)
{
    libnn_layer *l;
    OK(libnn_model_set_input_shape(m, 3, (const int64_t[]){9, 9, 2}));
    OK(libnn_conv2d_new(4, 3, 3, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_PADDING, LIBNN_PADDING_SAME));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_DILATION_RATE, 2));
    OK(libnn_layer_set_float(l, LIBNN_PARAM_KERNEL_L2, 0.01));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_KERNEL_INITIALIZER, LIBNN_INIT_HE_NORMAL));
    add(m, act(l, LIBNN_ACT_RELU));
    OK(libnn_max_pooling2d_new(2, 2, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_PADDING, LIBNN_PADDING_SAME));
    add(m, l);
    OK(libnn_conv2d_new(3, 2, 2, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_STRIDES, 1));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_USE_BIAS, 0));
    add(m, act(l, LIBNN_ACT_ELU));
    OK(libnn_average_pooling2d_new(2, 1, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_STRIDES, 1));
    add(m, l);
    OK(libnn_flatten_new(&l));
    add(m, l);
    OK(libnn_dropout_new(0.25f, &l));
    add(m, l);
    OK(libnn_dense_new(3, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_BIAS_INITIALIZER, LIBNN_INIT_RANDOM_UNIFORM));
    OK(libnn_layer_set_float(l, LIBNN_PARAM_BIAS_INIT_A, -0.5));
    OK(libnn_layer_set_float(l, LIBNN_PARAM_BIAS_INIT_B, 0.25));
    add(m, act(l, LIBNN_ACT_SOFTMAX));
}

/* Embedding (mask_zero) -> Bidirectional(LSTM, sequences, sum) ->
 * GRU (go_backwards) -> Dense sigmoid. */
static void text(libnn_model *m)
{
    libnn_layer *l, *inner;
    OK(libnn_model_set_input_shape(m, 1, (const int64_t[]){6}));
    OK(libnn_embedding_new(20, 5, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_MASK_ZERO, 1));
    add(m, l);
    OK(libnn_lstm_new(4, &inner));
    OK(libnn_layer_set_int(inner, LIBNN_PARAM_RETURN_SEQUENCES, 1));
    OK(libnn_layer_set_float(inner, LIBNN_PARAM_RECURRENT_L1, 0.001));
    OK(libnn_bidirectional_new(inner, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_MERGE_MODE, LIBNN_MERGE_SUM));
    add(m, l);
    OK(libnn_gru_new(3, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_GO_BACKWARDS, 1));
    add(m, l);
    OK(libnn_dense_new(1, &l));
    add(m, act(l, LIBNN_ACT_SIGMOID));
}

/* Masking -> SimpleRNN (sequences) -> Reshape -> GlobalMaxPooling2D ->
 * Activation (leaky_relu, alpha) -> Dense. */
static void seq(libnn_model *m)
{
    libnn_layer *l;
    OK(libnn_model_set_input_shape(m, 2, (const int64_t[]){5, 3}));
    OK(libnn_masking_new(-1.0f, &l));
    add(m, l);
    OK(libnn_simple_rnn_new(4, &l));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_RETURN_SEQUENCES, 1));
    add(m, l);
    OK(libnn_reshape_new(3, (const int64_t[]){5, 2, -1}, &l));
    add(m, l);
    OK(libnn_global_max_pooling2d_new(&l));
    add(m, l);
    OK(libnn_activation_new(LIBNN_ACT_LEAKY_RELU, &l));
    OK(libnn_layer_set_float(l, LIBNN_PARAM_ALPHA, 0.1));
    add(m, l);
    OK(libnn_dense_new(2, &l));
    add(m, l);
}

/* GlobalAveragePooling2D -> Dense (L1 bias, trainable off) -> Dense. */
static void mlp(libnn_model *m)
{
    libnn_layer *l;
    OK(libnn_model_set_input_shape(m, 3, (const int64_t[]){3, 3, 4}));
    OK(libnn_global_average_pooling2d_new(&l));
    add(m, l);
    OK(libnn_dense_new(6, &l));
    OK(libnn_layer_set_float(l, LIBNN_PARAM_BIAS_L1, 0.5));
    OK(libnn_layer_set_int(l, LIBNN_PARAM_TRAINABLE, 0));
    OK(libnn_layer_set_name(l, "frozen"));
    add(m, act(l, LIBNN_ACT_TANH));
    OK(libnn_dense_new(1, &l));
    add(m, l);
}

static const struct {
    const char *name;
    void (*build)(libnn_model *m);
    libnn_loss loss;
    libnn_metric metric;
    int classes; /* labels: 0 real-valued, else sparse classes, 1: binary */
} zoo[TU_ZOO_COUNT] = {
    {"cnn", cnn, LIBNN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, LIBNN_METRIC_ACCURACY, 3},
    {"text", text, LIBNN_LOSS_BINARY_CROSSENTROPY, LIBNN_METRIC_AUC, 1},
    {"seq", seq, LIBNN_LOSS_MEAN_SQUARED_ERROR, LIBNN_METRIC_MEAN_ABSOLUTE_ERROR, 0},
    {"mlp", mlp, LIBNN_LOSS_HUBER, LIBNN_METRIC_R2, 0},
};

const char *tu_zoo_name(int which)
{
    return zoo[which].name;
}

libnn_model *tu_zoo_model(int which, uint64_t seed)
{
    libnn_model *m;
    libnn_optimizer *opt;
    OK(libnn_model_new(&m));
    OK(libnn_model_set_int(m, LIBNN_MODEL_SEED, (int64_t)seed));
    zoo[which].build(m);
    OK(libnn_adam_new(0.01f, &opt));
    OK(libnn_optimizer_set_float(opt, LIBNN_OPT_BETA_2, 0.99));
    if (which == 3) {
        OK(libnn_optimizer_set_int(opt, LIBNN_OPT_SCHEDULE, LIBNN_LR_EXPONENTIAL_DECAY));
        OK(libnn_optimizer_set_int(opt, LIBNN_OPT_DECAY_STEPS, 3));
        OK(libnn_optimizer_set_float(opt, LIBNN_OPT_DECAY_RATE, 0.5));
    }
    OK(libnn_model_compile(m, opt, zoo[which].loss));
    if (which == 3)
        OK(libnn_model_set_loss_option(m, LIBNN_LOSS_OPT_DELTA, 0.5));
    OK(libnn_model_add_metric(m, zoo[which].metric));
    return m;
}

/* xorshift floats in [0, 1). */
static float next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (float)(*s >> 40) / (float)(1 << 24);
}

void tu_zoo_data(int which, size_t n, uint64_t seed, libnn_tensor **x, libnn_tensor **y)
{
    static const int64_t in[TU_ZOO_COUNT][4] = {{9, 9, 2}, {6}, {5, 3}, {3, 3, 4}};
    static const size_t in_ndim[TU_ZOO_COUNT] = {3, 1, 2, 3};
    static const int64_t out_width[TU_ZOO_COUNT] = {1, 1, 2, 1};
    int64_t shape[5] = {(int64_t)n};
    memcpy(shape + 1, in[which], in_ndim[which] * sizeof(int64_t));
    uint64_t s = seed * 2654435761u + 88172645463325252ull;
    OK(libnn_tensor_new(in_ndim[which] + 1, shape, x));
    float *d = libnn_tensor_data(*x);
    for (size_t i = 0; i < libnn_tensor_size(*x); i++)
        d[i] = which == 1 ? (float)(int)(next(&s) * 20) : next(&s) * 2 - 1;
    if (which == 2) /* some masked steps */
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < 3; k++)
                d[i * 15 + 12 + k] = -1.0f;
    if (!y)
        return;
    OK(libnn_tensor_new(2, (const int64_t[]){(int64_t)n, out_width[which]}, y));
    float *t = libnn_tensor_data(*y);
    for (size_t i = 0; i < libnn_tensor_size(*y); i++) {
        int c = zoo[which].classes;
        t[i] = c ? (float)(int)(next(&s) * (c == 1 ? 2 : c)) : next(&s);
    }
}

void tu_assert_tensors_identical(const libnn_tensor *a, const libnn_tensor *b)
{
    ck_assert_uint_eq(libnn_tensor_ndim(a), libnn_tensor_ndim(b));
    for (size_t i = 0; i < libnn_tensor_ndim(a); i++)
        ck_assert_int_eq(libnn_tensor_dim(a, i), libnn_tensor_dim(b, i));
    ck_assert_int_eq(memcmp(libnn_tensor_data((libnn_tensor *)a), libnn_tensor_data((libnn_tensor *)b),
                            libnn_tensor_size(a) * sizeof(float)),
                     0);
}
