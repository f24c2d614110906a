/*
 * Private: ONNX through the protobuf-c code generated from onnx.proto.
 *
 * onnx_build.c is a graph builder for export: every message lives in one
 * arena freed at once, and the first failure (memory) is sticky, so the
 * exporter reads as a straight list of nodes and checks once at the end.
 * onnx_proto.c reads a model with a bounded allocator.
 */
#ifndef LIBNN_ONNX_INTERNAL_H
#define LIBNN_ONNX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnn/status.h"
#include "onnx.pb-c.h"

typedef struct lnn_ox_block lnn_ox_block;

typedef struct lnn_ox_graph {
    lnn_ox_block *blocks;     /* the arena */
    libnn_status status;      /* first failure; LIBNN_OK until then */
    Onnx__NodeProto **nodes;
    size_t n_nodes, cap_nodes;
    Onnx__TensorProto **inits;
    size_t n_inits, cap_inits;
} lnn_ox_graph;

void lnn_ox_init(lnn_ox_graph *g);
void lnn_ox_free(lnn_ox_graph *g);

/* Zeroed arena memory; NULL (and the graph failed) when out of memory. */
void *lnn_ox_alloc(lnn_ox_graph *g, size_t size);
/* A printf-formatted name in the arena. */
char *lnn_ox_name(lnn_ox_graph *g, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A node with the inputs (NULL entries become "", an absent optional
 * input) and outputs given; its name is its first output. */
Onnx__NodeProto *lnn_ox_node(lnn_ox_graph *g, const char *op, size_t n_in, const char *const *in,
                             size_t n_out, const char *const *out);
/* One-output shorthand: returns the output name (`out`). */
const char *lnn_ox_op(lnn_ox_graph *g, const char *op, const char *out, size_t n_in,
                      const char *const *in);
void lnn_ox_attr_int(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, int64_t v);
void lnn_ox_attr_float(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, float v);
void lnn_ox_attr_ints(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, size_t count,
                      const int64_t *v);
void lnn_ox_attr_string(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, const char *v);
void lnn_ox_attr_strings(lnn_ox_graph *g, Onnx__NodeProto *n, const char *name, size_t count,
                         const char *const *v);
/* The last node added (to set attributes on what lnn_ox_op made). */
Onnx__NodeProto *lnn_ox_last(lnn_ox_graph *g);

/* Initializers (copied); return their name. */
const char *lnn_ox_float_init(lnn_ox_graph *g, const char *name, size_t ndim,
                              const int64_t *dims, const float *data);
const char *lnn_ox_int64_init(lnn_ox_graph *g, const char *name, size_t ndim,
                              const int64_t *dims, const int64_t *data);

/* The model around the nodes: one float input and one float output, each
 * [batch, dims...]; the packed size into *needed and, when capacity
 * suffices, the bytes into buf (else LIBNN_E_RANGE). */
libnn_status lnn_ox_pack(lnn_ox_graph *g, const char *input, size_t in_ndim,
                         const int64_t *in_dims, const char *output, size_t out_ndim,
                         const int64_t *out_dims, void *buf, size_t capacity, size_t *needed);

/* Parse a model from memory through a bounded allocator (what the
 * unpacked message takes is capped at a multiple of `size`). *model lives
 * until lnn_ox_model_free(*out). Errors: LIBNN_E_FORMAT, LIBNN_E_NOMEM. */
typedef struct lnn_ox_parsed lnn_ox_parsed;
libnn_status lnn_ox_model_parse(const void *data, size_t size, lnn_ox_parsed **out,
                                Onnx__ModelProto **model);
void lnn_ox_model_free(lnn_ox_parsed *p);

#endif
