/*
 * PNG images through libpng's simplified API, when the tool is built with
 * libpng (meson feature `png`); libnn itself never links it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#ifdef LIBNN_TOOL_PNG
#include <png.h>

int tool_png_load(const char *path, int64_t channels, struct tool_image *img)
{
    memset(img, 0, sizeof *img);
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&png, path))
        return tool_fail("%s: %s", path, png.message);
    int64_t w = png.width, h = png.height;
    if (w * h > TOOL_IMAGE_MAX_PIXELS) {
        png_image_free(&png);
        return tool_fail("%s: %" PRId64 "x%" PRId64 " pixels is more than the %" PRId64
                         " the tool reads", path, w, h, TOOL_IMAGE_MAX_PIXELS);
    }
    /* libpng converts any PNG to 8-bit gray or RGB; transparent pixels are
     * laid on white, the paper a drawing is made on. */
    png.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    size_t count = (size_t)(w * h * (channels == 3 ? 3 : 1));
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(png));
    img->data = buf ? malloc(count * sizeof *img->data) : NULL;
    png_color white = {255, 255, 255};
    int ok = img->data && png_image_finish_read(&png, &white, buf, 0, NULL);
    int rc = ok ? TOOL_OK
                : tool_fail("%s: %s", path, img->data ? png.message : "out of memory");
    for (size_t i = 0; ok && i < count; i++)
        img->data[i] = buf[i];
    free(buf);
    png_image_free(&png);
    if (rc != TOOL_OK) {
        tool_image_free(img);
        return rc;
    }
    img->width = w, img->height = h, img->channels = channels == 3 ? 3 : 1, img->maxval = 255;
    return TOOL_OK;
}

#else

int tool_png_load(const char *path, int64_t channels, struct tool_image *img)
{
    memset(img, 0, sizeof *img);
    return tool_fail("%s: PNG support is not built in (reconfigure with -Dpng=enabled and "
                     "libpng installed), or convert the image to PGM", path);
}

#endif
