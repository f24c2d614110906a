/*
 * Helpers of the tensor-file tests (tests/test_io.c): sample files, file and
 * folder utilities, comparisons. Failures are Check assertions.
 */
#ifndef LIBNN_IO_HELPERS_H
#define LIBNN_IO_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "libnn.h"

/* Add to f a copy of a tensor of the given shape and values (NULL for an
 * empty tensor). */
void io_add_tensor(libnn_tensor_file *f, const char *name, size_t ndim, const int64_t *shape,
                   const float *data);

/* A file with a bit of everything: names out of order, an empty tensor, rank
 * 8, values whose bits must survive, metadata. */
libnn_tensor_file *io_sample_file(void);

/* The bytes of f as libnn_tensor_file_save_buffer writes them (malloc'ed). */
unsigned char *io_save_to_memory(const libnn_tensor_file *f, size_t *size);

void io_assert_same_tensor(const libnn_tensor *a, const libnn_tensor *b);

/* Same tensors (by name) and metadata, whatever the order of the tensors. */
void io_assert_same_file(const libnn_tensor_file *a, const libnn_tensor_file *b);

/* Whole file in a malloc'ed buffer; write a file; compare a file's bytes. */
unsigned char *io_read_file(const char *path, size_t *size);
void io_write_file(const char *path, const void *data, size_t n);
void io_assert_file_is(const char *path, const void *data, size_t n);

/* A fresh folder under /tmp; io_scratch_remove deletes it and what it holds. */
void io_scratch_new(char *dir, size_t cap);
int io_entry_count(const char *dir);
void io_scratch_remove(const char *dir);

#endif
