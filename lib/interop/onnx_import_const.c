/*
 * ONNX import: constants (initializers, Constant) and the integer
 * arithmetic on shapes that torch emits for initial states, folded.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "onnx_import_internal.h"

libnn_status lnn_ix_read_tensor(lnn_ix *ix, const Onnx__TensorProto *t, lnn_ix_value *v)
{
    const char *name = t->name ? t->name : "";
    if (t->n_external_data > 0 ||
        (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL))
        return lnn_ix_unsupported(ix, "tensor '%s' keeps its data in another file (external "
                                      "data); libnn reads only what is inside the model file",
                                  name);
    if (t->segment)
        return lnn_ix_unsupported(ix, "tensor '%s' is segmented", name);
    int32_t type = t->has_data_type ? t->data_type : 0;
    if (type != LNN_IX_FLOAT && type != LNN_IX_INT64 && type != LNN_IX_INT32)
        return lnn_ix_unsupported(ix, "tensor '%s' has data type %d (float, int64 and int32 "
                                      "are read)",
                                  name, (int)type);
    if (t->n_dims > LIBNN_MAX_RANK)
        return lnn_ix_format(ix, "tensor '%s' has %zu dims", name, t->n_dims);
    size_t count = 1;
    for (size_t k = 0; k < t->n_dims; k++) {
        if (t->dims[k] < 0 || (uint64_t)t->dims[k] > LNN_IX_MAX_COUNT ||
            !lnn_mul_size(count, (size_t)t->dims[k], &count) || count > LNN_IX_MAX_COUNT)
            return lnn_ix_format(ix, "tensor '%s': dim %zu (%lld) is negative or too large",
                                 name, k, (long long)t->dims[k]);
        v->dims[k] = t->dims[k];
    }
    size_t elem = type == LNN_IX_FLOAT ? 4 : type == LNN_IX_INT64 ? 8 : 4;
    size_t given;
    if (t->has_raw_data)
        given = t->raw_data.len / elem;
    else
        given = type == LNN_IX_FLOAT ? t->n_float_data : type == LNN_IX_INT64 ? t->n_int64_data
                                                                      : t->n_int32_data;
    if ((t->has_raw_data && t->raw_data.len != count * elem) || given != count)
        return lnn_ix_format(ix, "tensor '%s' has %zu values for dims of %zu (%zu raw bytes)",
                             name, given, count,
                             t->has_raw_data ? t->raw_data.len : (size_t)0);
    v->ndim = t->n_dims;
    v->count = count;
    v->dtype = type == LNN_IX_INT32 ? LNN_IX_INT64 : type;
    const unsigned char *raw = t->has_raw_data ? t->raw_data.data : NULL;
    if (type == LNN_IX_FLOAT) {
        v->f = lnn_malloc_array(count ? count : 1, sizeof *v->f);
        if (!v->f)
            return lnn_error_nomem("model_import_onnx", count * sizeof *v->f);
        for (size_t k = 0; k < count; k++) {
            if (raw) { /* little-endian by the format */
                uint32_t u = (uint32_t)raw[4 * k] | (uint32_t)raw[4 * k + 1] << 8 |
                             (uint32_t)raw[4 * k + 2] << 16 | (uint32_t)raw[4 * k + 3] << 24;
                memcpy(&v->f[k], &u, 4);
            } else {
                v->f[k] = t->float_data[k];
            }
        }
        return LIBNN_OK;
    }
    v->i = lnn_malloc_array(count ? count : 1, sizeof *v->i);
    if (!v->i)
        return lnn_error_nomem("model_import_onnx", count * sizeof *v->i);
    for (size_t k = 0; k < count; k++) {
        if (raw && type == LNN_IX_INT64) {
            uint64_t u = 0;
            for (int b = 7; b >= 0; b--)
                u = u << 8 | raw[8 * k + (size_t)b];
            v->i[k] = (int64_t)u;
        } else if (raw) {
            uint32_t u = (uint32_t)raw[4 * k] | (uint32_t)raw[4 * k + 1] << 8 |
                         (uint32_t)raw[4 * k + 2] << 16 | (uint32_t)raw[4 * k + 3] << 24;
            v->i[k] = (int32_t)u;
        } else {
            v->i[k] = type == LNN_IX_INT64 ? t->int64_data[k] : t->int32_data[k];
        }
    }
    return LIBNN_OK;
}

