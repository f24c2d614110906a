/*
 * Small compiled models that together use every layer kind with options off
 * their defaults, for the model-file, JSON and clone suites.
 */
#ifndef LIBNN_MODEL_ZOO_H
#define LIBNN_MODEL_ZOO_H

#include "libnn.h"

#define TU_ZOO_COUNT 4

/* Model `which` (0 .. TU_ZOO_COUNT - 1) compiled with `seed`, and its name. */
libnn_model *tu_zoo_model(int which, uint64_t seed);
const char *tu_zoo_name(int which);
/* A batch of n inputs and labels that fit model `which` (labels may be NULL
 * when not wanted). */
void tu_zoo_data(int which, size_t n, uint64_t seed, libnn_tensor **x, libnn_tensor **y);
/* Assert two tensors have the same shape and bytes. */
void tu_assert_tensors_identical(const libnn_tensor *a, const libnn_tensor *b);

#endif
