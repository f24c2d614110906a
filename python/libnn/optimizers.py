"""Keras-style optimizers and learning-rate schedules over libnn_optimizer.

Keyword arguments map onto libnn_optimizer_set_float/set_int; one the kind
does not have raises LibnnError ("adam has no option momentum"). A model
takes the optimizer over at compile; the object then stays usable through
model.optimizer (learning_rate, iterations) while the model lives.
"""
from ctypes import byref, c_double, c_float, c_int64

from ._lib import OptimizerP, lib, text
from .constants import LRSchedule, OptParam
from .tensor import Handle

_FLOAT = ('beta_1', 'beta_2', 'epsilon', 'momentum', 'rho', 'initial_accumulator_value',
          'weight_decay', 'clipnorm', 'clipvalue', 'global_clipnorm')
_BOOL = ('amsgrad', 'nesterov', 'centered')


class LearningRateSchedule:
    """Base of the schedules; pass one as learning_rate=."""
    kind = LRSchedule.CONSTANT
    ints = floats = {}

    def __init__(self, initial_learning_rate):
        self.initial_learning_rate = initial_learning_rate

    def _apply(self, opt):
        lib.libnn_optimizer_set_int(opt, OptParam.SCHEDULE, self.kind)
        for key, value in self.ints.items():
            lib.libnn_optimizer_set_int(opt, OptParam[key.upper()], int(value))
        for key, value in self.floats.items():
            if value is not None:
                lib.libnn_optimizer_set_float(opt, OptParam[key.upper()], value)


class ExponentialDecay(LearningRateSchedule):
    kind = LRSchedule.EXPONENTIAL_DECAY

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        super().__init__(initial_learning_rate)
        self.ints = {'decay_steps': decay_steps, 'staircase': staircase}
        self.floats = {'decay_rate': decay_rate}


class InverseTimeDecay(ExponentialDecay):
    kind = LRSchedule.INVERSE_TIME_DECAY


class CosineDecay(LearningRateSchedule):
    kind = LRSchedule.COSINE_DECAY

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
                 warmup_steps=0):
        super().__init__(initial_learning_rate)
        self.ints = {'decay_steps': decay_steps, 'warmup_steps': warmup_steps}
        self.floats = {'alpha': alpha, 'warmup_target': warmup_target}


class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(self, boundaries, values):
        super().__init__(values[0])
        self.boundaries, self.values = list(boundaries), list(values)

    def _apply(self, opt):
        n = len(self.boundaries)
        lib.libnn_optimizer_set_piecewise(opt, n, (c_int64 * max(n, 1))(*self.boundaries),
                                          (c_float * (n + 1))(*self.values))


class Optimizer(Handle):
    """Base class: one libnn_optimizer."""
    _free_name = 'libnn_optimizer_free'
    _new = None
    _default_lr = 0.001

    def __init__(self, learning_rate=None, **kwargs):
        lr = self._default_lr if learning_rate is None else learning_rate
        schedule = lr if isinstance(lr, LearningRateSchedule) else None
        out = OptimizerP()
        getattr(lib, self._new)(schedule.initial_learning_rate if schedule else lr, byref(out))
        super().__init__(out)
        for key, value in kwargs.items():
            if key in _FLOAT:
                if value is not None:
                    lib.libnn_optimizer_set_float(self, OptParam[key.upper()], value)
            elif key in _BOOL:
                lib.libnn_optimizer_set_int(self, OptParam[key.upper()], bool(value))
            else:
                raise TypeError(f'{type(self).__name__}: unrecognized keyword argument {key!r}')
        if schedule:
            schedule._apply(self)

    @property
    def name(self):
        return text(lib.libnn_optimizer_kind_name(self))

    @property
    def learning_rate(self):
        """The rate the next step uses (the schedule's value at the current iteration)."""
        return lib.libnn_optimizer_learning_rate(self)

    @learning_rate.setter
    def learning_rate(self, value):
        lib.libnn_optimizer_set_float(self, OptParam.LEARNING_RATE, value)

    @property
    def iterations(self):
        return lib.libnn_optimizer_iterations(self)

    def get_option(self, key):
        """Any option by name ('beta_1', 'weight_decay', ...), as a float."""
        v = c_double()
        lib.libnn_optimizer_get_float(self, OptParam[key.upper()], byref(v))
        return v.value

    def __repr__(self):
        return f'<{type(self).__name__}>' if self._ptr is None else \
            f'<{type(self).__name__} learning_rate={self.learning_rate:g}>'


class SGD(Optimizer):
    """SGD(learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
    clipnorm=None, ...)."""
    _new, _default_lr = 'libnn_sgd_new', 0.01


class Adam(Optimizer):
    """Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, ...)."""
    _new = 'libnn_adam_new'


class AdamW(Optimizer):
    """AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, ...)."""
    _new = 'libnn_adamw_new'


class RMSprop(Optimizer):
    """RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, ...)."""
    _new = 'libnn_rmsprop_new'


class Adagrad(Optimizer):
    """Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, ...)."""
    _new = 'libnn_adagrad_new'


_BY_NAME = {'sgd': SGD, 'adam': Adam, 'adamw': AdamW, 'rmsprop': RMSprop, 'adagrad': Adagrad}


def _wrap(ptr):
    """The Python object of an optimizer a model owns (a loaded or cloned model's)."""
    cls = _BY_NAME[text(lib.libnn_optimizer_kind_name(ptr)).lower()]
    opt = cls.__new__(cls)
    Handle.__init__(opt, ptr)
    opt._hand_over()
    return opt


def get(identifier):
    """An optimizer from a Keras name ('adam') or an Optimizer instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    try:
        return _BY_NAME[identifier.lower()]()
    except (KeyError, AttributeError):
        known = ', '.join(_BY_NAME)
        raise ValueError(f'unknown optimizer {identifier!r}; known: {known}') from None
