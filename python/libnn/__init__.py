"""libnn from Python: a ctypes binding that reads like Keras.

    import libnn
    from libnn.layers import Conv2D, Dense, Flatten, MaxPooling2D

    model = libnn.Sequential([Conv2D(32, 3, activation='relu'), MaxPooling2D(),
                              Flatten(), Dense(10, activation='softmax')],
                             input_shape=(28, 28, 1), seed=1)
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(x, y, batch_size=64, epochs=5, validation_split=0.1)

Pure Python; numpy is used when it is installed. See docs/python.md.
"""
from . import callbacks, constants, data, initializers, layers, losses, optimizers, regularizers
from . import models
from ._lib import lib as _clib
from .callbacks import (Callback, CSVLogger, EarlyStopping, LambdaCallback, ModelCheckpoint,
                        ReduceLROnPlateau, TerminateOnNaN)
from .constants import Status
from .data import idx_load, pad_sequences, shuffle, slice, to_categorical, train_test_split
from .errors import LibnnError
from .layers import Input
from .model import History, Sequential, set_random_seed
from .models import clone_model, load_model, model_from_json
from .tensor import Tensor

__all__ = [
    'callbacks', 'constants', 'data', 'initializers', 'layers', 'losses', 'models', 'optimizers',
    'regularizers', 'Callback', 'CSVLogger', 'EarlyStopping', 'LambdaCallback',
    'ModelCheckpoint', 'ReduceLROnPlateau', 'TerminateOnNaN', 'clone_model', 'load_model',
    'model_from_json', 'Status', 'idx_load', 'pad_sequences', 'shuffle',
    'slice', 'to_categorical', 'train_test_split', 'LibnnError', 'Input', 'History', 'Sequential',
    'set_random_seed', 'Tensor', 'version', 'set_num_threads', 'get_num_threads', 'blas_info',
]

__version__ = _clib.libnn_version_string().decode()


def version():
    """The loaded C library's version string ("0.1.0")."""
    return _clib.libnn_version_string().decode()


def set_num_threads(n):
    """Threads used by OpenBLAS and libnn's own loops."""
    _clib.libnn_set_num_threads(n)


def get_num_threads():
    return _clib.libnn_get_num_threads()


def blas_info():
    """One line on the BLAS backend: configuration, core kernel, threads."""
    return _clib.libnn_blas_info().decode()
