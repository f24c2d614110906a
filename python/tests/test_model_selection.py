#!/usr/bin/env python3
"""Tests of libnn.model_selection: KFold, StratifiedKFold and cross_validate.

    LIBNN_LIBRARY=build/lib/libnn.so.0 python3 python/tests/test_model_selection.py

Plain unittest; exit 0 when every test passed, 1 otherwise, 77 (skip) when
libnn cannot be loaded. The folds are compared with scikit-learn's through
the committed fixture tests/fixtures/folds/sklearn_folds.txt (always), and
with scikit-learn itself when it is installed (python3-sklearn).
"""
import os
import random
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

try:
    import libnn
except OSError as e:
    print(f'SKIP: {e}')
    sys.exit(77)

from libnn import LibnnError, Sequential, layers as L, optimizers  # noqa: E402
from libnn.model_selection import KFold, StratifiedKFold, cross_validate  # noqa: E402
from libnn.tensor import _np as np  # noqa: E402

try:
    import sklearn.model_selection as skms
except ImportError:
    skms = None

FIXTURE = os.path.join(ROOT, 'tests', 'fixtures', 'folds', 'sklearn_folds.txt')
DOCS = os.path.join(ROOT, 'docs', 'python.md')
DATA = os.environ.get('LIBNN_DATA_DIR') or os.path.join(ROOT, 'data')
needs_numpy = unittest.skipIf(np is None, 'numpy is not installed')


def fixture_cases():
    with open(FIXTURE) as f:
        lines = f.read().split('\n')
    for i in range(0, len(lines) - 2, 3):
        kind, n, k = lines[i].split()
        y = lines[i + 1].split()[1:]
        folds = [int(v) for v in lines[i + 2].split()[1:]]
        yield kind, int(n), int(k), None if y == ['-'] else [int(v) for v in y], folds


def assignment(splitter, n, y=None):
    fold_of = [None] * n
    for i, (train, test) in enumerate(splitter.split([[0]] * n, y)):
        train, test = list(train), list(test)
        assert sorted(train) == train and sorted(test) == test
        assert sorted(train + test) == list(range(n))
        for t in test:
            assert fold_of[t] is None
            fold_of[t] = i
    return fold_of


def blobs(n=120, seed=0):
    rng = random.Random(seed)
    x = [[rng.gauss(-2 if i % 2 == 0 else 2, 1.0) for _ in range(2)] for i in range(n)]
    return x, [i % 2 for i in range(n)]


def blob_model(seed=1):
    m = Sequential([L.Dense(16, activation='relu', input_shape=(2,)),
                    L.Dense(2, activation='softmax')], seed=seed)
    m.compile(optimizers.Adam(learning_rate=0.01), loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])
    return m


