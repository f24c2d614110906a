/*
 * The ONNX graph builder of export: an arena of protobuf-c messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "libnn/onnx.h"
#include "libnn/version.h"
#include "onnx_internal.h"

#define LNN_OX_BLOCK (64 * 1024)
#define LNN_OX_MAX_ATTRS 8

struct lnn_ox_block {
    lnn_ox_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void lnn_ox_init(lnn_ox_graph *g)
{
    memset(g, 0, sizeof *g);
}

void lnn_ox_free(lnn_ox_graph *g)
{
    for (lnn_ox_block *b = g->blocks, *next; b; b = next) {
        next = b->next;
        lnn_free(b);
    }
    lnn_free(g->nodes);
    lnn_free(g->inits);
    memset(g, 0, sizeof *g);
}

static void *fail(lnn_ox_graph *g, size_t bytes)
{
    if (g->status == LIBNN_OK)
        g->status = lnn_error_nomem("model_export_onnx", bytes);
    return NULL;
}

void *lnn_ox_alloc(lnn_ox_graph *g, size_t size)
{
    if (g->status != LIBNN_OK)
        return NULL;
    size = (size + 15) & ~(size_t)15;
    lnn_ox_block *b = g->blocks;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > LNN_OX_BLOCK ? size : LNN_OX_BLOCK;
        b = lnn_malloc(sizeof *b + cap);
        if (!b)
            return fail(g, sizeof *b + cap);
        b->cap = cap;
        b->used = 0;
        b->next = g->blocks;
        g->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *lnn_ox_name(lnn_ox_graph *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? lnn_ox_alloc(g, (size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

static char *dup(lnn_ox_graph *g, const char *s)
{
    return lnn_ox_name(g, "%s", s ? s : "");
}

/* Append p to a growing pointer array. */
static bool push(lnn_ox_graph *g, void ***arr, size_t *n, size_t *cap, void *p)
{
    if (!p || g->status != LIBNN_OK)
        return false;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 32;
        void **grown = lnn_realloc(*arr, c * sizeof *grown);
        if (!grown)
            return fail(g, c * sizeof *grown), false;
        *arr = grown;
        *cap = c;
    }
    (*arr)[(*n)++] = p;
    return true;
}

Onnx__NodeProto *lnn_ox_node(lnn_ox_graph *g, const char *op, size_t n_in, const char *const *in,
                             size_t n_out, const char *const *out)
{
    Onnx__NodeProto *n = lnn_ox_alloc(g, sizeof *n);
    char **ins = lnn_ox_alloc(g, (n_in ? n_in : 1) * sizeof *ins);
    char **outs = lnn_ox_alloc(g, n_out * sizeof *outs);
    Onnx__AttributeProto **attrs = lnn_ox_alloc(g, LNN_OX_MAX_ATTRS * sizeof *attrs);
    if (!n || !ins || !outs || !attrs)
        return NULL;
    onnx__node_proto__init(n);
    for (size_t i = 0; i < n_in; i++)
        ins[i] = dup(g, in[i]);
    for (size_t i = 0; i < n_out; i++)
        outs[i] = dup(g, out[i]);
    n->n_input = n_in;
    n->input = ins;
    n->n_output = n_out;
    n->output = outs;
    n->op_type = dup(g, op);
    n->name = dup(g, out[0]);
    n->attribute = attrs;
    if (!push(g, (void ***)&g->nodes, &g->n_nodes, &g->cap_nodes, n))
        return NULL;
    return n;
}

const char *lnn_ox_op(lnn_ox_graph *g, const char *op, const char *out, size_t n_in,
                      const char *const *in)
{
    return lnn_ox_node(g, op, n_in, in, 1, &out) ? g->nodes[g->n_nodes - 1]->output[0] : NULL;
}

Onnx__NodeProto *lnn_ox_last(lnn_ox_graph *g)
{
    return g->status == LIBNN_OK && g->n_nodes ? g->nodes[g->n_nodes - 1] : NULL;
}