/* A constant input (float or int), with a message naming `what`. */
lnn_ix_value *lnn_ix_const_input(lnn_ix *ix, size_t k, const char *what, libnn_status *st)
{
    lnn_ix_value *v = lnn_ix_input(ix, k, st);
    if (v && v->kind != LNN_IX_CONST) {
        *st = lnn_ix_unsupported(ix, "%s ('%s') must be a constant", what, ix->node->input[k]);
        return NULL;
    }
    return v;
}

/* Value k of a constant as a double. */
double lnn_ix_const_at(const lnn_ix_value *v, size_t k)
{
    return v->f ? (double)v->f[k] : (double)v->i[k];
}

/* Whether constant v holds n values all equal to x (within tol). */
bool lnn_ix_const_is(const lnn_ix_value *v, double x, double tol)
{
    if (v->kind != LNN_IX_CONST || v->count == 0)
        return false;
    for (size_t k = 0; k < v->count; k++)
        if (!(fabs(lnn_ix_const_at(v, k) - x) <= tol))
            return false;
    return true;
}

/* The node's constant int list from input k (opset 13 axes, shapes, ...)
 * or, when absent, attribute `attr` (older forms). */
libnn_status lnn_ix_ints_of(lnn_ix *ix, size_t k, const char *attr, size_t cap, int64_t *out,
                            size_t *n)
{
    libnn_status st = LIBNN_OK;
    if (lnn_ix_has_input(ix, k)) {
        lnn_ix_value *v = lnn_ix_input(ix, k, &st);
        if (!v)
            return st;
        if ((v->kind != LNN_IX_CONST && v->kind != LNN_IX_SHAPE) || !v->i)
            return lnn_ix_unsupported(ix, "input %zu must be a constant list of integers", k);
        if (v->count > cap)
            return lnn_ix_unsupported(ix, "input %zu has %zu entries", k, v->count);
        memcpy(out, v->i, v->count * sizeof *out);
        *n = v->count;
        return LIBNN_OK;
    }
    const Onnx__AttributeProto *a = attr ? lnn_ix_attr(ix, attr) : NULL;
    if (!a)
        return lnn_ix_unsupported(ix, "no %s given", attr ? attr : "list");
    if (a->n_ints > cap)
        return lnn_ix_unsupported(ix, "attribute %s has %zu entries", attr, a->n_ints);
    lnn_ix_copy_ints(out, a->ints, a->n_ints);
    *n = a->n_ints;
    return LIBNN_OK;
}

