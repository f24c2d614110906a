/*
 * What the splitters share: seeded index shuffling, class labels turned
 * into class numbers by first appearance, and the stratified train/test
 * choice of libnn_train_test_split_ex.
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "split_internal.h"

void lnn_shuffle_indices(size_t *idx, size_t n, lnn_rng *rng)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)lnn_rng_below(rng, (uint64_t)i + 1), v = idx[i];
        idx[i] = idx[j];
        idx[j] = v;
    }
}

/* ---- class numbers ---- */

typedef struct labelled {
    float value;
    size_t index;
} labelled;

static int by_value_then_index(const void *pa, const void *pb)
{
    const labelled *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The class value of each sample: the label, or the column of the 1 of a
 * one-hot row. */
static libnn_status label_values(const char *who, const libnn_tensor *y, size_t width,
                                 labelled *l)
{
    size_t n = (size_t)y->shape[0];
    for (size_t i = 0; i < n; i++) {
        const float *row = y->data + i * width;
        l[i].index = i;
        if (width == 1) {
            if (!isfinite(row[0]) || row[0] != floorf(row[0]))
                return lnn_error(LIBNN_E_RANGE,
                                 "%s: y sample %zu is %g, not a class label (a whole number)",
                                 who, i, (double)row[0]);
            l[i].value = row[0] == 0 ? 0.0f : row[0]; /* -0 and 0 are one class */
            continue;
        }
        size_t ones = 0, hot = 0;
        for (size_t j = 0; j < width; j++) {
            if (row[j] == 1.0f) {
                ones++;
                hot = j;
            } else if (row[j] != 0.0f) {
                ones = 2;
            }
        }
        if (ones != 1)
            return lnn_error(LIBNN_E_RANGE,
                             "%s: y row %zu is not one-hot (one 1 and %zu zeros expected)", who,
                             i, width - 1);
        l[i].value = (float)hot;
    }
    return LIBNN_OK;
}

libnn_status lnn_class_codes(const char *who, const libnn_tensor *y, size_t **codes,
                             size_t *classes)
{
    *codes = NULL;
    *classes = 0;
    size_t width = y->ndim == 1 ? 1 : (size_t)y->shape[1];
    if (y->ndim > 2 || width == 0) {
        char s[200];
        return lnn_error(LIBNN_E_SHAPE,
                         "%s: class labels y must be [n], [n, 1] or one-hot [n, classes], got %s",
                         who, lnn_format_shape(s, sizeof s, y->ndim, y->shape));
    }
    size_t n = (size_t)y->shape[0];
    labelled *l = lnn_malloc_array(n, sizeof *l);
    size_t *out = lnn_malloc_array(n, sizeof *out);
    size_t *rank = lnn_malloc_array(n, sizeof *rank);
    libnn_status st = LIBNN_OK;
    if (!l || !out || !rank)
        st = lnn_error_nomem(who, n * (sizeof *l + 2 * sizeof *out));
    if (st == LIBNN_OK)
        st = label_values(who, y, width, l);
    if (st != LIBNN_OK) {
        lnn_free(l);
        lnn_free(out);
        lnn_free(rank);
        return st;
    }
    /* Group equal values (np.unique), then number the groups in the order
     * their first sample appears. */
    qsort(l, n, sizeof *l, by_value_then_index);
    size_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && l[i].value != l[i - 1].value)
            groups++;
        out[l[i].index] = groups;
    }
    for (size_t g = 0; g < n; g++)
        rank[g] = SIZE_MAX;
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        if (rank[out[i]] == SIZE_MAX)
            rank[out[i]] = next++;
        out[i] = rank[out[i]];
    }
    lnn_free(l);
    lnn_free(rank);
    *codes = out;
    *classes = next;
    return LIBNN_OK;
}

/* ---- stratified train/test split ---- */

typedef struct share {
    uint64_t remainder;
    size_t cls;
} share;

static int by_remainder(const void *pa, const void *pb)
{
    const share *a = pa, *b = pb;
    if (a->remainder != b->remainder)
        return a->remainder > b->remainder ? -1 : 1;
    return (a->cls > b->cls) - (a->cls < b->cls);
}

/* Test rows per class: n_test * count / n, the largest remainders rounded
 * up so that the counts add up to n_test. */
static libnn_status test_counts(const char *who, const size_t *count, size_t classes, size_t n,
                                size_t n_test, size_t *take)
{
    share *s = lnn_malloc_array(classes, sizeof *s);
    if (!s)
        return lnn_error_nomem(who, classes * sizeof *s);
    size_t given = 0;
    for (size_t c = 0; c < classes; c++) {
        uint64_t exact = (uint64_t)n_test * count[c]; /* n < 2^32: no overflow */
        take[c] = (size_t)(exact / n);
        s[c] = (share){exact % n, c};
        given += take[c];
    }
    qsort(s, classes, sizeof *s, by_remainder);
    for (size_t i = 0; given + i < n_test; i++)
        take[s[i].cls]++;
    lnn_free(s);
    return LIBNN_OK;
}

libnn_status lnn_stratified_split(const char *who, const libnn_tensor *y, size_t n_test,
                                  uint64_t seed, size_t *perm)
{
    size_t n = (size_t)y->shape[0], n_train = n - n_test, classes;
    if (n > UINT32_MAX)
        return lnn_error(LIBNN_E_RANGE, "%s: stratifying is limited to 2^32 - 1 samples, y has %zu",
                         who, n);
    size_t *codes;
    libnn_status st = lnn_class_codes(who, y, &codes, &classes);
    if (st != LIBNN_OK)
        return st;
    if (n_test < classes || n_train < classes) {
        lnn_free(codes);
        return lnn_error(LIBNN_E_RANGE,
                         "%s: y has %zu classes; stratifying needs at least as many test and "
                         "training rows, the split gives %zu test and %zu training rows",
                         who, classes, n_test, n_train);
    }
    size_t *count = lnn_calloc(3 * classes, sizeof *count);
    size_t *grouped = lnn_malloc_array(n, sizeof *grouped);
    if (!count || !grouped) {
        lnn_free(codes);
        lnn_free(count);
        lnn_free(grouped);
        return lnn_error_nomem(who, (3 * classes + n) * sizeof *count);
    }
    size_t *start = count + classes, *take = start + classes;
    for (size_t i = 0; i < n; i++)
        count[codes[i]]++;
    for (size_t c = 1; c < classes; c++)
        start[c] = start[c - 1] + count[c - 1];
    st = test_counts(who, count, classes, n, n_test, take);
    if (st == LIBNN_OK) {
        /* Samples grouped by class (in data order), then each class's test
         * rows drawn at random and the two parts shuffled. */
        for (size_t i = 0; i < n; i++)
            grouped[start[codes[i]]++] = i;
        lnn_rng rng;
        lnn_rng_seed(&rng, seed);
        size_t *train = perm, *test = perm + n_train, first = 0;
        for (size_t c = 0; c < classes; c++) {
            size_t *members = grouped + first;
            lnn_shuffle_indices(members, count[c], &rng);
            for (size_t t = 0; t < count[c]; t++)
                *(t < take[c] ? test++ : train++) = members[t];
            first += count[c];
        }
        lnn_shuffle_indices(perm, n_train, &rng);
        lnn_shuffle_indices(perm + n_train, n_test, &rng);
    }
    lnn_free(codes);
    lnn_free(count);
    lnn_free(grouped);
    return st;
}
