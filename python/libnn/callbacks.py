"""Callbacks for Sequential.fit: Python ones (subclass Callback, or LambdaCallback)
and libnn's built-in ones (EarlyStopping, ReduceLROnPlateau, TerminateOnNaN,
CSVLogger), which run inside the C fit loop.

Built-in callbacks belong to the model from the first fit they are given to
(libnn_model_add_callback takes them) and keep running in its later fits;
Python callbacks run only in the fits they are passed to.
"""
from ctypes import byref

from ._lib import CallbackP, lib
from .constants import CallbackOption, MonitorMode, lookup
from .tensor import Handle


class Callback:
    """Override any of these, as in Keras; set self.model.stop_training = True to stop.
    libnn calls on_epoch_begin, on_epoch_end and on_train_batch_end from its fit
    loop; on_train_begin/on_train_end run around it."""
    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_batch_end(self, batch, logs=None):
        pass


class LambdaCallback(Callback):
    """LambdaCallback(on_epoch_end=lambda epoch, logs: ...), as Keras."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None):
        for name, fn in list(locals().items()):
            if name.startswith('on_') and fn is not None:
                setattr(self, name, fn)


class BuiltinCallback(Handle):
    """A libnn_callback made by libnn (not Python code)."""
    _free_name = 'libnn_callback_free'

    def __init__(self, new, *args, **options):
        out = CallbackP()
        getattr(lib, new)(*args, byref(out))
        super().__init__(out)
        options.pop('verbose', None)  # accepted for Keras code; libnn prints nothing itself
        for key, value in options.items():
            if key == 'mode':
                value = lookup(MonitorMode, value, 'mode')
            if isinstance(value, (bool, int)):
                # integers, booleans and the mode stay integers end to end
                lib.libnn_callback_set_int(self, CallbackOption[key.upper()], int(value))
            elif value is not None:
                lib.libnn_callback_set_float(self, CallbackOption[key.upper()], float(value))


class EarlyStopping(BuiltinCallback):
    """EarlyStopping(monitor='val_loss', min_delta=0, patience=0, mode='auto', baseline=None,
    restore_best_weights=False, start_from_epoch=0)."""

    def __init__(self, monitor='val_loss', **options):
        super().__init__('libnn_early_stopping_new', monitor.encode(), **options)

    @property
    def stopped_epoch(self):
        """The epoch (from 0) at which training stopped, or -1."""
        return lib.libnn_callback_stopped_epoch(self)


class ReduceLROnPlateau(BuiltinCallback):
    """ReduceLROnPlateau(monitor='val_loss', factor=0.1, patience=10, mode='auto',
    min_delta=1e-4, cooldown=0, min_lr=0)."""

    def __init__(self, monitor='val_loss', **options):
        super().__init__('libnn_reduce_lr_on_plateau_new', monitor.encode(), **options)


class TerminateOnNaN(BuiltinCallback):
    def __init__(self):
        super().__init__('libnn_terminate_on_nan_new')


class CSVLogger(BuiltinCallback):
    """CSVLogger(filename, append=False): 'epoch,<logs...>' and one row per epoch."""

    def __init__(self, filename, separator=',', append=False):
        if separator != ',':
            raise ValueError('libnn\'s CSVLogger writes "," as separator only')
        super().__init__('libnn_csv_logger_new', str(filename).encode(), append=append)
