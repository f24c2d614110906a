/*
 * Private: the attachment of libnn-mpi and its collectives.
 *
 * Every collective is a non-blocking MPI call polled to completion (with a
 * deadline when a timeout is set), so that no call of libnn-mpi can wait
 * forever for a rank that left, and MPI errors come back as statuses (the
 * communicator is a duplicate with MPI_ERRORS_RETURN).
 */
#ifndef LIBNN_MPI_INTERNAL_H
#define LIBNN_MPI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "libnn/mpi.h"

struct libnn_mpi {
    libnn_model *model;
    MPI_Comm comm; /* our duplicate */
    int rank, size;
    double timeout; /* seconds; 0: none */
    bool broken;    /* a collective timed out: its request is still pending */
    /* Gradients: every rank's [grad..., samples, status] after the gather,
     * and the double sum. */
    float *gathered;
    size_t grad_count;
    double *acc;
    /* The reductions of fit: every rank's doubles. */
    double *dgathered;
    size_t dcap;
};

/* Wait for `req` (polling, with the deadline); `what` names the collective
 * for messages. Errors: LIBNN_E_IO. */
libnn_status lnn_mpi_wait(libnn_mpi *c, MPI_Request *req, const char *what);
/* A status with MPI's message for return code `rc` of `what`. */
libnn_status lnn_mpi_error(libnn_mpi *c, int rc, const char *what);
/* In-place allgather of `count` elements of `type` per rank in buf
 * (rank r's at buf + r * count * elem size). */
libnn_status lnn_mpi_allgather(libnn_mpi *c, void *buf, int count, MPI_Datatype type,
                               const char *what);
/* Broadcast `count` elements of `type` from rank 0. */
libnn_status lnn_mpi_bcast(libnn_mpi *c, void *buf, int count, MPI_Datatype type,
                           const char *what);
/* Fail every call once a collective timed out. */
libnn_status lnn_mpi_usable(const libnn_mpi *c, const char *who);

#endif
