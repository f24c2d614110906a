/*
 * Private: the loss kinds behind lnn_loss_eval, one function per family, so
 * that the dispatcher in loss.c and the cross-entropies in
 * loss_crossentropy.c can live in separate files. Arguments as
 * lnn_loss_eval's; cfg->kind selects the member of the family.
 */
#ifndef LIBNN_LOSS_KINDS_INTERNAL_H
#define LIBNN_LOSS_KINDS_INTERNAL_H

#include "loss_internal.h"

/* Keras' epsilon() as float32, and 1 - epsilon rounded to float32 as Keras'
 * float32 clip bound is. */
#define LNN_CE_EPS 1e-7f
#define LNN_CE_ONE_MINUS_EPS (1.0f - 1e-7f)

/*
 * The loss of one sample and, when grad is not NULL, `scale` times its
 * gradient with respect to the sample's k predictions p. y holds the
 * sample's lnn_loss_label_width() labels; `sample` names it in messages.
 */
typedef libnn_status (*lnn_loss_row_fn)(const lnn_loss_cfg *cfg, size_t k, const float *p,
                                        const float *y, size_t sample, double *loss, float *grad,
                                        double scale);

/* Mean squared / absolute error, huber, binary cross-entropy: a value per
 * element, averaged over the k values of a sample. */
libnn_status lnn_loss_row_elementwise(const lnn_loss_cfg *cfg, size_t k, const float *p,
                                      const float *y, size_t sample, double *loss, float *grad,
                                      double scale);

/* Categorical and sparse categorical cross-entropy: summed over classes. */
libnn_status lnn_loss_row_categorical(const lnn_loss_cfg *cfg, size_t k, const float *p,
                                      const float *y, size_t sample, double *loss, float *grad,
                                      double scale);

/* LIBNN_E_INVALID for a target outside [0, 1] (or NaN) where a probability
 * is needed, naming the sample and the position in it. */
libnn_status lnn_loss_bad_target(const lnn_loss_cfg *cfg, size_t sample, size_t index,
                                 float value);

/* Probability target after Keras' label smoothing towards 1/classes. */
static inline double lnn_smooth(double y, double smoothing, double classes)
{
    return y * (1.0 - smoothing) + smoothing / classes;
}

/* Keras' clip of a probability to [eps, 1 - eps]; NaN passes through. */
static inline double lnn_ce_clip(double p)
{
    return p < LNN_CE_EPS ? LNN_CE_EPS : p > LNN_CE_ONE_MINUS_EPS ? LNN_CE_ONE_MINUS_EPS : p;
}

/* Whether p passes the clip unchanged, so that it gets a gradient (bounds
 * included, as clip_by_value and torch.clamp have it; NaN does). */
static inline bool lnn_ce_unclipped(double p)
{
    return !(p < LNN_CE_EPS) && !(p > LNN_CE_ONE_MINUS_EPS);
}

#endif
