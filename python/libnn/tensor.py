"""Tensor: a libnn_tensor (float32, row-major) seen from Python.

Tensors are made from nested lists, tuples or numpy arrays (copied as float32
in C order) and read back with .tolist() or, when numpy is installed, .numpy().
"""
import array
import math
from ctypes import POINTER, byref, c_float, c_int64

from ._lib import TensorP, lib, shape_array
from .constants import MAX_RANK

try:
    import numpy as _np
except ImportError:  # numpy is optional
    _np = None


class Handle:
    """One C handle, owned by this object until the C API takes it over.

    An owned handle is freed exactly once, by __del__. A handle handed over
    (a layer added to a model, an optimizer compiled into one, a callback
    given to fit) is never freed here: its owner frees it, and calls
    _invalidate() on this object first, so a late use raises ValueError
    instead of touching freed memory. Owners keep their parts alive; parts
    hold no reference back, so nothing waits for the cycle collector.
    """
    _ptr = None
    _owned = True
    _free_name = None  # the C destructor

    def __init__(self, ptr):
        self._ptr = ptr

    @property
    def _as_parameter_(self):  # lets ctypes take the object itself as the C argument
        if self._ptr is None:
            raise ValueError(self._gone_message())
        return self._ptr

    def _gone_message(self):
        return (f'this {type(self).__name__} has no C object any more: it was freed, or freed '
                'with the model that owned it, or given to a Bidirectional')

    def _hand_over(self):
        """The C API took ownership of the handle: never free it from here."""
        self._owned = False

    def _invalidate(self):
        """The owner freed the C object: forget the pointer."""
        self._ptr = None

    def _free(self):
        ptr, self._ptr = self._ptr, None
        if ptr is not None and self._owned:
            getattr(lib, self._free_name)(ptr)

    def __del__(self):
        try:
            self._free()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


def _shape_of(t):
    n = lib.libnn_tensor_ndim(t)
    dims = (c_int64 * MAX_RANK)()
    lib.libnn_tensor_shape(t, MAX_RANK, dims)
    return tuple(dims[:n])


def _flatten(data):
    """Shape and flat float list of nested lists/tuples (no numpy)."""
    shape, x = [], data
    while isinstance(x, (list, tuple)):
        shape.append(len(x))
        if not x:
            break
        x = x[0]
    flat = []

    def walk(x, depth):
        if not isinstance(x, (list, tuple)) or len(x) != shape[depth]:
            raise ValueError(f'nested list is not rectangular: expected {shape[depth]} items '
                             f'at depth {depth}, got {x!r:.40}')
        if depth + 1 < len(shape):
            for e in x:
                walk(e, depth + 1)
        else:
            try:
                flat.extend(map(float, x))
            except TypeError:
                raise ValueError(f'nested list is not rectangular or holds a non-number at '
                                 f'depth {depth + 1}: {x!r:.40}') from None

    if not shape:
        raise ValueError(f'a tensor needs rank 1 to {MAX_RANK}; got a scalar {data!r:.40}')
    walk(data, 0)
    return shape, flat


