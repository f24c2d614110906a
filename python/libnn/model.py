"""Sequential: Keras' Sequential model over libnn_model."""
import contextlib
import signal
import threading
import weakref
from ctypes import byref, c_double, c_float, c_int64, c_size_t, create_string_buffer

from . import losses, optimizers
from ._lib import CallbackP, EpochFn, ModelP, TensorP, lib, shape_array, text
from .callbacks import BuiltinCallback, Callback
from .constants import ModelOption
from .layers import Input, Layer
from .tensor import Handle, Tensor, as_tensor, is_numpy

_default_seed = None


def set_random_seed(seed):
    """The seed of every Sequential made afterwards (weights, shuffling, dropout)."""
    global _default_seed
    _default_seed = int(seed)


class History:
    """What fit returns: .history maps 'loss', 'accuracy', 'val_loss', ... to a list with
    one value per epoch; .epoch lists the epoch numbers."""

    def __init__(self, model, initial_epoch=0):
        n = lib.libnn_model_history_length(model)
        names = [text(lib.libnn_model_history_series_name(model, i))
                 for i in range(lib.libnn_model_history_series_count(model))]
        value = c_double()

        def get(name, i):
            lib.libnn_model_history_get(model, name.encode(), i, byref(value))
            return value.value
        self.epoch = list(range(initial_epoch, initial_epoch + n))
        self.history = {name: [get(name, i) for i in range(n)] for name in names}

    def __repr__(self):
        return f'<History {len(self.epoch)} epochs: {", ".join(self.history)}>'


def _logs(logs):
    d, value = {}, c_double()
    for i in range(lib.libnn_logs_count(logs) if logs else 0):
        name = lib.libnn_logs_name(logs, i)
        lib.libnn_logs_get(logs, name, byref(value))
        d[name.decode()] = value.value
    return d


def _trampoline(model_ref, hook):
    """A C callback calling `hook` on the model's active Python callbacks. It holds
    the model weakly, so that the model is freed as soon as the user drops it."""
    def call(_model, index, logs, _user):
        try:
            model = model_ref()
            return model._dispatch(hook, index, logs) if model is not None else 0
        except BaseException:  # never let an exception cross into C
            return 1
    return EpochFn(call)


