"""Keras-style layers over libnn_layer.

Each class calls the C constructor with the required arguments, then maps its
Keras keyword arguments onto libnn_layer_set_int / libnn_layer_set_float. An
option the kind does not have, or a value out of bounds, raises LibnnError
with libnn's message ("dense has no parameter mask_zero"); an unknown keyword
raises TypeError. Options left out keep libnn's defaults, which are Keras'.
"""
from ctypes import byref, c_int64, c_size_t

from . import tensor
from ._lib import LayerP, TensorP, lib, shape_array, text
from .constants import MAX_RANK, Initializer, LayerKind, MergeMode, Padding, Param, lookup
from .constants import Activation as ActivationKind
from .initializers import Initializer as _InitSpec
from .regularizers import Regularizer
from .tensor import Handle, Tensor, as_tensor

_BOOL = {k: getattr(Param, k.upper()) for k in (
    'use_bias', 'mask_zero', 'return_sequences', 'return_state', 'go_backwards',
    'unit_forget_bias', 'reset_after', 'trainable')}
_FLOAT = {'alpha': Param.ALPHA, 'dropout': Param.DROPOUT,
          'recurrent_dropout': Param.RECURRENT_DROPOUT}
_ENUM = {'activation': (Param.ACTIVATION, ActivationKind),
         'recurrent_activation': (Param.RECURRENT_ACTIVATION, ActivationKind),
         'padding': (Param.PADDING, Padding),
         'merge_mode': (Param.MERGE_MODE, MergeMode)}
_PAIR = {'strides': (Param.STRIDES, Param.STRIDE_H, Param.STRIDE_W),
         'dilation_rate': (Param.DILATION_RATE, Param.DILATION_H, Param.DILATION_W)}
_WEIGHTS = ('kernel', 'bias', 'recurrent', 'embeddings')  # initializer / regularizer prefixes
_ACT_ALIASES = {'silu': 'swish', 'none': 'linear'}


def _hw(value):
    """(h, w) from an int or a pair."""
    h, w = (value, value) if isinstance(value, int) else value
    return h, w


