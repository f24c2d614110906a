"""ONNX in and out (include/libnn/onnx.h).

    model.export_onnx('model.onnx')                  # serve with ONNX Runtime
    model = libnn.models.import_onnx('torch.onnx')   # a PyTorch export, ready to predict

An imported model comes back compiled with SGD and the mean squared error so that
it predicts at once; compile it again with the optimizer and loss to train further
(the weights are kept). Images are channels-last on the libnn side: a PyTorch
model's [c, h, w] input becomes [h, w, c]. See docs/onnx.md.
"""
from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_uint, c_void_p, create_string_buffer

from ._lib import ModelP, _cdll, _check
from .constants import OnnxFlag, Status

_DECLS = {
    'libnn_onnx_available': (c_int,),
    'libnn_model_export_onnx': (c_int, ModelP, c_char_p, c_uint),
    'libnn_model_export_onnx_buffer': (c_int, ModelP, c_uint, c_void_p, c_size_t,
                                       POINTER(c_size_t)),
    'libnn_model_import_onnx': (c_int, c_char_p, POINTER(ModelP)),
    'libnn_model_import_onnx_buffer': (c_int, c_char_p, c_size_t, POINTER(ModelP)),
}


def _fn(name):
    f = getattr(_cdll, name)
    if not getattr(f, '_libnn_declared', False):
        restype, *argtypes = _DECLS[name]
        f.restype, f.argtypes = restype, argtypes
        if name not in ('libnn_onnx_available', 'libnn_model_export_onnx_buffer'):
            f.errcheck = _check
        f._libnn_declared = True
    return f


def available():
    """Whether this libnn was built with ONNX (protobuf-c)."""
    return bool(_fn('libnn_onnx_available')())


def _flags(channels_first):
    return OnnxFlag.CHANNELS_FIRST if channels_first else 0


def export_onnx(model, path, channels_first=False):
    """Write a compiled model as ONNX (opset 13) at path, atomically."""
    _fn('libnn_model_export_onnx')(model, str(path).encode(), _flags(channels_first))


def export_onnx_bytes(model, channels_first=False):
    """The ONNX file's bytes."""
    needed = c_size_t()
    f = _fn('libnn_model_export_onnx_buffer')
    status = f(model, _flags(channels_first), None, 0, byref(needed))
    if status != Status.E_RANGE:  # the size query's answer
        _check(status, f, ())
    buf = create_string_buffer(needed.value)
    _check(f(model, _flags(channels_first), buf, needed.value, byref(needed)), f, ())
    return buf.raw[:needed.value]


def _wrap(ptr):
    """A Sequential around a model the C library made (owned from now on), its layers and
    optimizer reachable as for a loaded model file."""
    from .model import Sequential
    return Sequential._adopt(ptr)


def import_onnx(path):
    """A new compiled Sequential from an ONNX file (see the module's docstring)."""
    out = ModelP()
    _fn('libnn_model_import_onnx')(str(path).encode(), byref(out))
    return _wrap(out)


def import_onnx_bytes(data):
    """As import_onnx, from the bytes of a file."""
    out = ModelP()
    data = bytes(data)
    _fn('libnn_model_import_onnx_buffer')(data, len(data), byref(out))
    return _wrap(out)
