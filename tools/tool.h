/*
 * The libnn command-line tool: what its source files share. The tool is a
 * program like any other that embeds libnn: it uses the public API only
 * (<libnn.h>), never the library's internal headers.
 *
 * Conventions: every function that can fail prints its own message on
 * stderr ("libnn: <what>: <why>") and returns a TOOL_* exit code, so a
 * command returns the first non-zero code it gets.
 */
#ifndef LIBNN_TOOL_H
#define LIBNN_TOOL_H

#include <libnn.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes, as docs/tool.md promises them. */
enum { TOOL_OK = 0, TOOL_FAIL = 1, TOOL_USAGE = 2 };

/* ---- subcommands (main.c holds the table) ---- */

struct tool_cmd {
    const char *name;
    const char *synopsis; /* the arguments, for the usage line */
    const char *summary;  /* one line for `libnn --help` */
    const char *help;     /* the options, for `libnn NAME --help` */
    int (*run)(const struct tool_cmd *cmd, int argc, char **argv);
};

int tool_cmd_summary(const struct tool_cmd *cmd, int argc, char **argv);
int tool_cmd_predict(const struct tool_cmd *cmd, int argc, char **argv);
int tool_cmd_evaluate(const struct tool_cmd *cmd, int argc, char **argv);
int tool_cmd_convert(const struct tool_cmd *cmd, int argc, char **argv);

/* ---- messages (report.c) ---- */

#if defined(__GNUC__)
#define TOOL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TOOL_PRINTF(f, a)
#endif

/* "libnn: <message>" on stderr; returns TOOL_FAIL. */
int tool_fail(const char *fmt, ...) TOOL_PRINTF(1, 2);
/* "libnn: <what>: <libnn_last_error()>" on stderr; returns TOOL_FAIL. */
int tool_fail_libnn(const char *what);
/* "libnn <cmd>: <message>" and the command's usage line on stderr;
 * returns TOOL_USAGE. */
int tool_usage_error(const struct tool_cmd *cmd, const char *fmt, ...) TOOL_PRINTF(2, 3);
/* The command's usage and help text on stdout; returns TOOL_OK. */
int tool_print_help(const struct tool_cmd *cmd);

/* ---- command lines (args.c) ---- */

/* One option of a subcommand: "--name VALUE" (or "--name=VALUE") stores the
 * value string in *value; a flag ("--name") sets *flag to 1. */
struct tool_option {
    const char *name;
    const char **value;
    int *flag;
};

/* Split argv[1..] (argv[0] is the subcommand) into options and between
 * min_pos and max_pos positional arguments (pos, *npos). "--help" anywhere:
 * prints the help and returns -1 (the caller exits 0). Usage errors are
 * printed and give TOOL_USAGE. */
int tool_parse_args(const struct tool_cmd *cmd, int argc, char **argv,
                    const struct tool_option *options, size_t min_pos, size_t max_pos,
                    char **pos, size_t *npos);

/* A whole number in [min, max] from an option's text (NULL: keep *out).
 * Usage errors name the option. */
int tool_parse_int(const struct tool_cmd *cmd, const char *option, const char *text,
                   int64_t min, int64_t max, int64_t *out);

/* ---- the model (model_info.c) ---- */

/* What the outputs of a loaded model are, from its loss and last activation
 * (see output_kind in model_info.c). */
enum tool_output_kind {
    TOOL_OUT_PROBABILITIES, /* [n, k > 1] class probabilities (or logits: see `logits`) */
    TOOL_OUT_SIGMOID,       /* [n, 1] probability of class 1 (or its logit) */
    TOOL_OUT_SCORES,        /* [n, k > 1] class scores that are not probabilities */
    TOOL_OUT_VALUES         /* anything else (regression, sequences): printed raw */
};

struct tool_model {
    libnn_model *model;
    size_t in_ndim, out_ndim; /* per sample, no batch axis */
    int64_t in_shape[LIBNN_MAX_RANK], out_shape[LIBNN_MAX_RANK];
    enum tool_output_kind output;
    int logits; /* trained with from_logits: softmax or sigmoid gives the probabilities */
};

/* Load the model file at `path` and learn its shapes. */
int tool_model_load(const char *path, struct tool_model *tm);
void tool_model_free(struct tool_model *tm);

/* "(None, 28, 28, 1)" into buf, as Keras and libnn's summary write shapes. */
void tool_format_shape(char *buf, size_t size, size_t ndim, const int64_t *shape);

/* ---- inputs (input.c and input_*.c) ---- */

struct tool_input_options {
    int no_scale; /* keep bytes 0..255 as they are (default: divide by 255) */
    int resize;   /* resize images of another size (bilinear) instead of refusing them */
    int invert;   /* images: 1 - v (dark digits on light paper for MNIST models) */
};

/* The samples in `paths` for the model's input: one IDX or CSV file, or
 * one or more image files (one sample each), as a new [n, input...] tensor.
 * *images (may be NULL) tells whether they were images. */
int tool_input_load(char *const *paths, size_t npaths, const struct tool_model *tm,
                    const struct tool_input_options *o, libnn_tensor **x, int *images);

/* Targets for evaluate: an IDX or CSV file, values as stored. */
int tool_targets_load(const char *path, libnn_tensor **y);

/* The kinds of input file, told apart by their first bytes (after gzip
 * decompression); idx_type is an IDX file's element type byte. */
enum tool_file_kind { TOOL_FILE_IDX, TOOL_FILE_CSV, TOOL_FILE_PGM, TOOL_FILE_PNG };
int tool_file_kind(const char *path, enum tool_file_kind *kind, int *idx_type);

/* A CSV file of numbers; a first row that is not all numbers is a header. */
int tool_csv_load(const char *path, libnn_tensor **out);

/* An image of 8- or 16-bit samples, rows top to bottom, channels interleaved. */
struct tool_image {
    int64_t width, height, channels;
    double maxval;  /* the value of white: 255 for PNG, the PGM's maxval */
    uint16_t *data; /* width * height * channels */
};

/* Largest image the tool reads, in pixels (a 16k x 16k photo); a header
 * asking for more is refused before anything is allocated. */
#define TOOL_IMAGE_MAX_PIXELS ((int64_t)1 << 28)

int tool_pgm_load(const char *path, struct tool_image *img);
/* PNG through libpng, converted to `channels` (1 gray, 3 RGB); TOOL_FAIL
 * with a message when the tool was built without libpng. */
int tool_png_load(const char *path, int64_t channels, struct tool_image *img);
void tool_image_free(struct tool_image *img);

/* Write one image into a sample of height x width x channels floats:
 * channels converted, resized (bilinear) when allowed, scaled to [0, 1]. */
int tool_image_to_sample(const char *path, const struct tool_image *img, int64_t height,
                         int64_t width, int64_t channels, const struct tool_input_options *o,
                         float *dst);

#endif /* LIBNN_TOOL_H */
