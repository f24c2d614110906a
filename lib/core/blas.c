/*
 * The BLAS backend as the runtime sees it: thread count, a description,
 * and the check for Debian's OpenBLAS falling back to generic kernels.
 */
#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <strings.h>

#include "error_internal.h"
#include "log_internal.h"

/* 0 until set: then OpenBLAS' own default applies. */
static atomic_int num_threads;

libnn_status libnn_set_num_threads(int n)
{
    if (n < 1 || n > 1024)
        return lnn_error(LIBNN_E_RANGE, "set_num_threads: %d threads requested, allowed 1..1024", n);
    openblas_set_num_threads(n);
    atomic_store(&num_threads, n);
    return LIBNN_OK;
}

int libnn_get_num_threads(void)
{
    int n = atomic_load(&num_threads);
    if (n > 0)
        return n;
    n = openblas_get_num_threads();
    return n > 0 ? n : 1;
}

const char *libnn_blas_info(void)
{
    static _Thread_local char info[512];
    lnn_blas_check();
    snprintf(info, sizeof info, "%s; core %s; %d threads", openblas_get_config(),
             openblas_get_corename(), libnn_get_num_threads());
    return info;
}

/* Kernels OpenBLAS picks when DYNAMIC_ARCH does not know the CPU: all of
 * them predate AVX2 and run sgemm several times slower than the CPU can. */
static bool core_is_generic(const char *core)
{
    static const char *const generic[] = {
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
        "northwood", "banias", "athlon", "opteron", "barcelona", "bobcat", "generic", "unknown",
    };
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
        if (strcasecmp(core, generic[i]) == 0)
            return true;
    return false;
}

const char *lnn_blas_suggest_coretype(const char *core, bool has_avx2, bool has_avx512)
{
    if (!core || !core_is_generic(core))
        return NULL;
    if (has_avx512)
        return "SkylakeX";
    return has_avx2 ? "Haswell" : NULL;
}

static atomic_bool warned;

void lnn_blas_check(void)
{
    /* Warn once, and only once somebody listens: a handler installed later
     * still gets the warning. */
    if (atomic_load(&warned) || !lnn_log_enabled())
        return;
    __builtin_cpu_init();
    const char *core = openblas_get_corename();
    const char *suggest = lnn_blas_suggest_coretype(core, __builtin_cpu_supports("avx2"),
                                                    __builtin_cpu_supports("avx512f"));
    if (!suggest || atomic_exchange(&warned, true))
        return;
    lnn_log(LIBNN_LOG_WARNING,
            "OpenBLAS did not recognise this CPU and runs its generic '%s' kernels, several times "
            "slower than the CPU allows; set OPENBLAS_CORETYPE=%s in the environment before "
            "starting the program",
            core, suggest);
}
