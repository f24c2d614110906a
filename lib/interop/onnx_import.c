/*
 * ONNX import: reading the graph (see onnx_import_internal.h for the
 * approach). This file holds the values, constants and the operators of
 * the feed-forward layers; onnx_import_rnn.c the recurrent ones.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "io/sysio_internal.h"
#include "libnn/onnx.h"
#include "onnx_import_internal.h"

#define MAX_NODES 100000

static libnn_status dispatch(lnn_ix *ix)
{
    const char *op = ix->node->op_type;
    static const struct {
        const char *op;
        libnn_status (*fn)(lnn_ix *);
    } table[] = {
        {"Conv", lnn_ix_op_conv},         {"Gemm", lnn_ix_op_gemm},          {"MatMul", lnn_ix_op_matmul},
        {"Add", lnn_ix_op_add},           {"Flatten", lnn_ix_op_flatten},    {"Reshape", lnn_ix_op_reshape},
        {"Transpose", lnn_ix_op_transpose}, {"Gather", lnn_ix_op_gather},    {"Erf", lnn_ix_op_erf},
        {"Softmax", lnn_ix_op_softmax},   {"Clip", lnn_ix_op_clip},          {"Dropout", lnn_ix_op_dropout},
        {"Identity", lnn_ix_op_alias},    {"Cast", lnn_ix_op_alias},         {"Pad", lnn_ix_op_alias},
        {"Shape", lnn_ix_op_shape},       {"Unsqueeze", lnn_ix_op_unsqueeze}, {"Concat", lnn_ix_op_concat},
        {"ConstantOfShape", lnn_ix_op_zeros}, {"Expand", lnn_ix_op_zeros},   {"Constant", lnn_ix_op_constant},
        {"Slice", lnn_ix_op_slice},       {"ReduceSum", lnn_ix_op_reduce},   {"ReduceMean", lnn_ix_op_reduce},
        {"ReduceProd", lnn_ix_op_reduce}, {"Squeeze", lnn_ix_op_squeeze},
    };
    libnn_status st = lnn_ix_mask_op(ix);
    if (st != LIBNN_E_NOTFOUND)
        return st;
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (strcmp(op, table[k].op) == 0)
            return table[k].fn(ix);
    if (strcmp(op, "MaxPool") == 0 || strcmp(op, "AveragePool") == 0)
        return lnn_ix_op_pool(ix, op[0] == 'M');
    if (strcmp(op, "GlobalMaxPool") == 0 || strcmp(op, "GlobalAveragePool") == 0)
        return lnn_ix_op_global_pool(ix, op[6] == 'M');
    if (strcmp(op, "Mul") == 0 || strcmp(op, "Div") == 0)
        return lnn_ix_op_mul_div(ix, op[0] == 'D');
    if (strcmp(op, "RNN") == 0 || strcmp(op, "LSTM") == 0 || strcmp(op, "GRU") == 0) {
        st = LIBNN_OK;
        lnn_ix_value *x = lnn_ix_data_in(ix, LNN_IX_F(TM), &st);
        return x ? lnn_ix_rnn(ix, x) : st;
    }
    st = lnn_ix_simple_activation(ix, op);
    if (st != LIBNN_E_NOTFOUND)
        return st;
    return lnn_ix_unsupported(ix, "libnn has no layer for this operator");
}

/* ---- the model ---- */

static libnn_status check_model(lnn_ix *ix, const Onnx__ModelProto *m)
{
    if (!m->has_ir_version || m->ir_version < 3)
        return lnn_error(LIBNN_E_FORMAT, "model_import_onnx: no IR version (not an ONNX model?)");
    int64_t opset = -1;
    for (size_t k = 0; k < m->n_opset_import; k++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[k];
        if (!o->domain || !o->domain[0] || strcmp(o->domain, "ai.onnx") == 0)
            opset = o->has_version ? o->version : -1;
    }
    if (opset < 13 || opset > 21)
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_import_onnx: opset %lld (libnn reads opsets 13 to 21; "
                         "torch.onnx.export(..., opset_version=13) writes one)",
                         (long long)opset);
    if (!m->graph)
        return lnn_error(LIBNN_E_FORMAT, "model_import_onnx: the model has no graph");
    if (m->graph->n_node > MAX_NODES)
        return lnn_error(LIBNN_E_UNSUPPORTED, "model_import_onnx: %zu nodes", m->graph->n_node);
    if (m->graph->n_sparse_initializer)
        return lnn_error(LIBNN_E_UNSUPPORTED, "model_import_onnx: sparse initializers");
    ix->graph = m->graph;
    return LIBNN_OK;
}

