/*
 * Private: what the splitters share — seeded index shuffling, class labels
 * turned into class numbers, and the stratified train/test choice.
 */
#ifndef LIBNN_SPLIT_INTERNAL_H
#define LIBNN_SPLIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng_internal.h"
#include "libnn/tensor.h"

/* Fisher–Yates on idx[0..n) with draws from rng: for i from n - 1 down to
 * 1, swap entries i and j, j uniform in [0, i] (libnn_shuffle's order). */
void lnn_shuffle_indices(size_t *idx, size_t n, lnn_rng *rng);

/*
 * The class of every sample of the labels y (see "class labels" in
 * libnn/data.h), numbered 0, 1, ... in order of first appearance, as
 * scikit-learn's StratifiedKFold encodes them. On success *codes (n
 * entries, lnn_free) and *classes are set; on failure *codes is NULL and
 * the message starts with `who`.
 */
libnn_status lnn_class_codes(const char *who, const libnn_tensor *y, size_t **codes,
                             size_t *classes);

/*
 * A stratified train/test split of the n samples labelled by y: perm[0..n)
 * receives the training samples first, then the n_test test samples, each
 * part in a random order drawn from `seed`.
 */
libnn_status lnn_stratified_split(const char *who, const libnn_tensor *y, size_t n_test,
                                  uint64_t seed, size_t *perm);

#endif