class Layer(Handle):
    """Base class: one libnn_layer. Common keywords: name, trainable, input_shape
    (Keras 2 style, on the first layer of a Sequential), input_dim."""
    _free_name = 'libnn_layer_free'

    def __init__(self, new, *args, **kwargs):
        out = LayerP()
        getattr(lib, 'libnn_' + new)(*args, byref(out))
        super().__init__(out)
        self._on_created()
        self._input_shape = kwargs.pop('input_shape', None)
        if 'input_dim' in kwargs:  # Dense(32, input_dim=784), as Keras 2
            self._input_shape = (kwargs.pop('input_dim'),)
        name = kwargs.pop('name', None)
        if name is not None:
            lib.libnn_layer_set_name(self, name.encode())
        for key, value in kwargs.items():
            self._set(key, value)

    def _on_created(self):
        pass

    def _set_int(self, key, value):
        lib.libnn_layer_set_int(self, key, int(value))

    def _set(self, key, value):
        if key in _ENUM:
            param, enum = _ENUM[key]
            if value is None and enum is ActivationKind:
                value = 'linear'  # Keras: activation=None is linear
            if value is not None:
                self._set_int(param, lookup(enum, value, key, _ACT_ALIASES))
        elif value is None:
            return  # Keras' default
        elif key in _BOOL:
            self._set_int(_BOOL[key], bool(value))
        elif key in _FLOAT:
            lib.libnn_layer_set_float(self, _FLOAT[key], value)
        elif key == 'seed':
            self._set_int(Param.SEED, value)
        elif key in _PAIR:
            both, kh, kw = _PAIR[key]
            if isinstance(value, int):
                self._set_int(both, value)
            else:
                h, w = value
                self._set_int(kh, h)
                self._set_int(kw, w)
        elif key.endswith('_initializer') and key[:-12] in _WEIGHTS:
            self._set_initializer(key[:-12].upper(), value)
        elif key.endswith('_regularizer') and key[:-12] in _WEIGHTS:
            if not isinstance(value, Regularizer):
                raise TypeError(f'{key} must be libnn.regularizers.l1/l2/l1_l2(...), got {value!r}')
            w = key[:-12].upper()
            lib.libnn_layer_set_float(self, Param[w + '_L1'], value.l1)
            lib.libnn_layer_set_float(self, Param[w + '_L2'], value.l2)
        else:
            raise TypeError(f'{type(self).__name__}: unrecognized keyword argument {key!r}')

    def _set_initializer(self, w, value):
        spec = value if isinstance(value, _InitSpec) else _InitSpec(value)
        key = Param[w + '_INITIALIZER']
        self._set_int(key, lookup(Initializer, spec.name, key.name.lower()))
        for arg, suffix in ((spec.a, '_INIT_A'), (spec.b, '_INIT_B')):
            if arg is not None:
                lib.libnn_layer_set_float(self, Param[w + suffix], arg)

    # ---- reading ----
    @property
    def name(self):
        return text(lib.libnn_layer_name(self))

    @property
    def kind(self):
        """Keras' class name of the kind ("Conv2D")."""
        return text(lib.libnn_layer_kind_name(self))

    @property
    def built(self):
        return bool(lib.libnn_layer_is_built(self))

    @property
    def output_shape(self):
        """Per-sample output shape (no batch axis), once built (compiled)."""
        dims, n = (c_int64 * MAX_RANK)(), c_size_t()
        lib.libnn_layer_output_shape(self, MAX_RANK, dims, byref(n))
        return tuple(dims[:n.value])

    def count_params(self):
        return lib.libnn_layer_param_count(self)

    @property
    def weight_names(self):
        return [text(lib.libnn_layer_weight_name(self, i))
                for i in range(lib.libnn_layer_weight_count(self))]

    def get_weight(self, name):
        """A copy of one weight as a Tensor."""
        out = TensorP()
        lib.libnn_layer_get_weight(self, name.encode(), byref(out))
        return Tensor._wrap(out)

    def set_weight(self, name, value):
        lib.libnn_layer_set_weight(self, name.encode(), as_tensor(value))

    def get_weights(self):
        """Copies of the weights in libnn's order: numpy arrays (Tensors without numpy)."""
        ws = [self.get_weight(n) for n in self.weight_names]
        return [w.numpy() for w in ws] if tensor._np is not None else ws

    def set_weights(self, weights):
        names = self.weight_names
        if len(weights) != len(names):
            raise ValueError(f'{self.name} has {len(names)} weights ({", ".join(names)}), '
                             f'got {len(weights)}')
        for n, w in zip(names, weights):
            self.set_weight(n, w)

    def __repr__(self):
        if self._ptr is None:
            return f'<{type(self).__name__} (no C object)>'
        return f'<{type(self).__name__} {self.name!r}>'


def _wrap(ptr):
    """The Python object of a layer that a model owns (loaded, cloned, from JSON): of the
    class of its kind, never freed from Python. A Bidirectional's inner layer is inside
    the C object and not reachable (.layer is None)."""
    cls = _BY_KIND[LayerKind(lib.libnn_layer_kind_of(ptr))]
    layer = cls.__new__(cls)
    Handle.__init__(layer, ptr)
    layer._hand_over()
    layer._input_shape = None
    if cls is Bidirectional:
        layer.layer = None
    return layer


class Input:
    """Keras' Input(shape=...): the per-sample input shape, as first item of a Sequential."""

    def __init__(self, shape):
        self.shape = tuple(shape)


class Dense(Layer):
    """Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', ...)."""

    def __init__(self, units, **kwargs):
        super().__init__('dense_new', units, **kwargs)


