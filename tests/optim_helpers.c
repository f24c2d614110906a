/*
 * Helpers of the optimizer suites; see optim_helpers.h.
 */
#include <check.h>
#include <string.h>

#include "optim_helpers.h"

const float OPTIM_W0[5] = {0.5f, -1.0f, 2.0f, 1.5f, -0.25f};
const float OPTIM_G1[5] = {0.1f, -0.2f, 0.3f, 0.7f, -0.05f};
const float OPTIM_G2[5] = {-0.4f, 0.05f, 0.25f, -0.3f, 0.6f};

void optim_fixture_init(optim_fixture *f)
{
    memcpy(f->w, OPTIM_W0, sizeof f->w);
    memset(f->g, 0, sizeof f->g);
    f->refs[0] = (lnn_param_ref){f->w, f->g, 3, "dense/kernel"};
    f->refs[1] = (lnn_param_ref){f->w + 3, f->g + 3, 2, "dense/bias"};
}

libnn_optimizer *optim_make(libnn_status (*ctor)(float, libnn_optimizer **), float lr)
{
    libnn_optimizer *o = NULL;
    ck_assert_int_eq(ctor(lr, &o), LIBNN_OK);
    return o;
}

void optim_set_f(libnn_optimizer *o, libnn_opt_param key, double v)
{
    ck_assert_int_eq(libnn_optimizer_set_float(o, key, v), LIBNN_OK);
}

void optim_set_i(libnn_optimizer *o, libnn_opt_param key, int64_t v)
{
    ck_assert_int_eq(libnn_optimizer_set_int(o, key, v), LIBNN_OK);
}
