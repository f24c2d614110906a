/*
 * Inputs of predict and evaluate: which kind of file each is, and the
 * samples as a tensor shaped for the model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tool.h"

int tool_file_kind(const char *path, enum tool_file_kind *kind, int *idx_type)
{
    /* zlib reads plain files as they are, so one look serves both. */
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return tool_fail("%s: %s", path, errno ? strerror(errno) : "cannot open it");
    unsigned char b[8] = {0};
    int n = gzread(gz, b, sizeof b);
    int compressed = !gzdirect(gz);
    int zerr;
    const char *why = n < 0 ? gzerror(gz, &zerr) : NULL;
    char msg[256];
    if (why)
        snprintf(msg, sizeof msg, "%s", zerr == Z_ERRNO ? strerror(errno) : why);
    gzclose(gz);
    if (why)
        return tool_fail("%s: %s", path, msg);
    *idx_type = b[2];
    if (n >= 4 && b[0] == 0 && b[1] == 0 && strchr("\x08\x09\x0b\x0c\x0d\x0e", b[2]) && b[2])
        *kind = TOOL_FILE_IDX;
    else if (compressed)
        return tool_fail("%s: a gzip file that does not hold IDX data (only IDX files may be "
                         "compressed)", path);
    else if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
        *kind = TOOL_FILE_PNG;
    else if (n >= 2 && b[0] == 'P' && b[1] == '5')
        *kind = TOOL_FILE_PGM;
    else if (n >= 2 && b[0] == 'P' && strchr("1234", b[1]) && b[1])
        return tool_fail("%s: a Netpbm P%c file; the tool reads binary graymaps (P5) only",
                         path, b[1]);
    else
        *kind = TOOL_FILE_CSV;
    return TOOL_OK;
}

static int64_t product(size_t ndim, const int64_t *shape)
{
    int64_t p = 1;
    for (size_t i = 0; i < ndim; i++)
        p *= shape[i];
    return p;
}

/* Give x [n, ...] the model's per-sample shape when its samples have as
 * many values (a [n, 28, 28, 1] IDX for a Dense model on [784], a CSV row
 * for [28, 28, 1]); refuse it otherwise. */
static int fit_to_model(const char *path, libnn_tensor *x, const struct tool_model *tm)
{
    int64_t shape[LIBNN_MAX_RANK + 1];
    size_t ndim = libnn_tensor_ndim(x);
    libnn_tensor_shape(x, LIBNN_MAX_RANK, shape);
    int64_t have = ndim > 1 ? product(ndim - 1, shape + 1) : 1;
    int64_t want = product(tm->in_ndim, tm->in_shape);
    if (have != want) {
        char a[128], b[128];
        tool_format_shape(a, sizeof a, ndim - 1, shape + 1);
        tool_format_shape(b, sizeof b, tm->in_ndim, tm->in_shape);
        return tool_fail("%s: samples of shape %s (%" PRId64 " values) do not fit the model's "
                         "input %s (%" PRId64 " values)", path, a, have, b, want);
    }
    shape[0] = libnn_tensor_dim(x, 0);
    memcpy(shape + 1, tm->in_shape, tm->in_ndim * sizeof *shape);
    if (libnn_tensor_reshape(x, tm->in_ndim + 1, shape) != LIBNN_OK)
        return tool_fail_libnn(path);
    return TOOL_OK;
}

/* The image size and channels the model takes, from its input shape. */
static int image_geometry(const char *path, const struct tool_image *img,
                          const struct tool_model *tm, int64_t *h, int64_t *w, int64_t *c)
{
    char s[128];
    tool_format_shape(s, sizeof s, tm->in_ndim, tm->in_shape);
    if (tm->in_ndim == 3 && (tm->in_shape[2] == 1 || tm->in_shape[2] == 3)) {
        *h = tm->in_shape[0], *w = tm->in_shape[1], *c = tm->in_shape[2];
    } else if (tm->in_ndim == 2) {
        *h = tm->in_shape[0], *w = tm->in_shape[1], *c = 1;
    } else if (tm->in_ndim == 1 && img) {
        /* A flat input takes the image's pixels in row order, unresized. */
        if (img->width * img->height != tm->in_shape[0])
            return tool_fail("%s: %" PRId64 "x%" PRId64 " pixels, the model takes %" PRId64
                             " values per sample %s", path, img->width, img->height,
                             tm->in_shape[0], s);
        *h = img->height, *w = img->width, *c = 1;
    } else if (tm->in_ndim != 1) {
        return tool_fail("%s: the model's input %s is not an image (height, width and 1 or 3 "
                         "channels)", path, s);
    }
    return TOOL_OK;
}

