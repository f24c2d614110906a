/*
 * Keras' pad_sequences: ragged int sequences to a [n, maxlen] float tensor.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "tokenizer_internal.h"

/* Beyond this magnitude float32 no longer holds every integer. */
#define EXACT_LIMIT (1 << 24)

/* The sequences either as offsets (count + 1 entries) or as lengths. */
typedef struct seq_source {
    const int32_t *values;
    const size_t *offsets;
    const size_t *lengths;
    size_t n;
} seq_source;

static size_t source_length(const seq_source *src, size_t i)
{
    return src->offsets ? src->offsets[i + 1] - src->offsets[i] : src->lengths[i];
}

static libnn_status check_args(const char *who, int64_t maxlen, libnn_pad_side padding,
                               libnn_pad_side truncating, libnn_tensor **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (maxlen < 0)
        return lnn_error(LIBNN_E_INVALID, "%s: maxlen must be >= 0 (0: the longest), got %lld",
                         who, (long long)maxlen);
    if (padding != LIBNN_PAD_PRE && padding != LIBNN_PAD_POST)
        return lnn_error(LIBNN_E_INVALID, "%s: padding must be LIBNN_PAD_PRE or LIBNN_PAD_POST, "
                         "got %d", who, (int)padding);
    if (truncating != LIBNN_PAD_PRE && truncating != LIBNN_PAD_POST)
        return lnn_error(LIBNN_E_INVALID, "%s: truncating must be LIBNN_PAD_PRE or "
                         "LIBNN_PAD_POST, got %d", who, (int)truncating);
    return LIBNN_OK;
}

/* Copy row i: the kept values of the sequence, placed at its side. */
static libnn_status fill_row(const char *who, const int32_t *seq, size_t len, size_t i,
                             size_t maxlen, libnn_pad_side padding, libnn_pad_side truncating,
                             float *row)
{
    size_t keep = len < maxlen ? len : maxlen;
    size_t from = truncating == LIBNN_PAD_PRE ? len - keep : 0;
    size_t to = padding == LIBNN_PAD_PRE ? maxlen - keep : 0;
    for (size_t k = 0; k < keep; k++) {
        int32_t v = seq[from + k];
        if (v > EXACT_LIMIT || v < -EXACT_LIMIT)
            return lnn_error(LIBNN_E_RANGE,
                             "%s: value %ld (sequence %zu, position %zu) is beyond 2^24 and not "
                             "exactly a float32",
                             who, (long)v, i, from + k);
        row[to + k] = (float)v;
    }
    return LIBNN_OK;
}

static libnn_status pad(const char *who, const seq_source *src, int64_t maxlen,
                        libnn_pad_side padding, libnn_pad_side truncating, float value,
                        libnn_tensor **out)
{
    size_t width = (size_t)maxlen;
    if (maxlen == 0)
        for (size_t i = 0; i < src->n; i++)
            if (source_length(src, i) > width)
                width = source_length(src, i);
    if (src->n > (size_t)INT64_MAX || width > (size_t)INT64_MAX)
        return lnn_error_nomem(who, SIZE_MAX);
    libnn_tensor *t;
    libnn_status st = libnn_tensor_new(2, (const int64_t[]){(int64_t)src->n, (int64_t)width}, &t);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", who);
    libnn_tensor_fill(t, value);
    float *data = libnn_tensor_data(t);
    size_t start = 0;
    /* With width 0 there is nothing to copy (and data is NULL). */
    for (size_t i = 0; st == LIBNN_OK && width > 0 && i < src->n; i++) {
        size_t len = source_length(src, i);
        if (src->offsets)
            start = src->offsets[i];
        if (len > 0)
            st = fill_row(who, src->values + start, len, i, width, padding, truncating,
                          data + i * width);
        start += len;
    }
    if (st != LIBNN_OK) {
        libnn_tensor_free(t);
        return st;
    }
    *out = t;
    return LIBNN_OK;
}

libnn_status libnn_pad_sequences(const libnn_sequences *seqs, int64_t maxlen,
                                 libnn_pad_side padding, libnn_pad_side truncating, float value,
                                 libnn_tensor **out)
{
    static const char who[] = "pad_sequences";
    libnn_status st = check_args(who, maxlen, padding, truncating, out);
    if (st != LIBNN_OK)
        return st;
    if (!seqs)
        return lnn_error(LIBNN_E_INVALID, "%s: sequences is NULL", who);
    seq_source src = {seqs->values, seqs->offsets, NULL, seqs->count};
    return pad(who, &src, maxlen, padding, truncating, value, out);
}

libnn_status libnn_pad_sequences_arrays(const int32_t *values, const size_t *lengths, size_t n,
                                        int64_t maxlen, libnn_pad_side padding,
                                        libnn_pad_side truncating, float value,
                                        libnn_tensor **out)
{
    static const char who[] = "pad_sequences_arrays";
    libnn_status st = check_args(who, maxlen, padding, truncating, out);
    if (st != LIBNN_OK)
        return st;
    if (!lengths && n > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: lengths is NULL with n = %zu", who, n);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (!lnn_add_size(total, lengths[i], &total))
            return lnn_error(LIBNN_E_INVALID, "%s: the lengths overflow at sequence %zu", who, i);
    if (!values && total > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: values is NULL with %zu values", who, total);
    seq_source src = {values, NULL, lengths, n};
    return pad(who, &src, maxlen, padding, truncating, value, out);
}