class Conv2D(Layer):
    """Conv2D(filters, kernel_size, strides=1, padding='valid', dilation_rate=1,
    activation=None, use_bias=True, kernel_initializer=..., kernel_regularizer=..., ...)."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__('conv2d_new', filters, *_hw(kernel_size), **kwargs)


class MaxPooling2D(Layer):
    """MaxPooling2D(pool_size=(2, 2), strides=None (the pool size), padding='valid')."""
    _new = 'max_pooling2d_new'

    def __init__(self, pool_size=(2, 2), strides=None, padding='valid', **kwargs):
        super().__init__(self._new, *_hw(pool_size), strides=strides,
                         padding=padding, **kwargs)


class AveragePooling2D(MaxPooling2D):
    """AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid');
    'same' averages the real cells only."""
    _new = 'average_pooling2d_new'


class GlobalMaxPooling2D(Layer):
    def __init__(self, **kwargs):
        super().__init__('global_max_pooling2d_new', **kwargs)


class GlobalAveragePooling2D(Layer):
    def __init__(self, **kwargs):
        super().__init__('global_average_pooling2d_new', **kwargs)


class Flatten(Layer):
    def __init__(self, **kwargs):
        super().__init__('flatten_new', **kwargs)


class Reshape(Layer):
    """Reshape(target_shape): per-sample shape, one dimension may be -1."""

    def __init__(self, target_shape, **kwargs):
        dims, n = shape_array(target_shape)
        super().__init__('reshape_new', n, dims, **kwargs)


class Dropout(Layer):
    """Dropout(rate, seed=None): inverted dropout, in training only."""

    def __init__(self, rate, **kwargs):
        super().__init__('dropout_new', rate, **kwargs)


class Activation(Layer):
    """Activation('relu'): any libnn activation by Keras name."""

    def __init__(self, activation, **kwargs):
        act = lookup(ActivationKind, activation or 'linear', 'activation', _ACT_ALIASES)
        super().__init__('activation_new', act, **kwargs)


class Embedding(Layer):
    """Embedding(input_dim, output_dim, mask_zero=False, embeddings_initializer=..., ...)."""
    def __init__(self, input_dim, output_dim, **kwargs):
        super().__init__('embedding_new', input_dim, output_dim, **kwargs)


class Masking(Layer):
    """Masking(mask_value=0.0): steps whose features all equal mask_value are masked."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__('masking_new', mask_value, **kwargs)


class SimpleRNN(Layer):
    """SimpleRNN(units, activation='tanh', return_sequences=False, go_backwards=False,
    dropout=0, ...)."""
    _new = 'simple_rnn_new'

    def __init__(self, units, **kwargs):
        super().__init__(self._new, units, **kwargs)


class LSTM(SimpleRNN):
    """LSTM(units, activation='tanh', recurrent_activation='sigmoid', unit_forget_bias=True,
    ...)."""
    _new = 'lstm_new'


class GRU(SimpleRNN):
    """GRU(units, ...): the reset_after form (as PyTorch and Keras' default)."""
    _new = 'gru_new'


class Bidirectional(Layer):
    """Bidirectional(layer, merge_mode='concat'): layer is an unused SimpleRNN, LSTM or GRU.

    On success libnn's Bidirectional owns the inner layer's C object; the
    Python object stays in .layer but can no longer be used.
    """

    def __init__(self, layer, merge_mode=None, **kwargs):
        if not isinstance(layer, SimpleRNN):
            raise TypeError(f'Bidirectional wraps a SimpleRNN, LSTM or GRU, got {layer!r}')
        self.layer = layer
        kwargs.setdefault('input_shape', layer._input_shape)
        super().__init__('bidirectional_new', layer, merge_mode=merge_mode, **kwargs)

    def _on_created(self):  # the C Bidirectional owns the inner layer from now on
        self.layer._hand_over()
        self.layer._invalidate()


_BY_KIND = {LayerKind.DENSE: Dense, LayerKind.CONV2D: Conv2D,
            LayerKind.MAX_POOLING2D: MaxPooling2D, LayerKind.AVERAGE_POOLING2D: AveragePooling2D,
            LayerKind.GLOBAL_MAX_POOLING2D: GlobalMaxPooling2D,
            LayerKind.GLOBAL_AVERAGE_POOLING2D: GlobalAveragePooling2D,
            LayerKind.FLATTEN: Flatten, LayerKind.RESHAPE: Reshape, LayerKind.DROPOUT: Dropout,
            LayerKind.ACTIVATION: Activation, LayerKind.EMBEDDING: Embedding,
            LayerKind.SIMPLE_RNN: SimpleRNN, LayerKind.LSTM: LSTM, LayerKind.GRU: GRU,
            LayerKind.BIDIRECTIONAL: Bidirectional, LayerKind.MASKING: Masking}
