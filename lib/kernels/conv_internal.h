/*
 * Private: sliding-window geometry (shared by convolution and pooling) and
 * the NHWC im2col / col2im pair that turns a 2-D convolution into one sgemm.
 */
#ifndef LIBNN_CONV_INTERNAL_H
#define LIBNN_CONV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "libnn/status.h"

typedef enum lnn_padding {
    LNN_PADDING_VALID = 0,
    LNN_PADDING_SAME = 1 /* TensorFlow's: extra row/column at the bottom/right */
} lnn_padding;

/*
 * Geometry of a window sliding over one H x W x C image. The caller fills
 * the inputs (designated initialisers read well) and lnn_conv_geom_init()
 * derives the rest. The batch size is not part of it: the kernels take it
 * per call, so a layer can work through a batch in chunks.
 */
typedef struct lnn_conv_geom {
    /* inputs */
    size_t h, w, c;   /* image size */
    size_t kh, kw;    /* window (kernel or pool) size */
    size_t sh, sw;    /* strides */
    size_t dh, dw;    /* dilation (1 for pooling) */
    lnn_padding padding;
    /* derived */
    size_t oh, ow;             /* output size */
    size_t pad_top, pad_left;  /* the bottom/right padding is implied */
} lnn_conv_geom;

/*
 * One axis: output size and padding before the first element for an input
 * of n elements, window k, stride s, dilation d. false when k, s or d is 0,
 * when (k - 1) * d + 1 overflows, or when the output would be empty (n == 0,
 * or a valid window longer than the input).
 */
bool lnn_window_axis(size_t n, size_t k, size_t s, size_t d, lnn_padding padding,
                     size_t *out, size_t *pad_before);

/*
 * Taps [*lo, *hi) of the window at output position o along one axis (stride
 * s, padding pad before, window k, dilation d) that land inside an input of
 * n elements; *lo == *hi when none does. Tap t reads input o*s - pad + t*d.
 */
static inline void lnn_window_taps(size_t o, size_t s, size_t pad, size_t k, size_t d, size_t n,
                                   size_t *lo, size_t *hi)
{
    /* Geometry validation keeps every position far from PTRDIFF_MAX. */
    ptrdiff_t start = (ptrdiff_t)(o * s) - (ptrdiff_t)pad;
    ptrdiff_t end = (ptrdiff_t)n - start; /* first tap offset past the input */
    size_t first, last;
    if (d == 1) {
        first = start < 0 ? (size_t)-start : 0;
        last = end <= 0 ? 0 : (size_t)end;
    } else {
        first = start < 0 ? ((size_t)-start + d - 1) / d : 0;
        last = end <= 0 ? 0 : ((size_t)end + d - 1) / d;
    }
    if (last > k)
        last = k;
    if (first > last)
        first = last;
    *lo = first;
    *hi = last;
}

/*
 * Derive oh, ow, pad_top and pad_left. Errors (message without a layer name,
 * for the layer to prefix): LIBNN_E_INVALID for a zero size, stride or
 * dilation or an unknown padding; LIBNN_E_SHAPE when the output is empty.
 */
libnn_status lnn_conv_geom_init(lnn_conv_geom *g);

/*
 * Floats of the column buffer for n images: n*oh*ow rows of kh*kw*c.
 * false on size_t overflow.
 */
bool lnn_im2col_size(const lnn_conv_geom *g, size_t n, size_t *floats);

/*
 * True when the column matrix of this geometry is the input itself (a 1x1
 * window, stride 1, no padding), so the layer can skip im2col/col2im.
 */
bool lnn_im2col_is_identity(const lnn_conv_geom *g);

/*
 * x [n, h, w, c] -> col [n*oh*ow, kh*kw*c], each row ordered (ki, kj, ci),
 * which is the row order of a Keras kernel [kh, kw, c, filters] flattened to
 * [kh*kw*c, filters]: forward is then col * kernel in one sgemm. Padded cells
 * are 0.
 */
void lnn_im2col(const lnn_conv_geom *g, size_t n, const float *x, float *col);

/*
 * The adjoint of lnn_im2col: dx += scatter-add of col (padded cells are
 * dropped). With accumulate false dx [n, h, w, c] is zeroed first.
 */
void lnn_col2im(const lnn_conv_geom *g, size_t n, const float *col, float *dx, bool accumulate);

#endif
