/*
 * CSV tables of numbers. The whole input is parsed twice by the same code:
 * the first pass validates everything (structure, numbers, names) and counts
 * rows and columns, the second fills tensors allocated once at their exact
 * size. A file is first read into memory whole, so memory is the file's size
 * plus the result, the column names and one field (at most MAX_FIELD).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc_internal.h"
#include "core/error_internal.h"
#include "core/tensor_internal.h"
#include "libnn/data.h"
#include "sysio_internal.h"
#include "utf8_internal.h"

struct libnn_csv_reader {
    bool header;
    unsigned char delimiter;
    int64_t label_column;  /* -1: none */
    size_t columns;        /* of the last successful load */
    char **names;          /* columns entries, or NULL without header */
};

/* ---- numbers in the C locale ---- */

/* strtof follows the process locale (a German locale wants "1,5"); data
 * files do not. glibc hands out its static C locale here, so nothing is
 * allocated; elsewhere the one object lives as long as the process. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* ---- the parser ---- */

typedef struct csv_scan {
    const char *who;
    const char *name;           /* the path, or "<buffer>" */
    const unsigned char *p;
    size_t n, pos, line;
    unsigned char delim;
    bool header;
    int64_t label;
    char *scratch;              /* the current field, unquoted, NUL-terminated */
    size_t cap;
    /* found by the first pass */
    size_t columns, rows, first_line;
    char **names;
    size_t name_count;
    /* filled by the second pass */
    float *x, *y;
} csv_scan;

typedef struct csv_field {
    size_t len;                 /* of the text in scratch */
    size_t line, col;           /* where it starts; col counts fields from 1 */
    bool ends_row;
} csv_field;

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static bool at_eol(const csv_scan *s)
{
    return s->pos == s->n || s->p[s->pos] == '\r' || s->p[s->pos] == '\n';
}

/* Step over one line end (CRLF, LF or CR) at pos, if any. */
static void skip_eol(csv_scan *s)
{
    if (s->pos < s->n && s->p[s->pos] == '\r')
        s->pos++;
    else if (s->pos < s->n && s->p[s->pos] == '\n')
        s->pos++;
    else
        return;
    if (s->pos < s->n && s->p[s->pos] == '\n' && s->p[s->pos - 1] == '\r')
        s->pos++;
    s->line++;
}

/* The field's text for a message: quoted, escaped, at most 40 bytes. */
static const char *quote_text(const char *text, size_t len, char *buf, size_t cap)
{
    size_t k = 0;
    buf[k++] = '"';
    for (size_t i = 0; i < len && k + 8 < cap; i++) {
        unsigned char c = (unsigned char)text[i];
        if (i == 40) {
            k += (size_t)snprintf(buf + k, cap - k, "...");
            break;
        }
        if (c == '"' || c == '\\')
            k += (size_t)snprintf(buf + k, cap - k, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            buf[k++] = (char)c;
        else
            k += (size_t)snprintf(buf + k, cap - k, "\\x%02x", c);
    }
    buf[k++] = '"';
    buf[k] = '\0';
    return buf;
}

static libnn_status at_error(const csv_scan *s, libnn_status st, size_t line, size_t col,
                             const char *fmt, ...) LNN_PRINTF(5, 6);

static libnn_status at_error(const csv_scan *s, libnn_status st, size_t line, size_t col,
                             const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return lnn_error(st, "%s: %.300s:%zu:%zu: %s", s->who, s->name, line, col, what);
}

/* The longest field: a number or a column name needs far less, and the
 * cap keeps the copy of one field from doubling the memory of a load. */
#define MAX_FIELD 65536u

static libnn_status append(csv_scan *s, csv_field *f, const unsigned char *bytes, size_t k)
{
    size_t *len = &f->len;
    if (k > MAX_FIELD - *len)
        return at_error(s, LIBNN_E_FORMAT, f->line, f->col,
                        "field of more than %u bytes: no number or column name is that long",
                        MAX_FIELD);
    if (*len + k + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < *len + k + 1)
            cap *= 2;
        char *grown = lnn_realloc(s->scratch, cap);
        if (!grown)
            return lnn_error_nomem(s->who, cap);
        s->scratch = grown;
        s->cap = cap;
    }
    memcpy(s->scratch + *len, bytes, k);
    *len += k;
    s->scratch[*len] = '\0';
    return LIBNN_OK;
}