class SplitterTests(unittest.TestCase):
    def test_fixture_assignments(self):
        cases = 0
        for kind, n, k, y, want in fixture_cases():
            if kind == 'kfold':
                got = assignment(KFold(k), n)
            elif kind == 'onehot':
                got = assignment(StratifiedKFold(k), n, libnn.to_categorical(y, 3))
            else:
                got = assignment(StratifiedKFold(n_splits=k), n, y)
            self.assertEqual(got, want, f'{kind} n={n} k={k}')
            cases += 1
        self.assertEqual(cases, 11)

    @unittest.skipIf(skms is None or np is None, 'scikit-learn is not installed')
    def test_same_as_sklearn(self):
        rng = np.random.RandomState(3)
        for n, k in [(9, 2), (50, 5), (101, 10)]:
            y = rng.choice(['cat', 'dog', 'emu'], size=n, p=[.5, .3, .2])
            for ours, theirs in [(KFold(k), skms.KFold(k)),
                                 (StratifiedKFold(k), skms.StratifiedKFold(k))]:
                mine = list(ours.split(np.zeros((n, 2)), y))
                ref = list(theirs.split(np.zeros((n, 2)), y))
                self.assertEqual(len(mine), len(ref))
                for (a, b), (c, d) in zip(mine, ref):
                    self.assertEqual(a.dtype, np.int64)
                    np.testing.assert_array_equal(a, c)
                    np.testing.assert_array_equal(b, d)
            self.assertEqual(repr(StratifiedKFold(k)), repr(skms.StratifiedKFold(k)))
            self.assertEqual(repr(KFold(k, shuffle=True, random_state=4)),
                             repr(skms.KFold(k, shuffle=True, random_state=4)))

    def test_shuffle(self):
        n = 40
        plain = assignment(KFold(4), n)
        mixed = assignment(KFold(4, shuffle=True, random_state=7), n)
        self.assertEqual(mixed, assignment(KFold(4, shuffle=True, random_state=7), n))
        self.assertNotEqual(mixed, plain)
        self.assertEqual(sorted(mixed), sorted(plain))  # the same fold sizes
        y = [i % 3 for i in range(n)]
        a = assignment(StratifiedKFold(4, shuffle=True, random_state=1), n, y)
        b = assignment(StratifiedKFold(4), n, y)
        count = lambda f: sorted((f[i], y[i]) for i in range(n))  # noqa: E731
        self.assertEqual(count(a), count(b))  # per fold, the same class counts
        self.assertNotEqual(a, b)
        self.assertEqual(KFold(3).get_n_splits(), 3)

    @needs_numpy
    def test_sklearn_style_loop(self):
        x = np.arange(20, dtype=np.float32).reshape(10, 2)
        y = np.array([0, 1] * 5)
        seen = []
        for train_idx, test_idx in StratifiedKFold(n_splits=5).split(x, y):
            x_train, x_test = x[train_idx], x[test_idx]
            self.assertEqual((len(x_train), len(x_test)), (8, 2))
            self.assertEqual(sorted(y[test_idx]), [0, 1])
            seen += list(test_idx)
        self.assertEqual(sorted(seen), list(range(10)))

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, 'n_splits=2 or more, got n_splits=1'):
            KFold(1)
        with self.assertRaisesRegex(ValueError, 'Integral'):
            KFold(2.0)
        with self.assertRaisesRegex(ValueError, 'no effect since shuffle is False'):
            StratifiedKFold(3, random_state=1)
        with self.assertRaises(LibnnError) as e:
            list(KFold(5).split([[0]] * 3))
        self.assertIn('k = 5 folds for 3 samples', str(e.exception))
        with self.assertRaises(LibnnError) as e:
            list(StratifiedKFold(2).split([[0]] * 4, [0, 1, 0.5, 1]))
        self.assertIn('y sample 2 is 0.5, not a class label', str(e.exception))
        with self.assertRaisesRegex(ValueError, 'needs the labels y'):
            list(StratifiedKFold(2).split([[0]] * 4, None))


class TrainTestSplitTests(unittest.TestCase):
    def test_stratify_and_order(self):
        x = [[float(i)] for i in range(40)]
        y = [0] * 30 + [1] * 10
        x_tr, x_te, y_tr, y_te = libnn.train_test_split(x, y, test_size=0.25, seed=3,
                                                        stratify=y)
        self.assertEqual(sorted(y_te.tolist()), [0.0] * 8 + [1.0] * 2)  # 30:10 kept
        self.assertEqual(sorted(v[0] for v in x_tr.tolist() + x_te.tolist()),
                         [float(i) for i in range(40)])
        x_tr, x_te, y_tr, y_te = libnn.train_test_split(x, y, test_size=0.25, shuffle=False)
        self.assertEqual([v[0] for v in x_te.tolist()], [float(i) for i in range(30, 40)])
        # shuffle=True without stratify: the 0.1 function's split, unchanged
        a = libnn.train_test_split(x, y, test_size=0.25, seed=3)
        self.assertEqual(a[1].tolist(), libnn.data.Tensor._wrap(
            _split_01(x, y, 0.25, 3)).tolist())
        with self.assertRaisesRegex(ValueError, 'stratify must be y'):
            libnn.train_test_split(x, y, stratify=list(y))
        with self.assertRaises(LibnnError) as e:
            libnn.train_test_split(x, y, stratify=y, shuffle=False)
        self.assertIn('LIBNN_SPLIT_STRATIFY needs LIBNN_SPLIT_SHUFFLE', str(e.exception))


