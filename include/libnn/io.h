/*
 * libnn: tensor files (safetensors).
 *
 * A libnn_tensor_file is an in-memory list of named float32 tensors plus a
 * map of string metadata. It reads and writes the safetensors format: an
 * 8-byte little-endian header length, a UTF-8 JSON header, then the raw
 * little-endian tensor data. PyTorch, JAX and the safetensors tools read the
 * files libnn writes, and libnn reads theirs.
 *
 * Writing: every tensor is stored as F32. Tensors are written sorted by name
 * (bytewise, as the reference implementation orders tensors of one dtype);
 * "__metadata__" comes first in the header, its keys in the order they were
 * first set; the header is padded with spaces to a multiple of 8 bytes. The
 * same tensors and metadata therefore always give the same bytes.
 *
 * Reading trusts nothing. The header is at most 100,000,000 bytes and must lie
 * within the file; it must be valid UTF-8 and a JSON object starting with '{';
 * tensor names are unique; every entry has exactly "dtype", "shape" and
 * "data_offsets"; the dtype is known; shapes are non-negative integers whose
 * product does not overflow; offsets lie inside the data section, cover it
 * contiguously without overlap and without trailing bytes; each tensor's byte
 * count equals its element count times the dtype size. Any violation gives
 * LIBNN_E_FORMAT with a message naming the tensor and the byte offset (from
 * the start of the file) at fault.
 *
 * Memory: the JSON header is parsed whole. It may hold at most 262,144 JSON
 * values (keys, strings, numbers, arrays and objects each count one; a
 * tensor entry takes 10 to 17, so 15,000 to 26,000 tensors fit) and no key
 * or string longer than 16,777,216 bytes; beyond either cap loading is
 * LIBNN_E_FORMAT before anything is parsed. A load then needs at most twice
 * the header's size plus 64 MB, plus the tensors' float32 values (and, from
 * a file, a 64 KiB conversion buffer): a 96 MB header of tiny metadata
 * entries is refused at the cost of reading it.
 *
 * Every dtype of the classic safetensors set is converted to float32 on read:
 * F32, F16, BF16, F8_E4M3 and F8_E5M2 exactly; F64 rounded to nearest (a
 * finite value beyond the float32 range gives LIBNN_E_RANGE); BOOL (bytes 0 or
 * 1, anything else is LIBNN_E_FORMAT), U8, I8, I16, U16, I32, U32, I64 and U64
 * only when every value is exactly representable as float32 (for instance
 * every integer of magnitude up to 2^24), otherwise LIBNN_E_RANGE naming the
 * tensor, the element and the value. The newer dtypes F8_E8M0, F4, F6_E2M3,
 * F6_E3M2 and C64 give LIBNN_E_UNSUPPORTED, as do tensors of rank above
 * LIBNN_MAX_RANK. A scalar (shape []) is loaded as shape [1].
 *
 * Loaded tensors are listed in the order of their data in the file (ties
 * between empty tensors broken by header order), metadata in header order.
 *
 * Threading: one thread at a time per libnn_tensor_file; distinct objects are
 * independent.
 */
#ifndef LIBNN_IO_H
#define LIBNN_IO_H

#include <stddef.h>

#include "libnn/export.h"
#include "libnn/status.h"
#include "libnn/tensor.h"

LIBNN_BEGIN_DECLS

typedef struct libnn_tensor_file libnn_tensor_file;

/*
 * New empty tensor file (no tensors, no metadata). On success *out is owned
 * by the caller, who frees it with libnn_tensor_file_free(); on failure *out
 * is NULL. Errors: LIBNN_E_INVALID (out is NULL), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_file_new(libnn_tensor_file **out);

/* Free a tensor file and every tensor and string it owns. NULL is ignored. */
LIBNN_API void libnn_tensor_file_free(libnn_tensor_file *f);

/*
 * Append a copy of `t` under `name` (a NUL-terminated UTF-8 string, copied).
 * The caller keeps ownership of both. On error `f` is unchanged.
 * Errors: LIBNN_E_INVALID (a NULL argument, a name that is not valid UTF-8,
 * the reserved name "__metadata__", a name already present), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_file_add(libnn_tensor_file *f, const char *name,
                                             const libnn_tensor *t);

/* Number of tensors; 0 for NULL. */
LIBNN_API size_t libnn_tensor_file_count(const libnn_tensor_file *f);

/*
 * Name of the tensor at `index` (0 <= index < count), in insertion order, or
 * for a loaded file in the order of the data in the file. Borrowed: valid
 * until `f` is freed. NULL for NULL or an index out of range.
 */
LIBNN_API const char *libnn_tensor_file_name(const libnn_tensor_file *f, size_t index);

