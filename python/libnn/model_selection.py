"""Cross-validation with scikit-learn's interface: KFold, StratifiedKFold and cross_validate.

    from libnn.model_selection import KFold, StratifiedKFold, cross_validate

    for train, test in StratifiedKFold(n_splits=5).split(x, y):
        ...                              # index arrays, as scikit-learn yields them

    scores = cross_validate(model, x, y, cv=5, epochs=20, batch_size=32)
    scores['test_accuracy'].mean(), scores['test_accuracy'].std()

The splitters are scikit-learn's KFold and StratifiedKFold (same arguments,
same split() and get_n_splits(), same errors for bad arguments), computed by
libnn_kfold / libnn_stratified_kfold. With shuffle=False the folds equal
scikit-learn's index for index; shuffled folds come from libnn's own
generator (seeded by random_state), so they differ from scikit-learn's.
Index arrays are numpy int64 arrays when numpy is installed, lists otherwise.
"""
import random
from ctypes import byref, c_double, c_int64, c_size_t

from ._lib import CVResultsP, FoldsP, lib, text
from .callbacks import BuiltinCallback, Callback
from .constants import Loss, ModelOption, SplitFlag
from .tensor import Handle, Tensor, _np, as_tensor

__all__ = ['KFold', 'StratifiedKFold', 'cross_validate']

_CLASSIFICATION = (Loss.BINARY_CROSSENTROPY, Loss.CATEGORICAL_CROSSENTROPY,
                   Loss.SPARSE_CATEGORICAL_CROSSENTROPY)