def _split_01(x, y, size, seed):
    """x_test of the 0.1 libnn_train_test_split, called directly."""
    from ctypes import byref
    from libnn._lib import TensorP, lib
    from libnn.tensor import as_tensor
    outs = [TensorP() for _ in range(4)]
    lib.libnn_train_test_split(as_tensor(x), as_tensor(y), size, seed,
                               *(byref(o) for o in outs))
    for o in (outs[0], outs[1], outs[3]):
        lib.libnn_tensor_free(o)
    return outs[2]


class CrossValidateTests(unittest.TestCase):
    def test_scores(self):
        x, y = blobs()
        m = blob_model()
        before = [w.tolist() for w in m.layers[0].get_weights()]
        scores = cross_validate(m, x, y, cv=3, epochs=3, batch_size=16)
        self.assertEqual(sorted(scores), ['epochs', 'test_accuracy', 'test_loss',
                                          'train_accuracy', 'train_loss'])
        for v in scores.values():
            self.assertEqual(len(v), 3)
        self.assertEqual(list(scores['epochs']), [3, 3, 3])
        self.assertGreater(sum(scores['test_accuracy']) / 3, 0.9)
        self.assertEqual([w.tolist() for w in m.layers[0].get_weights()], before)
        # the same folds and seeds again: the same numbers
        again = cross_validate(m, x, y, cv=StratifiedKFold(3), epochs=3, batch_size=16,
                               return_train_score=False)
        self.assertEqual(sorted(again), ['epochs', 'test_accuracy', 'test_loss'])
        self.assertEqual(list(again['test_loss']), list(scores['test_loss']))
        other = cross_validate(m, x, y, cv=KFold(3, shuffle=True, random_state=2), epochs=3,
                               batch_size=16)
        self.assertNotEqual(list(other['test_loss']), list(scores['test_loss']))

    def test_callbacks_per_fold(self):
        x, y = blobs()
        m = blob_model(seed=2)
        epochs = []
        count = libnn.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append(epoch))
        es = libnn.EarlyStopping(monitor='val_loss', min_delta=10.0, patience=0)
        scores = cross_validate(m, x, y, cv=4, epochs=20, batch_size=16,
                                callbacks=[es, count], validation_split=0.2)
        self.assertEqual(list(scores['epochs']), [2, 2, 2, 2])
        self.assertEqual(epochs, [0, 1] * 4)

    def test_bad_input(self):
        x, y = blobs(20)
        m = blob_model()
        with self.assertRaises(LibnnError) as e:
            cross_validate(m, x, y[:-1], cv=KFold(2))
        self.assertIn('y [19] has 19 samples, x [20, 2] has 20', str(e.exception))
        with self.assertRaisesRegex(TypeError, 'cv must be'):
            cross_validate(m, x, y, cv='five')
        raw = Sequential([L.Dense(2, input_shape=(2,))])
        with self.assertRaises(LibnnError) as e:
            cross_validate(raw, x, y, cv=KFold(2))
        self.assertIn('the model is not compiled', str(e.exception))


class DocsTwinTests(unittest.TestCase):
    @needs_numpy
    def test_overfitting_twin_runs(self):
        """The Python twin of examples/overfitting.c in docs/python.md runs (2 epochs, not 30)."""
        import contextlib
        import io
        import tempfile
        with open(DOCS) as f:
            doc = f.read()
        start = doc.index('```python', doc.index('### The overfitting example in Python'))
        code = doc[start + len('```python'):doc.index('```', start + 3)]
        self.assertIn('epochs=30', code)
        code = code.replace('epochs=30', 'epochs=2')
        out, cwd = io.StringIO(), os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            os.environ.setdefault('LIBNN_DATA_DIR', DATA)
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(code, 'docs/python.md', 'exec'), {})
                self.assertTrue(os.path.exists('overfitting_all_three.csv'))
            finally:
                os.chdir(cwd)
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 7)
        self.assertIn('5-fold cross-validation: test accuracy', lines[-1])


if __name__ == '__main__':
    program = unittest.main(exit=False, verbosity=2)
    r = program.result
    sys.exit(0 if r.wasSuccessful() else 1)