static libnn_status read_quoted(csv_scan *s, csv_field *f)
{
    size_t open_at = s->pos++;
    for (;;) {
        if (s->pos == s->n)
            return at_error(s, LIBNN_E_FORMAT, f->line, f->col,
                            "the quote at byte %zu is never closed", open_at);
        /* Copy a run of plain bytes at once. */
        size_t run = s->pos;
        while (run < s->n && s->p[run] != '"' && s->p[run] != '\r' && s->p[run] != '\n')
            run++;
        libnn_status st = append(s, f, s->p + s->pos, run - s->pos);
        if (st != LIBNN_OK)
            return st;
        s->pos = run;
        if (s->pos == s->n)
            continue;
        if (s->p[s->pos] != '"') {
            size_t from = s->pos;
            skip_eol(s);
            if ((st = append(s, f, s->p + from, s->pos - from)) != LIBNN_OK)
                return st;
        } else if (s->pos + 1 < s->n && s->p[s->pos + 1] == '"') {
            if ((st = append(s, f, s->p + s->pos, 1)) != LIBNN_OK)
                return st;
            s->pos += 2;
        } else {
            s->pos++;
            break;
        }
    }
    while (s->pos < s->n && is_blank(s->p[s->pos]) && s->p[s->pos] != s->delim)
        s->pos++;
    if (!at_eol(s) && s->p[s->pos] != s->delim) {
        char text[64];
        return at_error(s, LIBNN_E_FORMAT, s->line, f->col,
                        "%s after the closing quote: a quoted field ends at its quote",
                        quote_text((const char *)s->p + s->pos, 1, text, sizeof text));
    }
    return LIBNN_OK;
}

/* The next field of the current row, into s->scratch. */
static libnn_status next_field(csv_scan *s, csv_field *f)
{
    f->len = 0;
    f->line = s->line;
    while (s->pos < s->n && is_blank(s->p[s->pos]) && s->p[s->pos] != s->delim)
        s->pos++;
    libnn_status st;
    if (s->pos < s->n && s->p[s->pos] == '"') {
        st = read_quoted(s, f);
    } else {
        size_t end = s->pos;
        while (end < s->n && s->p[end] != s->delim && s->p[end] != '\r' && s->p[end] != '\n')
            end++;
        size_t trimmed = end;
        while (trimmed > s->pos && is_blank(s->p[trimmed - 1]) && s->p[trimmed - 1] != s->delim)
            trimmed--;
        st = append(s, f, s->p + s->pos, trimmed - s->pos);
        s->pos = end;
    }
    if (st != LIBNN_OK)
        return st;
    f->ends_row = at_eol(s);
    if (f->ends_row)
        skip_eol(s);
    else
        s->pos++; /* the delimiter */
    return LIBNN_OK;
}

/* Skip blank lines; false at the end of the input. */
static bool next_row(csv_scan *s)
{
    for (;;) {
        size_t i = s->pos;
        while (i < s->n && is_blank(s->p[i]))
            i++;
        if (i == s->n)
            return false;
        if (s->p[i] != '\r' && s->p[i] != '\n')
            return true;
        s->pos = i;
        skip_eol(s);
    }
}

