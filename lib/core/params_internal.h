/*
 * Private: keyed option tables, shared by the layers, the optimizers, the
 * model and the built-in callbacks.
 *
 * A table is an array of lnn_param_def rows (key, name, type, default,
 * bounds). Integer, boolean and enum options are stored as int64_t and
 * floats as double (lnn_param_value): an integer is never carried through a
 * double, so a seed above 2^53 or INT64_MAX keeps its exact value, and a
 * bound is checked on the integer itself before anything is converted.
 * Where the values live (parallel to the rows, by key, in struct fields) is
 * each owner's choice; this module validates, converts and formats.
 */
#ifndef LIBNN_PARAMS_INTERNAL_H
#define LIBNN_PARAMS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnn/status.h"

typedef enum lnn_param_type {
    LNN_PT_INT,
    LNN_PT_BOOL,
    LNN_PT_FLOAT,
    LNN_PT_ENUM
} lnn_param_type;

typedef struct lnn_param_def {
    int key;          /* the owner's key enum (libnn_param, libnn_opt_param, ...) */
    const char *name; /* as Keras spells it: "strides", "use_bias" */
    lnn_param_type type;
    double def;       /* default; may lie outside the bounds as an "unset" marker */
    /* Inclusive bounds (enums: 0 .. count-1). For integer rows a bound
     * beyond int64_t's range means "none" on that side. */
    double min, max;
    bool max_open;    /* the upper bound is exclusive: rate in [0, 1) */
    const char *(*enum_name)(int value); /* enums: the value's name, NULL if unknown */
    bool nan_unsets;  /* float rows: NaN is accepted and means "unset" (Keras' None) */
} lnn_param_def;

/* Rows. */
#define LNN_PARAM_INT(k, n, d, lo, hi) {k, n, LNN_PT_INT, d, lo, hi, false, NULL, false}
#define LNN_PARAM_BOOL(k, n, d) {k, n, LNN_PT_BOOL, d, 0, 1, false, NULL, false}
#define LNN_PARAM_FLOAT(k, n, d, lo, hi) {k, n, LNN_PT_FLOAT, d, lo, hi, false, NULL, false}
#define LNN_PARAM_ENUM(k, n, d, count, names)                                                   \
    {k, n, LNN_PT_ENUM, d, 0, (count) - 1, false, names, false}
/* A float in [0, 1): rates, betas. */
#define LNN_PARAM_FRACTION_OPEN(k, n, d) {k, n, LNN_PT_FLOAT, d, 0, 1, true, NULL, false}

/* An integer row's max that means "up to INT64_MAX" (2^63 as a double). */
#define LNN_INT_NO_MAX 9223372036854775808.0

/* One stored option: `i` for INT, BOOL and ENUM rows, `f` for FLOAT rows. */
typedef union lnn_param_value {
    int64_t i;
    double f;
} lnn_param_value;

/* Whether a row stores an integer. */
static inline bool lnn_params_is_int(const lnn_param_def *row)
{
    return row->type != LNN_PT_FLOAT;
}

/* Index of `key` in rows[0..n), or -1. */
int lnn_params_find(const lnn_param_def *rows, size_t n, int key);

/* The row's default as a stored value. */
lnn_param_value lnn_params_default(const lnn_param_def *row);

/*
 * Validate a value for `row` and return it stored (in *out, untouched on
 * failure). `who` opens the message ("dense_1", "adam"); `setter` names the
 * function of the other type for the message "... use <setter>".
 *  - from_int: an integer row takes it after its bounds are checked on the
 *    integer; a float row takes it only when the double holds it exactly.
 *  - from_double: a float row refuses NaN (unless nan_unsets), infinities
 *    beyond its bounds and out-of-bounds values; an integer row refuses it
 *    unless allow_integral and the double is a whole number inside int64_t
 *    and the row's bounds (compatibility for setters that took integers as
 *    doubles).
 * Errors: LIBNN_E_INVALID, the message naming who, the option and bounds.
 */
libnn_status lnn_params_from_int(const char *who, const lnn_param_def *row, int64_t v,
                                 lnn_param_value *out);
libnn_status lnn_params_from_double(const char *who, const lnn_param_def *row, double v,
                                    bool allow_integral, const char *int_setter,
                                    lnn_param_value *out);

/* The two above for a typed setter: in.i through lnn_params_from_int when
 * from_int, else in.f through lnn_params_from_double. */
libnn_status lnn_params_from(const char *who, const lnn_param_def *row, bool from_int,
                             lnn_param_value in, bool allow_integral, const char *int_setter,
                             lnn_param_value *out);

/*
 * Read a stored value as the getters do. to_int: a float row refuses
 * (LIBNN_E_INVALID naming float_getter). to_double: an integer row gives
 * its value when a double holds it exactly, else LIBNN_E_RANGE naming
 * int_getter. *out is untouched on failure.
 */
libnn_status lnn_params_to_int(const char *who, const lnn_param_def *row, lnn_param_value v,
                               const char *float_getter, int64_t *out);
libnn_status lnn_params_to_double(const char *who, const lnn_param_def *row, lnn_param_value v,
                                  const char *int_getter, double *out);

/* A value as the messages print it ("%g" or the integer) into buf. */
void lnn_params_format(const lnn_param_def *row, lnn_param_value v, char *buf, size_t cap);

/* A double that is a whole number inside int64_t's range, converted
 * exactly into *out; false (and *out untouched) for NaN, infinities,
 * fractions and values at or beyond +-2^63. */
bool lnn_double_to_int64(double v, int64_t *out);

/* Whether a double holds v exactly. */
bool lnn_int64_fits_double(int64_t v);

#endif
