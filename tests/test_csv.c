/*
 * The CSV reader: format liberties (BOM, quotes, blank lines, delimiters,
 * line ends), every error with its line:column, its options, and every load
 * under the allocation-failure loop.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_helpers.h"
#include "io_helpers.h"
#include "testutil.h"

static libnn_csv_reader *csv_reader(int header, int delimiter, int label)
{
    libnn_csv_reader *r;
    ck_assert_int_eq(libnn_csv_reader_new(&r), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, header), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_DELIMITER, delimiter), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, label), LIBNN_OK);
    return r;
}

static const char iris_like[] =
    "\xEF\xBB\xBF"
    "sepal length, \"sepal,width\" ,\"spe\"\"cies\"\r\n"
    "5.1, 3.5 ,0\r\n"
    "\r\n"
    "\"4.9\",\" 3.0\",1\r\n"
    "  \t\n"
    "-1e3,nan,2\n"
    "+inf,-Infinity,0x1p-2";

START_TEST(csv_basic)
{
    libnn_csv_reader *r = csv_reader(1, ',', 2);
    libnn_tensor *x, *y;
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, iris_like, sizeof iris_like - 1, &x, &y),
                     LIBNN_OK);
    data_assert_shape(x, 2, (const int64_t[]){4, 2});
    data_assert_shape(y, 1, (const int64_t[]){4});
    data_assert_values(x, (const float[]){5.1f, 3.5f, 4.9f, 3.0f, -1000, NAN, INFINITY, -INFINITY},
                       8);
    data_assert_values(y, (const float[]){0, 1, 2, 0.25f}, 4);
    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 3);
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 0), "sepal length");
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 1), "sepal,width");
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 2), "spe\"cies");
    ck_assert_ptr_null(libnn_csv_reader_column_name(r, 3));
    libnn_tensor_free(x);
    libnn_tensor_free(y);

    /* the same from a file, without labels: y comes back NULL */
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/iris.csv", dir);
    io_write_file(path, iris_like, sizeof iris_like - 1);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, -1), LIBNN_OK);
    y = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, &y), LIBNN_OK);
    ck_assert_ptr_null(y);
    data_assert_shape(x, 2, (const int64_t[]){4, 3});
    ck_assert(libnn_tensor_data(x)[2] == 0.0f && libnn_tensor_data(x)[11] == 0.25f);
    libnn_tensor_free(x);
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, NULL), LIBNN_OK);
    libnn_tensor_free(x);
    io_scratch_remove(dir);

    /* no header: no names; the label column first; lone CRs end lines */
    libnn_csv_reader_free(r);
    r = csv_reader(0, ',', 0);
    static const char cr[] = "7,1e-50,2\r8,-0,3\r";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, cr, sizeof cr - 1, &x, &y), LIBNN_OK);
    data_assert_values(x, (const float[]){0, 2, -0.0f, 3}, 4);
    data_assert_values(y, (const float[]){7, 8}, 2);
    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 3);
    ck_assert_ptr_null(libnn_csv_reader_column_name(r, 0));
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_csv_reader_free(r);
}
END_TEST

START_TEST(csv_delimiters_and_quotes)
{
    libnn_csv_reader *r = csv_reader(0, '\t', -1);
    libnn_tensor *x;
    static const char tab[] = " 1 \t 2\n3\t\"4\" \n";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, tab, sizeof tab - 1, &x, NULL), LIBNN_OK);
    data_assert_values(x, (const float[]){1, 2, 3, 4}, 4);
    libnn_tensor_free(x);
    libnn_csv_reader_free(r);

    r = csv_reader(0, ';', -1);
    static const char semi[] = "1;2\n\"1,5\";2\n";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, semi, sizeof semi - 1, &x, NULL),
                     LIBNN_E_FORMAT);
    tu_assert_error_has("<buffer>:2:1: \"1,5\" is not a number");
    libnn_csv_reader_free(r);

    /* a quoted name spanning lines: line numbers still count every line */
    r = csv_reader(1, ',', -1);
    static const char multi[] = "\"a\r\nb\",c\n1,2\nx,3\n";
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, multi, sizeof multi - 1, &x, NULL),
                     LIBNN_E_FORMAT);
    tu_assert_error_has("<buffer>:4:1: \"x\" is not a number");
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, multi, 13, &x, NULL), LIBNN_OK);
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 0), "a\r\nb");
    libnn_tensor_free(x);

    /* a header alone: tensors of 0 rows */
    libnn_tensor *y;
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, 0), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "a,b,c\n", 6, &x, &y), LIBNN_OK);
    data_assert_shape(x, 2, (const int64_t[]){0, 2});
    data_assert_shape(y, 1, (const int64_t[]){0});
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_csv_reader_free(r);
}
END_TEST