static libnn_status parse_number(const csv_scan *s, const csv_field *f, float *out)
{
    const char *text = s->scratch;
    size_t len = f->len;
    /* Quoted text keeps its inner spaces; a number does not care. */
    while (len > 0 && is_blank((unsigned char)*text)) {
        text++;
        len--;
    }
    while (len > 0 && is_blank((unsigned char)text[len - 1]))
        len--;
    char shown[200];
    if (len == 0)
        return at_error(s, LIBNN_E_FORMAT, f->line, f->col,
                        "empty field where a number is expected");
    char *end = NULL;
    float v = 0;
    /* strtof would skip other white space and stop at a NUL byte. */
    if (!memchr(text, '\0', len) && !strchr(" \t\n\v\f\r", *text)) {
        errno = 0;
        v = strtof_l(text, &end, c_locale);
    }
    if (end != text + len)
        return at_error(s, LIBNN_E_FORMAT, f->line, f->col, "%s is not a number",
                        quote_text(text, len, shown, sizeof shown));
    if (errno == ERANGE && isinf(v))
        return at_error(s, LIBNN_E_RANGE, f->line, f->col, "%s is beyond the float32 range",
                        quote_text(text, len, shown, sizeof shown));
    *out = v;
    return LIBNN_OK;
}

static libnn_status keep_name(csv_scan *s, const csv_field *f)
{
    size_t bad;
    const char *name = s->scratch ? s->scratch : ""; /* no scratch yet for an empty name */
    if (memchr(name, '\0', f->len))
        return at_error(s, LIBNN_E_FORMAT, f->line, f->col, "column name holds a NUL byte");
    if (!lnn_utf8_valid((const unsigned char *)name, f->len, &bad))
        return at_error(s, LIBNN_E_FORMAT, f->line, f->col,
                        "column name is not valid UTF-8 (byte 0x%02x at its byte %zu)",
                        (unsigned char)name[bad], bad);
    if (s->name_count % 16 == 0) {
        char **grown = lnn_realloc(s->names, (s->name_count + 16) * sizeof *grown);
        if (!grown)
            return lnn_error_nomem(s->who, (s->name_count + 16) * sizeof *grown);
        s->names = grown;
    }
    if (!(s->names[s->name_count] = lnn_strndup(name, f->len)))
        return lnn_error_nomem(s->who, f->len + 1);
    s->name_count++;
    return LIBNN_OK;
}

static void store(csv_scan *s, size_t col, float v)
{
    size_t label = s->label < 0 ? SIZE_MAX : (size_t)s->label;
    size_t xcols = s->columns - (label < s->columns);
    if (col == label)
        s->y[s->rows] = v;
    else
        s->x[s->rows * xcols + col - (col > label)] = v;
}

/* One pass over the rows. The first pass (s->x NULL) validates, counts and
 * keeps the names; the second stores the values. */
static libnn_status scan_rows(csv_scan *s, bool first_pass)
{
    bool header_row = s->header;
    s->rows = 0;
    while (next_row(s)) {
        csv_field f = {0};
        size_t col = 0;
        do {
            f.col = ++col;
            libnn_status st = next_field(s, &f);
            if (st != LIBNN_OK)
                return st;
            if (s->columns && col > s->columns)
                return at_error(s, LIBNN_E_FORMAT, f.line, col,
                                "row has more fields than the %zu of line %zu", s->columns,
                                s->first_line);
            float v = 0;
            if (header_row)
                st = first_pass ? keep_name(s, &f) : LIBNN_OK;
            else if ((st = parse_number(s, &f, &v)) == LIBNN_OK && !first_pass)
                store(s, col - 1, v);
            if (st != LIBNN_OK)
                return st;
        } while (!f.ends_row);
        if (!s->columns) {
            s->columns = col;
            s->first_line = f.line;
        } else if (col < s->columns) {
            return at_error(s, LIBNN_E_FORMAT, f.line, col,
                            "row ends after %zu fields, line %zu has %zu", col, s->first_line,
                            s->columns);
        }
        if (!header_row)
            s->rows++;
        header_row = false;
    }
    return LIBNN_OK;
}

static libnn_status check_start(csv_scan *s)
{
    const unsigned char *p = s->p;
    if (s->n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        s->pos = 3;
        return LIBNN_OK;
    }
    if ((s->n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) ||
        (s->n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xFE && p[3] == 0xFF))
        return lnn_error(LIBNN_E_FORMAT,
                         "%s: %.300s starts with a UTF-16 or UTF-32 byte order mark (bytes "
                         "%02x %02x): save it as UTF-8",
                         s->who, s->name, p[0], p[1]);
    return LIBNN_OK;
}

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; names && i < count; i++)
        lnn_free(names[i]);
    lnn_free(names);
}