class Tensor(Handle):
    """A dense float32 array owned by libnn.

    Tensor(data) copies nested lists/tuples of numbers, a numpy array (any
    dtype, converted to float32 C order) or another Tensor. Rank 1 to 8.
    """
    _free_name = 'libnn_tensor_free'

    def __init__(self, data):
        out = TensorP()
        if isinstance(data, Tensor):
            lib.libnn_tensor_clone(data, byref(out))
        elif _np is not None and not isinstance(data, (str, bytes)):
            arr = _np.asarray(data, dtype=_np.float32)
            if arr.ndim == 0:
                raise ValueError(f'a tensor needs rank 1 to {MAX_RANK}; got a scalar')
            arr = _np.ascontiguousarray(arr)
            dims, n = shape_array(arr.shape)
            lib.libnn_tensor_new_from_data(n, dims, arr.ctypes.data_as(POINTER(c_float)),
                                           arr.size, byref(out))
        else:
            shape, flat = _flatten(data)
            dims, n = shape_array(shape)
            buf = array.array('f', flat)
            if flat:
                ptr = (c_float * len(buf)).from_buffer(buf)
                lib.libnn_tensor_new_from_data(n, dims, ptr, len(buf), byref(out))
            else:
                lib.libnn_tensor_new(n, dims, byref(out))
        super().__init__(out)

    @classmethod
    def _wrap(cls, ptr):
        """Take ownership of a tensor the C API just returned."""
        t = cls.__new__(cls)
        Handle.__init__(t, ptr)
        return t

    @classmethod
    def zeros(cls, shape):
        out = TensorP()
        dims, n = shape_array(shape)
        lib.libnn_tensor_new(n, dims, byref(out))
        return cls._wrap(out)

    @classmethod
    def full(cls, shape, value):
        t = cls.zeros(shape)
        lib.libnn_tensor_fill(t, value)
        return t

    @classmethod
    def random_uniform(cls, shape, minval=0.0, maxval=1.0, seed=0):
        t = cls.zeros(shape)
        lib.libnn_tensor_fill_uniform(t, minval, maxval, seed)
        return t

    @classmethod
    def random_normal(cls, shape, mean=0.0, stddev=1.0, seed=0):
        t = cls.zeros(shape)
        lib.libnn_tensor_fill_normal(t, mean, stddev, seed)
        return t

    @property
    def shape(self):
        return _shape_of(self)

    @property
    def ndim(self):
        return lib.libnn_tensor_ndim(self)

    @property
    def size(self):
        return lib.libnn_tensor_size(self)

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        if self._ptr is None:
            return '<Tensor (freed)>'
        return f'<Tensor shape={self.shape}>'

    def copy(self):
        return Tensor(self)

    def reshape(self, *shape):
        """A reshaped copy; one dimension may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        t = self.copy()
        dims, n = shape_array(shape)
        lib.libnn_tensor_reshape(t, n, dims)
        return t

    def __getitem__(self, index):
        """Rows along axis 0 as a new tensor: t[a:b]; t[i] drops the axis (a float for rank 1)."""
        n = self.shape[0]
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            if step != 1:
                raise IndexError('Tensor slices take step 1 only')
            return _slice(self, start, max(stop - start, 0))
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f'row {index} out of range for {n} rows')
        row = _slice(self, i % n, 1)
        if self.ndim == 1:
            return row.tolist()[0]
        return row.reshape(self.shape[1:])

    def _buffer(self):
        buf = (c_float * self.size)()
        if self.size:
            lib.libnn_tensor_copy_to(self, buf, self.size)
        return buf

    def tolist(self):
        """The values as nested lists of floats (as numpy's tolist)."""
        shape, flat = self.shape, list(self._buffer())

        def nest(lo, dims):
            if len(dims) == 1:
                return flat[lo:lo + dims[0]]
            step = math.prod(dims[1:])
            return [nest(lo + i * step, dims[1:]) for i in range(dims[0])]
        return nest(0, shape)

    def numpy(self):
        """A float32 numpy array holding a copy of the values."""
        if _np is None:
            raise ImportError('Tensor.numpy() needs numpy; use tolist() without it')
        arr = _np.empty(self.shape, dtype=_np.float32)
        if arr.size:
            lib.libnn_tensor_copy_to(self, arr.ctypes.data_as(POINTER(c_float)), arr.size)
        return arr

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)


def as_tensor(x):
    """x itself when it is a Tensor, else a new Tensor copying it."""
    return x if isinstance(x, Tensor) else Tensor(x)


def is_numpy(x):
    return _np is not None and isinstance(x, _np.ndarray)


def _slice(t, start, count):
    out = TensorP()
    lib.libnn_slice(t, start, count, byref(out))
    return Tensor._wrap(out)

