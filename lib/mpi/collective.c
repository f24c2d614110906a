/*
 * Collectives of libnn-mpi: non-blocking MPI calls polled to completion, so
 * that a timeout can bound them and a waiting rank leaves the CPU to the
 * others (ranks often share cores).
 */
#include <stdio.h>
#include <time.h>

#include "mpi_internal.h"

/* Polls before the waits start to sleep: short waits stay fast. */
#define SPIN_POLLS 200
#define NAP_NS 50000L

libnn_status lnn_mpi_error(libnn_mpi *c, int rc, const char *what)
{
    char text[MPI_MAX_ERROR_STRING], msg[MPI_MAX_ERROR_STRING + 128];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", rc);
    snprintf(msg, sizeof msg, "libnn-mpi: %s failed on rank %d: %s", what, c ? c->rank : -1, text);
    return libnn_set_error(LIBNN_E_IO, msg);
}

libnn_status lnn_mpi_usable(const libnn_mpi *c, const char *who)
{
    if (!c->broken)
        return LIBNN_OK;
    char msg[256];
    snprintf(msg, sizeof msg,
             "libnn-mpi: %s: an earlier collective timed out, so the communicator cannot be used "
             "again; end the job (MPI_Abort)",
             who);
    return libnn_set_error(LIBNN_E_IO, msg);
}

libnn_status lnn_mpi_wait(libnn_mpi *c, MPI_Request *req, const char *what)
{
    double deadline = c->timeout > 0 ? MPI_Wtime() + c->timeout : 0;
    for (long polls = 0;; polls++) {
        int done = 0;
        int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return lnn_mpi_error(c, rc, what);
        if (done)
            return LIBNN_OK;
        if (deadline > 0 && MPI_Wtime() > deadline) {
            c->broken = true;
            char msg[512];
            snprintf(msg, sizeof msg,
                     "libnn-mpi: %s timed out on rank %d of %d after %g s: another rank did not "
                     "join (it stopped early or failed outside libnn); the communicator cannot be "
                     "used again, end the job (MPI_Abort)",
                     what, c->rank, c->size, c->timeout);
            return libnn_set_error(LIBNN_E_IO, msg);
        }
        if (polls >= SPIN_POLLS) {
            struct timespec nap = {0, NAP_NS};
            nanosleep(&nap, NULL);
        }
    }
}

libnn_status lnn_mpi_allgather(libnn_mpi *c, void *buf, int count, MPI_Datatype type,
                               const char *what)
{
    MPI_Request req;
    int rc = MPI_Iallgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, count, type, c->comm, &req);
    if (rc != MPI_SUCCESS)
        return lnn_mpi_error(c, rc, what);
    return lnn_mpi_wait(c, &req, what);
}

libnn_status lnn_mpi_bcast(libnn_mpi *c, void *buf, int count, MPI_Datatype type,
                           const char *what)
{
    MPI_Request req;
    int rc = MPI_Ibcast(buf, count, type, 0, c->comm, &req);
    if (rc != MPI_SUCCESS)
        return lnn_mpi_error(c, rc, what);
    return lnn_mpi_wait(c, &req, what);
}