static Onnx__AttributeProto *attr(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name,
                                  Onnx__AttributeProto__AttributeType type)
{
    if (!n || g->status != LIBNN_OK)
        return NULL;
    Onnx__AttributeProto *a = lnn_ox_alloc(g, sizeof *a);
    if (!a)
        return NULL;
    onnx__attribute_proto__init(a);
    a->name = dup(g, name);
    a->has_type = 1;
    a->type = type;
    /* Internal invariant: no operator here takes more attributes. */
    if (n->n_attribute < LNN_OX_MAX_ATTRS)
        n->attribute[n->n_attribute++] = a;
    return a;
}

void lnn_ox_attr_int(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(g, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) {
        a->has_i = 1;
        a->i = v;
    }
}

void lnn_ox_attr_float(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(g, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (a) {
        a->has_f = 1;
        a->f = v;
    }
}

void lnn_ox_attr_ints(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, size_t count,
                      const int64_t *v)
{
    Onnx__AttributeProto *a = attr(g, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    int64_t *copy = lnn_ox_alloc(g, (count ? count : 1) * sizeof *copy);
    if (a && copy) {
        memcpy(copy, v, count * sizeof *copy);
        a->n_ints = count;
        a->ints = copy;
    }
}

void lnn_ox_attr_string(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, const char *v)
{
    Onnx__AttributeProto *a = attr(g, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    char *s = dup(g, v);
    if (a && s) {
        a->has_s = 1;
        a->s.data = (uint8_t *)s;
        a->s.len = strlen(s);
    }
}

void lnn_ox_attr_strings(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, size_t count,
                         const char *const *v)
{
    Onnx__AttributeProto *a = attr(g, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
    ProtobufCBinaryData *list = lnn_ox_alloc(g, (count ? count : 1) * sizeof *list);
    if (!a || !list)
        return;
    for (size_t i = 0; i < count; i++) {
        char *s = dup(g, v[i]);
        if (!s)
            return;
        list[i].data = (uint8_t *)s;
        list[i].len = strlen(s);
    }
    a->n_strings = count;
    a->strings = list;
}

static Onnx__TensorProto *init_tensor(lnn_ox_graph *g, const char *name, size_t ndim,
                                      const int64_t *dims, int32_t type, size_t *count)
{
    Onnx__TensorProto *t = lnn_ox_alloc(g, sizeof *t);
    int64_t *d = lnn_ox_alloc(g, (ndim ? ndim : 1) * sizeof *d);
    if (!t || !d)
        return NULL;
    onnx__tensor_proto__init(t);
    *count = 1;
    for (size_t i = 0; i < ndim; i++)
        *count *= (size_t)dims[i];
    if (ndim)
        memcpy(d, dims, ndim * sizeof *d);
    t->n_dims = ndim;
    t->dims = d;
    t->has_data_type = 1;
    t->data_type = type;
    t->name = dup(g, name);
    return t;
}

/* Values go into float_data / int64_data rather than raw_data: protobuf-c
 * writes those little-endian on any host. */
static const char *add_init(lnn_ox_graph *g, const char *name, size_t ndim, const int64_t *dims,
                            int32_t type, const void *data)
{
    size_t count;
    Onnx__TensorProto *t = init_tensor(g, name, ndim, dims, type, &count);
    size_t elem = type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? sizeof(float) : sizeof(int64_t);
    void *v = t ? lnn_ox_alloc(g, (count ? count : 1) * elem) : NULL;
    if (!v)
        return NULL;
    memcpy(v, data, count * elem);
    if (type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
        t->n_float_data = count;
        t->float_data = v;
    } else {
        t->n_int64_data = count;
        t->int64_data = v;
    }
    return push(g, (void ***)&g->inits, &g->n_inits, &g->cap_inits, t) ? t->name : NULL;
}

const char *lnn_ox_float_init(lnn_ox_graph *g, const char *name, size_t ndim,
                              const int64_t *dims, const float *data)
{
    return add_init(g, name, ndim, dims, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, data);
}

const char *lnn_ox_int64_init(lnn_ox_graph *g, const char *name, size_t ndim,
                              const int64_t *dims, const int64_t *data)
{
    return add_init(g, name, ndim, dims, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, data);
}

/* A float tensor value [batch, dims...]. */
static Onnx__ValueInfoProto *value_info(lnn_ox_graph *g, const char *name, size_t ndim,
                                        const int64_t *dims)
{
    Onnx__ValueInfoProto *v = lnn_ox_alloc(g, sizeof *v);
    Onnx__TypeProto *type = lnn_ox_alloc(g, sizeof *type);
    Onnx__TypeProto__Tensor *tt = lnn_ox_alloc(g, sizeof *tt);
    Onnx__TensorShapeProto *shape = lnn_ox_alloc(g, sizeof *shape);
    Onnx__TensorShapeProto__Dimension **dv = lnn_ox_alloc(g, (ndim + 1) * sizeof *dv);
    if (!v || !type || !tt || !shape || !dv)
        return NULL;
    onnx__value_info_proto__init(v);
    onnx__type_proto__init(type);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(shape);
    for (size_t i = 0; i <= ndim; i++) {
        dv[i] = lnn_ox_alloc(g, sizeof *dv[i]);
        if (!dv[i])
            return NULL;
        onnx__tensor_shape_proto__dimension__init(dv[i]);
        if (i == 0) {
            dv[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            dv[i]->dim_param = dup(g, "batch");
        } else {
            dv[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            dv[i]->dim_value = dims[i - 1];
        }
    }
    shape->n_dim = ndim + 1;
    shape->dim = dv;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = shape;
    type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type->tensor_type = tt;
    v->name = dup(g, name);
    v->type = type;
    return v;
}

libnn_status lnn_ox_pack(lnn_ox_graph *g, const char *input, size_t in_ndim,
                         const int64_t *in_dims, const char *output, size_t out_ndim,
                         const int64_t *out_dims, void *buf, size_t capacity, size_t *needed)
{
    Onnx__ModelProto *m = lnn_ox_alloc(g, sizeof *m);
    Onnx__GraphProto *graph = lnn_ox_alloc(g, sizeof *graph);
    Onnx__OperatorSetIdProto *opset = lnn_ox_alloc(g, sizeof *opset);
    Onnx__OperatorSetIdProto **opsets = lnn_ox_alloc(g, sizeof *opsets);
    Onnx__ValueInfoProto **ins = lnn_ox_alloc(g, sizeof *ins);
    Onnx__ValueInfoProto **outs = lnn_ox_alloc(g, sizeof *outs);
    Onnx__ValueInfoProto *in_info = value_info(g, input, in_ndim, in_dims);
    Onnx__ValueInfoProto *out_info = value_info(g, output, out_ndim, out_dims);
    if (g->status != LIBNN_OK)
        return g->status;
    onnx__model_proto__init(m);
    onnx__graph_proto__init(graph);
    onnx__operator_set_id_proto__init(opset);
    opset->domain = dup(g, "");
    opset->has_version = 1;
    opset->version = LIBNN_ONNX_OPSET;
    opsets[0] = opset;
    ins[0] = in_info;
    outs[0] = out_info;
    graph->name = dup(g, "libnn");
    graph->n_node = g->n_nodes;
    graph->node = g->nodes;
    graph->n_initializer = g->n_inits;
    graph->initializer = g->inits;
    graph->n_input = 1;
    graph->input = ins;
    graph->n_output = 1;
    graph->output = outs;
    m->has_ir_version = 1;
    m->ir_version = LIBNN_ONNX_IR_VERSION;
    m->n_opset_import = 1;
    m->opset_import = opsets;
    m->producer_name = dup(g, "libnn");
    m->producer_version = dup(g, LIBNN_VERSION_STRING);
    m->graph = graph;
    if (g->status != LIBNN_OK)
        return g->status;
    *needed = protobuf_c_message_get_packed_size(&m->base);
    if (capacity < *needed)
        return lnn_error(LIBNN_E_RANGE, "model_export_onnx_buffer: %zu bytes needed, %zu given",
                         *needed, capacity);
    protobuf_c_message_pack(&m->base, buf);
    return LIBNN_OK;
}
