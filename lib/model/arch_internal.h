/*
 * Private: the architecture record — a model's layers and options as the
 * JSON of Keras' model.to_json(), written from and read against the
 * layers' parameter tables.
 *
 * Each table row maps to Keras' config by its name: "<stem>_h"/"<stem>_w"
 * pairs become one list ("kernel_size": [3, 3]), "<role>_initializer" with
 * "<role>_init_a"/"_b" one initializer object, "<role>_l1"/"_l2" one
 * regularizer object, and every other row a key of its own name. So a new
 * option is a table row and appears in the file with no code here.
 */
#ifndef LIBNN_ARCH_INTERNAL_H
#define LIBNN_ARCH_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "layers/layer_internal.h"
#include "libnn/model.h"

/* Caps on what a file may make the reader build. */
#define LNN_ARCH_MAX_LAYERS 4096
#define LNN_ARCH_MAX_BYTES ((size_t)16 << 20)

/* How the rows starting at `row` of a table group into one Keras key. */
typedef enum lnn_arch_group {
    LNN_ARCH_SINGLE,      /* one row, one key */
    LNN_ARCH_PAIR,        /* rows row, row + 1: a [h, w] list */
    LNN_ARCH_INITIALIZER, /* rows row .. row + 2: kind, a, b */
    LNN_ARCH_REGULARIZER  /* rows row, row + 1: l1, l2 */
} lnn_arch_group;

/* The group at row `row` of `ops`' table, its Keras key into key (cap
 * bytes) and the number of rows it covers into *rows. */
lnn_arch_group lnn_arch_group_at(const lnn_layer_ops *ops, size_t row, char *key, size_t cap,
                                 size_t *rows);

/* Keras' initializer class name of a kind ("GlorotUniform") and the names
 * of its a/b parameters in Keras' config (NULL where it has none). */
const char *lnn_arch_init_class(int kind, const char **a_name, const char **b_name);
/* The kind of a Keras initializer class name or of its snake_case
 * identifier ("glorot_uniform"); -1 if unknown. */
int lnn_arch_init_kind(const char *name);
/* Keras' default value of parameter a or b of an initializer kind. */
double lnn_arch_init_default(int kind, int which);

/* Keras keys libnn has no option for but accepts at the value that means
 * what libnn does; true when `key` is one and `v` that value. *known tells
 * whether the key is one at all. */
bool lnn_arch_ignorable(const char *key, const json_t *v, bool *known);

/* Layers into a JSON array (InputLayer first), config of one layer. NULL
 * on allocation failure. */
json_t *lnn_arch_write(const libnn_model *m);

/* A new uncompiled model from the architecture object `root` (already
 * parsed). Errors: LIBNN_E_FORMAT, LIBNN_E_UNSUPPORTED, LIBNN_E_NOMEM. */
libnn_status lnn_arch_read(const json_t *root, libnn_model **out);

#endif
