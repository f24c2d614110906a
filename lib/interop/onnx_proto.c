/*
 * Reading an ONNX model through protobuf-c with a bounded allocator.
 *
 * protobuf-c sizes every repeated field by counting its elements in the
 * input before allocating, so what it allocates grows with the input; the
 * allocator below still caps the total (a fixed multiple of the input plus
 * a small constant), so no input makes the reader ask for more, and every
 * allocation goes through libnn's allocator (failure injection, hooks).
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "onnx_internal.h"

typedef struct bounded {
    ProtobufCAllocator base;
    size_t used, cap;
    bool over;  /* the cap refused a block */
    bool nomem; /* libnn's allocator refused one */
} bounded;

/* Each block carries its size in front, for the accounting in free. */
static void *bounded_alloc(void *data, size_t size)
{
    bounded *b = data;
    size_t total;
    if (!lnn_add_size(size, 16, &total) || total > b->cap - b->used) {
        b->over = true;
        return NULL;
    }
    unsigned char *p = lnn_malloc(total);
    if (!p) {
        b->nomem = true;
        return NULL;
    }
    memcpy(p, &total, sizeof total);
    b->used += total;
    return p + 16;
}

static void bounded_free(void *data, void *ptr)
{
    bounded *b = data;
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - 16;
    size_t total;
    memcpy(&total, p, sizeof total);
    b->used -= total;
    lnn_free(p);
}

/* What unpacking may take: GROWTH bytes per byte of input plus SLACK. A
 * small message (an int attribute: ~10 bytes) unpacks to a struct of ~200;
 * real files are dominated by weights, which unpack 1:1. */
#define GROWTH 32
#define SLACK ((size_t)4 << 20)

struct lnn_ox_parsed {
    bounded alloc;
    Onnx__ModelProto *model;
};

libnn_status lnn_ox_model_parse(const void *data, size_t size, lnn_ox_parsed **out,
                                Onnx__ModelProto **model)
{
    *out = NULL;
    *model = NULL;
    lnn_ox_parsed *p = lnn_calloc(1, sizeof *p);
    if (!p)
        return lnn_error_nomem("model_import_onnx", sizeof *p);
    p->alloc.base.alloc = bounded_alloc;
    p->alloc.base.free = bounded_free;
    p->alloc.base.allocator_data = &p->alloc;
    p->alloc.cap = size > (SIZE_MAX - SLACK) / GROWTH ? SIZE_MAX : GROWTH * size + SLACK;
    Onnx__ModelProto *m = onnx__model_proto__unpack(&p->alloc.base, size, data);
    if (!m) {
        bool over = p->alloc.over, nomem = p->alloc.nomem;
        size_t p_cap = p->alloc.cap;
        lnn_free(p);
        if (nomem)
            return lnn_error_nomem("model_import_onnx", size);
        if (over)
            return lnn_error(LIBNN_E_FORMAT,
                             "model_import_onnx: the file declares more than it holds "
                             "(over %zu bytes of messages from %zu bytes)",
                             p_cap, size);
        return lnn_error(LIBNN_E_FORMAT,
                         "model_import_onnx: not an ONNX model (the protobuf message does not "
                         "parse; %zu bytes)",
                         size);
    }
    p->model = m;
    *out = p;
    *model = m;
    return LIBNN_OK;
}

void lnn_ox_model_free(lnn_ox_parsed *p)
{
    if (!p)
        return;
    onnx__model_proto__free_unpacked(p->model, &p->alloc.base);
    lnn_free(p);
}
