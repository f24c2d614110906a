"""Data helpers: IDX (MNIST) files, row slices, shuffling, splits, one-hot, padding."""
from ctypes import byref, c_int32, c_size_t

from ._lib import TensorP, lib
from .constants import IDX_RAW, IDX_SCALE, PadSide, SplitFlag, lookup
from .tensor import Tensor, as_tensor


def _new(fn, *args):
    out = TensorP()
    fn(*args, byref(out))
    return Tensor._wrap(out)


def idx_load(path, scale=False):
    """An IDX file (plain or gzip) as a Tensor; MNIST images load as [n, 28, 28, 1].
    scale=True divides unsigned bytes by 255 (images into [0, 1]); labels keep scale=False."""
    return _new(lib.libnn_idx_load, str(path).encode(), IDX_SCALE if scale else IDX_RAW)


def slice(t, start, count):  # noqa: A001 -- the C API's name
    """Rows [start, start + count) of t as a new Tensor (t[start:start + count])."""
    return _new(lib.libnn_slice, as_tensor(t), start, count)


def shuffle(x, y=None, seed=0):
    """Shuffle the rows of the Tensors x and y (same permutation) in place."""
    lib.libnn_shuffle(x, y, seed)


def train_test_split(x, y=None, test_size=0.25, seed=0, shuffle=True, stratify=None):
    """(x_train, x_test, y_train, y_test) as scikit-learn's, shuffled with libnn's generator.
    shuffle=False takes the last rows as the test set; stratify=y keeps each class's share
    in both sets (libnn stratifies by y itself: pass y, or leave it None)."""
    if stratify is not None and stratify is not y:
        raise ValueError('stratify must be y itself: libnn stratifies by the labels it splits')
    flags = (SplitFlag.SHUFFLE if shuffle else 0) | (SplitFlag.STRATIFY if stratify is not None
                                                     else 0)
    outs = [TensorP() for _ in range(4)]
    lib.libnn_train_test_split_ex(as_tensor(x), None if y is None else as_tensor(y), test_size,
                                  seed, flags, *(byref(o) for o in outs))
    x_tr, y_tr, x_te, y_te = [Tensor._wrap(o) if o else None for o in outs]
    return (x_tr, x_te) if y is None else (x_tr, x_te, y_tr, y_te)


def to_categorical(labels, num_classes=None):
    """One-hot rows, as keras.utils.to_categorical."""
    return _new(lib.libnn_one_hot, as_tensor(labels), num_classes or 0)


def pad_sequences(sequences, maxlen=None, padding='pre', truncating='pre', value=0.0):
    """Keras' pad_sequences on a list of int lists: a [n, maxlen] Tensor."""
    seqs = [list(s) for s in sequences]
    flat = [int(v) for s in seqs for v in s]
    values = (c_int32 * max(len(flat), 1))(*flat)
    lengths = (c_size_t * max(len(seqs), 1))(*map(len, seqs))
    return _new(lib.libnn_pad_sequences_arrays, values, lengths, len(seqs), maxlen or 0,
                lookup(PadSide, padding, 'padding'), lookup(PadSide, truncating, 'truncating'),
                value)
