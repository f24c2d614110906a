"""Whole models in and out of files, as keras.models: load_model, model_from_json,
clone_model (and Sequential, for `from libnn.models import Sequential`).

Models made here are Sequential objects like any other: their layers are reachable
(model.layers, get_layer) and they train, evaluate and save again.
"""
import json
import struct
from ctypes import byref

from . import losses
from ._lib import ModelP, lib, path_arg
from .constants import CloneFlag
from .model import Sequential

__all__ = ['Sequential', 'load_model', 'model_from_json', 'clone_model']


def _training_config(filepath):
    """The loss and the metric names of a model file, from its "training_config" metadata
    (libnn_model_load has validated the file already; libnn has no getter for them)."""
    with open(filepath, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        meta = json.loads(f.read(n)).get('__metadata__', {})
    config = json.loads(meta.get('training_config') or '{}')
    loss = config.get('loss')
    if isinstance(loss, dict):  # {"class_name": "huber", "delta": 2.0}: options off default
        options = {k: v for k, v in loss.items() if k in ('from_logits', 'label_smoothing',
                                                          'delta')}
        loss = losses.LossFunction(loss.get('class_name'), **options)
    elif isinstance(loss, str):
        loss = losses.LossFunction(loss)
    metrics = [m if isinstance(m, str) else m.get('config', {}).get('name', m.get('class_name'))
               for m in config.get('metrics') or ()]
    return loss, metrics


def load_model(filepath):
    """A model saved by Sequential.save (or libnn_model_save), compiled and ready to predict,
    evaluate and train; a checkpoint resumes fit where it stopped."""
    out = ModelP()
    lib.libnn_model_load(path_arg(filepath), byref(out))
    model = Sequential._adopt(out)  # owns the C model from here on, also if the next line fails
    model.loss, names = _training_config(filepath)
    model.metrics_names = ['loss'] + names
    return model


def model_from_json(json_string):
    """A new uncompiled model from Sequential.to_json() (or Keras' model.to_json() for the
    layers libnn has)."""
    if isinstance(json_string, str):
        json_string = json_string.encode('utf-8')
    out = ModelP()
    lib.libnn_model_from_json(json_string, byref(out))
    return Sequential._adopt(out)


def clone_model(model, seed=None, copy_weights=False):
    """A new model with the same layers and options. Compiled when `model` is (same loss,
    metrics, an optimizer of the same kind and settings). Its weights are drawn afresh from
    `seed` (None: the model's own seed, i.e. the weights `model` started from), or copied
    with copy_weights=True. Callbacks and the history are not cloned."""
    if not isinstance(model, Sequential):
        raise TypeError(f'clone_model takes a libnn Sequential, got {model!r}')
    out = ModelP()
    lib.libnn_model_clone(model, model.seed if seed is None else int(seed),
                          CloneFlag.WEIGHTS if copy_weights else 0, byref(out))
    return Sequential._adopt(out, model.loss, model.metrics_names[1:])