/* Identity, Cast on data, and Pad with zero pads: the value renamed. */
libnn_status lnn_ix_op_alias(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_input(ix, 0, &st);
    if (!x)
        return st;
    if (strcmp(ix->node->op_type, "Pad") == 0) {
        int64_t pads[16];
        size_t n = 0;
        if ((st = lnn_ix_ints_of(ix, 1, "pads", 16, pads, &n)) != LIBNN_OK)
            return st;
        for (size_t k = 0; k < n; k++)
            if (pads[k] != 0)
                return lnn_ix_unsupported(ix, "non-zero pads (libnn pads inside Conv2D and "
                                              "the poolings)");
    }
    if (strcmp(ix->node->op_type, "Cast") == 0 && x->kind == LNN_IX_CONST) {
        int64_t to = lnn_ix_attr_int(ix, "to", 0);
        if (to != LNN_IX_FLOAT && to != LNN_IX_INT64 && to != LNN_IX_INT32)
            return lnn_ix_unsupported(ix, "to type %lld", (long long)to);
    }
    if (x->kind == LNN_IX_DATA && !lnn_ix_current(ix, x))
        return lnn_ix_unsupported(ix, "the graph branches at '%s'", x->name);
    size_t index;
    lnn_ix_value copy = *x;
    if ((st = lnn_ix_output(ix, 0, x->kind, &index)) != LIBNN_OK)
        return st;
    lnn_ix_value *y = &ix->values[index];
    const char *name = y->name;
    *y = copy;
    y->name = name;
    y->is_input = copy.is_input;
    /* Arrays stay owned by the original. */
    if (copy.f || copy.i) {
        size_t bytes = copy.count * (copy.f ? sizeof(float) : sizeof(int64_t));
        void *dup = lnn_malloc(bytes ? bytes : 1);
        if (!dup) {
            y->f = NULL, y->i = NULL;
            return lnn_error_nomem("model_import_onnx", bytes);
        }
        memcpy(dup, copy.f ? (void *)copy.f : (void *)copy.i, bytes);
        if (copy.f)
            y->f = dup;
        else
            y->i = dup;
    }
    return LIBNN_OK;
}

/* Shape of the data, and the int arithmetic of torch's initial states. */
libnn_status lnn_ix_op_shape(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_input(ix, 0, &st);
    if (!x)
        return st;
    if (x->kind != LNN_IX_DATA)
        return lnn_ix_unsupported(ix, "Shape of a non-data value");
    int64_t d[LIBNN_MAX_RANK + 1];
    size_t n = lnn_ix_onnx_dims(x, d);
    return lnn_ix_ints_out(ix, LNN_IX_SHAPE, d, n, 1);
}

libnn_status lnn_ix_op_unsqueeze(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_input(ix, 0, &st);
    if (!x)
        return st;
    int64_t axes[4];
    size_t n = 0;
    if ((st = lnn_ix_ints_of(ix, 1, "axes", 4, axes, &n)) != LIBNN_OK)
        return st;
    if ((x->kind != LNN_IX_SHAPE && x->kind != LNN_IX_CONST) || !x->i || x->ndim != 0 || n != 1 ||
        axes[0] != 0)
        return lnn_ix_unsupported(ix, "only an integer scalar made a vector");
    st = lnn_ix_op_alias(ix);
    if (st == LIBNN_OK) {
        lnn_ix_value *y = &ix->values[ix->n_values - 1];
        y->ndim = 1;
        y->dims[0] = 1;
    }
    return st;
}

libnn_status lnn_ix_op_concat(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    int64_t v[LIBNN_MAX_RANK + 1];
    size_t n = 0;
    bool batch = false;
    for (size_t k = 0; k < ix->node->n_input; k++) {
        lnn_ix_value *x = lnn_ix_input(ix, k, &st);
        if (!x)
            return st;
        if ((x->kind != LNN_IX_SHAPE && x->kind != LNN_IX_CONST) || !x->i || x->ndim > 1 ||
            n + x->count > LIBNN_MAX_RANK + 1)
            return lnn_ix_unsupported(ix, "only integer vectors of a shape are concatenated");
        memcpy(v + n, x->i, x->count * sizeof *v);
        n += x->count;
        batch |= x->kind == LNN_IX_SHAPE;
    }
    return lnn_ix_ints_out(ix, batch ? LNN_IX_SHAPE : LNN_IX_CONST, v, n, 1);
}