typedef struct csv_bad {
    const char *text;
    size_t len;     /* 0: strlen */
    int header;
    int label;
    libnn_status status;
    const char *says;
} csv_bad;

static const csv_bad csv_bad_cases[] = {
    {"1,2\n3,4,5\n", 0, 0, -1, LIBNN_E_FORMAT, ":2:3: row has more fields than the 2 of line 1"},
    {"a,b,c\n\n4,5\n", 0, 1, -1, LIBNN_E_FORMAT, ":3:2: row ends after 2 fields, line 1 has 3"},
    {"1,,3\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: empty field where a number is expected"},
    {"1,2,\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:3: empty field where a number is expected"},
    {"1,\"2\n3\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: the quote at byte 2 is never closed"},
    {"\"1\"x,2\n", 0, 0, -1, LIBNN_E_FORMAT,
     ":1:1: \"x\" after the closing quote: a quoted field ends at its quote"},
    {"", 0, 0, -1, LIBNN_E_FORMAT, " holds no rows (it is empty or blank)"},
    {"\n  \r\n\t\n", 0, 1, -1, LIBNN_E_FORMAT, " holds no rows (it is empty or blank)"},
    {"\xEF\xBB\xBF", 0, 0, -1, LIBNN_E_FORMAT, " holds no rows (it is empty or blank)"},
    {"\xFF\xFE" "1\0,\0" "2\0", 8, 0, -1, LIBNN_E_FORMAT,
     " starts with a UTF-16 or UTF-32 byte order mark (bytes ff fe): save it as UTF-8"},
    {"a,\xC3\x28\n1,2\n", 0, 1, -1, LIBNN_E_FORMAT,
     ":1:2: column name is not valid UTF-8 (byte 0xc3 at its byte 0)"},
    {"a\0b,c\n1,2\n", 10, 1, -1, LIBNN_E_FORMAT, ":1:1: column name holds a NUL byte"},
    {"1,\xFF\xFE\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: \"\\xff\\xfe\" is not a number"},
    {"1,2\0\n", 5, 0, -1, LIBNN_E_FORMAT, ":1:2: \"2\\x00\" is not a number"},
    {"1,\"2\"\"\"\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: \"2\\\"\" is not a number"},
    {"1,2\n3,1e39\n", 0, 0, -1, LIBNN_E_RANGE, ":2:2: \"1e39\" is beyond the float32 range"},
    {"1,-1e39\n", 0, 0, -1, LIBNN_E_RANGE, ":1:2: \"-1e39\" is beyond the float32 range"},
    {"1,\v2\n", 0, 0, -1, LIBNN_E_FORMAT, ":1:2: \"\\x0b2\" is not a number"},
    {"1,2,3\n", 0, 0, 3, LIBNN_E_RANGE, ": label column 3, but the rows have 3 columns"},
    {"1,2\n", 0, 0, 7, LIBNN_E_RANGE, ": label column 7, but the rows have 2 columns"},
};

