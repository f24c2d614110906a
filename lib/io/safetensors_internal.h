/*
 * Private: the parsed and validated header of a safetensors file.
 *
 * Layout: bytes 0..7 hold N, the header length, little-endian; bytes
 * 8..8+N-1 hold a JSON object (UTF-8, padded with spaces); the data section
 * follows and is covered exactly by the tensors' data_offsets, which count
 * from its start.
 */
#ifndef LIBNN_SAFETENSORS_INTERNAL_H
#define LIBNN_SAFETENSORS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "dtype_internal.h"
#include "libnn/tensor.h"

/* The reference implementation's cap on N. */
#define LNN_ST_MAX_HEADER 100000000u
/* libnn's cap on the JSON values of a header (keys, strings, numbers,
 * arrays, objects each count one). Parsed, a header costs up to ~120 bytes
 * per value besides its strings: the cap keeps that under ~32 MB whatever
 * the header holds. A tensor entry takes 10 values (rank 1) to 17 (rank 8),
 * so 15,000 to 26,000 tensors fit; sharded checkpoints hold far fewer per
 * file. */
#define LNN_ST_MAX_VALUES 262144u
/* libnn's cap on one string of a header (a key or a value, as its bytes in
 * the file): jansson lexes a string in a buffer that grows by doubling, so
 * without it a long metadata value costs four times its size. libnn's own
 * metadata (the architecture JSON) takes kilobytes. */
#define LNN_ST_MAX_STRING 16777216u
#define LNN_ST_PREFIX 8u

typedef struct lnn_st_info {
    const char *name;  /* borrowed from the parsed JSON */
    lnn_st_dtype dtype;
    size_t rank;       /* as in the file, possibly above LIBNN_MAX_RANK */
    int64_t shape[LIBNN_MAX_RANK];  /* the first LIBNN_MAX_RANK dimensions */
    size_t count;      /* elements */
    uint64_t begin, end;  /* data_offsets */
    size_t order;      /* position in the header */
} lnn_st_info;

typedef struct lnn_st_header {
    json_t *root;      /* owns the strings the infos and metadata point into */
    json_t *metadata;  /* the "__metadata__" object inside root, or NULL */
    lnn_st_info *infos;  /* sorted by data offset */
    size_t count;
    uint64_t data_start;  /* file offset of the data section */
} lnn_st_header;

/*
 * Check the 8-byte prefix at `prefix` of a file of `file_size` bytes (at
 * least LNN_ST_PREFIX) and give the header length N: at most the cap and
 * within the file. Errors: LIBNN_E_FORMAT, with `who` in front.
 */
libnn_status lnn_st_header_length(const char *who, const unsigned char *prefix,
                                  uint64_t file_size, uint64_t *length);

/* The message for a file shorter than the prefix. */
libnn_status lnn_st_too_short(const char *who, uint64_t file_size);

/*
 * Parse and validate the `length` header bytes of a file of `file_size`
 * bytes: every rule of libnn/io.h except the values of the data. On success
 * `out` owns the parse (free with lnn_st_header_clear); on error it is
 * empty. Errors: LIBNN_E_FORMAT, LIBNN_E_UNSUPPORTED, LIBNN_E_NOMEM.
 */
libnn_status lnn_st_header_parse(const char *who, const unsigned char *header, size_t length,
                                 uint64_t file_size, lnn_st_header *out);

void lnn_st_header_clear(lnn_st_header *h);

#endif
