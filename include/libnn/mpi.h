/*
 * libnn-mpi: data-parallel training of a libnn model over MPI.
 *
 * A separate library (libnn-mpi.so, pkg-config libnn-mpi) on top of libnn's
 * gradient hook and data-parallel fit (model.h); libnn itself never links
 * MPI, and libnn.h does not include this header. Every process of the job
 * builds and compiles the same model, attaches it, and calls fit with the
 * same (whole) data set:
 *
 *   MPI_Init(&argc, &argv);
 *   ... build and compile the model, load x and y ...
 *   libnn_mpi *mpi;
 *   libnn_mpi_attach(model, MPI_COMM_WORLD, &mpi);    weights from rank 0
 *   libnn_model_fit(model, x, y, epochs, 64);         64 per rank per step
 *   libnn_mpi_detach(mpi);
 *   MPI_Finalize();
 *
 * What attaching does:
 * - works on a duplicate of the communicator, with MPI_ERRORS_RETURN: an MPI
 *   error becomes a libnn status (LIBNN_E_IO) with MPI's message, never an
 *   abort inside libnn-mpi;
 * - copies the weights, the optimizer's slots and its iteration count from
 *   rank 0 to every rank, after checking that all ranks hold the same model;
 * - every training step sums the gradients over the ranks in one fused
 *   buffer and scales them to the mean over the global batch. The sum is
 *   deterministic: an MPI_Iallgather of every rank's buffer, then on every
 *   rank the same sum in rank order, in double, weighted by each rank's
 *   sample count. The weights are therefore identical on all ranks and
 *   bit-identical from run to run (same ranks, same thread count);
 * - fit and evaluate run data-parallel (libnn_model_set_data_parallel):
 *   each global batch is the per-rank batch size x ranks, sliced by rank;
 *   losses and metrics are summed over the ranks; a stop request or an error
 *   on one rank stops every rank; only rank 0 prints and writes files.
 *
 * Faults: when a rank leaves early, the others would wait in the next
 * collective forever. libnn_mpi_set_timeout bounds every collective:
 * past it the call returns LIBNN_E_IO, the attachment is unusable (the
 * pending MPI request cannot be cancelled; end the job with MPI_Abort).
 *
 * Threading: as the model: one thread at a time. MPI must be initialised
 * (any thread level; libnn-mpi calls MPI only from the training thread).
 */
#ifndef LIBNN_MPI_H
#define LIBNN_MPI_H

#include <stdint.h>

#include <mpi.h>

#include "libnn/model.h"
#include "libnn/status.h"

#if defined(LIBNN_MPI_BUILDING) && defined(__GNUC__)
#define LIBNN_MPI_API __attribute__((visibility("default")))
#else
#define LIBNN_MPI_API
#endif

LIBNN_BEGIN_DECLS

typedef struct libnn_mpi libnn_mpi;

/*
 * Attach a compiled model to the communicator: collective over `comm`
 * (every rank calls it with its own model). On success *out owns the
 * attachment (libnn_mpi_detach, before the model is freed) and the model's
 * gradient hook and data-parallel mode are set; on failure *out is NULL and
 * the model is as before (every rank fails alike when the ranks' models
 * differ). Errors: LIBNN_E_INVALID (NULL argument, MPI not initialised),
 * LIBNN_E_STATE (the model is not compiled, here or on another rank),
 * LIBNN_E_SHAPE (the ranks' models differ: the message names the first
 * difference),
 * LIBNN_E_IO (an MPI error or a timeout), LIBNN_E_NOMEM.
 */
LIBNN_MPI_API libnn_status libnn_mpi_attach(libnn_model *model, MPI_Comm comm, libnn_mpi **out);

/* As libnn_mpi_attach, with the communicator as its Fortran handle
 * (MPI_Comm_c2f; mpi4py's comm.py2f()): for ctypes, where MPI_Comm's type
 * differs between MPI implementations. */
LIBNN_MPI_API libnn_status libnn_mpi_attach_fortran(libnn_model *model, int64_t comm,
                                                    libnn_mpi **out);

/* Remove the hook and data-parallel mode from the model and free the
 * attachment (not collective). NULL is ignored. After a timeout the
 * buffers of the pending request are deliberately not freed. */
LIBNN_MPI_API void libnn_mpi_detach(libnn_mpi *mpi);

/* Copy the model's state from rank 0 to all ranks again, as attach did
 * (after rank 0 alone changed the weights, e.g. loaded a file). Collective.
 * Errors: as libnn_mpi_attach. */
LIBNN_MPI_API libnn_status libnn_mpi_broadcast(libnn_mpi *mpi);

/* This process's rank and the number of ranks (-1 for NULL). */
LIBNN_MPI_API int libnn_mpi_rank(const libnn_mpi *mpi);
LIBNN_MPI_API int libnn_mpi_size(const libnn_mpi *mpi);

/*
 * Bound every collective to `seconds` (> 0; 0: wait forever, the default).
 * Collectives then run as non-blocking MPI calls polled until done or past
 * the bound. Errors: LIBNN_E_INVALID (NULL, negative or not finite).
 */
LIBNN_MPI_API libnn_status libnn_mpi_set_timeout(libnn_mpi *mpi, double seconds);

LIBNN_END_DECLS

#endif /* LIBNN_MPI_H */