START_TEST(csv_bad_input)
{
    const csv_bad *c = &csv_bad_cases[_i];
    size_t len = c->len ? c->len : strlen(c->text);
    libnn_csv_reader *r = csv_reader(c->header, ',', c->label);
    /* a successful load first: a failed one must keep its results */
    libnn_tensor *x = NULL, *y = NULL;
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, -1), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, 1), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "p,q,r,s\n", 8, &x, NULL), LIBNN_OK);
    libnn_tensor_free(x);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, c->label), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, c->header), LIBNN_OK);

    x = y = (libnn_tensor *)1;
    libnn_status st = libnn_csv_reader_load_buffer(r, c->text, len, &x, &y);
    ck_assert_msg(st == c->status, "case %d: got %s (%s)", _i, libnn_status_str(st),
                  libnn_last_error());
    ck_assert_ptr_null(x);
    ck_assert_ptr_null(y);
    tu_assert_error_has(c->says);
    tu_assert_error_has("csv_reader_load_buffer: <buffer>");

    char dir[64], path[128], where[200];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/data.csv", dir);
    io_write_file(path, c->text, len);
    x = y = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, &y), c->status);
    ck_assert_ptr_null(x);
    ck_assert_ptr_null(y);
    tu_assert_error_has(c->says);
    snprintf(where, sizeof where, "csv_reader_load: %s", path);
    tu_assert_error_has(where);
    io_scratch_remove(dir);

    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 4);
    ck_assert_str_eq(libnn_csv_reader_column_name(r, 3), "s");
    libnn_csv_reader_free(r);
}
END_TEST

/* The example of the documentation: data.csv:17:3. */
START_TEST(csv_line_column)
{
    char text[200] = "";
    for (int i = 0; i < 16; i++)
        strcat(text, "1,2,3\n");
    strcat(text, "4,5,abc\n");
    char dir[64], path[128], want[200];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/data.csv", dir);
    io_write_file(path, text, strlen(text));
    libnn_csv_reader *r = csv_reader(0, ',', -1);
    libnn_tensor *x;
    ck_assert_int_eq(libnn_csv_reader_load(r, path, &x, NULL), LIBNN_E_FORMAT);
    snprintf(want, sizeof want, "csv_reader_load: %s:17:3: \"abc\" is not a number", path);
    ck_assert_str_eq(libnn_last_error(), want);
    ck_assert_int_eq(libnn_csv_reader_load(r, "/nonexistent/d.csv", &x, NULL), LIBNN_E_IO);
    tu_assert_error_has("cannot open '/nonexistent/d.csv'");
    libnn_csv_reader_free(r);
    io_scratch_remove(dir);
}
END_TEST

START_TEST(csv_options)
{
    libnn_csv_reader *r;
    int64_t v;
    ck_assert_int_eq(libnn_csv_reader_new(&r), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_HEADER, &v), LIBNN_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_DELIMITER, &v), LIBNN_OK);
    ck_assert_int_eq(v, ',');
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_LABEL_COLUMN, &v), LIBNN_OK);
    ck_assert_int_eq(v, -1);
    ck_assert_uint_eq(libnn_csv_reader_column_count(r), 0);

    static const struct {
        libnn_csv_option key;
        int64_t value;
        const char *says;
    } bad[] = {{LIBNN_CSV_HEADER, 2, "header must be 0 or 1, got 2"},
               {LIBNN_CSV_DELIMITER, '"', "delimiter must be an ASCII byte"},
               {LIBNN_CSV_DELIMITER, '\n', "got 10"},
               {LIBNN_CSV_DELIMITER, 0, "got 0"},
               {LIBNN_CSV_DELIMITER, 200, "got 200"},
               {LIBNN_CSV_LABEL_COLUMN, -2, "label column must be -1 (none)"},
               {(libnn_csv_option)99, 1, "unknown option 99"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(libnn_csv_reader_set_int(r, bad[i].key, bad[i].value), LIBNN_E_INVALID);
        tu_assert_error_has(bad[i].says);
    }
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_DELIMITER, &v), LIBNN_OK);
    ck_assert_int_eq(v, ',');
    ck_assert_int_eq(libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, 5), LIBNN_OK);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_LABEL_COLUMN, &v), LIBNN_OK);
    ck_assert_int_eq(v, 5);

    libnn_tensor *x = (libnn_tensor *)1;
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "1,2\n", 4, &x, NULL), LIBNN_E_INVALID);
    tu_assert_error_has("y is NULL, but label column 5 is set");
    ck_assert_ptr_null(x);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, (libnn_csv_option)99, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_get_int(r, LIBNN_CSV_HEADER, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_get_int(NULL, LIBNN_CSV_HEADER, &v), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_set_int(NULL, LIBNN_CSV_HEADER, 1), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(NULL, "1", 1, &x, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, "1", 1, NULL, NULL), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load_buffer(r, NULL, 1, &x, &x), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_load(r, NULL, &x, &x), LIBNN_E_INVALID);
    ck_assert_int_eq(libnn_csv_reader_new(NULL), LIBNN_E_INVALID);
    ck_assert_uint_eq(libnn_csv_reader_column_count(NULL), 0);
    ck_assert_ptr_null(libnn_csv_reader_column_name(NULL, 0));
    libnn_csv_reader_free(r);
    libnn_csv_reader_free(NULL);
}
END_TEST

