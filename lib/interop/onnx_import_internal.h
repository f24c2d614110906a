/*
 * Private: ONNX import as an abstract interpretation of the graph.
 *
 * Every value of the graph gets a meaning: a constant (initializers,
 * Constant nodes and what folds from them), the data flowing through the
 * chain of layers (with the layout ONNX holds it in), a shape that
 * contains the dynamic batch size, a zero state, or a stage of a
 * multi-node pattern (GELU). Nodes on the data append layer specs; the
 * specs become a libnn model at the end (onnx_import_model.c). Anything
 * the interpretation has no meaning for is LIBNN_E_UNSUPPORTED naming the
 * node and its op type.
 */
#ifndef LIBNN_ONNX_IMPORT_INTERNAL_H
#define LIBNN_ONNX_IMPORT_INTERNAL_H

#include <string.h>

#include "layers/layer_internal.h"
#include "libnn/model.h"
#include "onnx_internal.h"

#define LNN_IX_MAX_COUNT ((size_t)1 << 28) /* values of one tensor */
#define LNN_IX_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define LNN_IX_INT64 ONNX__TENSOR_PROTO__DATA_TYPE__INT64
#define LNN_IX_INT32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32
#define LNN_IX_BATCH INT64_MIN /* a shape entry that is the batch size */
#define LNN_IX_MAX_SPECS 256
#define LNN_IX_MAX_OPTS 8
#define LNN_IX_MAX_WEIGHTS 6

typedef enum lnn_ix_kind {
    LNN_IX_CONST = 1, /* f (float) or i (int64) holds the values */
    LNN_IX_DATA,      /* the chain's data, in layout `form` */
    LNN_IX_SHAPE,     /* int64 vector in i, LNN_IX_BATCH entries allowed */
    LNN_IX_ZERO,      /* zeros of a batch-dependent shape (initial states) */
    LNN_IX_GELU,      /* stage `stage` of x * (1 + erf(x / sqrt 2)) * 0.5 */
    LNN_IX_MASK       /* stage `stage` of a Keras mask libnn exported (onnx_import_mask.c) */
} lnn_ix_kind;

/* How ONNX holds the data (libnn's per-sample shape is in shape[]). */
typedef enum lnn_ix_form {
    LNN_IX_PLAIN = 1, /* [batch, shape...] */
    LNN_IX_NCHW,      /* [batch, c, h, w] for libnn's [h, w, c] */
    LNN_IX_PERM,      /* [batch, c*h*w]: libnn's Flatten of [h, w, c] in CHW order */
    LNN_IX_POOLED,    /* [batch, c, 1, 1] for libnn's [c] */
    LNN_IX_TM,        /* [steps, batch, features], time-major */
    LNN_IX_RNN_Y,     /* an RNN's Y [steps, dirs, batch, units] */
    LNN_IX_RNN_YH,    /* its Y_h [dirs, batch, units] */
    LNN_IX_Y_TBDH,    /* Y as [steps, batch, dirs, units] */
    LNN_IX_YH_BDH,    /* Y_h as [batch, dirs, units] */
    LNN_IX_SEQ_TM     /* an RNN's returned sequence, time-major */
} lnn_ix_form;

/* Stages of the mask subgraph libnn exports (see onnx_export_rnn.c). */
enum {
    LNN_IX_M_PAD = 1, /* ids == 0 */
    LNN_IX_M_REAL,    /* not that */
    LNN_IX_M_EQ,      /* x == mask_value, per feature */
    LNN_IX_M_EQF,     /* as floats */
    LNN_IX_M_ALL,     /* all features equal */
    LNN_IX_M_FLOAT,   /* the mask, float [batch, steps], 1 = real */
    LNN_IX_M_3D,      /* the mask unsqueezed over features */
    LNN_IX_M_COUNT,   /* real steps per sequence */
    LNN_IX_M_LENS,    /* as int32: an RNN's sequence_lens */
    LNN_IX_M_FIRST,   /* the first real step */
    LNN_IX_M_SHIFT,   /* plus the step indices */
    LNN_IX_M_ROT,     /* modulo the steps: the rotation */
    LNN_IX_M_ROT3,    /* unsqueezed over features */
    LNN_IX_M_ROTX     /* expanded to the input's shape */
};

