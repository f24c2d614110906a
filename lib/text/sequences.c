/*
 * Lists of int32 sequences of different lengths: what texts_to_sequences
 * returns and what pad_sequences and BLEU take.
 */
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "tokenizer_internal.h"

libnn_status lnn_sequences_alloc(const char *who, size_t count, size_t values,
                                 libnn_sequences **out)
{
    *out = NULL;
    libnn_sequences *s = lnn_calloc(1, sizeof *s);
    if (!s)
        return lnn_error_nomem(who, sizeof *s);
    s->count = count;
    s->offsets = count < SIZE_MAX ? lnn_calloc(count + 1, sizeof *s->offsets) : NULL;
    if (s->offsets && values > 0)
        s->values = lnn_malloc_array(values, sizeof *s->values);
    if (!s->offsets || (values > 0 && !s->values)) {
        libnn_sequences_free(s);
        return lnn_error_nomem(who, values * sizeof(int32_t));
    }
    *out = s;
    return LIBNN_OK;
}

libnn_status libnn_sequences_new(const int32_t *values, const size_t *lengths, size_t n,
                                 libnn_sequences **out)
{
    static const char who[] = "sequences_new";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    if (!lengths && n > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: lengths is NULL with n = %zu", who, n);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (!lnn_add_size(total, lengths[i], &total))
            return lnn_error(LIBNN_E_NOMEM, "%s: out of memory: the lengths overflow at sequence %zu",
                             who, i);
    if (!values && total > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: values is NULL with %zu values", who, total);
    libnn_sequences *s;
    libnn_status st = lnn_sequences_alloc(who, n, total, &s);
    if (st != LIBNN_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        s->offsets[i + 1] = s->offsets[i] + lengths[i];
    if (total > 0)
        memcpy(s->values, values, total * sizeof *values);
    *out = s;
    return LIBNN_OK;
}

void libnn_sequences_free(libnn_sequences *seqs)
{
    if (!seqs)
        return;
    lnn_free(seqs->values);
    lnn_free(seqs->offsets);
    lnn_free(seqs);
}

size_t libnn_sequences_count(const libnn_sequences *seqs)
{
    return seqs ? seqs->count : 0;
}

size_t libnn_sequences_length(const libnn_sequences *seqs, size_t i)
{
    if (!seqs || i >= seqs->count)
        return 0;
    return seqs->offsets[i + 1] - seqs->offsets[i];
}

libnn_status libnn_sequences_get(const libnn_sequences *seqs, size_t i, int32_t *dst,
                                 size_t capacity, size_t *length)
{
    static const char who[] = "sequences_get";
    if (!seqs || !length)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, seqs ? "length" : "sequences");
    if (!dst && capacity > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: dst is NULL with capacity %zu", who, capacity);
    if (i >= seqs->count)
        return lnn_error(LIBNN_E_RANGE, "%s: sequence %zu of %zu", who, i, seqs->count);
    size_t len = seqs->offsets[i + 1] - seqs->offsets[i];
    *length = len;
    if (capacity < len)
        return lnn_error(LIBNN_E_RANGE, "%s: sequence %zu has %zu values, capacity is %zu", who,
                         i, len, capacity);
    if (len > 0)
        memcpy(dst, seqs->values + seqs->offsets[i], len * sizeof *dst);
    return LIBNN_OK;
}
