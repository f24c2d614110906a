/*
 * libFuzzer target for the keyed option setters and the model API: the
 * input is a program. Each step takes an opcode byte and its operands from
 * the bytes that follow (an integer operand is 8 bytes, little-endian, so
 * INT64_MAX and friends are one step away; a double operand is 8 raw bytes,
 * so NaN and infinities are too), then runs one builder, setter, compile,
 * fit, predict or tokenizer call on a tiny model and data set.
 *
 * What must hold (else abort, which libFuzzer reports):
 *  - a failed call leaves a message;
 *  - an integer option that was set reads back the same integer (issue 13,
 *    finding 1: integers went through a double);
 *  - fit returns (libFuzzer's -timeout catches a hang: finding 1's);
 *  - a tokenizer's to_json output loads again (finding 2).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SAMPLES 4
#define MAX_STEPS 48

typedef struct prog {
    const uint8_t *p;
    size_t left;
} prog;

static uint8_t next_byte(prog *g)
{
    if (!g->left)
        return 0;
    g->left--;
    return *g->p++;
}

static int64_t next_int(prog *g)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)next_byte(g) << (8 * i);
    int64_t out;
    memcpy(&out, &v, sizeof out);
    return out;
}

static double next_double(prog *g)
{
    int64_t bits = next_int(g);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A failure must say why. */
static libnn_status checked(libnn_status st)
{
    if (st != LIBNN_OK && libnn_last_error()[0] == '\0')
        abort();
    libnn_clear_error();
    return st;
}

typedef struct world {
    libnn_model *model;
    libnn_layer *layer;   /* made, not yet added */
    libnn_optimizer *opt; /* made, not yet compiled in */
    libnn_callback *cb;   /* made, not yet added */
    libnn_tensor *x, *y;
    int64_t features;
} world;

static void set_layer(world *w, prog *g, int as_int)
{
    if (!w->layer)
        return;
    libnn_param key = (libnn_param)(next_byte(g) % 56);
    if (as_int) {
        int64_t v = next_int(g), back = 0;
        if (checked(libnn_layer_set_int(w->layer, key, v)) != LIBNN_OK)
            return;
        if (libnn_layer_get_int(w->layer, key, &back) == LIBNN_OK && back != v)
            abort();
        if (key == LIBNN_PARAM_UNITS && v > 64) /* valid, but too big to compile here */
            libnn_layer_set_int(w->layer, key, 4);
    } else {
        checked(libnn_layer_set_float(w->layer, key, next_double(g)));
    }
}

static void set_model(world *w, prog *g, int as_int)
{
    libnn_model_option key = (libnn_model_option)(next_byte(g) % 8);
    if (as_int) {
        int64_t v = next_int(g), back = 0;
        if (checked(libnn_model_set_int(w->model, key, v)) == LIBNN_OK &&
            checked(libnn_model_get_int(w->model, key, &back)) == LIBNN_OK && back != v)
            abort();
    } else {
        checked(libnn_model_set_float(w->model, key, next_double(g)));
    }
}

static void set_optimizer(world *w, prog *g, int as_int)
{
    if (!w->opt)
        return;
    libnn_opt_param key = (libnn_opt_param)(next_byte(g) % 23);
    if (as_int) {
        int64_t v = next_int(g), back = 0;
        if (checked(libnn_optimizer_set_int(w->opt, key, v)) == LIBNN_OK &&
            libnn_optimizer_get_int(w->opt, key, &back) == LIBNN_OK && back != v)
            abort();
    } else {
        checked(libnn_optimizer_set_float(w->opt, key, next_double(g)));
    }
}

static void set_callback(world *w, prog *g, int as_int)
{
    if (!w->cb)
        return;
    libnn_callback_option key = (libnn_callback_option)(next_byte(g) % 15);
    if (as_int) {
        int64_t v = next_int(g), back = 0;
        if (checked(libnn_callback_set_int(w->cb, key, v)) == LIBNN_OK &&
            checked(libnn_callback_get_int(w->cb, key, &back)) == LIBNN_OK && back != v)
            abort();
    } else {
        checked(libnn_callback_set_float(w->cb, key, next_double(g)));
    }
}

static void new_layer(world *w, prog *g)
{
    libnn_layer_free(w->layer);
    w->layer = NULL;
    uint8_t kind = next_byte(g);
    int64_t n = 1 + next_byte(g) % 4;
    switch (kind % 4) {
    case 0:
        if (checked(libnn_dense_new(kind & 4 ? next_int(g) : n, &w->layer)) == LIBNN_OK &&
            libnn_layer_get_int(w->layer, LIBNN_PARAM_UNITS, &n) == LIBNN_OK && n > 64) {
            libnn_layer_free(w->layer); /* valid, but too big to compile here */
            w->layer = NULL;
        }
        break;
    case 1: checked(libnn_dropout_new((float)next_double(g), &w->layer)); break;
    case 2: checked(libnn_activation_new((libnn_activation)(next_byte(g) % 16), &w->layer)); break;
    default: checked(libnn_masking_new((float)next_double(g), &w->layer)); break;
    }
}

