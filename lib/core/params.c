/*
 * Keyed option tables: validation and conversion of one row's value, with
 * integers kept as integers (see params_internal.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "error_internal.h"
#include "params_internal.h"

/* 2^63 as a double: int64_t holds exactly the doubles in [-2^63, 2^63). */
#define TWO_63 9223372036854775808.0

int lnn_params_find(const lnn_param_def *rows, size_t n, int key)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].key == key)
            return (int)i;
    return -1;
}

bool lnn_double_to_int64(double v, int64_t *out)
{
    /* The comparisons are false for NaN; the range check comes before the
     * cast, whose result is undefined outside int64_t. */
    if (!(v >= -TWO_63 && v < TWO_63) || v != floor(v))
        return false;
    *out = (int64_t)v;
    return true;
}

bool lnn_int64_fits_double(int64_t v)
{
    /* |v| <= 2^53 always fits; above, a double holds v when the bits below
     * its 53-bit mantissa are zero. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    while (mag > (UINT64_C(1) << 53)) {
        if (mag & 1)
            return false;
        mag >>= 1;
    }
    return true;
}

lnn_param_value lnn_params_default(const lnn_param_def *row)
{
    lnn_param_value v;
    if (!lnn_params_is_int(row))
        v.f = row->def;
    else if (!lnn_double_to_int64(row->def, &v.i))
        v.i = 0; /* tables give whole defaults; a malformed one reads as 0 */
    return v;
}

/* The integer bounds a row's double bounds mean (saturated to int64_t). */
static void int_bounds(const lnn_param_def *row, int64_t *lo, int64_t *hi)
{
    double min = ceil(row->min), max = floor(row->max);
    if (row->max_open && max == row->max)
        max -= 1;
    *lo = min <= -TWO_63 ? INT64_MIN : min >= TWO_63 ? INT64_MAX : (int64_t)min;
    *hi = max >= TWO_63 ? INT64_MAX : max <= -TWO_63 ? INT64_MIN : (int64_t)max;
}

static libnn_status check_int(const char *who, const lnn_param_def *row, int64_t v)
{
    int64_t lo, hi;
    int_bounds(row, &lo, &hi);
    if (row->type == LNN_PT_ENUM) {
        if (v < lo || v > hi || !row->enum_name || !row->enum_name((int)v))
            return lnn_error(LIBNN_E_INVALID, "%s: %s has no value %" PRId64 " (valid: %" PRId64
                             "..%" PRId64 ")", who, row->name, v, lo, hi);
        return LIBNN_OK;
    }
    if (row->type == LNN_PT_BOOL && v != 0 && v != 1)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a boolean (0 or 1), got %" PRId64, who,
                         row->name, v);
    if (v < lo)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be >= %" PRId64 ", got %" PRId64, who,
                         row->name, lo, v);
    if (v > hi)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be <= %" PRId64 ", got %" PRId64, who,
                         row->name, hi, v);
    return LIBNN_OK;
}

static libnn_status check_float(const char *who, const lnn_param_def *row, double v)
{
    if (isnan(v)) {
        if (row->nan_unsets)
            return LIBNN_OK;
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be a finite number, got NaN", who, row->name);
    }
    if (isinf(v))
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be a finite number, got %g", who,
                         row->name, v);
    if (v < row->min)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be >= %g, got %g", who, row->name,
                         row->min, v);
    if (row->max_open ? v >= row->max : v > row->max)
        return lnn_error(LIBNN_E_INVALID, "%s: %s must be %s %g, got %g", who, row->name,
                         row->max_open ? "<" : "<=", row->max, v);
    return LIBNN_OK;
}

libnn_status lnn_params_from_int(const char *who, const lnn_param_def *row, int64_t v,
                                 lnn_param_value *out)
{
    if (lnn_params_is_int(row)) {
        libnn_status st = check_int(who, row, v);
        if (st == LIBNN_OK)
            out->i = v;
        return st;
    }
    if (!lnn_int64_fits_double(v))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a float option and %" PRId64
                         " has no exact double; use the float setter", who, row->name, v);
    libnn_status st = check_float(who, row, (double)v);
    if (st == LIBNN_OK)
        out->f = (double)v;
    return st;
}

libnn_status lnn_params_from_double(const char *who, const lnn_param_def *row, double v,
                                    bool allow_integral, const char *int_setter,
                                    lnn_param_value *out)
{
    if (!lnn_params_is_int(row)) {
        libnn_status st = check_float(who, row, v);
        if (st == LIBNN_OK)
            out->f = v;
        return st;
    }
    int64_t i;
    if (!allow_integral)
        return lnn_error(LIBNN_E_INVALID, "%s: %s takes an integer; use %s", who, row->name,
                         int_setter);
    if (!lnn_double_to_int64(v, &i))
        return lnn_error(LIBNN_E_INVALID, "%s: %s takes an integer, got %g (use %s)", who,
                         row->name, v, int_setter);
    return lnn_params_from_int(who, row, i, out);
}

libnn_status lnn_params_from(const char *who, const lnn_param_def *row, bool from_int,
                             lnn_param_value in, bool allow_integral, const char *int_setter,
                             lnn_param_value *out)
{
    if (from_int)
        return lnn_params_from_int(who, row, in.i, out);
    return lnn_params_from_double(who, row, in.f, allow_integral, int_setter, out);
}

libnn_status lnn_params_to_int(const char *who, const lnn_param_def *row, lnn_param_value v,
                               const char *float_getter, int64_t *out)
{
    if (!lnn_params_is_int(row))
        return lnn_error(LIBNN_E_INVALID, "%s: %s is a float option; use %s", who, row->name,
                         float_getter);
    *out = v.i;
    return LIBNN_OK;
}

libnn_status lnn_params_to_double(const char *who, const lnn_param_def *row, lnn_param_value v,
                                  const char *int_getter, double *out)
{
    if (!lnn_params_is_int(row)) {
        *out = v.f;
        return LIBNN_OK;
    }
    if (!lnn_int64_fits_double(v.i))
        return lnn_error(LIBNN_E_RANGE, "%s: %s is %" PRId64 ", which a double cannot hold; "
                         "use %s", who, row->name, v.i, int_getter);
    *out = (double)v.i;
    return LIBNN_OK;
}

void lnn_params_format(const lnn_param_def *row, lnn_param_value v, char *buf, size_t cap)
{
    if (lnn_params_is_int(row))
        snprintf(buf, cap, "%" PRId64, v.i);
    else
        snprintf(buf, cap, "%g", v.f);
}
