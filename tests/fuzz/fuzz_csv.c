/*
 * libFuzzer target for the CSV reader. The first input byte picks the
 * options (bit 0: header; bits 1-2: delimiter , ; tab space; bits 3-5: label
 * column 0..6, or none for 7), the rest is the file. A failure leaves no
 * tensors and says why; a success has consistent shapes and names, and a
 * second load gives the same bits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static libnn_csv_reader *reader_for(uint8_t options)
{
    static const char delimiters[4] = {',', ';', '\t', ' '};
    int label = (options >> 3) & 7;
    libnn_csv_reader *r = NULL;
    if (libnn_csv_reader_new(&r) != LIBNN_OK ||
        libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, options & 1) != LIBNN_OK ||
        libnn_csv_reader_set_int(r, LIBNN_CSV_DELIMITER, delimiters[(options >> 1) & 3]) !=
            LIBNN_OK ||
        libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, label == 7 ? -1 : label) != LIBNN_OK)
        abort();
    return r;
}

static int same_bits(libnn_tensor *a, libnn_tensor *b)
{
    size_t n = libnn_tensor_size(a);
    return n == libnn_tensor_size(b) && libnn_tensor_ndim(a) == libnn_tensor_ndim(b) &&
           (n == 0 || memcmp(libnn_tensor_data(a), libnn_tensor_data(b), n * sizeof(float)) == 0);
}

static void check_result(uint8_t options, const uint8_t *text, size_t n, libnn_csv_reader *r,
                         libnn_tensor *x, libnn_tensor *y)
{
    int has_label = ((options >> 3) & 7) != 7;
    size_t columns = libnn_csv_reader_column_count(r);
    if (columns == 0 || libnn_tensor_ndim(x) != 2 ||
        (size_t)libnn_tensor_dim(x, 1) != columns - (size_t)has_label)
        abort();
    if (has_label != (y != NULL) ||
        (y && (libnn_tensor_ndim(y) != 1 || libnn_tensor_dim(y, 0) != libnn_tensor_dim(x, 0))))
        abort();
    for (size_t i = 0; i < columns; i++)
        if ((libnn_csv_reader_column_name(r, i) != NULL) != (options & 1))
            abort();
    libnn_csv_reader *again = reader_for(options);
    libnn_tensor *x2 = NULL, *y2 = NULL;
    if (libnn_csv_reader_load_buffer(again, text, n, &x2, &y2) != LIBNN_OK || !same_bits(x, x2) ||
        (y && !same_bits(y, y2)))
        abort();
    libnn_tensor_free(x2);
    libnn_tensor_free(y2);
    libnn_csv_reader_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t options = data[0];
    libnn_csv_reader *r = reader_for(options);
    libnn_tensor *x = NULL, *y = NULL;
    libnn_clear_error();
    libnn_status st = libnn_csv_reader_load_buffer(r, data + 1, size - 1, &x, &y);
    if (st == LIBNN_OK)
        check_result(options, data + 1, size - 1, r, x, y);
    else if (x != NULL || y != NULL || libnn_last_error()[0] == '\0' ||
             libnn_csv_reader_column_count(r) != 0)
        abort(); /* a failure leaves no tensors, says why and keeps the reader */
    libnn_tensor_free(x);
    libnn_tensor_free(y);
    libnn_csv_reader_free(r);
    return 0;
}
