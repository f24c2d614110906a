/*
 * Private: the layout of a libnn_tensor_file, for the safetensors reader and
 * writer (and the model files built on them).
 */
#ifndef LIBNN_TENSOR_FILE_INTERNAL_H
#define LIBNN_TENSOR_FILE_INTERNAL_H

#include "libnn/io.h"

typedef struct lnn_tf_entry {
    char *name;            /* owned */
    libnn_tensor *tensor;  /* owned */
} lnn_tf_entry;

typedef struct lnn_tf_meta {
    char *key;    /* owned */
    char *value;  /* owned */
} lnn_tf_meta;

struct libnn_tensor_file {
    lnn_tf_entry *entries;  /* insertion order (file order for loaded files) */
    size_t count, cap;
    lnn_tf_meta *meta;      /* order of first setting */
    size_t meta_count, meta_cap;
};

/* The name every writer rejects as a tensor name: it holds the metadata. */
#define LNN_ST_METADATA_KEY "__metadata__"

/*
 * Make room for `tensors` more entries and `metas` more metadata pairs, so
 * that the pushes below cannot fail. On error `f` is unchanged.
 * Errors: LIBNN_E_NOMEM (message starts with `who`).
 */
libnn_status lnn_tf_reserve(libnn_tensor_file *f, size_t tensors, size_t metas, const char *who);

/* Append without checks, taking ownership of name and t. Room must have
 * been reserved. */
void lnn_tf_push(libnn_tensor_file *f, char *name, libnn_tensor *t);

/* Append copies of key and value without checks. Room must have been
 * reserved. On error `f` is unchanged. Errors: LIBNN_E_NOMEM. */
libnn_status lnn_tf_push_meta_copy(libnn_tensor_file *f, const char *key, const char *value,
                                   const char *who);

#endif
