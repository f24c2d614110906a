"""Whole models in (Keras' keras.models): libnn.models.import_onnx(path)."""
from .onnx import import_onnx, import_onnx_bytes  # noqa: F401
