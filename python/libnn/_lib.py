"""Loading libnn.so and declaring the C functions the binding calls.

The library is looked up in this order:
  1. the path in the environment variable LIBNN_LIBRARY;
  2. ctypes.util.find_library('nn') (an installed libnn);
  3. an in-tree build next to this package: <repo>/build/lib/libnn.so.0.

Every function returning libnn_status gets an errcheck that raises LibnnError
on a non-zero status, with the thread-local libnn_last_error() text.
"""
import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_float, c_int,
                    c_int32, c_int64, c_size_t, c_uint64, c_void_p)

from .errors import LibnnError


def _candidates():
    env = os.environ.get('LIBNN_LIBRARY')
    if env:
        return [env]  # an explicit choice: no fallback that could hide a typo
    found = ctypes.util.find_library('nn')
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return ([found] if found else []) + [os.path.join(repo, 'build', 'lib', 'libnn.so.0')]


def _load():
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            lib.libnn_version_number  # noqa: B018 -- is it libnn at all?
            return lib
        except (OSError, AttributeError) as e:
            errors.append(f'{path}: {e}')
    raise OSError('cannot load libnn; set LIBNN_LIBRARY to the path of libnn.so.0 ('
                  + '; '.join(errors) + ')')


_cdll = _load()


def _opaque(name):
    return POINTER(type(name, (Structure,), {}))


TensorP = _opaque('libnn_tensor')
LayerP = _opaque('libnn_layer')
OptimizerP = _opaque('libnn_optimizer')
ModelP = _opaque('libnn_model')
LogsP = _opaque('libnn_logs')
CallbackP = _opaque('libnn_callback')

EpochFn = CFUNCTYPE(c_int, ModelP, c_int64, LogsP, c_void_p)   # also libnn_batch_fn
LogFn = CFUNCTYPE(None, c_int, c_char_p, c_void_p)
MallocFn = CFUNCTYPE(c_void_p, c_size_t, c_void_p)
ReallocFn = CFUNCTYPE(c_void_p, c_void_p, c_size_t, c_void_p)
FreeFn = CFUNCTYPE(None, c_void_p, c_void_p)


def last_error():
    return (_cdll.libnn_last_error() or b'').decode('utf-8', 'replace')


def _check(status, func, args):
    if status != 0:
        raise LibnnError(status, last_error() or _cdll.libnn_status_str(status).decode())
    return status