static libnn_status make_outputs(csv_scan *s, libnn_tensor **x, libnn_tensor **y)
{
    bool has_label = s->label >= 0;
    if (has_label && (uint64_t)s->label >= s->columns)
        return lnn_error(LIBNN_E_RANGE,
                         "%s: %.300s: label column %lld, but the rows have %zu columns "
                         "(counted from 0)",
                         s->who, s->name, (long long)s->label, s->columns);
    int64_t xshape[2] = {(int64_t)s->rows, (int64_t)(s->columns - has_label)};
    libnn_status st = libnn_tensor_new(2, xshape, x);
    if (st == LIBNN_OK && has_label)
        st = libnn_tensor_new(1, xshape, y);
    if (st != LIBNN_OK)
        return lnn_error_prefix(st, "%s", s->who);
    s->x = (*x)->data;
    s->y = has_label ? (*y)->data : NULL;
    return LIBNN_OK;
}

static libnn_status load(libnn_csv_reader *r, csv_scan *s, libnn_tensor **x, libnn_tensor **y)
{
    s->delim = r->delimiter;
    s->header = r->header;
    s->label = r->label_column;
    s->line = 1;
    libnn_status st = pthread_once(&c_locale_once, make_c_locale) != 0 || !c_locale
                          ? lnn_error(LIBNN_E_NOMEM, "%s: out of memory (the C locale)", s->who)
                          : check_start(s);
    size_t start = s->pos;
    if (st == LIBNN_OK)
        st = scan_rows(s, true);
    if (st == LIBNN_OK && s->columns == 0)
        st = lnn_error(LIBNN_E_FORMAT, "%s: %.300s holds no rows (it is empty or blank)", s->who,
                       s->name);
    if (st == LIBNN_OK)
        st = make_outputs(s, x, y);
    if (st == LIBNN_OK) {
        s->pos = start;
        s->line = 1;
        st = scan_rows(s, false);
    }
    lnn_free(s->scratch);
    if (st != LIBNN_OK) {
        libnn_tensor_free(*x);
        libnn_tensor_free(y ? *y : NULL);
        *x = NULL;
        if (y)
            *y = NULL;
        free_names(s->names, s->name_count);
        return st;
    }
    free_names(r->names, r->columns);
    r->names = s->names;
    r->columns = s->columns;
    return LIBNN_OK;
}

static libnn_status check_load_args(const char *who, libnn_csv_reader *r, libnn_tensor **x,
                                    libnn_tensor **y)
{
    if (x)
        *x = NULL;
    if (y)
        *y = NULL;
    if (!r || !x)
        return lnn_error(LIBNN_E_INVALID, "%s: %s is NULL", who, r ? "x" : "reader");
    if (r->label_column >= 0 && !y)
        return lnn_error(LIBNN_E_INVALID,
                         "%s: y is NULL, but label column %lld is set: pass &y for the labels",
                         who, (long long)r->label_column);
    return LIBNN_OK;
}

libnn_status libnn_csv_reader_load_buffer(libnn_csv_reader *r, const void *data, size_t size,
                                          libnn_tensor **x, libnn_tensor **y)
{
    static const char who[] = "csv_reader_load_buffer";
    libnn_status st = check_load_args(who, r, x, y);
    if (st != LIBNN_OK)
        return st;
    if (!data && size > 0)
        return lnn_error(LIBNN_E_INVALID, "%s: data is NULL", who);
    csv_scan s = {.who = who, .name = "<buffer>", .p = data, .n = size};
    return load(r, &s, x, y);
}

