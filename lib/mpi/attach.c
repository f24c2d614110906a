/*
 * libnn_mpi_attach and what it installs: the gradient hook that sums the
 * gradients over the ranks, the reduction libnn's data-parallel fit sums
 * its losses and metrics with, and the copy of the model's state from
 * rank 0.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

static libnn_status fail(libnn_status st, const char *msg)
{
    return libnn_set_error(st, msg);
}

/* Every rank's [grad..., samples, status] gathered, then the same sum in
 * rank order on every rank: deterministic, and identical everywhere. */
static libnn_status grad_hook(libnn_model *model, float *grad, size_t count, int64_t batch,
                              libnn_status status, void *user)
{
    libnn_mpi *c = user;
    (void)model;
    libnn_status st = lnn_mpi_usable(c, "gradients");
    if (st != LIBNN_OK)
        return st;
    if (count != c->grad_count)
        return fail(LIBNN_E_STATE, "libnn-mpi: the model has other weights than when it was "
                                   "attached (compiled again?); detach and attach again");
    size_t stride = count + 2;
    float *mine = c->gathered + (size_t)c->rank * stride;
    memcpy(mine, grad, count * sizeof *grad);
    mine[count] = (float)batch;
    mine[count + 1] = (float)status;
    st = lnn_mpi_allgather(c, c->gathered, (int)stride, MPI_FLOAT, "allgather of the gradients");
    if (st != LIBNN_OK)
        return st;
    double total = 0;
    memset(c->acc, 0, count * sizeof *c->acc);
    for (int r = 0; r < c->size; r++) {
        const float *g = c->gathered + (size_t)r * stride;
        if (g[count + 1] != 0) {
            char msg[256];
            libnn_status theirs = (libnn_status)(int)g[count + 1];
            snprintf(msg, sizeof msg,
                     "libnn-mpi: rank %d of %d failed in this step (%s); its own message says why",
                     r, c->size, libnn_status_str(theirs));
            return fail(theirs, msg);
        }
        double w = g[count];
        total += w;
        for (size_t i = 0; w > 0 && i < count; i++)
            c->acc[i] += w * (double)g[i];
    }
    for (size_t i = 0; total > 0 && i < count; i++)
        grad[i] = (float)(c->acc[i] / total);
    return LIBNN_OK;
}

static libnn_status reduce_hook(libnn_model *model, double *values, size_t n, void *user)
{
    libnn_mpi *c = user;
    (void)model;
    libnn_status st = lnn_mpi_usable(c, "reduction");
    if (st != LIBNN_OK)
        return st;
    if (n > (size_t)INT_MAX)
        return fail(LIBNN_E_NOMEM, "libnn-mpi: a reduction of more than INT_MAX values");
    if (n > c->dcap) {
        double *grown = realloc(c->dgathered, (size_t)c->size * n * sizeof *grown);
        if (!grown)
            return fail(LIBNN_E_NOMEM, "libnn-mpi: out of memory for a reduction");
        c->dgathered = grown;
        c->dcap = n;
    }
    memcpy(c->dgathered + (size_t)c->rank * n, values, n * sizeof *values);
    st = lnn_mpi_allgather(c, c->dgathered, (int)n, MPI_DOUBLE, "allgather of the logs");
    if (st != LIBNN_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (int r = 0; r < c->size; r++)
            sum += c->dgathered[(size_t)r * n + i];
        values[i] = sum;
    }
    return LIBNN_OK;
}

/* What must agree between the ranks' models: buffer count, floats, trainable
 * floats, and a checksum of the buffer sizes in order. */
#define SHAPE_FIELDS 4

static void model_shape(libnn_model *m, double shape[SHAPE_FIELDS])
{
    size_t n = libnn_model_state_count(m);
    double floats = 0, check = 0;
    for (size_t i = 0; i < n; i++) {
        size_t count = 0;
        libnn_model_state_buffer(m, i, NULL, 0, NULL, &count);
        floats += (double)count;
        check = fmod(check * 31 + (double)count, 4294967291.0);
    }
    shape[0] = (double)n;
    shape[1] = floats;
    shape[2] = (double)libnn_model_trainable_param_count(m);
    shape[3] = check;
}