/* The graph input that is not an initializer: the model's input. */
static libnn_status read_input(lnn_ix *ix)
{
    const Onnx__GraphProto *g = ix->graph;
    const Onnx__ValueInfoProto *in = NULL;
    for (size_t k = 0; k < g->n_input; k++) {
        if (!g->input[k]->name)
            return lnn_error(LIBNN_E_FORMAT, "model_import_onnx: a graph input has no name");
        if (lnn_ix_find(ix, g->input[k]->name))
            continue;
        if (in)
            return lnn_error(LIBNN_E_UNSUPPORTED,
                             "model_import_onnx: the graph has several inputs ('%s', '%s'); "
                             "libnn models have one",
                             in->name, g->input[k]->name);
        in = g->input[k];
    }
    if (!in)
        return lnn_error(LIBNN_E_FORMAT, "model_import_onnx: the graph has no input");
    const Onnx__TypeProto *t = in->type;
    if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type ||
        !t->tensor_type->shape)
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_import_onnx: input '%s' is not a tensor of known shape", in->name);
    int32_t et = t->tensor_type->elem_type;
    if (et != LNN_IX_FLOAT && et != LNN_IX_INT64 && et != LNN_IX_INT32)
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_import_onnx: input '%s' has element type %d (float or "
                         "integer ids)",
                         in->name, (int)et);
    const Onnx__TensorShapeProto *s = t->tensor_type->shape;
    if (s->n_dim < 2 || s->n_dim > LIBNN_MAX_RANK)
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_import_onnx: input '%s' has rank %zu ([batch, ...] of rank 2 "
                         "to %d)",
                         in->name, s->n_dim, LIBNN_MAX_RANK);
    size_t index;
    libnn_status st = lnn_ix_new_value(ix, in->name, LNN_IX_DATA, &index);
    if (st != LIBNN_OK)
        return st;
    lnn_ix_value *v = &ix->values[index];
    v->form = LNN_IX_PLAIN;
    v->is_input = true;
    v->sndim = s->n_dim - 1;
    for (size_t k = 1; k < s->n_dim; k++) {
        const Onnx__TensorShapeProto__Dimension *d = s->dim[k];
        if (d->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
            d->dim_value < 1 || d->dim_value > (1 << 24))
            return lnn_error(LIBNN_E_UNSUPPORTED,
                             "model_import_onnx: input '%s': dimension %zu must be a fixed "
                             "size (only the batch may vary)",
                             in->name, k);
        v->shape[k - 1] = d->dim_value;
    }
    ix->input = index;
    ix->in_ndim = v->sndim;
    memcpy(ix->in_shape, v->shape, v->sndim * sizeof *v->shape);
    return LIBNN_OK;
}

