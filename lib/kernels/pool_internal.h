/*
 * Private: NHWC max and average pooling (windowed and global), forward and
 * backward. Windowed pooling uses the convolution geometry with dilation 1.
 */
#ifndef LIBNN_POOL_INTERNAL_H
#define LIBNN_POOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conv_internal.h"

/*
 * lnn_conv_geom_init() with dh = dw = 1 (set here), plus a check that
 * h * w fits the int32 argmax indices of max pooling (LIBNN_E_RANGE).
 */
libnn_status lnn_pool_geom_init(lnn_conv_geom *g);

/*
 * x [n, h, w, c] -> y [n, oh, ow, c]. argmax [n, oh, ow, c] receives, for
 * each output, the spatial index iy * w + ix of the input pixel that won
 * (within its own image): the first maximum in row-major window order, so
 * ties go to the top-left. Padded cells never win (they count as -inf); a
 * NaN in the window wins, so it propagates.
 */
void lnn_maxpool_forward(const lnn_conv_geom *g, size_t n, const float *x, float *y,
                         int32_t *argmax);

/* dx [n, h, w, c] (+)= dy [n, oh, ow, c] routed to the argmax pixels; with
 * accumulate false dx is zeroed first. */
void lnn_maxpool_backward(const lnn_conv_geom *g, size_t n, const float *dy,
                          const int32_t *argmax, float *dx, bool accumulate);

/* x [n, h, w, c] -> y [n, oh, ow, c]: the mean over the real (unpadded)
 * cells of each window, as Keras' AveragePooling2D with same padding. */
void lnn_avgpool_forward(const lnn_conv_geom *g, size_t n, const float *x, float *y);

/* dx (+)= each dy spread evenly over its window's real cells; with
 * accumulate false dx is zeroed first. */
void lnn_avgpool_backward(const lnn_conv_geom *g, size_t n, const float *dy, float *dx,
                          bool accumulate);

/* x [n, hw, c] -> y [n, c]: the mean over the hw pixels (hw >= 1). */
void lnn_global_avgpool_forward(size_t n, size_t hw, size_t c, const float *x, float *y);

/* dx [n, hw, c] (+)= dy [n, c] / hw. */
void lnn_global_avgpool_backward(size_t n, size_t hw, size_t c, const float *dy, float *dx,
                                 bool accumulate);

/* x [n, hw, c] -> y [n, c]: the maximum over the hw pixels (NaN wins). */
void lnn_global_maxpool_forward(size_t n, size_t hw, size_t c, const float *x, float *y);

/*
 * dx [n, hw, c] (+)= dy [n, c] shared equally by the pixels equal to the
 * maximum: the gradient of Keras' GlobalMaxPooling2D (tf.reduce_max), which
 * matters after a relu, where all-zero channels tie everywhere. Needs the
 * forward input x and output y.
 */
void lnn_global_maxpool_backward(size_t n, size_t hw, size_t c, const float *x, const float *y,
                                 const float *dy, float *dx, bool accumulate);

#endif