static libnn_status check_same_model(libnn_mpi *c)
{
    double *all = calloc((size_t)c->size * SHAPE_FIELDS, sizeof *all);
    if (!all)
        return fail(LIBNN_E_NOMEM, "libnn-mpi: out of memory checking the ranks' models");
    model_shape(c->model, all + (size_t)c->rank * SHAPE_FIELDS);
    libnn_status st = lnn_mpi_allgather(c, all, SHAPE_FIELDS, MPI_DOUBLE, "attach");
    static const char *const what[SHAPE_FIELDS] = {"state buffers", "state values",
                                                   "trainable values", "buffer-size checksum"};
    for (int r = 1; st == LIBNN_OK && r < c->size; r++)
        for (int f = 0; f < SHAPE_FIELDS; f++)
            if (all[(size_t)r * SHAPE_FIELDS + f] != all[f]) {
                char msg[256];
                snprintf(msg, sizeof msg,
                         "libnn-mpi: rank %d's model differs from rank 0's: %.0f %s against %.0f; "
                         "every rank must build and compile the same model",
                         r, all[(size_t)r * SHAPE_FIELDS + f], what[f], all[f]);
                st = fail(LIBNN_E_SHAPE, msg);
                break;
            }
    free(all);
    return st;
}

libnn_status libnn_mpi_broadcast(libnn_mpi *mpi)
{
    if (!mpi)
        return fail(LIBNN_E_INVALID, "libnn_mpi_broadcast: mpi is NULL");
    libnn_status st = lnn_mpi_usable(mpi, "broadcast");
    if (st == LIBNN_OK)
        st = check_same_model(mpi);
    size_t n = libnn_model_state_count(mpi->model);
    for (size_t i = 0; st == LIBNN_OK && i < n; i++) {
        float *data = NULL;
        size_t count = 0;
        char name[128];
        libnn_model_state_buffer(mpi->model, i, name, sizeof name, &data, &count);
        if (count > (size_t)INT_MAX)
            return fail(LIBNN_E_NOMEM, "libnn-mpi: a weight of more than INT_MAX values");
        if (data && count)
            st = lnn_mpi_bcast(mpi, data, (int)count, MPI_FLOAT, "broadcast of the weights");
    }
    libnn_optimizer *opt = libnn_model_optimizer(mpi->model);
    int64_t iterations = libnn_optimizer_iterations(opt);
    if (st == LIBNN_OK)
        st = lnn_mpi_bcast(mpi, &iterations, 1, MPI_INT64_T, "broadcast of the step count");
    if (st == LIBNN_OK)
        st = libnn_optimizer_set_iterations(opt, iterations);
    return st;
}

static void release(libnn_mpi *c)
{
    int finalized = 1;
    MPI_Finalized(&finalized);
    /* A timed-out request may still write into the buffers, and freeing its
     * communicator is not allowed: both stay. */
    if (!c->broken) {
        free(c->gathered);
        free(c->dgathered);
        if (!finalized && c->comm != MPI_COMM_NULL)
            MPI_Comm_free(&c->comm);
    }
    free(c->acc);
    free(c);
}