/* ---- allocation failures ---- */

static libnn_status body_csv(void *ctx)
{
    const char *path = ctx;
    libnn_csv_reader *r;
    libnn_status st = libnn_csv_reader_new(&r);
    if (st != LIBNN_OK)
        return st;
    libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, 1);
    libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, 2);
    for (int way = 0; st == LIBNN_OK && way < 2; way++) {
        libnn_tensor *x, *y;
        st = way ? libnn_csv_reader_load(r, path, &x, &y)
                 : libnn_csv_reader_load_buffer(r, iris_like, sizeof iris_like - 1, &x, &y);
        if (st == LIBNN_OK) {
            data_assert_shape(x, 2, (const int64_t[]){4, 2});
            ck_assert(libnn_tensor_data(y)[3] == 0.25f);
            ck_assert_str_eq(libnn_csv_reader_column_name(r, 2), "spe\"cies");
            libnn_tensor_free(x);
            libnn_tensor_free(y);
        } else {
            ck_assert_ptr_null(x);
            ck_assert_ptr_null(y);
            /* the first load's names survive a failed second one */
            if (way == 1)
                ck_assert_str_eq(libnn_csv_reader_column_name(r, 0), "sepal length");
        }
    }
    libnn_csv_reader_free(r);
    return st;
}

/* A field holds at most 64 KiB, so one field cannot double a load's memory
 * (issue 13, finding 6); quoted or not, number or name. */
START_TEST(csv_field_cap)
{
    size_t n = 65536;
    char *text = malloc(n + 8);
    ck_assert_ptr_nonnull(text);
    libnn_tensor *x;
    for (int quoted = 0; quoted <= 1; quoted++) {
        for (size_t extra = 0; extra <= 1; extra++) {
            libnn_csv_reader *r = csv_reader(quoted, ',', -1);
            size_t len = n + extra, k = 0;
            if (quoted)
                text[k++] = '"';
            memset(text + k, '1', len);
            k += len;
            if (quoted)
                text[k++] = '"';
            memcpy(text + k, "\n1\n", 3);
            libnn_status st = libnn_csv_reader_load_buffer(r, text, k + 3, &x, NULL);
            if (extra) {
                ck_assert_int_eq(st, LIBNN_E_FORMAT);
                tu_assert_error_has("<buffer>:1:1: field of more than 65536 bytes");
            } else {
                /* 65,536 digits: a column name (the quoted case reads a
                 * header), or a number beyond float32 */
                ck_assert_int_eq(st, quoted ? LIBNN_OK : LIBNN_E_RANGE);
                if (st == LIBNN_OK)
                    libnn_tensor_free(x);
            }
            libnn_csv_reader_free(r);
        }
    }
    free(text);
}
END_TEST

START_TEST(alloc_failures_csv)
{
    char dir[64], path[128];
    io_scratch_new(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/iris.csv", dir);
    io_write_file(path, iris_like, sizeof iris_like - 1);
    ck_assert_int_gt(tu_alloc_fail_loop(body_csv, path), 8);
    io_scratch_remove(dir);
}
END_TEST

Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tu_tcase("csv");
    tcase_add_test(tc, csv_basic);
    tcase_add_test(tc, csv_delimiters_and_quotes);
    tcase_add_loop_test(tc, csv_bad_input, 0, sizeof csv_bad_cases / sizeof csv_bad_cases[0]);
    tcase_add_test(tc, csv_line_column);
    tcase_add_test(tc, csv_options);
    tcase_add_test(tc, csv_field_cap);
    suite_add_tcase(s, tc);
    tc = tu_tcase("alloc");
    tcase_add_test(tc, alloc_failures_csv);
    suite_add_tcase(s, tc);
    return s;
}
