/*
 * Cross-validation folds: scikit-learn's KFold and StratifiedKFold. A
 * libnn_folds records the test fold of every sample; the index lists are
 * made from that on request, so the handle costs one size_t per sample.
 */
#include <stdbool.h>
#include <string.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "libnn/data.h"
#include "split_internal.h"

struct libnn_folds {
    size_t n, k;
    size_t *fold_of; /* [n]: the test fold of each sample */
};

void libnn_folds_free(libnn_folds *folds)
{
    if (!folds)
        return;
    lnn_free(folds->fold_of);
    lnn_free(folds);
}

/* Check the common arguments and allocate an empty partition. */
static libnn_status folds_new(const char *who, int64_t n, int64_t k, unsigned flags,
                              libnn_folds **out)
{
    if (flags & ~(unsigned)LIBNN_SPLIT_SHUFFLE)
        return lnn_error(LIBNN_E_INVALID, "%s: flags 0x%x: only LIBNN_SPLIT_SHUFFLE (1) is allowed",
                         who, flags);
    if (k < 2)
        return lnn_error(LIBNN_E_INVALID, "%s: k (the number of folds) must be >= 2, got %lld",
                         who, (long long)k);
    if (n < 0 || (uint64_t)n > SIZE_MAX / sizeof(size_t))
        return lnn_error(LIBNN_E_RANGE, "%s: n (the number of samples) %lld is out of range", who,
                         (long long)n);
    if (k > n)
        return lnn_error(LIBNN_E_RANGE,
                         "%s: k = %lld folds for %lld samples: k must not exceed the number of "
                         "samples",
                         who, (long long)k, (long long)n);
    libnn_folds *f = lnn_calloc(1, sizeof *f);
    if (f)
        f->fold_of = lnn_malloc_array((size_t)n, sizeof *f->fold_of);
    if (!f || !f->fold_of) {
        libnn_folds_free(f);
        return lnn_error_nomem(who, (size_t)n * sizeof *f->fold_of);
    }
    f->n = (size_t)n;
    f->k = (size_t)k;
    *out = f;
    return LIBNN_OK;
}

libnn_status libnn_kfold(int64_t n, int64_t k, unsigned flags, uint64_t seed, libnn_folds **out)
{
    static const char who[] = "kfold";
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "%s: out is NULL", who);
    *out = NULL;
    libnn_folds *f;
    libnn_status st = folds_new(who, n, k, flags, &f);
    if (st != LIBNN_OK)
        return st;
    size_t *order = lnn_malloc_array(f->n, sizeof *order);
    if (!order) {
        libnn_folds_free(f);
        return lnn_error_nomem(who, (size_t)n * sizeof *order);
    }
    for (size_t i = 0; i < f->n; i++)
        order[i] = i;
    if (flags & LIBNN_SPLIT_SHUFFLE) {
        lnn_rng rng;
        lnn_rng_seed(&rng, seed);
        lnn_shuffle_indices(order, f->n, &rng);
    }
    /* Consecutive blocks of the order; the first n % k one larger. */
    size_t p = 0;
    for (size_t fold = 0; fold < f->k; fold++)
        for (size_t size = f->n / f->k + (fold < f->n % f->k); size > 0; size--)
            f->fold_of[order[p++]] = fold;
    lnn_free(order);
    *out = f;
    return LIBNN_OK;
}

/*
 * scikit-learn deals the class-sorted samples round-robin: sorted position
 * p goes to fold p % k. A class occupying positions [a, a + m) therefore
 * has this ascending sequence of folds (arange(k).repeat(allocation)).
 * Written in O(m) time even when k is much larger than m.
 */
static void class_fold_sequence(size_t a, size_t m, size_t k, size_t *seq)
{
    if (m >= k) {
        size_t q = m / k, s = a % k, r = m % k;
        for (size_t fold = 0; fold < k; fold++) {
            /* the last r positions have the residues s, s + 1, ... (mod k) */
            size_t extra = (fold >= s ? fold - s : fold + k - s) < r;
            for (size_t t = 0; t < q + extra; t++)
                *seq++ = fold;
        }
        return;
    }
    size_t s = a % k, wrapped = s + m > k ? s + m - k : 0;
    for (size_t fold = 0; fold < wrapped; fold++)
        *seq++ = fold;
    for (size_t fold = s; fold < s + m - wrapped; fold++)
        *seq++ = fold;
}

