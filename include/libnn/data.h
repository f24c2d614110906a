/*
 * libnn: data sets — IDX (MNIST) and CSV readers, and the helpers that turn
 * loaded arrays into training data: shuffle, split, slice, one-hot, scaling.
 *
 * Readers trust nothing: every size a file states is checked against the
 * bytes that are really there before anything is allocated for it, so a
 * hostile or damaged file costs memory in proportion to its real size only.
 * Errors name the file and the place: the byte offset for IDX, the line and
 * column for CSV.
 *
 * Threading: one thread at a time per libnn_csv_reader and per tensor;
 * distinct objects are independent.
 */
#ifndef LIBNN_DATA_H
#define LIBNN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/status.h"
#include "libnn/tensor.h"

LIBNN_BEGIN_DECLS

/* ---- IDX files (the format of MNIST, Fashion-MNIST, EMNIST) ----
 *
 * Layout: two zero bytes, a dtype byte, a rank byte, then `rank` big-endian
 * uint32 dimensions, then the elements in row-major order, big-endian:
 *   0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
 *   0x0D float32, 0x0E float64.
 * A file whose first two bytes are 1f 8b is gzip (whatever its name) and is
 * decompressed on the fly; concatenated gzip members are read as one stream,
 * as gzip(1) does.
 *
 * The tensor's shape is the file's dimensions, except that a rank-3 unsigned
 * byte file — images as [count, rows, cols] — gets a channel axis of 1
 * appended: MNIST images load as [n, 28, 28, 1] (NHWC, what Conv2D expects),
 * labels (rank 1) as [n]. Ranks 1 to 8 are read; rank 0 is malformed, ranks
 * above 8 are LIBNN_E_UNSUPPORTED. Dimensions of 0 give an empty tensor.
 *
 * Values convert to float32 exactly; int32 values beyond 2^24 that have no
 * exact float32 value and finite float64 values beyond the float32 range are
 * LIBNN_E_RANGE (naming the element and its byte offset); float64 values are
 * otherwise rounded to nearest, NaN and infinities kept.
 *
 * Validation: the header must be complete; the data must be exactly as long
 * as the dimensions imply — a file that ends early or has bytes after the
 * data is LIBNN_E_FORMAT with a message naming the byte offset and the
 * numbers. The (decompressed) file may hold at most LIBNN_IDX_MAX_BYTES bytes.
 * A gzip file is inflated once to measure it before the tensor is allocated,
 * and inflating stops as soon as the output passes the size the header
 * implies, so a gzip bomb costs neither memory nor much time. Truncated or
 * corrupt gzip data (bad header, bad deflate stream, CRC or length mismatch)
 * is LIBNN_E_FORMAT naming the compressed byte offset. Offsets in messages
 * are "file byte N" for plain files and "decompressed byte N" for gzip.
 */

/* Flags of libnn_idx_load. */
#define LIBNN_IDX_RAW 0   /* values as stored (0..255 for MNIST pixels) */
#define LIBNN_IDX_SCALE 1 /* divide by 255 (in float32) into [0, 1]; unsigned-byte files only */

/*
 * Largest IDX file, in bytes after decompression (header included), that the
 * readers accept: 1 GiB, 1,300 times MNIST's training images. This is a
 * constant of the library build, stated here for reference; it is the bound
 * that keeps a gzip bomb from using more memory or time.
 */
#define LIBNN_IDX_MAX_BYTES ((uint64_t)1 << 30)

/*
 * Read the IDX file at `path` (plain or gzip, see above) into a new float32
 * tensor. On success *out is owned by the caller (libnn_tensor_free); on
 * failure it is NULL.
 * Errors: LIBNN_E_INVALID (a NULL argument, unknown flag bits,
 * LIBNN_IDX_SCALE on a file that is not unsigned bytes), LIBNN_E_IO (cannot
 * open or read, not a regular file), LIBNN_E_FORMAT, LIBNN_E_RANGE,
 * LIBNN_E_UNSUPPORTED (rank above 8), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_idx_load(const char *path, int flags, libnn_tensor **out);

/*
 * As libnn_idx_load, from the `size` bytes at `data` (a whole file, plain or
 * gzip). The caller keeps `data`, which is only read during the call; it may
 * be NULL when `size` is 0. Errors: as libnn_idx_load, without LIBNN_E_IO.
 */
