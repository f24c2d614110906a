"""Data-parallel training over MPI, through libnn-mpi and mpi4py.

    from mpi4py import MPI
    import libnn, libnn.mpi

    model = libnn.Sequential([...], input_shape=(28, 28, 1), seed=1)
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    mpi = libnn.mpi.attach(model)          # MPI.COMM_WORLD; weights from rank 0
    model.fit(x, y, batch_size=32, epochs=5)   # 32 per rank per step
    mpi.detach()

Run with `mpirun -np 2 python3 train.py`. Every rank builds the same model
and passes the same (whole) data to fit; see docs/distributed.md for what
attaching does. libnn-mpi is found through LIBNN_MPI_LIBRARY, then
ctypes.util.find_library('nn-mpi'), then an in-tree build
(<repo>/build/lib/mpi/libnn-mpi.so.0).
"""
import ctypes
import ctypes.util
import os
from ctypes import POINTER, Structure, byref, c_double, c_int, c_int64

from ._lib import ModelP, _check

__all__ = ['attach', 'Attachment']

_MpiP = POINTER(type('libnn_mpi', (Structure,), {}))
_cdll = None


def _load():
    global _cdll
    if _cdll is not None:
        return _cdll
    env = os.environ.get('LIBNN_MPI_LIBRARY')
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    found = ctypes.util.find_library('nn-mpi')
    paths = [env] if env else ([found] if found else []) + [
        os.path.join(repo, 'build', 'lib', 'mpi', 'libnn-mpi.so.0')]
    errors = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            break
        except OSError as e:
            errors.append(f'{path}: {e}')
    else:
        raise OSError('cannot load libnn-mpi (build libnn with MPI, or set LIBNN_MPI_LIBRARY): '
                      + '; '.join(errors))
    for name, restype, argtypes in (
            ('libnn_mpi_attach_fortran', c_int, [ModelP, c_int64, POINTER(_MpiP)]),
            ('libnn_mpi_detach', None, [_MpiP]),
            ('libnn_mpi_broadcast', c_int, [_MpiP]),
            ('libnn_mpi_rank', c_int, [_MpiP]),
            ('libnn_mpi_size', c_int, [_MpiP]),
            ('libnn_mpi_set_timeout', c_int, [_MpiP, c_double])):
        f = getattr(lib, name)
        f.restype, f.argtypes = restype, argtypes
        if restype is c_int and name not in ('libnn_mpi_rank', 'libnn_mpi_size'):
            f.errcheck = _check
    _cdll = lib
    return lib


class Attachment:
    """A model attached to a communicator; detach() (or garbage collection) ends it.

    Holds the model, so that the model outlives the attachment.
    """

    def __init__(self, model, ptr, comm):
        self.model, self._ptr, self.comm = model, ptr, comm

    @property
    def rank(self):
        return _load().libnn_mpi_rank(self._ptr)

    @property
    def size(self):
        return _load().libnn_mpi_size(self._ptr)

    def set_timeout(self, seconds):
        """Bound every collective to `seconds` (0: wait forever)."""
        _load().libnn_mpi_set_timeout(self._ptr, float(seconds))

    def broadcast(self):
        """Copy rank 0's weights and optimizer state to all ranks again (collective)."""
        _load().libnn_mpi_broadcast(self._ptr)

    def detach(self):
        if self._ptr:
            _load().libnn_mpi_detach(self._ptr)
            self._ptr = None

    def __del__(self):
        self.detach()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


def attach(model, comm=None, timeout=None):
    """Attach a compiled model to an mpi4py communicator (default COMM_WORLD); collective.

    Raises LibnnError with libnn-mpi's message when it fails (the ranks'
    models differ, an MPI error), ImportError without mpi4py.
    """
    from mpi4py import MPI  # initialises MPI, loads libmpi for libnn-mpi
    comm = MPI.COMM_WORLD if comm is None else comm
    lib = _load()
    out = _MpiP()
    lib.libnn_mpi_attach_fortran(model, comm.py2f(), byref(out))
    att = Attachment(model, out, comm)
    if timeout is not None:
        att.set_timeout(timeout)
    return att