libnn_status libnn_stratified_kfold(const libnn_tensor *y, int64_t k, unsigned flags,
                                    uint64_t seed, libnn_folds **out)
{
    static const char who[] = "stratified_kfold";
    if (out)
        *out = NULL;
    if (!out || !y)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, !y ? "y" : "out");
    libnn_folds *f;
    libnn_status st = folds_new(who, y->shape[0], k, flags, &f);
    if (st != LIBNN_OK)
        return st;
    size_t *codes, classes, n = f->n;
    st = lnn_class_codes(who, y, &codes, &classes);
    if (st != LIBNN_OK) {
        libnn_folds_free(f);
        return st;
    }
    size_t *count = lnn_calloc(2 * classes, sizeof *count);
    size_t *grouped = lnn_malloc_array(2 * n, sizeof *grouped);
    if (!count || !grouped) {
        st = lnn_error_nomem(who, (2 * classes + 2 * n) * sizeof *count);
        goto done;
    }
    size_t *start = count + classes, *seq = grouped + n, largest = 0;
    for (size_t i = 0; i < n; i++)
        count[codes[i]]++;
    for (size_t c = 0; c < classes; c++) {
        largest = count[c] > largest ? count[c] : largest;
        if (c > 0)
            start[c] = start[c - 1] + count[c - 1];
    }
    if (largest < f->k) {
        st = lnn_error(LIBNN_E_RANGE,
                       "%s: k = %zu folds, but every class of y has fewer members (the largest "
                       "has %zu)",
                       who, f->k, largest);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        grouped[start[codes[i]]++] = i;
    lnn_rng rng;
    lnn_rng_seed(&rng, seed);
    for (size_t c = 0, first = 0; c < classes; first += count[c++]) {
        class_fold_sequence(first, count[c], f->k, seq);
        if (flags & LIBNN_SPLIT_SHUFFLE)
            lnn_shuffle_indices(seq, count[c], &rng);
        for (size_t t = 0; t < count[c]; t++)
            f->fold_of[grouped[first + t]] = seq[t];
    }
done:
    lnn_free(codes);
    lnn_free(count);
    lnn_free(grouped);
    if (st != LIBNN_OK)
        libnn_folds_free(f);
    else
        *out = f;
    return st;
}

size_t libnn_folds_count(const libnn_folds *folds)
{
    return folds ? folds->k : 0;
}

size_t libnn_folds_sample_count(const libnn_folds *folds)
{
    return folds ? folds->n : 0;
}

static libnn_status indices(const char *who, const libnn_folds *f, size_t fold, bool test,
                            int64_t *out, size_t capacity, size_t *count)
{
    if (!f || !count || (!out && capacity > 0))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who,
                         !f ? "folds" : !count ? "count" : "out");
    if (fold >= f->k)
        return lnn_error(LIBNN_E_RANGE, "%s: fold %zu does not exist (k = %zu)", who, fold, f->k);
    size_t m = 0;
    for (size_t i = 0; i < f->n; i++)
        m += (f->fold_of[i] == fold) == test;
    *count = m;
    if (capacity < m)
        return lnn_error(LIBNN_E_RANGE, "%s: fold %zu has %zu indices, capacity is %zu", who,
                         fold, m, capacity);
    for (size_t i = 0; i < f->n; i++)
        if ((f->fold_of[i] == fold) == test)
            *out++ = (int64_t)i;
    return LIBNN_OK;
}

libnn_status libnn_folds_test_indices(const libnn_folds *folds, size_t fold, int64_t *out,
                                      size_t capacity, size_t *count)
{
    return indices("folds_test_indices", folds, fold, true, out, capacity, count);
}

libnn_status libnn_folds_train_indices(const libnn_folds *folds, size_t fold, int64_t *out,
                                       size_t capacity, size_t *count)
{
    return indices("folds_train_indices", folds, fold, false, out, capacity, count);
}