libnn_status libnn_mpi_attach(libnn_model *model, MPI_Comm comm, libnn_mpi **out)
{
    if (out)
        *out = NULL;
    if (!model || !out)
        return fail(LIBNN_E_INVALID, model ? "libnn_mpi_attach: out is NULL"
                                           : "libnn_mpi_attach: model is NULL");
    int inited = 0, finalized = 0;
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (!inited || finalized)
        return fail(LIBNN_E_INVALID, "libnn_mpi_attach: MPI is not initialised (call MPI_Init)");
    if (comm == MPI_COMM_NULL)
        return fail(LIBNN_E_INVALID, "libnn_mpi_attach: the communicator is MPI_COMM_NULL");
    libnn_mpi *c = calloc(1, sizeof *c);
    if (!c)
        return fail(LIBNN_E_NOMEM, "libnn_mpi_attach: out of memory");
    c->model = model;
    c->comm = MPI_COMM_NULL;
    int rc = MPI_Comm_dup(comm, &c->comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_set_errhandler(c->comm, MPI_ERRORS_RETURN);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_rank(c->comm, &c->rank);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_size(c->comm, &c->size);
    if (rc != MPI_SUCCESS) {
        libnn_status st = lnn_mpi_error(c, rc, "attach");
        release(c);
        return st;
    }
    /* From here every rank takes part in the collectives whatever happened
     * locally, so that no rank waits for another; a local failure is then
     * reported by all. */
    libnn_status st = LIBNN_OK;
    if (!libnn_model_optimizer(model))
        st = fail(LIBNN_E_STATE, "libnn_mpi_attach: the model is not compiled");
    c->grad_count = libnn_model_trainable_param_count(model);
    size_t stride = c->grad_count + 2;
    if (st == LIBNN_OK && stride > (size_t)INT_MAX)
        st = fail(LIBNN_E_NOMEM, "libnn-mpi: more than INT_MAX trainable values");
    if (st == LIBNN_OK) {
        c->gathered = calloc((size_t)c->size * stride, sizeof *c->gathered);
        c->acc = calloc(c->grad_count ? c->grad_count : 1, sizeof *c->acc);
        if (!c->gathered || !c->acc)
            st = fail(LIBNN_E_NOMEM, "libnn_mpi_attach: out of memory for the gradient buffers");
    }
    if (st == LIBNN_OK)
        st = libnn_model_set_data_parallel(model, c->rank, c->size, reduce_hook, c);
    int local_ok = st == LIBNN_OK, all_ok = 0;
    rc = MPI_Allreduce(&local_ok, &all_ok, 1, MPI_INT, MPI_LAND, c->comm);
    if (st == LIBNN_OK && rc != MPI_SUCCESS)
        st = lnn_mpi_error(c, rc, "attach");
    else if (st == LIBNN_OK && !all_ok)
        st = fail(LIBNN_E_STATE, "libnn_mpi_attach: another rank failed to attach (its model is "
                                 "not compiled, or it ran out of memory); its message says why");
    if (st == LIBNN_OK)
        st = libnn_mpi_broadcast(c);
    if (st == LIBNN_OK)
        st = libnn_model_set_gradient_hook(model, grad_hook, c);
    if (st != LIBNN_OK) {
        libnn_model_set_data_parallel(model, 0, 1, NULL, NULL);
        release(c);
        return st;
    }
    *out = c;
    return LIBNN_OK;
}

libnn_status libnn_mpi_attach_fortran(libnn_model *model, int64_t comm, libnn_mpi **out)
{
    if (comm < INT_MIN || comm > INT_MAX) {
        if (out)
            *out = NULL;
        return fail(LIBNN_E_INVALID, "libnn_mpi_attach_fortran: not a Fortran handle");
    }
    return libnn_mpi_attach(model, MPI_Comm_f2c((MPI_Fint)comm), out);
}

void libnn_mpi_detach(libnn_mpi *mpi)
{
    if (!mpi)
        return;
    libnn_model_set_gradient_hook(mpi->model, NULL, NULL);
    libnn_model_set_data_parallel(mpi->model, 0, 1, NULL, NULL);
    release(mpi);
}

int libnn_mpi_rank(const libnn_mpi *mpi)
{
    return mpi ? mpi->rank : -1;
}

int libnn_mpi_size(const libnn_mpi *mpi)
{
    return mpi ? mpi->size : -1;
}

libnn_status libnn_mpi_set_timeout(libnn_mpi *mpi, double seconds)
{
    if (!mpi || !isfinite(seconds) || seconds < 0)
        return fail(LIBNN_E_INVALID,
                    mpi ? "libnn_mpi_set_timeout: seconds must be finite and >= 0"
                        : "libnn_mpi_set_timeout: mpi is NULL");
    mpi->timeout = seconds;
    return LIBNN_OK;
}
