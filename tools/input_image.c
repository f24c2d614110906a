/*
 * Images: binary PGM (P5) read here, and the conversion of any image into
 * one sample of the model's input — channels, size, scale.
 *
 * Resizing is bilinear with half-pixel centres (the sampling of
 * TensorFlow's resize with half_pixel_centers, of OpenCV's INTER_LINEAR and
 * of PyTorch's align_corners=False), without antialiasing: right for the
 * small changes of size a model's input needs (a 32x32 digit to 28x28), not
 * for shrinking a photo tenfold.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

void tool_image_free(struct tool_image *img)
{
    free(img->data);
    img->data = NULL;
}

/* The next header number of a PGM, after blanks and '#' comments. */
static int pgm_number(FILE *f, int64_t *out)
{
    int c = fgetc(f);
    for (;;) {
        while (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            c = fgetc(f);
        if (c != '#')
            break;
        while (c != '\n' && c != EOF)
            c = fgetc(f);
    }
    if (c < '0' || c > '9')
        return 0;
    int64_t v = 0;
    for (; c >= '0' && c <= '9'; c = fgetc(f)) {
        v = v * 10 + (c - '0');
        if (v > (int64_t)1 << 31)
            return 0;
    }
    /* Exactly one blank ends the header's last number; the data follow. */
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
        return 0;
    *out = v;
    return 1;
}

int tool_pgm_load(const char *path, struct tool_image *img)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f)
        return tool_fail("%s: %s", path, strerror(errno));
    int64_t w = 0, h = 0, maxval = 0;
    int rc = TOOL_OK;
    if (fgetc(f) != 'P' || fgetc(f) != '5' || !pgm_number(f, &w) || !pgm_number(f, &h) ||
        !pgm_number(f, &maxval))
        rc = tool_fail("%s: not a binary PGM: the header should be \"P5 width height maxval\"",
                       path);
    else if (w < 1 || h < 1 || maxval < 1 || maxval > 65535)
        rc = tool_fail("%s: PGM of %" PRId64 "x%" PRId64 " pixels with maxval %" PRId64
                       ": sizes must be at least 1 and maxval 1 to 65535", path, w, h, maxval);
    else if (w * h > TOOL_IMAGE_MAX_PIXELS)
        rc = tool_fail("%s: %" PRId64 "x%" PRId64 " pixels is more than the %" PRId64
                       " the tool reads", path, w, h, TOOL_IMAGE_MAX_PIXELS);
    size_t count = rc == TOOL_OK ? (size_t)(w * h) : 0, bytes = maxval > 255 ? 2 : 1;
    unsigned char *raw = rc == TOOL_OK ? malloc(count * bytes) : NULL;
    img->data = raw ? malloc(count * sizeof *img->data) : NULL;
    if (rc == TOOL_OK && !img->data)
        rc = tool_fail("%s: out of memory for %zu pixels", path, count);
    size_t got = rc == TOOL_OK ? fread(raw, bytes, count, f) : 0;
    if (rc == TOOL_OK && got != count)
        rc = tool_fail("%s: the PGM ends after %zu of its %zu pixels", path, got, count);
    for (size_t i = 0; rc == TOOL_OK && i < count; i++) {
        /* 16-bit samples are big-endian, as Netpbm writes them. */
        uint16_t v = bytes == 2 ? (uint16_t)(raw[2 * i] << 8 | raw[2 * i + 1]) : raw[i];
        if (v > maxval)
            rc = tool_fail("%s: pixel %zu is %u, above the maxval %" PRId64, path, i,
                           (unsigned)v, maxval);
        img->data[i] = v;
    }
    free(raw);
    fclose(f);
    if (rc != TOOL_OK) {
        tool_image_free(img);
        return rc;
    }
    img->width = w, img->height = h, img->channels = 1, img->maxval = (double)maxval;
    return TOOL_OK;
}

/* One pixel's `channels` values from the image's own, scaled as asked. */
static void pixel(const struct tool_image *img, int64_t i, int64_t channels,
                  const struct tool_input_options *o, float *out)
{
    const uint16_t *p = img->data + i * img->channels;
    double full = o->no_scale ? 255.0 : 1.0;
    for (int64_t c = 0; c < channels; c++) {
        double v;
        if (img->channels == channels)
            v = p[c];
        else if (img->channels == 1)
            v = p[0]; /* gray to RGB */
        else /* RGB to gray: ITU-R BT.601 luma, as PIL's convert('L') */
            v = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        v = v / img->maxval * full;
        out[c] = (float)(o->invert ? full - v : v);
    }
}

/* Bilinear resampling of src (sh x sw x c) into dst (dh x dw x c). */
static void resize_bilinear(const float *src, int64_t sh, int64_t sw, float *dst, int64_t dh,
                            int64_t dw, int64_t c)
{
    for (int64_t y = 0; y < dh; y++) {
        double fy = ((double)y + 0.5) * (double)sh / (double)dh - 0.5;
        fy = fy < 0 ? 0 : fy;
        int64_t y0 = (int64_t)fy, y1 = y0 + 1 < sh ? y0 + 1 : sh - 1;
        double ay = fy - (double)y0;
        for (int64_t x = 0; x < dw; x++) {
            double fx = ((double)x + 0.5) * (double)sw / (double)dw - 0.5;
            fx = fx < 0 ? 0 : fx;
            int64_t x0 = (int64_t)fx, x1 = x0 + 1 < sw ? x0 + 1 : sw - 1;
            double ax = fx - (double)x0;
            for (int64_t k = 0; k < c; k++) {
                double top = src[(y0 * sw + x0) * c + k] * (1 - ax) + src[(y0 * sw + x1) * c + k] * ax;
                double bot = src[(y1 * sw + x0) * c + k] * (1 - ax) + src[(y1 * sw + x1) * c + k] * ax;
                dst[(y * dw + x) * c + k] = (float)(top * (1 - ay) + bot * ay);
            }
        }
    }
}

int tool_image_to_sample(const char *path, const struct tool_image *img, int64_t height,
                         int64_t width, int64_t channels, const struct tool_input_options *o,
                         float *dst)
{
    int same = img->height == height && img->width == width;
    if (!same && !o->resize)
        return tool_fail("%s: %" PRId64 "x%" PRId64 " pixels, the model takes %" PRId64
                         "x%" PRId64 " (width x height); --resize resizes images (bilinear)",
                         path, img->width, img->height, width, height);
    int64_t n = img->width * img->height;
    float *src = same ? dst : malloc((size_t)(n * channels) * sizeof *src);
    if (!src)
        return tool_fail("%s: out of memory to resize it", path);
    for (int64_t i = 0; i < n; i++)
        pixel(img, i, channels, o, src + i * channels);
    if (!same) {
        resize_bilinear(src, img->height, img->width, dst, height, width, channels);
        free(src);
    }
    return TOOL_OK;
}