typedef struct lnn_ix_value {
    const char *name; /* borrowed from the parsed model */
    lnn_ix_kind kind;
    /* constants and shapes */
    int32_t dtype;
    size_t ndim, count;
    int64_t dims[LIBNN_MAX_RANK];
    float *f;
    int64_t *i;
    /* data */
    lnn_ix_form form;
    size_t version;   /* specs appended when the value was made */
    size_t sndim;     /* libnn's per-sample shape */
    int64_t shape[LIBNN_MAX_RANK];
    int64_t chw[3];   /* PERM: c, h, w */
    bool reversed;    /* TM: time axis reversed (Slice, step -1) */
    bool is_input;    /* the graph input itself */
    bool seq;         /* a recurrent layer's returned sequence, batch-major */
    bool rotated;     /* each sequence rotated to put its real steps first (masks) */
    int dirs;         /* RNN forms: 1 or 2 */
    /* GELU stages */
    int stage;
    size_t src;       /* the value index the pattern started from */
    double mask_value; /* MASK of a Masking layer: its mask_value */
} lnn_ix_value;

typedef struct lnn_ix_spec {
    libnn_layer_kind kind;
    libnn_layer_kind inner; /* Bidirectional: SimpleRNN, LSTM or GRU */
    const char *node;       /* the node it came from (messages) */
    int64_t args[3];
    size_t n_opts;
    libnn_param keys[LNN_IX_MAX_OPTS];
    double values[LNN_IX_MAX_OPTS];
    size_t n_target;
    int64_t target[LIBNN_MAX_RANK]; /* Reshape */
    size_t n_weights;
    const char *wnames[LNN_IX_MAX_WEIGHTS];
    float *w[LNN_IX_MAX_WEIGHTS]; /* owned, in libnn's layouts */
    size_t wcount[LNN_IX_MAX_WEIGHTS];
    bool bias_pending; /* Dense from MatMul: an Add may give the bias */
} lnn_ix_spec;

typedef struct lnn_ix {
    const Onnx__GraphProto *graph;
    lnn_ix_value *values;
    size_t n_values, cap_values;
    lnn_ix_spec specs[LNN_IX_MAX_SPECS];
    size_t n_specs;
    size_t input;               /* the graph input's value */
    size_t in_ndim;             /* the model's input shape */
    int64_t in_shape[LIBNN_MAX_RANK];
    const Onnx__NodeProto *node; /* the node being read */
} lnn_ix;