LIBNN_API libnn_status libnn_idx_load_buffer(const void *data, size_t size, int flags,
                                             libnn_tensor **out);

/* ---- CSV files of numbers ----
 *
 * A libnn_csv_reader holds the options of a load and, after one, the column
 * names it found. Usage:
 *
 *   libnn_csv_reader *r;  libnn_tensor *x, *y;
 *   libnn_csv_reader_new(&r);
 *   libnn_csv_reader_set_int(r, LIBNN_CSV_HEADER, 1);
 *   libnn_csv_reader_set_int(r, LIBNN_CSV_LABEL_COLUMN, 4);
 *   libnn_csv_reader_load(r, "iris.csv", &x, &y);   // x [n, 4], y [n]
 *   libnn_csv_reader_free(r);
 *
 * The format (RFC 4180 with the usual liberties):
 *  - UTF-8 text; a leading UTF-8 byte order mark (EF BB BF) is skipped; a
 *    UTF-16 or UTF-32 byte order mark is LIBNN_E_FORMAT (save the file as
 *    UTF-8). Column names must be valid UTF-8.
 *  - Lines end with LF, CRLF or a lone CR; the last line may lack an end.
 *    Blank lines (nothing, or only spaces and tabs) are skipped anywhere.
 *  - Fields are separated by one delimiter byte (default ','); runs of
 *    delimiters are not merged. Spaces and tabs around a field are ignored.
 *  - A field may be quoted: "1.5" is the number 1.5; inside quotes the
 *    delimiter and line ends are plain text and "" stands for one quote.
 *    After the closing quote only spaces or tabs may precede the delimiter.
 *  - Every data field is a number as strtod reads it in the C locale
 *    (whatever the process locale): decimal or hexadecimal, with exponent,
 *    plus "nan", "inf" and "infinity" in any case and with a sign — the
 *    non-finite values pandas writes are kept, so check for them if the
 *    model cannot take them. Values round to nearest float32; a finite
 *    value beyond the float32 range is LIBNN_E_RANGE; values below the
 *    smallest float32 round towards 0. An empty field is LIBNN_E_FORMAT
 *    (fill missing values before loading).
 *  - Every row has as many fields as the first (the header when there is
 *    one); a row with more or fewer is LIBNN_E_FORMAT.
 * Errors name the place as "<path>:<line>:<column>: ..." (line counted from
 * 1 over every line of the file, column = the field's position in its row,
 * from 1), e.g. "csv_reader_load: data.csv:17:3: \"abc\" is not a number";
 * for buffers the path reads "<buffer>". A file with no row at all (empty,
 * only blank lines, or only a byte order mark) is LIBNN_E_FORMAT; a header
 * without data rows gives tensors with 0 rows. A field holds at most 65,536
 * bytes (a longer one is LIBNN_E_FORMAT). Memory use is the file's size plus
 * the tensors, the column names (at most the header row's size) and 64 KiB;
 * the file is parsed twice (validate, then fill) so that the tensors are
 * allocated exactly once.
 */

typedef struct libnn_csv_reader libnn_csv_reader;

/* Options of a libnn_csv_reader; values pinned. */
typedef enum libnn_csv_option {
    LIBNN_CSV_HEADER = 1,       /* 0/1: the first row holds column names (default 0) */
    LIBNN_CSV_DELIMITER = 2,    /* a byte 1..127 other than '"', CR, LF (default ',') */
    LIBNN_CSV_LABEL_COLUMN = 3  /* -1: no labels (default); else the column that
                                   becomes y, counted from 0 over the file's columns */
} libnn_csv_option;

/*
 * New reader with the default options. On success *out is owned by the
 * caller (libnn_csv_reader_free); on failure it is NULL.
 * Errors: LIBNN_E_INVALID (out is NULL), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_csv_reader_new(libnn_csv_reader **out);

/* Free a reader and the column names it holds. NULL is ignored. */
LIBNN_API void libnn_csv_reader_free(libnn_csv_reader *r);

