/*
 * ONNX import: the values of the graph, node errors, layer specs and the
 * data flow's layouts (see onnx_import_internal.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "onnx_import_internal.h"

static libnn_status node_error(lnn_ix *ix, libnn_status code, const char *fmt, va_list ap)
    LNN_PRINTF(3, 0);

static libnn_status node_error(lnn_ix *ix, libnn_status code, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (!ix->node)
        return lnn_error(code, "model_import_onnx: %s", msg);
    return lnn_error(code, "model_import_onnx: node '%s' (%s): %s",
                     ix->node->name ? ix->node->name : "", ix->node->op_type, msg);
}

libnn_status lnn_ix_unsupported(lnn_ix *ix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    libnn_status st = node_error(ix, LIBNN_E_UNSUPPORTED, fmt, ap);
    va_end(ap);
    return st;
}

libnn_status lnn_ix_format(lnn_ix *ix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    libnn_status st = node_error(ix, LIBNN_E_FORMAT, fmt, ap);
    va_end(ap);
    return st;
}

/* ---- values ---- */

lnn_ix_value *lnn_ix_find(lnn_ix *ix, const char *name)
{
    for (size_t k = ix->n_values; k-- > 0;)
        if (strcmp(ix->values[k].name, name) == 0)
            return &ix->values[k];
    return NULL;
}

libnn_status lnn_ix_new_value(lnn_ix *ix, const char *name, lnn_ix_kind kind, size_t *index)
{
    if (!name || !name[0])
        return lnn_ix_format(ix, "a value without a name");
    if (lnn_ix_find(ix, name))
        return lnn_ix_format(ix, "the value '%s' is defined twice", name);
    if (ix->n_values == ix->cap_values) {
        size_t cap = ix->cap_values ? 2 * ix->cap_values : 64;
        lnn_ix_value *grown = lnn_realloc(ix->values, cap * sizeof *grown);
        if (!grown)
            return lnn_error_nomem("model_import_onnx", cap * sizeof *grown);
        ix->values = grown;
        ix->cap_values = cap;
    }
    lnn_ix_value *v = &ix->values[ix->n_values];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->kind = kind;
    v->version = ix->n_specs;
    *index = ix->n_values++;
    return LIBNN_OK;
}

lnn_ix_value *lnn_ix_input(lnn_ix *ix, size_t k, libnn_status *st)
{
    const Onnx__NodeProto *n = ix->node;
    if (k >= n->n_input || !n->input[k][0]) {
        *st = lnn_ix_format(ix, "input %zu is missing", k);
        return NULL;
    }
    lnn_ix_value *v = lnn_ix_find(ix, n->input[k]);
    if (!v)
        *st = lnn_ix_format(ix, "input '%s' is not defined before the node", n->input[k]);
    return v;
}

/* Whether optional input k is given. */
bool lnn_ix_has_input(const lnn_ix *ix, size_t k)
{
    return k < ix->node->n_input && ix->node->input[k][0];
}

libnn_status lnn_ix_output(lnn_ix *ix, size_t k, lnn_ix_kind kind, size_t *index)
{
    if (k >= ix->node->n_output)
        return lnn_ix_format(ix, "output %zu is missing", k);
    return lnn_ix_new_value(ix, ix->node->output[k], kind, index);
}

const Onnx__AttributeProto *lnn_ix_attr(const lnn_ix *ix, const char *name)
{
    for (size_t k = 0; k < ix->node->n_attribute; k++)
        if (ix->node->attribute[k]->name && strcmp(ix->node->attribute[k]->name, name) == 0)
            return ix->node->attribute[k];
    return NULL;
}

int64_t lnn_ix_attr_int(const lnn_ix *ix, const char *name, int64_t def)
{
    const Onnx__AttributeProto *a = lnn_ix_attr(ix, name);
    return a && a->has_i ? a->i : def;
}

float lnn_ix_attr_float(const lnn_ix *ix, const char *name, float def)
{
    const Onnx__AttributeProto *a = lnn_ix_attr(ix, name);
    return a && a->has_f ? a->f : def;
}

/* The ints of attribute `name` (n entries wanted; absent: def). */
libnn_status lnn_ix_attr_ints(lnn_ix *ix, const char *name, size_t n, const int64_t *def,
                              int64_t *out)
{
    const Onnx__AttributeProto *a = lnn_ix_attr(ix, name);
    if (!a) {
        memcpy(out, def, n * sizeof *out);
        return LIBNN_OK;
    }
    if (a->n_ints != n)
        return lnn_ix_format(ix, "attribute %s has %zu values, %zu expected", name, a->n_ints, n);
    lnn_ix_copy_ints(out, a->ints, n);
    return LIBNN_OK;
}

libnn_status lnn_ix_unusable(lnn_ix *ix, size_t k)
{
    size_t index = 0;
    if (k >= ix->node->n_output || !ix->node->output[k][0])
        return LIBNN_OK;
    libnn_status st = lnn_ix_new_value(ix, ix->node->output[k], LNN_IX_DATA, &index);
    if (st == LIBNN_OK)
        ix->values[index].form = 0; /* no operator accepts it */
    return st;
}