def _num_samples(x):
    shape = getattr(x, 'shape', None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    return len(x)


def _int_array(values):
    return _np.asarray(values, dtype=_np.int64) if _np is not None else list(values)


class _Folds(Handle):
    """A libnn_folds partition."""
    _free_name = 'libnn_folds_free'

    def __len__(self):
        return lib.libnn_folds_count(self)

    def indices(self, fold, test):
        n = lib.libnn_folds_sample_count(self)
        buf, count = (c_int64 * max(n, 1))(), c_size_t()
        fn = lib.libnn_folds_test_indices if test else lib.libnn_folds_train_indices
        fn(self, fold, buf, n, byref(count))
        if _np is not None:
            return _np.frombuffer(buf, dtype=_np.int64, count=count.value).copy()
        return buf[:count.value]


class _BaseKFold:
    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        if not isinstance(n_splits, int) or isinstance(n_splits, bool):
            raise ValueError('The number of folds must be of Integral type. '
                             f'{n_splits!r} of type {type(n_splits)} was passed.')
        if n_splits <= 1:
            raise ValueError('k-fold cross-validation requires at least one train/test split '
                             f'by setting n_splits=2 or more, got n_splits={n_splits}.')
        if not isinstance(shuffle, bool):
            raise TypeError(f'shuffle must be True or False; got {shuffle}')
        if not shuffle and random_state is not None:
            raise ValueError('Setting a random_state has no effect since shuffle is False. You '
                             'should leave random_state to its default (None), or set '
                             'shuffle=True.')
        self.n_splits, self.shuffle, self.random_state = n_splits, shuffle, random_state

    def __repr__(self):
        return (f'{type(self).__name__}(n_splits={self.n_splits}, '
                f'random_state={self.random_state!r}, shuffle={self.shuffle})')

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def _flags_and_seed(self):
        if not self.shuffle:
            return 0, 0
        rs = self.random_state
        if rs is None:
            seed = random.getrandbits(63)  # a new order every call, as scikit-learn's None
        elif isinstance(rs, int) and not isinstance(rs, bool):
            seed = rs
        elif hasattr(rs, 'randint'):  # a numpy RandomState
            seed = int(rs.randint(0, 2**31 - 1))
        else:
            raise ValueError(f'{rs!r} cannot be used to seed a libnn generator')
        return SplitFlag.SHUFFLE, seed & (2**64 - 1)

    def split(self, X, y=None, groups=None):
        """Yield (train, test) index arrays, fold by fold."""
        folds = self._folds(X, y)
        for i in range(len(folds)):
            yield folds.indices(i, False), folds.indices(i, True)


class KFold(_BaseKFold):
    """KFold(n_splits=5, *, shuffle=False, random_state=None), as scikit-learn's."""

    def _folds(self, X, y=None):
        flags, seed = self._flags_and_seed()
        out = FoldsP()
        lib.libnn_kfold(_num_samples(X), self.n_splits, flags, seed, byref(out))
        return _Folds(out)


def _class_labels(y):
    """Labels as a libnn tensor of class labels: one-hot rows as they are, any
    hashable labels (strings too) numbered in order of first appearance, which
    is all StratifiedKFold looks at. Fractional or NaN values go through as
    they are, for libnn's error."""
    if isinstance(y, Tensor) or (_np is not None and getattr(y, 'ndim', 1) == 2
                                 and getattr(y, 'shape', (0, 1))[1] > 1):
        return as_tensor(y)
    flat = list(y.ravel()) if hasattr(y, 'ravel') else [v[0] if isinstance(v, (list, tuple))
                                                       else v for v in y]
    if _np is not None:
        flat = [v.item() if isinstance(v, _np.generic) else v for v in flat]
    if any(isinstance(v, float) and not v.is_integer() for v in flat):
        return as_tensor([float(v) for v in flat])
    codes = {}
    return as_tensor([float(codes.setdefault(v, len(codes))) for v in flat])


class StratifiedKFold(_BaseKFold):
    """StratifiedKFold(n_splits=5, *, shuffle=False, random_state=None), as scikit-learn's:
    each fold keeps the class proportions of y (class labels of any hashable kind, or
    one-hot rows, which scikit-learn refuses)."""

    def _folds(self, X, y):
        if y is None:
            raise ValueError('StratifiedKFold.split needs the labels y')
        flags, seed = self._flags_and_seed()
        out = FoldsP()
        lib.libnn_stratified_kfold(_class_labels(y), self.n_splits, flags, seed, byref(out))
        return _Folds(out)

    def split(self, X, y, groups=None):
        return super().split(X, y, groups)


class _Results(Handle):
    _free_name = 'libnn_cv_results_free'

    def as_dict(self):
        k = lib.libnn_cv_results_fold_count(self)
        out, v = {}, c_double()
        for i in range(lib.libnn_cv_results_count(self)):
            name = text(lib.libnn_cv_results_name(self, i))
            values = []
            for fold in range(k):
                lib.libnn_cv_results_get(self, name.encode(), fold, byref(v))
                values.append(v.value)
            out[name] = _np.asarray(values) if _np is not None else values
        return out


def cross_validate(model, X, y, *, cv=None, epochs=1, batch_size=None, callbacks=None,
                   validation_split=0.0, verbose=0, return_train_score=True):
    """k-fold cross-validation of a compiled Sequential, as scikit-learn's cross_validate.

    Each fold trains a fresh copy of the model (libnn_model_clone: same layers, options,
    optimizer settings, loss and metrics, new weights seeded by model.seed + fold) on the
    other folds for `epochs` epochs and scores it on its own fold. `model` itself is not
    trained. cv: None (5), an int, a KFold or a StratifiedKFold; an int gives
    StratifiedKFold for a classification loss and KFold otherwise, unshuffled, as
    scikit-learn does for classifiers and regressors.

    Returns a dict of arrays with one value per fold, as scikit-learn's:
    'test_loss', 'test_<metric>' for each compiled metric ('test_accuracy', ...),
    'train_loss', 'train_<metric>' (on the fold's training rows after training, without
    dropout; left out with return_train_score=False) and 'epochs' (the epochs trained:
    EarlyStopping may end a fold early). Means and population standard deviations are
    scores['test_accuracy'].mean() and .std().

    callbacks: libnn's built-in callbacks (EarlyStopping & co.) run in every fold, starting
    afresh each time; Python Callback objects see every fold's epochs, with self.model the
    model given here. validation_split holds back the last part of each fold's training
    rows for val_loss (what EarlyStopping('val_loss') watches); the test fold is never
    used for training decisions.
    """
    if cv is None:
        cv = 5
    if isinstance(cv, int) and not isinstance(cv, bool):
        loss = getattr(getattr(model, 'loss', None), 'kind', None)
        cv = StratifiedKFold(cv) if loss in _CLASSIFICATION else KFold(cv)
    if not isinstance(cv, _BaseKFold):
        raise TypeError(f'cv must be None, an int, a KFold or a StratifiedKFold, got {cv!r}')
    callbacks = list(callbacks or ())
    for c in callbacks:
        if not isinstance(c, (BuiltinCallback, Callback)):
            raise TypeError(f'not a callback: {c!r}')
    x, y_t = as_tensor(X), as_tensor(y)
    folds = cv._folds(X, y)
    model._attach(callbacks)
    py = [c for c in callbacks if isinstance(c, Callback)]
    out = CVResultsP()
    try:
        lib.libnn_model_set_int(model, ModelOption.VERBOSE, int(verbose))
        lib.libnn_model_set_float(model, ModelOption.VALIDATION_SPLIT, validation_split)
        model._active, model._error, model.stop_training = py, None, False
        for c in py:
            c.set_model(model)
            c.on_train_begin({})
        with model._catch_ctrl_c():
            lib.libnn_cross_validate_folds(model, x, y_t, folds, epochs, batch_size or 32,
                                           byref(out))
    finally:
        model._active = []
        lib.libnn_model_set_float(model, ModelOption.VALIDATION_SPLIT, 0.0)
    results = _Results(out)
    if model._error is not None:
        error, model._error = model._error, None
        raise error
    scores = results.as_dict()
    for c in py:
        c.on_train_end({})
    if not return_train_score:
        scores = {k: v for k, v in scores.items() if not k.startswith('train_')}
    return scores