/*
 * Set an option. On error the reader is unchanged.
 * Errors: LIBNN_E_INVALID (NULL reader, unknown key, value out of bounds,
 * with a message naming the option and the bounds).
 */
LIBNN_API libnn_status libnn_csv_reader_set_int(libnn_csv_reader *r, libnn_csv_option key,
                                                int64_t value);

/* Read an option into *value. Errors: LIBNN_E_INVALID (NULL, unknown key). */
LIBNN_API libnn_status libnn_csv_reader_get_int(const libnn_csv_reader *r, libnn_csv_option key,
                                                int64_t *value);

/*
 * Read the CSV file at `path` (see above). On success *x is a new
 * [rows, columns] tensor of every column but the label column, and, when
 * LIBNN_CSV_LABEL_COLUMN is set, *y a new [rows] tensor of the label column;
 * both are owned by the caller. `y` may be NULL only when no label column is
 * set; without one, *y (when given) is set to NULL. The reader then holds
 * the file's column count and, with LIBNN_CSV_HEADER, its column names.
 * On failure *x and *y are NULL and the reader keeps what it held.
 * Errors: LIBNN_E_INVALID (NULL reader, path or x; y NULL with a label
 * column), LIBNN_E_IO, LIBNN_E_FORMAT, LIBNN_E_RANGE (a value beyond float32,
 * a label column at or past the column count), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_csv_reader_load(libnn_csv_reader *r, const char *path,
                                             libnn_tensor **x, libnn_tensor **y);

/*
 * As libnn_csv_reader_load, from the `size` bytes at `data` (the caller
 * keeps them; NULL is allowed when size is 0). NUL bytes are data like any
 * other (and so never part of a number). Errors: as libnn_csv_reader_load,
 * without LIBNN_E_IO.
 */
LIBNN_API libnn_status libnn_csv_reader_load_buffer(libnn_csv_reader *r, const void *data,
                                                    size_t size, libnn_tensor **x,
                                                    libnn_tensor **y);

/* Number of columns of the file last loaded successfully, label column
 * included; 0 before any load and for NULL. */
LIBNN_API size_t libnn_csv_reader_column_count(const libnn_csv_reader *r);

/*
 * Name of column `index` (file order, label column included) of the last
 * successful load with LIBNN_CSV_HEADER set, unquoted, NUL-terminated UTF-8.
 * Borrowed: valid until the next successful load or libnn_csv_reader_free.
 * NULL for NULL, an index out of range, or a load without header.
 */
LIBNN_API const char *libnn_csv_reader_column_name(const libnn_csv_reader *r, size_t index);

/* ---- data set helpers ----
 *
 * "Rows" are the entries along axis 0 (samples); a row of x is everything
 * below that: x[i, ...]. Labels y are any tensor whose first dimension is the
 * number of samples. Random orders come from libnn's own generator seeded by
 * `seed` alone, so they are the same on every run, platform and thread count
 * (they are not NumPy's orders).
 */

/*
 * Shuffle the rows of x, and those of y with the same permutation (pairs
 * stay together), in place. The permutation is Fisher–Yates: for i from
 * n - 1 down to 1, swap rows i and j, j uniform in [0, i]. y may be NULL.
 * Never allocates. Errors: LIBNN_E_INVALID (x NULL), LIBNN_E_SHAPE (x and y
 * differ in their first dimension; nothing is moved).
 */
LIBNN_API libnn_status libnn_shuffle(libnn_tensor *x, libnn_tensor *y, uint64_t seed);