/* Errors about the current node: "model_import_onnx: node 'x' (Conv): ...". */
libnn_status lnn_ix_unsupported(lnn_ix *ix, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
libnn_status lnn_ix_format(lnn_ix *ix, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The value of the node's input k (NULL and an error when missing or
 * undefined; *absent set for an empty optional input when absent != NULL). */
lnn_ix_value *lnn_ix_input(lnn_ix *ix, size_t k, libnn_status *st);
/* A new value named by the node's output k (its index into *index). */
libnn_status lnn_ix_output(lnn_ix *ix, size_t k, lnn_ix_kind kind, size_t *index);
/* Output k (when named) as a value no operator accepts: outputs such as
 * LSTM's Y_c that exporters name but a chain does not use. */
libnn_status lnn_ix_unusable(lnn_ix *ix, size_t k);
/* The node's attribute `name`, or NULL. */
const Onnx__AttributeProto *lnn_ix_attr(const lnn_ix *ix, const char *name);
int64_t lnn_ix_attr_int(const lnn_ix *ix, const char *name, int64_t def);
/* A new layer spec; NULL (and an error) when there are too many. */
lnn_ix_spec *lnn_ix_spec_new(lnn_ix *ix, libnn_layer_kind kind, libnn_status *st);
void lnn_ix_spec_opt(lnn_ix_spec *s, libnn_param key, double value);
/* A weight of n floats, owned by the spec; NULL on NOMEM (error set). */
float *lnn_ix_spec_weight(lnn_ix_spec *s, const char *name, size_t n);
/* Whether value v is the chain's current data. */
bool lnn_ix_current(const lnn_ix *ix, const lnn_ix_value *v);

/* n ints of an attribute (whose array is NULL when empty). */
static inline void lnn_ix_copy_ints(int64_t *dst, const int64_t *src, size_t n)
{
    if (n)
        memcpy(dst, src, n * sizeof *dst);
}

/* A set of data layouts, for lnn_ix_data_in. */
#define LNN_IX_F(form) (1u << LNN_IX_##form)
#define LNN_IX_ELEMENTWISE                                                                     \
    (LNN_IX_F(PLAIN) | LNN_IX_F(NCHW) | LNN_IX_F(PERM) | LNN_IX_F(POOLED) | LNN_IX_F(TM))

/* ---- onnx_import_value.c ---- */
lnn_ix_value *lnn_ix_find(lnn_ix *ix, const char *name);
libnn_status lnn_ix_new_value(lnn_ix *ix, const char *name, lnn_ix_kind kind, size_t *index);
bool lnn_ix_has_input(const lnn_ix *ix, size_t k);
float lnn_ix_attr_float(const lnn_ix *ix, const char *name, float def);
/* The n ints of attribute `name` into out (absent: def). */
libnn_status lnn_ix_attr_ints(lnn_ix *ix, const char *name, size_t n, const int64_t *def,
                              int64_t *out);
/* A new data value from output 0 with a layout and libnn shape. */
libnn_status lnn_ix_data_out(lnn_ix *ix, lnn_ix_form form, size_t sndim, const int64_t *shape,
                             lnn_ix_value **out);
/* Output 0 as the data `from` carried on: layout, shape and marks copied.
 * With `renamed` no layer was added for it (it keeps from's version). */
libnn_status lnn_ix_carry(lnn_ix *ix, const lnn_ix_value *from, bool renamed);
/* The ONNX dims of a data value (batch as LNN_IX_BATCH); the rank. */
size_t lnn_ix_onnx_dims(const lnn_ix_value *v, int64_t *d);
/* The data input 0: the chain's current value in one of `forms`. */
lnn_ix_value *lnn_ix_data_in(lnn_ix *ix, unsigned forms, libnn_status *st);

/* ---- onnx_import_const.c ---- */
libnn_status lnn_ix_read_tensor(lnn_ix *ix, const Onnx__TensorProto *t, lnn_ix_value *v);
/* A constant input, with a message naming `what` otherwise. */
lnn_ix_value *lnn_ix_const_input(lnn_ix *ix, size_t k, const char *what, libnn_status *st);
double lnn_ix_const_at(const lnn_ix_value *v, size_t k);
/* Whether constant v holds only x (within tol), at least one value. */
bool lnn_ix_const_is(const lnn_ix_value *v, double x, double tol);
/* A constant int list from input k, or (absent) attribute `attr`. */
libnn_status lnn_ix_ints_of(lnn_ix *ix, size_t k, const char *attr, size_t cap, int64_t *out,
                            size_t *n);

/* Output 0 as an int64 vector (kind CONST or SHAPE) of n values. */
libnn_status lnn_ix_ints_out(lnn_ix *ix, lnn_ix_kind kind, const int64_t *v, size_t n,
                             size_t ndim);

/* ---- operators: each reads ix->node ---- */
libnn_status lnn_ix_activation(lnn_ix *ix, int act, double alpha);
/* LIBNN_E_NOTFOUND when `op` is no plain activation. */
libnn_status lnn_ix_simple_activation(lnn_ix *ix, const char *op);
libnn_status lnn_ix_op_add(lnn_ix *ix);
libnn_status lnn_ix_op_alias(lnn_ix *ix);
libnn_status lnn_ix_op_clip(lnn_ix *ix);
libnn_status lnn_ix_op_concat(lnn_ix *ix);
libnn_status lnn_ix_op_constant(lnn_ix *ix);
libnn_status lnn_ix_op_conv(lnn_ix *ix);
libnn_status lnn_ix_op_dropout(lnn_ix *ix);
libnn_status lnn_ix_op_erf(lnn_ix *ix);
libnn_status lnn_ix_op_flatten(lnn_ix *ix);
libnn_status lnn_ix_op_gather(lnn_ix *ix);
libnn_status lnn_ix_op_gemm(lnn_ix *ix);
libnn_status lnn_ix_op_global_pool(lnn_ix *ix, bool max);
libnn_status lnn_ix_op_matmul(lnn_ix *ix);
libnn_status lnn_ix_op_mul_div(lnn_ix *ix, bool div);
libnn_status lnn_ix_op_pool(lnn_ix *ix, bool max);
libnn_status lnn_ix_op_reduce(lnn_ix *ix);
libnn_status lnn_ix_op_reshape(lnn_ix *ix);
libnn_status lnn_ix_op_shape(lnn_ix *ix);
libnn_status lnn_ix_op_slice(lnn_ix *ix);
libnn_status lnn_ix_op_softmax(lnn_ix *ix);
libnn_status lnn_ix_op_squeeze(lnn_ix *ix);
libnn_status lnn_ix_op_transpose(lnn_ix *ix);
libnn_status lnn_ix_op_unsqueeze(lnn_ix *ix);
libnn_status lnn_ix_op_zeros(lnn_ix *ix);

/* The nodes of a mask libnn exported (onnx_import_mask.c); LIBNN_E_NOTFOUND
 * when the node is not part of one. */
libnn_status lnn_ix_mask_op(lnn_ix *ix);

/* RNN, LSTM, GRU nodes (onnx_import_rnn.c). */
libnn_status lnn_ix_rnn(lnn_ix *ix, lnn_ix_value *x);

/* The specs as a new compiled libnn model (onnx_import_model.c). */
libnn_status lnn_ix_build_model(lnn_ix *ix, libnn_model **out);
void lnn_ix_free_specs(lnn_ix *ix);

#endif