libnn_status libnn_csv_reader_load(libnn_csv_reader *r, const char *path, libnn_tensor **x,
                                   libnn_tensor **y)
{
    static const char who[] = "csv_reader_load";
    libnn_status st = check_load_args(who, r, x, y);
    if (st != LIBNN_OK)
        return st;
    if (!path)
        return lnn_error(LIBNN_E_INVALID, "%s: path is NULL", who);
    int fd;
    uint64_t size;
    if ((st = lnn_open_read(who, path, &fd, &size)) != LIBNN_OK)
        return st;
    unsigned char *bytes = NULL;
    if (size > SIZE_MAX - 1)
        st = lnn_error(LIBNN_E_NOMEM, "%s: '%s' is too large to read (%llu bytes)", who, path,
                       (unsigned long long)size);
    else if (!(bytes = lnn_malloc((size_t)size)))
        st = lnn_error_nomem(who, (size_t)size);
    else
        st = lnn_pread_full(who, path, fd, bytes, (size_t)size, 0);
    lnn_close_read(fd, path);
    if (st == LIBNN_OK) {
        csv_scan s = {.who = who, .name = path, .p = bytes, .n = (size_t)size};
        st = load(r, &s, x, y);
    }
    lnn_free(bytes);
    return st;
}

/* ---- the reader object ---- */

libnn_status libnn_csv_reader_new(libnn_csv_reader **out)
{
    if (!out)
        return lnn_error(LIBNN_E_INVALID, "csv_reader_new: out is NULL");
    libnn_csv_reader *r = lnn_calloc(1, sizeof *r);
    if (!(*out = r))
        return lnn_error_nomem("csv_reader_new", sizeof *r);
    r->delimiter = ',';
    r->label_column = -1;
    return LIBNN_OK;
}

void libnn_csv_reader_free(libnn_csv_reader *r)
{
    if (!r)
        return;
    free_names(r->names, r->columns);
    lnn_free(r);
}

libnn_status libnn_csv_reader_set_int(libnn_csv_reader *r, libnn_csv_option key, int64_t value)
{
    static const char who[] = "csv_reader_set_int";
    if (!r)
        return lnn_error(LIBNN_E_INVALID, "%s: reader is NULL", who);
    switch (key) {
    case LIBNN_CSV_HEADER:
        if (value != 0 && value != 1)
            return lnn_error(LIBNN_E_INVALID, "%s: header must be 0 or 1, got %lld", who,
                             (long long)value);
        r->header = value;
        return LIBNN_OK;
    case LIBNN_CSV_DELIMITER:
        if (value < 1 || value > 127 || value == '"' || value == '\r' || value == '\n')
            return lnn_error(LIBNN_E_INVALID,
                             "%s: delimiter must be an ASCII byte 1..127 other than '\"', CR "
                             "and LF, got %lld",
                             who, (long long)value);
        r->delimiter = (unsigned char)value;
        return LIBNN_OK;
    case LIBNN_CSV_LABEL_COLUMN:
        if (value < -1 || (value > 0 && (uint64_t)value >= SIZE_MAX))
            return lnn_error(LIBNN_E_INVALID,
                             "%s: label column must be -1 (none) or a column index >= 0, got "
                             "%lld",
                             who, (long long)value);
        r->label_column = value;
        return LIBNN_OK;
    }
    return lnn_error(LIBNN_E_INVALID, "%s: unknown option %d", who, (int)key);
}

libnn_status libnn_csv_reader_get_int(const libnn_csv_reader *r, libnn_csv_option key,
                                      int64_t *value)
{
    if (!r || !value)
        return lnn_error(LIBNN_E_INVALID, "csv_reader_get_int: %s is NULL",
                         r ? "value" : "reader");
    switch (key) {
    case LIBNN_CSV_HEADER:
        *value = r->header;
        return LIBNN_OK;
    case LIBNN_CSV_DELIMITER:
        *value = r->delimiter;
        return LIBNN_OK;
    case LIBNN_CSV_LABEL_COLUMN:
        *value = r->label_column;
        return LIBNN_OK;
    }
    return lnn_error(LIBNN_E_INVALID, "csv_reader_get_int: unknown option %d", (int)key);
}

size_t libnn_csv_reader_column_count(const libnn_csv_reader *r)
{
    return r ? r->columns : 0;
}

const char *libnn_csv_reader_column_name(const libnn_csv_reader *r, size_t index)
{
    if (!r || !r->names || index >= r->columns)
        return NULL;
    return r->names[index];
}