class Sequential(Handle):
    """Sequential(layers=None, input_shape=None, seed=None).

    The input shape is per sample (no batch axis); it may also come from an
    Input(shape) first item or a first layer's input_shape=. Layers are owned
    by the model once added (keep using them through model.layers).
    """
    _free_name = 'libnn_model_free'

    def __init__(self, layers=None, input_shape=None, seed=None):
        out = ModelP()
        lib.libnn_model_new(byref(out))
        super().__init__(out)
        self.layers, self.optimizer, self.history = [], None, None
        self.metrics_names, self.stop_training = [], False
        self._callbacks, self._active, self._error, self._c_fns = [], [], None, None
        self._input_shape = None
        seed = _default_seed if seed is None else seed
        if seed is not None:
            self.seed = seed
        if input_shape is not None:
            self._set_input_shape(input_shape)
        for layer in layers or ():
            self.add(layer)

    def _free(self):
        for part in self.layers + self._callbacks + [self.optimizer]:
            if part is not None:
                part._invalidate()  # freed with the model
        super()._free()

    # ---- building ----
    def _set_input_shape(self, shape):
        dims, n = shape_array(shape)
        lib.libnn_model_set_input_shape(self, n, dims)
        self._input_shape = tuple(shape)

    def add(self, layer):
        if isinstance(layer, Input):
            return self._set_input_shape(layer.shape)
        if not isinstance(layer, Layer):
            raise TypeError(f'Sequential.add takes a libnn layer, got {layer!r}')
        if not layer._owned:
            raise ValueError(f'{layer!r} belongs to a model or a Bidirectional already')
        if self._input_shape is None and layer._input_shape is not None:
            self._set_input_shape(layer._input_shape)
        lib.libnn_model_add(self, layer)
        layer._hand_over()
        self.layers.append(layer)

    @property
    def seed(self):
        v = c_int64()
        lib.libnn_model_get_int(self, ModelOption.SEED, byref(v))
        return v.value

    @seed.setter
    def seed(self, value):
        lib.libnn_model_set_int(self, ModelOption.SEED, int(value))

    def compile(self, optimizer='rmsprop', loss=None, metrics=None):
        """Build the layers, bind the optimizer (the model owns it from now on), fix the loss."""
        opt = optimizers.get(optimizer)
        if not opt._owned:
            raise ValueError('this optimizer belongs to a model already; make a new one')
        loss = losses.get(loss)
        kinds = [losses.metric(m) for m in metrics or ()]
        lib.libnn_model_compile(self, opt, loss.kind)
        if self.optimizer is not None:
            self.optimizer._invalidate()  # libnn freed the previous one
        opt._hand_over()
        self.optimizer, self.loss = opt, loss
        for key, value in loss.options.items():
            lib.libnn_model_set_loss_option(self, key, value)
        for k in kinds:  # compile dropped the previous metrics
            lib.libnn_model_add_metric(self, k)
        self.metrics_names = ['loss'] + [text(lib.libnn_metric_name(k)) for k in kinds]

    # ---- training ----
    def _attach(self, callbacks):
        for c in callbacks:
            if not isinstance(c, (BuiltinCallback, Callback)):
                raise TypeError(f'not a callback: {c!r}')
        if self._c_fns is None:
            ref = weakref.ref(self)
            fns = [_trampoline(ref, h) for h in
                   ('on_epoch_begin', 'on_epoch_end', 'on_train_batch_end')]
            cb = CallbackP()
            lib.libnn_callback_new(*fns, None, byref(cb))
            try:
                lib.libnn_model_add_callback(self, cb)
            except BaseException:
                lib.libnn_callback_free(cb)
                raise
            self._c_fns = fns  # alive as long as the model
        for c in callbacks:
            if isinstance(c, BuiltinCallback) and c not in self._callbacks:
                lib.libnn_model_add_callback(self, c)
                c._hand_over()
                self._callbacks.append(c)

    @contextlib.contextmanager
    def _catch_ctrl_c(self):
        """Ctrl-C during fit stops libnn after the current batch, then raises
        KeyboardInterrupt (raising it inside a ctypes callback would be lost)."""
        if (threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
            yield
            return

        def stop(signum, frame):
            self._error = KeyboardInterrupt()
        signal.signal(signal.SIGINT, stop)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    def _dispatch(self, hook, index, logs):
        if self._error is not None:
            return 1
        try:
            if self._active:
                d = _logs(logs)
                for c in self._active:
                    getattr(c, hook)(index, d)
        except BaseException as e:  # re-raised by fit, after libnn has stopped
            self._error = e
            return 1
        return 1 if self.stop_training else 0

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose='auto', callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0):
        """Train; returns a History. Arguments as Keras' Model.fit (batch_size 32 by
        default, verbose 'auto' = 1: libnn's progress bar on stderr)."""
        x, y = as_tensor(x), as_tensor(y)
        callbacks = list(callbacks or ())
        self._attach(callbacks)
        kept = [x, y]  # tensors libnn borrows during fit
        opts = {ModelOption.VERBOSE: 1 if verbose == 'auto' else int(verbose),
                ModelOption.SHUFFLE: bool(shuffle), ModelOption.INITIAL_EPOCH: initial_epoch}
        try:
            for key, value in opts.items():
                lib.libnn_model_set_int(self, key, int(value))
            lib.libnn_model_set_float(self, ModelOption.VALIDATION_SPLIT, validation_split)
            if validation_data is not None:
                if len(validation_data) != 2:
                    raise ValueError('validation_data is (x_val, y_val)')
                kept += [as_tensor(v) for v in validation_data]
                lib.libnn_model_set_validation_data(self, kept[2], kept[3])
            if sample_weight is not None:
                kept.append(as_tensor(sample_weight))
                lib.libnn_model_set_sample_weights(self, kept[-1])
            if class_weight:
                n = max(class_weight) + 1
                w = (c_float * n)(*[class_weight.get(c, 1.0) for c in range(n)])
                lib.libnn_model_set_class_weights(self, n, w)
            py = [c for c in callbacks if isinstance(c, Callback)]
            self._active, self._error, self.stop_training = py, None, False
            for c in py:
                c.set_model(self)
                c.on_train_begin({})
            with self._catch_ctrl_c():
                lib.libnn_model_fit(self, x, y, epochs, batch_size or 32)
        finally:
            self._active = []
            lib.libnn_model_set_validation_data(self, None, None)
            lib.libnn_model_set_sample_weights(self, None)
            lib.libnn_model_set_class_weights(self, 0, None)
            lib.libnn_model_set_float(self, ModelOption.VALIDATION_SPLIT, 0.0)
            lib.libnn_model_set_int(self, ModelOption.INITIAL_EPOCH, 0)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        self.history = History(self, initial_epoch)
        last = {k: v[-1] for k, v in self.history.history.items() if v}
        for c in py:
            c.on_train_end(last)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose='auto', return_dict=False):
        """The loss, or [loss, *metrics] when compiled with metrics (a dict with return_dict)."""
        loss = c_double()
        lib.libnn_model_evaluate(self, as_tensor(x), as_tensor(y), batch_size or 32, byref(loss))
        values = {'loss': loss.value}
        for name in self.metrics_names[1:]:
            lib.libnn_model_result(self, name.encode(), byref(loss))
            values[name] = loss.value
        if return_dict:
            return values
        return values['loss'] if len(values) == 1 else list(values.values())

    def predict(self, x, batch_size=None, verbose='auto'):
        """Predictions [n, output...]: a numpy array for numpy input, else a Tensor."""
        out = TensorP()
        lib.libnn_model_predict(self, as_tensor(x), batch_size or 32, byref(out))
        y = Tensor._wrap(out)
        return y.numpy() if is_numpy(x) else y

    def train_on_batch(self, x, y):
        loss = c_double()
        lib.libnn_model_train_on_batch(self, as_tensor(x), as_tensor(y), byref(loss))
        return loss.value

    def test_on_batch(self, x, y):
        loss = c_double()
        lib.libnn_model_test_on_batch(self, as_tensor(x), as_tensor(y), byref(loss))
        return loss.value

    def predict_on_batch(self, x):
        out = TensorP()
        lib.libnn_model_predict_on_batch(self, as_tensor(x), byref(out))
        y = Tensor._wrap(out)
        return y.numpy() if is_numpy(x) else y

    # ---- inspecting ----
    def summary(self, print_fn=print):
        """Print Keras' summary table (after compile)."""
        needed = c_size_t()
        lib.libnn_model_summary(self, None, 0, byref(needed))
        buf = create_string_buffer(needed.value + 1)
        lib.libnn_model_summary(self, buf, len(buf), byref(needed))
        print_fn(buf.value.decode('utf-8', 'replace').rstrip('\n'))

    def count_params(self):
        return lib.libnn_model_param_count(self)

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f'no layer named {name!r}; layers: {[l.name for l in self.layers]}')

    def __repr__(self):
        return f'<Sequential {len(self.layers)} layers>'