/*
 * Split samples into a training and a test set, as scikit-learn's
 * train_test_split with a float test_size and shuffle=True (the default):
 * the test set has ceil(test_fraction * n) rows, the training set the rest,
 * both drawn after shuffling. Precisely: the result equals shuffling copies
 * of x and y with libnn_shuffle(..., seed), then taking the first n_train
 * rows for training and the remaining rows for testing. For an ordered split
 * (the first 8,000 MNIST digits train, the last 2,000 test) use libnn_slice.
 * x and y are not modified. y may be NULL; y_train and y_test are then set
 * to NULL when given. On success the four (or two) outputs are new tensors
 * owned by the caller; on failure they are all NULL.
 * Errors: LIBNN_E_INVALID (x or a needed output NULL, test_fraction not in
 * the open interval (0, 1)), LIBNN_E_SHAPE (first dimensions differ),
 * LIBNN_E_RANGE (a split leaves the training set empty), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_train_test_split(const libnn_tensor *x, const libnn_tensor *y,
                                              double test_fraction, uint64_t seed,
                                              libnn_tensor **x_train, libnn_tensor **y_train,
                                              libnn_tensor **x_test, libnn_tensor **y_test);

/*
 * Copy of rows [start, start + count) of t: t[start:start+count] in NumPy.
 * *out (owned by the caller) has t's shape with count as first dimension.
 * Errors: LIBNN_E_INVALID (NULL), LIBNN_E_RANGE (start or count negative,
 * or start + count past the first dimension), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_slice(const libnn_tensor *t, int64_t start, int64_t count,
                                   libnn_tensor **out);

/*
 * One-hot encoding, as keras.utils.to_categorical: each label (a whole
 * number in [0, num_classes)) becomes a row of num_classes floats with a 1
 * at its index. The result has the labels' shape plus a last axis of
 * num_classes, except that a last axis of size 1 in labels of rank >= 2 is
 * replaced ([n, 1] gives [n, num_classes], as Keras). num_classes 0 means
 * the largest label + 1. *out is owned by the caller.
 * Errors: LIBNN_E_INVALID (NULL, num_classes negative), LIBNN_E_RANGE (a
 * label negative, fractional, NaN or >= num_classes: the message names its
 * index and value), LIBNN_E_SHAPE (the result would exceed rank 8),
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_one_hot(const libnn_tensor *labels, int64_t num_classes,
                                     libnn_tensor **out);

/*
 * Feature scaling, as scikit-learn's MinMaxScaler and StandardScaler. The
 * features of x are its elements per row (x[:, j] for a [n, f] table, every
 * pixel position for images); each is scaled on its own, in place.
 *
 * Fitting computes the statistics from the rows of x, then scales x with
 * them; the statistics come back as new tensors of x's shape without the
 * first axis (shape [1] for rank-1 x), so that a test set is scaled with the
 * training set's numbers by the _apply variant:
 *
 *   libnn_standard_scale(x_train, &mean, &std);
 *   libnn_standard_scale_apply(x_test, mean, std);
 *
 * Applying the returned statistics to a copy of the unscaled x reproduces
 * the fitted result bit for bit. The _apply variants accept statistics of
 * any shape with as many elements as a row of x.
 *
 * Min-max: x' = (x - min) / (max - min), into [0, 1] on the training data; a
 * constant feature (max == min) becomes x - min, i.e. 0 (scikit-learn's
 * rule). min_out and max_out receive each feature's minimum and maximum.
 *
 * Standard: x' = (x - mean) / std with the population standard deviation
 * (ddof = 0); a constant feature is divided by 1. mean_out receives the
 * means, std_out the deviations with 0 replaced by 1 (scikit-learn's
 * scale_). Sums are taken in double precision.
 *
 * The statistic outputs may be NULL when not wanted. On any error x is left
 * unchanged and the outputs are NULL.
 * Errors: LIBNN_E_INVALID (x NULL; statistics NULL in _apply),
 * LIBNN_E_SHAPE (x has no rows when fitting; statistics of the wrong size),
 * LIBNN_E_NONFINITE (a NaN or infinity in x when fitting, or in the
 * statistics: the message names the element), LIBNN_E_RANGE (max < min or
 * std < 0 given to _apply), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_minmax_scale(libnn_tensor *x, libnn_tensor **min_out,
                                          libnn_tensor **max_out);
LIBNN_API libnn_status libnn_minmax_scale_apply(libnn_tensor *x, const libnn_tensor *min,
                                                const libnn_tensor *max);
LIBNN_API libnn_status libnn_standard_scale(libnn_tensor *x, libnn_tensor **mean_out,
                                            libnn_tensor **std_out);
LIBNN_API libnn_status libnn_standard_scale_apply(libnn_tensor *x, const libnn_tensor *mean,
                                                  const libnn_tensor *std);

LIBNN_END_DECLS

#endif /* LIBNN_DATA_H */