static int load_image(const char *path, enum tool_file_kind kind, const struct tool_model *tm,
                      const struct tool_input_options *o, float *dst)
{
    int64_t h = 0, w = 0, c = 1;
    int rc = image_geometry(path, NULL, tm, &h, &w, &c);
    if (rc != TOOL_OK)
        return rc;
    struct tool_image img = {0};
    rc = kind == TOOL_FILE_PNG ? tool_png_load(path, c, &img) : tool_pgm_load(path, &img);
    if (rc == TOOL_OK && tm->in_ndim == 1)
        rc = image_geometry(path, &img, tm, &h, &w, &c);
    if (rc == TOOL_OK)
        rc = tool_image_to_sample(path, &img, h, w, c, o, dst);
    tool_image_free(&img);
    return rc;
}

static int load_images(char *const *paths, size_t n, const enum tool_file_kind *kinds,
                       const struct tool_model *tm, const struct tool_input_options *o,
                       libnn_tensor **x)
{
    int64_t shape[LIBNN_MAX_RANK + 1] = {(int64_t)n};
    memcpy(shape + 1, tm->in_shape, tm->in_ndim * sizeof *shape);
    if (libnn_tensor_new(tm->in_ndim + 1, shape, x) != LIBNN_OK)
        return tool_fail_libnn("images");
    size_t per = (size_t)product(tm->in_ndim, tm->in_shape);
    for (size_t i = 0; i < n; i++) {
        int rc = load_image(paths[i], kinds[i], tm, o, libnn_tensor_data(*x) + i * per);
        if (rc != TOOL_OK) {
            libnn_tensor_free(*x);
            *x = NULL;
            return rc;
        }
    }
    return TOOL_OK;
}

static int load_table(const char *path, enum tool_file_kind kind, int idx_type, int no_scale,
                      libnn_tensor **x)
{
    if (kind == TOOL_FILE_CSV)
        return tool_csv_load(path, x);
    /* Bytes are pixels: scaled to [0, 1] as the MNIST example loads them. */
    int flags = idx_type == 0x08 && !no_scale ? LIBNN_IDX_SCALE : LIBNN_IDX_RAW;
    if (libnn_idx_load(path, flags, x) != LIBNN_OK)
        return tool_fail_libnn(path);
    return TOOL_OK;
}

int tool_input_load(char *const *paths, size_t npaths, const struct tool_model *tm,
                    const struct tool_input_options *o, libnn_tensor **x, int *images_out)
{
    *x = NULL;
    enum tool_file_kind *kinds = calloc(npaths, sizeof *kinds);
    if (!kinds)
        return tool_fail("out of memory for %zu inputs", npaths);
    int rc = TOOL_OK, idx_type = 0, images = 0;
    for (size_t i = 0; i < npaths && rc == TOOL_OK; i++) {
        rc = tool_file_kind(paths[i], &kinds[i], &idx_type);
        images += kinds[i] == TOOL_FILE_PGM || kinds[i] == TOOL_FILE_PNG;
    }
    if (images_out)
        *images_out = images == (int)npaths;
    if (rc == TOOL_OK && images == (int)npaths) {
        rc = load_images(paths, npaths, kinds, tm, o, x);
    } else if (rc == TOOL_OK && npaths > 1) {
        size_t i = 0;
        while (kinds[i] == TOOL_FILE_PGM || kinds[i] == TOOL_FILE_PNG)
            i++;
        rc = tool_fail("%s: not an image; several inputs must all be images (or give one IDX "
                       "or CSV file)", paths[i]);
    } else if (rc == TOOL_OK) {
        rc = load_table(paths[0], kinds[0], idx_type, o->no_scale, x);
        if (rc == TOOL_OK)
            rc = fit_to_model(paths[0], *x, tm);
    }
    free(kinds);
    if (rc != TOOL_OK) {
        libnn_tensor_free(*x);
        *x = NULL;
    }
    return rc;
}

int tool_targets_load(const char *path, libnn_tensor **y)
{
    *y = NULL;
    enum tool_file_kind kind;
    int idx_type;
    int rc = tool_file_kind(path, &kind, &idx_type);
    if (rc == TOOL_OK && kind != TOOL_FILE_IDX && kind != TOOL_FILE_CSV)
        rc = tool_fail("%s: targets are read from an IDX or CSV file, not an image", path);
    if (rc == TOOL_OK)
        rc = load_table(path, kind, idx_type, 1, y);
    return rc;
}
