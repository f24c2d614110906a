"""Losses (by Keras name or as objects with options) and metric names."""
from .constants import Loss, LossOption, Metric, lookup

_LOSS_ALIASES = {'mse': 'mean_squared_error', 'mae': 'mean_absolute_error',
                 'huber_loss': 'huber'}
_METRIC_ALIASES = {'acc': 'accuracy', 'mse': 'mean_squared_error', 'mae': 'mean_absolute_error',
                   'rmse': 'root_mean_squared_error', 'r2_score': 'r2', 'f1_score': 'f1'}


class LossFunction:
    """A loss with options, as keras.losses.SparseCategoricalCrossentropy(from_logits=True)."""

    def __init__(self, name, **options):
        self.kind = lookup(Loss, name, 'loss', _LOSS_ALIASES)
        self.options = {LossOption[k.upper()]: float(v) for k, v in options.items()
                        if v is not None}


def MeanSquaredError():
    return LossFunction('mean_squared_error')


def MeanAbsoluteError():
    return LossFunction('mean_absolute_error')


def Huber(delta=1.0):
    return LossFunction('huber', delta=delta)


def BinaryCrossentropy(from_logits=False, label_smoothing=0.0):
    return LossFunction('binary_crossentropy', from_logits=from_logits,
                        label_smoothing=label_smoothing)


def CategoricalCrossentropy(from_logits=False, label_smoothing=0.0):
    return LossFunction('categorical_crossentropy', from_logits=from_logits,
                        label_smoothing=label_smoothing)


def SparseCategoricalCrossentropy(from_logits=False):
    return LossFunction('sparse_categorical_crossentropy', from_logits=from_logits)


def get(identifier):
    """A LossFunction from a Keras name, a constants.Loss value or a LossFunction."""
    if isinstance(identifier, LossFunction):
        return identifier
    if identifier is None:
        raise ValueError('compile needs a loss, e.g. loss="sparse_categorical_crossentropy"')
    return LossFunction(identifier)


def metric(identifier):
    """A constants.Metric from a Keras name ('accuracy', 'acc', 'auc', 'mse', ...)."""
    return lookup(Metric, identifier, 'metric', _METRIC_ALIASES)