static void new_optimizer(world *w, prog *g)
{
    static libnn_status (*const makers[])(float, libnn_optimizer **) = {
        libnn_sgd_new, libnn_adam_new, libnn_adamw_new, libnn_rmsprop_new, libnn_adagrad_new};
    libnn_optimizer_free(w->opt);
    w->opt = NULL;
    uint8_t kind = next_byte(g);
    float lr = kind & 8 ? (float)next_double(g) : 0.01f;
    checked(makers[kind % 5](lr, &w->opt));
}

static void new_callback(world *w, prog *g)
{
    libnn_callback_free(w->cb);
    w->cb = NULL;
    uint8_t kind = next_byte(g);
    if (kind % 3 == 0)
        checked(libnn_early_stopping_new(kind & 4 ? "val_loss" : "loss", &w->cb));
    else if (kind % 3 == 1)
        checked(libnn_reduce_lr_on_plateau_new("loss", &w->cb));
    else
        checked(libnn_terminate_on_nan_new(&w->cb));
}

/* What the tokenizer writes it must read: a JSON piece of the input, then
 * a fit on the next piece (counts may be at INT64_MAX). */
static void tokenizer_round(prog *g)
{
    size_t n = next_byte(g);
    n = n < g->left ? n : g->left;
    libnn_tokenizer *tok = NULL;
    if (n && checked(libnn_tokenizer_from_json((const char *)g->p, n, &tok)) != LIBNN_OK)
        tok = NULL;
    g->p += n;
    g->left -= n;
    if (!tok && checked(libnn_tokenizer_new(&tok)) != LIBNN_OK)
        return;
    checked(libnn_tokenizer_set_int(tok, (libnn_tokenizer_option)(next_byte(g) % 8),
                                    next_int(g)));
    char text[32];
    size_t len = next_byte(g) % sizeof text;
    len = len < g->left ? len : g->left;
    memcpy(text, g->p, len);
    text[len] = '\0';
    g->p += len;
    g->left -= len;
    const char *texts[] = {text};
    checked(libnn_tokenizer_fit_on_texts(tok, 1, texts));
    size_t needed = 0;
    libnn_tokenizer_to_json(tok, NULL, 0, &needed);
    char *json = needed ? malloc(needed) : NULL;
    libnn_tokenizer *again = NULL;
    if (json && libnn_tokenizer_to_json(tok, json, needed, &needed) == LIBNN_OK &&
        libnn_tokenizer_from_json(json, strlen(json), &again) != LIBNN_OK)
        abort();
    libnn_tokenizer_free(again);
    free(json);
    libnn_tokenizer_free(tok);
}

static void step(world *w, prog *g)
{
    libnn_tensor *pred = NULL;
    switch (next_byte(g) % 14) {
    case 0: new_layer(w, g); break;
    case 1: set_layer(w, g, 1); break;
    case 2: set_layer(w, g, 0); break;
    case 3:
        if (w->layer && checked(libnn_model_add(w->model, w->layer)) == LIBNN_OK)
            w->layer = NULL;
        break;
    case 4: set_model(w, g, 1); break;
    case 5: set_model(w, g, 0); break;
    case 6: new_optimizer(w, g); break;
    case 7: set_optimizer(w, g, 1); break;
    case 8: set_optimizer(w, g, 0); break;
    case 9:
        if (w->opt &&
            checked(libnn_model_compile(w->model, w->opt, (libnn_loss)(next_byte(g) % 8))) ==
                LIBNN_OK)
            w->opt = NULL;
        break;
    case 10:
        /* At most 2 epochs of 4 samples: a run stays short unless fit hangs. */
        checked(libnn_model_fit(w->model, w->x, w->y, 1 + next_byte(g) % 2, 1 + next_byte(g) % 4));
        break;
    case 11:
        checked(libnn_model_predict(w->model, w->x, 1 + next_byte(g) % 4, &pred));
        libnn_tensor_free(pred);
        break;
    case 12:
        if (!w->cb)
            new_callback(w, g);
        else if (next_byte(g) & 1)
            set_callback(w, g, next_byte(g) & 1);
        else if (checked(libnn_model_add_callback(w->model, w->cb)) == LIBNN_OK)
            w->cb = NULL;
        break;
    default: tokenizer_round(g); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    prog g = {data, size};
    world w = {0};
    w.features = 1 + next_byte(&g) % 3;
    float xs[SAMPLES * 3], ys[SAMPLES];
    for (size_t i = 0; i < SAMPLES * 3; i++)
        xs[i] = (float)((int)(i * 7 % 5) - 2) / 2.0f;
    for (size_t i = 0; i < SAMPLES; i++)
        ys[i] = (float)(i & 1);
    if (libnn_model_new(&w.model) != LIBNN_OK ||
        libnn_model_set_input_shape(w.model, 1, &w.features) != LIBNN_OK ||
        libnn_tensor_new_from_data(2, (const int64_t[]){SAMPLES, w.features}, xs,
                                   (size_t)(SAMPLES * w.features), &w.x) != LIBNN_OK ||
        libnn_tensor_new_from_data(2, (const int64_t[]){SAMPLES, 1}, ys, SAMPLES, &w.y) !=
            LIBNN_OK)
        abort();
    for (int i = 0; i < MAX_STEPS && g.left; i++)
        step(&w, &g);
    libnn_layer_free(w.layer);
    libnn_optimizer_free(w.opt);
    libnn_callback_free(w.cb);
    libnn_model_free(w.model);
    libnn_tensor_free(w.x);
    libnn_tensor_free(w.y);
    return 0;
}