/* ConstantOfShape and Expand of zeros: an initial state of zeros. */
libnn_status lnn_ix_op_zeros(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    bool expand = strcmp(ix->node->op_type, "Expand") == 0;
    lnn_ix_value *s = lnn_ix_input(ix, expand ? 1 : 0, &st);
    if (!s)
        return st;
    if (expand) {
        lnn_ix_value *x = lnn_ix_input(ix, 0, &st);
        if (!x)
            return st;
        if (x->kind != LNN_IX_ZERO && !lnn_ix_const_is(x, 0.0, 0.0))
            return lnn_ix_unsupported(ix, "only zeros are expanded");
    } else {
        const Onnx__AttributeProto *a = lnn_ix_attr(ix, "value");
        if (a && a->t) {
            lnn_ix_value tmp;
            memset(&tmp, 0, sizeof tmp);
            tmp.kind = LNN_IX_CONST;
            st = lnn_ix_read_tensor(ix, a->t, &tmp);
            bool zero = st == LIBNN_OK && lnn_ix_const_is(&tmp, 0.0, 0.0);
            lnn_free(tmp.f);
            lnn_free(tmp.i);
            if (st != LIBNN_OK)
                return st;
            if (!zero)
                return lnn_ix_unsupported(ix, "only zeros (initial states)");
        }
    }
    if (s->kind != LNN_IX_SHAPE && s->kind != LNN_IX_CONST)
        return lnn_ix_unsupported(ix, "the shape must be known");
    size_t index;
    return lnn_ix_output(ix, 0, LNN_IX_ZERO, &index);
}

libnn_status lnn_ix_op_constant(lnn_ix *ix)
{
    size_t index;
    libnn_status st = lnn_ix_output(ix, 0, LNN_IX_CONST, &index);
    if (st != LIBNN_OK)
        return st;
    lnn_ix_value *v = &ix->values[index];
    const Onnx__AttributeProto *a = ix->node->n_attribute == 1 ? ix->node->attribute[0] : NULL;
    if (a && a->t && a->name && strcmp(a->name, "value") == 0)
        return lnn_ix_read_tensor(ix, a->t, v);
    if (a && a->name && (strcmp(a->name, "value_float") == 0 ||
                         strcmp(a->name, "value_int") == 0 || strcmp(a->name, "value_ints") == 0)) {
        bool f = a->name[6] == 'f';
        size_t n = strcmp(a->name, "value_ints") == 0 ? a->n_ints : 1;
        v->count = n;
        v->ndim = strcmp(a->name, "value_ints") == 0;
        v->dims[0] = (int64_t)n;
        v->dtype = f ? LNN_IX_FLOAT : LNN_IX_INT64;
        if (f) {
            v->f = lnn_malloc(sizeof *v->f);
            if (!v->f)
                return lnn_error_nomem("model_import_onnx", sizeof *v->f);
            v->f[0] = a->f;
        } else {
            v->i = lnn_malloc((n ? n : 1) * sizeof *v->i);
            if (!v->i)
                return lnn_error_nomem("model_import_onnx", n * sizeof *v->i);
            if (n == 1 && !v->ndim)
                v->i[0] = a->i;
            else
                lnn_ix_copy_ints(v->i, a->ints, n);
        }
        return LIBNN_OK;
    }
    return lnn_ix_unsupported(ix, "a Constant needs one attribute: value, value_float, "
                                  "value_int or value_ints");
}

libnn_status lnn_ix_op_reduce(lnn_ix *ix)
{
    libnn_status st = LIBNN_OK;
    lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(Y_TBDH) | LNN_IX_F(YH_BDH), &st);
    return x ? lnn_ix_rnn(ix, x) : st;
}


libnn_status lnn_ix_ints_out(lnn_ix *ix, lnn_ix_kind kind, const int64_t *v, size_t n, size_t ndim)
{
    size_t index;
    libnn_status st = lnn_ix_output(ix, 0, kind, &index);
    if (st != LIBNN_OK)
        return st;
    lnn_ix_value *o = &ix->values[index];
    o->i = lnn_malloc((n ? n : 1) * sizeof *o->i);
    if (!o->i)
        return lnn_error_nomem("model_import_onnx", n * sizeof *o->i);
    memcpy(o->i, v, n * sizeof *v);
    o->count = n;
    o->ndim = ndim;
    o->dims[0] = (int64_t)n;
    o->dtype = LNN_IX_INT64;
    return LIBNN_OK;
}