bool lnn_ix_current(const lnn_ix *ix, const lnn_ix_value *v)
{
    return v->kind == LNN_IX_DATA && v->version == ix->n_specs;
}

lnn_ix_spec *lnn_ix_spec_new(lnn_ix *ix, libnn_layer_kind kind, libnn_status *st)
{
    if (ix->n_specs == LNN_IX_MAX_SPECS) {
        *st = lnn_ix_unsupported(ix, "more than %d layers", LNN_IX_MAX_SPECS);
        return NULL;
    }
    lnn_ix_spec *s = &ix->specs[ix->n_specs++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->node = ix->node->name ? ix->node->name : ix->node->op_type;
    return s;
}

void lnn_ix_spec_opt(lnn_ix_spec *s, libnn_param key, double value)
{
    for (size_t k = 0; k < s->n_opts; k++)
        if (s->keys[k] == key) {
            s->values[k] = value;
            return;
        }
    if (s->n_opts < LNN_IX_MAX_OPTS) {
        s->keys[s->n_opts] = key;
        s->values[s->n_opts++] = value;
    }
}

float *lnn_ix_spec_weight(lnn_ix_spec *s, const char *name, size_t n)
{
    if (s->n_weights == LNN_IX_MAX_WEIGHTS)
        return NULL;
    float *w = lnn_malloc_array(n ? n : 1, sizeof *w);
    if (!w) {
        lnn_error_nomem("model_import_onnx", n * sizeof *w);
        return NULL;
    }
    s->wnames[s->n_weights] = name;
    s->w[s->n_weights] = w;
    s->wcount[s->n_weights++] = n;
    return w;
}

/* ---- constants ---- */

/* ---- data ---- */

/* A new data value from output 0 with form and libnn shape. */
libnn_status lnn_ix_data_out(lnn_ix *ix, lnn_ix_form form, size_t sndim, const int64_t *shape,
                             lnn_ix_value **out)
{
    size_t index = 0;
    libnn_status st = lnn_ix_output(ix, 0, LNN_IX_DATA, &index);
    if (st != LIBNN_OK)
        return st;
    lnn_ix_value *v = &ix->values[index];
    v->form = form;
    v->sndim = sndim;
    memmove(v->shape, shape, sndim * sizeof *shape);
    if (out)
        *out = v;
    return LIBNN_OK;
}

/* The ONNX dims of a data value (batch as LNN_IX_BATCH). */
size_t lnn_ix_onnx_dims(const lnn_ix_value *v, int64_t *d)
{
    switch (v->form) {
    case LNN_IX_NCHW:
        d[0] = LNN_IX_BATCH, d[1] = v->shape[2], d[2] = v->shape[0], d[3] = v->shape[1];
        return 4;
    case LNN_IX_POOLED:
        d[0] = LNN_IX_BATCH, d[1] = v->shape[0], d[2] = d[3] = 1;
        return 4;
    case LNN_IX_TM:
    case LNN_IX_SEQ_TM:
        d[0] = v->shape[0], d[1] = LNN_IX_BATCH, d[2] = v->shape[1];
        return 3;
    default:
        d[0] = LNN_IX_BATCH;
        memcpy(d + 1, v->shape, v->sndim * sizeof *d);
        return v->sndim + 1;
    }
}

/* The data input 0, which must be the chain's current value in one of the
 * forms allowed (a bit set of 1 << form). */
lnn_ix_value *lnn_ix_data_in(lnn_ix *ix, unsigned forms, libnn_status *st)
{
    lnn_ix_value *v = lnn_ix_input(ix, 0, st);
    if (!v)
        return NULL;
    if (v->kind != LNN_IX_DATA) {
        *st = lnn_ix_unsupported(ix, "the input '%s' is not the model's data flow",
                                 ix->node->input[0]);
        return NULL;
    }
    if (!lnn_ix_current(ix, v)) {
        *st = lnn_ix_unsupported(ix, "the graph branches: '%s' is used after later layers; "
                                     "libnn imports chains of layers",
                                 v->name);
        return NULL;
    }
    if (!(forms & (1u << v->form))) {
        *st = lnn_ix_unsupported(ix, "libnn has no layer for this operator on its input's "
                                     "layout here (%d)",
                                 (int)v->form);
        return NULL;
    }
    return v;
}



libnn_status lnn_ix_carry(lnn_ix *ix, const lnn_ix_value *from, bool renamed)
{
    lnn_ix_value keep = *from; /* the values may move */
    lnn_ix_value *y;
    libnn_status st = lnn_ix_data_out(ix, keep.form, keep.sndim, keep.shape, &y);
    if (st != LIBNN_OK)
        return st;
    memcpy(y->chw, keep.chw, sizeof y->chw);
    y->reversed = keep.reversed;
    y->dirs = keep.dirs;
    y->rotated = keep.rotated;
    if (renamed)
        y->version = keep.version;
    return LIBNN_OK;
}