static libnn_status interpret(lnn_ix *ix)
{
    const Onnx__GraphProto *g = ix->graph;
    libnn_status st;
    for (size_t k = 0; k < g->n_initializer; k++) {
        const Onnx__TensorProto *t = g->initializer[k];
        size_t index;
        if ((st = lnn_ix_new_value(ix, t->name, LNN_IX_CONST, &index)) != LIBNN_OK ||
            (st = lnn_ix_read_tensor(ix, t, &ix->values[index])) != LIBNN_OK)
            return st;
    }
    if ((st = read_input(ix)) != LIBNN_OK)
        return st;
    for (size_t k = 0; k < g->n_node; k++) {
        ix->node = g->node[k];
        if (!ix->node->op_type)
            return lnn_ix_format(ix, "node %zu has no op type", k);
        if (ix->node->domain && ix->node->domain[0] && strcmp(ix->node->domain, "ai.onnx") != 0)
            return lnn_ix_unsupported(ix, "domain '%s' (only ONNX's own operators)",
                                      ix->node->domain);
        if ((st = dispatch(ix)) != LIBNN_OK)
            return st;
    }
    ix->node = NULL;
    if (g->n_output != 1 || !g->output[0]->name)
        return lnn_error(LIBNN_E_UNSUPPORTED, "model_import_onnx: the graph has %zu outputs "
                                              "(libnn models have one)",
                         g->n_output);
    lnn_ix_value *y = lnn_ix_find(ix, g->output[0]->name);
    if (!y || y->kind != LNN_IX_DATA || !lnn_ix_current(ix, y))
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_import_onnx: the output '%s' is not the end of the chain of "
                         "layers",
                         g->output[0]->name);
    if (y->form != LNN_IX_PLAIN && y->form != LNN_IX_NCHW)
        return lnn_error(LIBNN_E_UNSUPPORTED,
                         "model_import_onnx: the output '%s' is held in a layout libnn's last "
                         "layer does not give (%d)",
                         y->name, (int)y->form);
    if (ix->n_specs == 0)
        return lnn_error(LIBNN_E_UNSUPPORTED, "model_import_onnx: the graph has no layers");
    for (size_t k = 0; k < ix->n_specs; k++)
        if (ix->specs[k].bias_pending)
            ix->specs[k].bias_pending = false; /* a MatMul without Add: zero bias */
    return LIBNN_OK;
}

libnn_status libnn_model_import_onnx_buffer(const void *data, size_t size, libnn_model **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "model_import_onnx_buffer: out is NULL");
    *out = NULL;
    if (!data && size > 0)
        return lnn_error(LIBNN_E_INVALID, "model_import_onnx_buffer: data is NULL");
    lnn_ox_parsed *parsed;
    Onnx__ModelProto *m;
    libnn_status st = lnn_ox_model_parse(data ? data : "", size, &parsed, &m);
    if (st != LIBNN_OK)
        return st;
    lnn_ix *ix = lnn_calloc(1, sizeof *ix);
    if (!ix) {
        lnn_ox_model_free(parsed);
        return lnn_error_nomem("model_import_onnx", sizeof *ix);
    }
    st = check_model(ix, m);
    if (st == LIBNN_OK)
        st = interpret(ix);
    if (st == LIBNN_OK)
        st = lnn_ix_build_model(ix, out);
    for (size_t k = 0; k < ix->n_values; k++) {
        lnn_free(ix->values[k].f);
        lnn_free(ix->values[k].i);
    }
    lnn_free(ix->values);
    lnn_ix_free_specs(ix);
    lnn_free(ix);
    lnn_ox_model_free(parsed);
    return st;
}

libnn_status libnn_model_import_onnx(const char *path, libnn_model **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "model_import_onnx: out is NULL");
    *out = NULL;
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "model_import_onnx: path is NULL");
    int fd;
    uint64_t size;
    libnn_status st = lnn_open_read("model_import_onnx", path, &fd, &size);
    if (st != LIBNN_OK)
        return st;
    /* protobuf-c reads from memory; ONNX files beyond 2 GiB need external data anyway. */
    void *data = size <= ((uint64_t)1 << 31) ? lnn_malloc(size ? (size_t)size : 1) : NULL;
    if (!data)
        st = size > ((uint64_t)1 << 31)
                 ? lnn_error(LIBNN_E_FORMAT, "model_import_onnx: %s is over 2 GiB", path)
                 : lnn_error_nomem("model_import_onnx", (size_t)size);
    else
        st = lnn_pread_full("model_import_onnx", path, fd, data, (size_t)size, 0);
    close(fd);
    if (st == LIBNN_OK)
        st = libnn_model_import_onnx_buffer(data, (size_t)size, out);
    lnn_free(data);
    return st;
}