/*
 * Look a tensor up by name. On success *out is a borrowed pointer, valid until
 * `f` is freed; on failure *out is NULL (when out is not NULL).
 * Errors: LIBNN_E_INVALID (a NULL argument), LIBNN_E_NOTFOUND.
 */
LIBNN_API libnn_status libnn_tensor_file_get(const libnn_tensor_file *f, const char *name,
                                             const libnn_tensor **out);

/*
 * Set metadata `key` to `value` (both NUL-terminated UTF-8, copied). A key
 * that exists keeps its position and gets the new value. On error `f` is
 * unchanged. Errors: LIBNN_E_INVALID (a NULL argument, invalid UTF-8),
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_file_set_metadata(libnn_tensor_file *f, const char *key,
                                                      const char *value);

/* Number of metadata entries; 0 for NULL. */
LIBNN_API size_t libnn_tensor_file_metadata_count(const libnn_tensor_file *f);

/*
 * Metadata key at `index`, in the order keys were first set (or read).
 * Borrowed: valid until `f` is freed or the key's entry changes. NULL for NULL
 * or an index out of range.
 */
LIBNN_API const char *libnn_tensor_file_metadata_key(const libnn_tensor_file *f, size_t index);

/*
 * Value of metadata `key`. Borrowed: valid until `f` is freed or the value is
 * set again. NULL when `f` or `key` is NULL or the key is absent.
 */
LIBNN_API const char *libnn_tensor_file_metadata_get(const libnn_tensor_file *f, const char *key);

/*
 * Write `f` to `path` as a safetensors file, atomically: the bytes go to a
 * temporary file in the same folder, which is flushed to disk (fsync),
 * renamed over `path`, and the folder is flushed too. An existing file at
 * `path` keeps its permission bits; a symbolic link at `path` is replaced, not
 * followed. On any failure before the rename an existing file at `path` is
 * left byte-identical and no temporary file remains. A failure after the
 * rename (closing the file, flushing the folder) is reported as LIBNN_E_IO
 * although the new content, already flushed, is in place.
 *
 * Temporary files (the policy of every atomic save of libnn: tensor, model
 * and tokenizer files). On Linux, where the folder's file system supports
 * O_TMPFILE and /proc is mounted, the bytes go to an unnamed file: a process
 * killed while saving leaves nothing. The file is named only from its fsync
 * to the rename, as `path` plus ".libnn-tmp-<pid>-<n>"; elsewhere it has
 * that name from the start. Its owner holds an exclusive flock() on it, and
 * every save first deletes the temporary files of the same `path` that no
 * process holds locked (their owner died), so they never accumulate. Files
 * of another user that the saving process may not open, and folders on file
 * systems without flock(), keep their orphans.
 * Errors: LIBNN_E_INVALID (a NULL argument, an empty path or one ending in
 * '/', a header above the format's 100,000,000-byte cap),
 * LIBNN_E_IO (the system refused: the message names the operation, the path
 * and the reason), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_file_save(const libnn_tensor_file *f, const char *path);

/*
 * Read the safetensors file at `path`, validating it as described at the top
 * of this header. On success *out is a new tensor file owned by the caller;
 * on failure *out is NULL. Errors: LIBNN_E_INVALID (a NULL argument),
 * LIBNN_E_IO (cannot open or read, or not a regular file), LIBNN_E_FORMAT,
 * LIBNN_E_RANGE, LIBNN_E_UNSUPPORTED (see above), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_file_load(const char *path, libnn_tensor_file **out);

/*
 * As libnn_tensor_file_load, from the `size` bytes at `data` (a whole
 * safetensors file in memory). The caller keeps ownership of `data`, which
 * is only read during the call. `data` may be NULL when `size` is 0.
 * Errors: LIBNN_E_INVALID, LIBNN_E_FORMAT, LIBNN_E_RANGE,
 * LIBNN_E_UNSUPPORTED, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_file_load_buffer(const void *data, size_t size,
                                                     libnn_tensor_file **out);

/*
 * Serialize `f` into `buf` (the same bytes as libnn_tensor_file_save writes),
 * snprintf-style: *needed always receives the size of the whole file in bytes
 * (when `f` and `needed` are valid); the bytes are written only when
 * `capacity` >= *needed, otherwise nothing is written and the call returns
 * LIBNN_E_RANGE (so buf = NULL, capacity = 0 asks for the size). `buf` stays
 * owned by the caller. Errors: LIBNN_E_INVALID (f or needed NULL, buf NULL
 * with a non-zero capacity, a header above the format's cap), LIBNN_E_RANGE,
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tensor_file_save_buffer(const libnn_tensor_file *f, void *buf,
                                                     size_t capacity, size_t *needed);

LIBNN_END_DECLS

#endif /* LIBNN_IO_H */