S = 'status'  # marker: returns libnn_status, raise on failure
P = POINTER
_DECLS = {
    # status.h, version.h, runtime.h
    'libnn_status_str': (c_char_p, c_int),
    'libnn_last_error': (c_char_p,),
    'libnn_clear_error': (None,),
    'libnn_version_number': (c_int,),
    'libnn_version_string': (c_char_p,),
    'libnn_set_allocator': (S, MallocFn, ReallocFn, FreeFn, c_void_p),
    'libnn_set_log_handler': (None, LogFn, c_void_p),
    'libnn_set_num_threads': (S, c_int),
    'libnn_get_num_threads': (c_int,),
    'libnn_blas_info': (c_char_p,),
    # tensor.h
    'libnn_tensor_new': (S, c_size_t, P(c_int64), P(TensorP)),
    'libnn_tensor_new_from_data': (S, c_size_t, P(c_int64), P(c_float), c_size_t, P(TensorP)),
    'libnn_tensor_clone': (S, TensorP, P(TensorP)),
    'libnn_tensor_free': (None, TensorP),
    'libnn_tensor_copy_from': (S, TensorP, P(c_float), c_size_t),
    'libnn_tensor_copy_to': (S, TensorP, P(c_float), c_size_t),
    'libnn_tensor_ndim': (c_size_t, TensorP),
    'libnn_tensor_shape': (S, TensorP, c_size_t, P(c_int64)),
    'libnn_tensor_size': (c_size_t, TensorP),
    'libnn_tensor_reshape': (S, TensorP, c_size_t, P(c_int64)),
    'libnn_tensor_fill': (S, TensorP, c_float),
    'libnn_tensor_fill_uniform': (S, TensorP, c_float, c_float, c_uint64),
    'libnn_tensor_fill_normal': (S, TensorP, c_float, c_float, c_uint64),
    # layer.h
    'libnn_dense_new': (S, c_int64, P(LayerP)),
    'libnn_conv2d_new': (S, c_int64, c_int64, c_int64, P(LayerP)),
    'libnn_max_pooling2d_new': (S, c_int64, c_int64, P(LayerP)),
    'libnn_average_pooling2d_new': (S, c_int64, c_int64, P(LayerP)),
    'libnn_global_max_pooling2d_new': (S, P(LayerP)),
    'libnn_global_average_pooling2d_new': (S, P(LayerP)),
    'libnn_flatten_new': (S, P(LayerP)),
    'libnn_reshape_new': (S, c_size_t, P(c_int64), P(LayerP)),
    'libnn_dropout_new': (S, c_float, P(LayerP)),
    'libnn_activation_new': (S, c_int, P(LayerP)),
    'libnn_embedding_new': (S, c_int64, c_int64, P(LayerP)),
    'libnn_masking_new': (S, c_float, P(LayerP)),
    'libnn_simple_rnn_new': (S, c_int64, P(LayerP)),
    'libnn_lstm_new': (S, c_int64, P(LayerP)),
    'libnn_gru_new': (S, c_int64, P(LayerP)),
    'libnn_bidirectional_new': (S, LayerP, P(LayerP)),
    'libnn_layer_free': (None, LayerP),
    'libnn_layer_set_int': (S, LayerP, c_int, c_int64),
    'libnn_layer_set_float': (S, LayerP, c_int, c_double),
    'libnn_layer_get_int': (S, LayerP, c_int, P(c_int64)),
    'libnn_layer_get_float': (S, LayerP, c_int, P(c_double)),
    'libnn_layer_kind_of': (c_int, LayerP),
    'libnn_layer_kind_name': (c_char_p, LayerP),
    'libnn_layer_name': (c_char_p, LayerP),
    'libnn_layer_set_name': (S, LayerP, c_char_p),
    'libnn_layer_is_built': (c_int, LayerP),
    'libnn_layer_output_shape': (S, LayerP, c_size_t, P(c_int64), P(c_size_t)),
    'libnn_layer_param_count': (c_size_t, LayerP),
    'libnn_layer_weight_count': (c_size_t, LayerP),
    'libnn_layer_weight_name': (c_char_p, LayerP, c_size_t),
    'libnn_layer_get_weight': (S, LayerP, c_char_p, P(TensorP)),
    'libnn_layer_set_weight': (S, LayerP, c_char_p, TensorP),
    # loss.h
    'libnn_metric_name': (c_char_p, c_int),
    'libnn_loss_name': (c_char_p, c_int),
    # optim.h
    'libnn_sgd_new': (S, c_float, P(OptimizerP)),
    'libnn_adam_new': (S, c_float, P(OptimizerP)),
    'libnn_adamw_new': (S, c_float, P(OptimizerP)),
    'libnn_rmsprop_new': (S, c_float, P(OptimizerP)),
    'libnn_adagrad_new': (S, c_float, P(OptimizerP)),
    'libnn_optimizer_free': (None, OptimizerP),
    'libnn_optimizer_set_int': (S, OptimizerP, c_int, c_int64),
    'libnn_optimizer_set_float': (S, OptimizerP, c_int, c_double),
    'libnn_optimizer_get_float': (S, OptimizerP, c_int, P(c_double)),
    'libnn_optimizer_set_piecewise': (S, OptimizerP, c_size_t, P(c_int64), P(c_float)),
    'libnn_optimizer_iterations': (c_int64, OptimizerP),
    'libnn_optimizer_kind_name': (c_char_p, OptimizerP),
    'libnn_optimizer_learning_rate': (c_double, OptimizerP),
    # model.h
    'libnn_model_new': (S, P(ModelP)),
    'libnn_model_free': (None, ModelP),
    'libnn_model_set_input_shape': (S, ModelP, c_size_t, P(c_int64)),
    'libnn_model_add': (S, ModelP, LayerP),
    'libnn_model_set_int': (S, ModelP, c_int, c_int64),
    'libnn_model_set_float': (S, ModelP, c_int, c_double),
    'libnn_model_get_float': (S, ModelP, c_int, P(c_double)),
    'libnn_model_get_int': (S, ModelP, c_int, P(c_int64)),
    'libnn_model_compile': (S, ModelP, OptimizerP, c_int),
    'libnn_model_set_loss_option': (S, ModelP, c_int, c_double),
    'libnn_model_add_metric': (S, ModelP, c_int),
    'libnn_model_train_on_batch': (S, ModelP, TensorP, TensorP, P(c_double)),
    'libnn_model_test_on_batch': (S, ModelP, TensorP, TensorP, P(c_double)),
    'libnn_model_predict_on_batch': (S, ModelP, TensorP, P(TensorP)),
    'libnn_model_set_validation_data': (S, ModelP, TensorP, TensorP),
    'libnn_model_set_sample_weights': (S, ModelP, TensorP),
    'libnn_model_set_class_weights': (S, ModelP, c_size_t, P(c_float)),
    'libnn_model_fit': (S, ModelP, TensorP, TensorP, c_int64, c_int64),
    'libnn_model_evaluate': (S, ModelP, TensorP, TensorP, c_int64, P(c_double)),
    'libnn_model_predict': (S, ModelP, TensorP, c_int64, P(TensorP)),
    'libnn_model_result': (S, ModelP, c_char_p, P(c_double)),
    'libnn_model_history_length': (c_size_t, ModelP),
    'libnn_model_history_series_count': (c_size_t, ModelP),
    'libnn_model_history_series_name': (c_char_p, ModelP, c_size_t),
    'libnn_model_history_get': (S, ModelP, c_char_p, c_size_t, P(c_double)),
    'libnn_model_summary': (S, ModelP, c_char_p, c_size_t, P(c_size_t)),
    'libnn_model_param_count': (c_size_t, ModelP),
    'libnn_model_trainable_param_count': (c_size_t, ModelP),
    'libnn_logs_count': (c_size_t, LogsP),
    'libnn_logs_name': (c_char_p, LogsP, c_size_t),
    'libnn_logs_get': (S, LogsP, c_char_p, P(c_double)),
    'libnn_callback_new': (S, EpochFn, EpochFn, EpochFn, c_void_p, P(CallbackP)),
    'libnn_callback_free': (None, CallbackP),
    'libnn_model_add_callback': (S, ModelP, CallbackP),
    'libnn_early_stopping_new': (S, c_char_p, P(CallbackP)),
    'libnn_reduce_lr_on_plateau_new': (S, c_char_p, P(CallbackP)),
    'libnn_terminate_on_nan_new': (S, P(CallbackP)),
    'libnn_csv_logger_new': (S, c_char_p, P(CallbackP)),
    'libnn_callback_set_float': (S, CallbackP, c_int, c_double),
    'libnn_callback_set_int': (S, CallbackP, c_int, c_int64),
    'libnn_callback_stopped_epoch': (c_int64, CallbackP),
    # data.h, text.h
    'libnn_idx_load': (S, c_char_p, c_int, P(TensorP)),
    'libnn_shuffle': (S, TensorP, TensorP, c_uint64),
    'libnn_train_test_split': (S, TensorP, TensorP, c_double, c_uint64,
                               P(TensorP), P(TensorP), P(TensorP), P(TensorP)),
    'libnn_slice': (S, TensorP, c_int64, c_int64, P(TensorP)),
    'libnn_one_hot': (S, TensorP, c_int64, P(TensorP)),
    'libnn_pad_sequences_arrays': (S, P(c_int32), P(c_size_t), c_size_t, c_int64, c_int, c_int,
                                   c_float, P(TensorP)),
}

class _Functions:
    """The declared C functions as attributes: lib.libnn_tensor_new(...)."""


def _guarded(f):
    """f, raising ValueError (not ctypes.ArgumentError) for a handle whose C object is gone."""
    def call(*args):
        try:
            return f(*args)
        except ctypes.ArgumentError:
            for a in args:
                if getattr(a, '_ptr', True) is None:
                    raise ValueError(a._gone_message()) from None
            raise
    call.__name__ = f.__name__
    return call


lib = _Functions()
for _name, (_restype, *_argtypes) in _DECLS.items():
    _f = getattr(_cdll, _name)
    _f.argtypes = _argtypes
    if _restype is S:
        _f.restype = c_int
        _f.errcheck = _check
    else:
        _f.restype = _restype
    setattr(lib, _name, _guarded(_f))


def shape_array(shape):
    """A C int64_t array of the dimensions, and its length."""
    dims = [int(d) for d in shape]
    return (c_int64 * max(len(dims), 1))(*dims), len(dims)


def text(ptr):
    """A borrowed C string as str (None stays None)."""
    return None if ptr is None else ptr.decode('utf-8', 'replace')
