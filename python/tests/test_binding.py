#!/usr/bin/env python3
"""Tests of the ctypes binding in python/libnn.

    LIBNN_LIBRARY=build/lib/libnn.so.0 python3 python/tests/test_binding.py [TestCase[.test]...]

Plain unittest; exits 0 when every test passed, 1 otherwise, 77 (skip) when
libnn cannot be loaded. Works without numpy: numpy-only checks are skipped,
and when numpy is there one test reruns the other checks with numpy blocked.
Environment: LIBNN_DATA_DIR (the bundled MNIST digits, default <repo>/data),
LIBNN_INCLUDE_DIR (the headers, default <repo>/include).
"""
import gc
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
if os.environ.get('LIBNN_TEST_NO_NUMPY'):
    sys.modules['numpy'] = None  # import numpy now raises ImportError

try:
    import libnn
except OSError as e:  # the library is not there: skip, not fail
    print(f'SKIP: {e}')
    sys.exit(77)

from libnn import LibnnError, Sequential, Status, Tensor  # noqa: E402
from libnn import constants, layers as L, optimizers  # noqa: E402
from libnn.tensor import _np as np  # noqa: E402

DATA = os.environ.get('LIBNN_DATA_DIR') or os.path.join(ROOT, 'data')
INCLUDE = os.environ.get('LIBNN_INCLUDE_DIR') or os.path.join(ROOT, 'include')
needs_numpy = unittest.skipIf(np is None, 'numpy is not installed')


def blobs(n=200, seed=0):
    """Two Gaussian blobs in 2-D, labels 0 and 1, as plain lists."""
    rng = random.Random(seed)
    x = [[rng.gauss(-2 if i % 2 == 0 else 2, 1.0) for _ in range(2)] for i in range(n)]
    return x, [i % 2 for i in range(n)]


def blob_model(seed=1, lr=0.01):
    m = Sequential([L.Dense(16, activation='relu', input_shape=(2,)),
                    L.Dense(2, activation='softmax')], seed=seed)
    m.compile(optimizers.Adam(learning_rate=lr), loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])
    return m


class TensorTests(unittest.TestCase):
    def test_nested_lists_round_trip(self):
        data = [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12.5]]]
        t = Tensor(data)
        self.assertEqual(t.shape, (2, 3, 2))
        self.assertEqual((t.ndim, t.size, len(t)), (3, 12, 2))
        self.assertEqual(t.tolist(), data)
        self.assertEqual(Tensor((1, 2, 3)).tolist(), [1.0, 2.0, 3.0])
        self.assertAlmostEqual(Tensor([0.1]).tolist()[0], 0.1, places=7)  # float32

    def test_bad_nested_lists(self):
        with self.assertRaises(ValueError):
            Tensor([[1, 2], [3]])
        with self.assertRaises(ValueError):
            Tensor(3.0)
        with self.assertRaises((ValueError, TypeError)):
            Tensor([['a', 'b']])

    def test_pure_python_path(self):
        """The same conversions with numpy switched off in the binding."""
        saved, libnn.tensor._np = libnn.tensor._np, None
        try:
            t = Tensor([[1, 2, 3], [4, 5, 6]])
            self.assertEqual(t.tolist(), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            self.assertEqual(Tensor([[], []]).shape, (2, 0))
            with self.assertRaises(ImportError):
                t.numpy()
        finally:
            libnn.tensor._np = saved

    def test_rows_reshape_copy(self):
        t = Tensor([[1, 2], [3, 4], [5, 6]])
        self.assertEqual(t[1:].tolist(), [[3.0, 4.0], [5.0, 6.0]])
        self.assertEqual(t[-1].tolist(), [5.0, 6.0])
        self.assertEqual(Tensor([7, 8])[1], 8.0)
        self.assertEqual(libnn.slice(t, 0, 1).tolist(), [[1.0, 2.0]])
        self.assertEqual(t.reshape(-1).tolist(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        self.assertEqual(t.shape, (3, 2))  # reshape gives a copy
        with self.assertRaises(IndexError):
            t[3]
        self.assertEqual(Tensor.zeros((2, 2)).tolist(), [[0.0, 0.0], [0.0, 0.0]])
        a = Tensor.random_normal((4,), seed=7).tolist()
        self.assertEqual(a, Tensor.random_normal((4,), seed=7).tolist())
        self.assertEqual(Tensor([]).shape, (0,))

    @needs_numpy
    def test_numpy_round_trip(self):
        a = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
        t = Tensor(a)
        b = t.numpy()
        self.assertEqual(b.dtype, np.float32)
        self.assertTrue(np.array_equal(a, b))
        at = a.transpose(2, 0, 1)  # not C-contiguous: copied in C order
        self.assertTrue(np.array_equal(Tensor(at).numpy(), at))
        self.assertTrue(np.array_equal(np.asarray(t), b))
        self.assertEqual(Tensor(np.zeros((0, 3))).shape, (0, 3))
        with self.assertRaises(ValueError):
            Tensor(np.float32(1))

    def test_free_once_and_late_use(self):
        t = Tensor([1, 2])
        t._free()
        t._free()  # no double free
        with self.assertRaises(ValueError):
            t.shape


class ErrorTests(unittest.TestCase):
    def assertLibnnError(self, status, message, fn, *args, **kwargs):
        with self.assertRaises(LibnnError) as cm:
            fn(*args, **kwargs)
        e = cm.exception
        self.assertEqual(e.status, status)
        self.assertEqual(e.status_name, 'LIBNN_' + Status(status).name)
        self.assertIn(message, e.message)
        self.assertIn(message, str(e))
        return e

    def test_messages(self):
        e = self.assertLibnnError(Status.E_INVALID, 'dense: units must be >= 1, got 0', L.Dense, 0)
        self.assertEqual(e.message, 'dense: units must be >= 1, got 0')
        self.assertLibnnError(Status.E_INVALID, 'conv2d: strides must be >= 1, got 0',
                              L.Conv2D, 8, 3, strides=0)
        self.assertLibnnError(Status.E_INVALID, 'dense has no parameter mask_zero',
                              L.Dense, 4, mask_zero=True)
        self.assertLibnnError(Status.E_INVALID, 'adam has no option momentum',
                              optimizers.Adam, momentum=0.9)
        self.assertLibnnError(Status.E_SHAPE, 'tensor_reshape', Tensor([1, 2, 3]).reshape, 2, 2)
        self.assertLibnnError(Status.E_IO, 'no-such-file', libnn.idx_load, '/no-such-file.idx')

    def test_compile_names_the_layer(self):
        m = Sequential([L.Reshape((3, 4))], input_shape=(10,))
        self.assertLibnnError(Status.E_SHAPE, 'reshape', m.compile, 'adam', 'mse')

    def test_python_side_errors(self):
        with self.assertRaises(TypeError):
            L.Dense(4, no_such_option=1)
        with self.assertRaisesRegex(ValueError, 'unknown activation'):
            L.Dense(4, activation='relu7')
        with self.assertRaisesRegex(ValueError, 'unknown optimizer'):
            blob_model().compile('adamax', 'mse')

    def test_ownership_errors(self):
        layer = L.Dense(2)
        m = Sequential([layer], input_shape=(3,))
        with self.assertRaisesRegex(ValueError, 'belongs to a model'):
            Sequential([layer], input_shape=(3,))
        self.assertEqual(layer.name, 'dense')  # usable while the model lives
        del m
        gc.collect()
        with self.assertRaises(ValueError):
            layer.name  # the model freed it: an error, not a crash
        inner = L.LSTM(3)
        L.Bidirectional(inner)
        with self.assertRaises(ValueError):
            inner.name
        m = blob_model()
        opt = m.optimizer
        m.compile(optimizers.SGD(), 'sparse_categorical_crossentropy')
        with self.assertRaises(ValueError):
            opt.learning_rate  # freed by the recompile
        with self.assertRaisesRegex(ValueError, 'belongs to a model'):
            blob_model().compile(m.optimizer, 'mse')


class EnumTests(unittest.TestCase):
    """The pinned enum values of libnn.constants equal those of the C headers."""

    def setUp(self):
        if not os.path.isdir(os.path.join(INCLUDE, 'libnn')):
            self.skipTest(f'no headers in {INCLUDE}')
        self.enums, self.defines = {}, {}
        for name in sorted(os.listdir(os.path.join(INCLUDE, 'libnn'))):
            if not name.endswith('.h'):
                continue
            with open(os.path.join(INCLUDE, 'libnn', name)) as f:
                src = re.sub(r'/\*.*?\*/', '', f.read(), flags=re.S)
            for m in re.finditer(r'typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*\1\s*;', src, re.S):
                self.enums[m.group(1)] = {k: int(v) for k, v in
                                          re.findall(r'(\w+)\s*=\s*(-?\d+)', m.group(2))}
            self.defines.update((k, int(v)) for k, v in
                                re.findall(r'#define\s+(LIBNN_\w+)\s+(-?\d+)\s*$', src, re.M))

    def test_every_enum_mirrored_exactly(self):
        self.assertGreaterEqual(len(self.enums), 15)
        self.assertEqual(sorted(self.enums), sorted(constants.C_ENUMS))
        for c_name, (cls, prefix) in constants.C_ENUMS.items():
            mirrored = {prefix + m.name: int(m) for m in cls}
            self.assertEqual(mirrored, self.enums[c_name], f'{c_name} vs constants.{cls.__name__}')

    def test_defines(self):
        for name, value in constants.C_DEFINES.items():
            self.assertEqual(self.defines.get(name), value, name)


class ModelTests(unittest.TestCase):
    def test_blobs(self):
        x, y = blobs()
        m = blob_model()
        h = m.fit(x, y, batch_size=32, epochs=30, verbose=0)
        self.assertEqual(len(h.history['loss']), 30)
        self.assertLess(h.history['loss'][-1], h.history['loss'][0])
        loss, acc = m.evaluate(x, y)
        self.assertGreaterEqual(acc, 0.95)
        self.assertEqual(m.evaluate(x, y, return_dict=True)['accuracy'], acc)
        p = m.predict(x[:5])
        self.assertIsInstance(p, Tensor)
        self.assertEqual(p.shape, (5, 2))
        self.assertTrue(all(abs(sum(row) - 1) < 1e-5 for row in p.tolist()))
        if np is not None:
            pn = m.predict(np.asarray(x[:5], dtype=np.float32))
            self.assertIsInstance(pn, np.ndarray)
            self.assertTrue(np.allclose(pn, p.numpy()))
        self.assertIsInstance(m.train_on_batch(x[:8], y[:8]), float)
        self.assertEqual(m.predict_on_batch(x[:3]).shape, (3, 2))

    def test_seed_gives_same_weights(self):
        models = [blob_model(seed=s) for s in (5, 5, 6)]  # layers live as long as their model
        w1, w2, w3 = [m.layers[0].get_weight('kernel').tolist() for m in models]
        self.assertEqual(w1, w2)
        self.assertNotEqual(w1, w3)
        with self.assertRaisesRegex(ValueError, 'no C object'):
            blob_model().layers[0].name  # the temporary model took its layers along

    def test_validation_and_history(self):
        x, y = blobs()
        m = blob_model()
        h = m.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
        self.assertIn('val_loss', h.history)
        self.assertIn('val_accuracy', h.history)
        h = m.fit(x, y, epochs=2, verbose=0, validation_data=(x[:20], y[:20]))
        self.assertEqual(len(h.history['val_loss']), 2)
        h = m.fit(x, y, epochs=1, verbose=0)  # validation is per fit, as Keras
        self.assertNotIn('val_loss', h.history)
        m.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: 2.0},
              sample_weight=[1.0] * len(x), shuffle=False)

    def test_summary(self):
        lines = []
        m = blob_model()
        m.summary(print_fn=lines.append)
        text = '\n'.join(lines)
        self.assertIn('dense (Dense)', text)
        self.assertIn('dense_1 (Dense)', text)
        self.assertEqual(m.count_params(), 2 * 16 + 16 + 16 * 2 + 2)
        self.assertIn(f'Total params: {m.count_params()}', text)
        with self.assertRaises(LibnnError):  # not compiled
            Sequential([L.Dense(1)], input_shape=(2,)).summary()

    def test_weights(self):
        m = blob_model()
        dense = m.get_layer('dense')
        self.assertEqual(dense.weight_names, ['kernel', 'bias'])
        self.assertEqual(dense.output_shape, (16,))
        kernel = [[0.5] * 16, [-0.25] * 16]
        dense.set_weights([kernel, [0.0] * 16])
        self.assertEqual(dense.get_weight('kernel').tolist(), kernel)
        self.assertEqual(len(dense.get_weights()), 2)


class LayerTests(unittest.TestCase):
    """Every layer class builds in a model with Keras keywords, with the right output shapes."""

    def shapes(self, input_shape, *layers):
        m = Sequential(list(layers), input_shape=input_shape, seed=3)
        m.compile('sgd', 'mse')
        return [layer.output_shape for layer in m.layers], m

    def test_image_layers(self):
        shapes, m = self.shapes(
            (8, 8, 1),
            L.Conv2D(4, (3, 3), strides=2, padding='same', activation='relu',
                     kernel_initializer='he_normal',
                     bias_initializer=libnn.initializers.Constant(0.1),
                     kernel_regularizer=libnn.regularizers.l2(1e-4)),
            L.MaxPooling2D(2),
            L.AveragePooling2D(pool_size=1, strides=1, padding='same'),
            L.Conv2D(2, 1, dilation_rate=1, use_bias=False),
            L.GlobalMaxPooling2D())
        self.assertEqual(shapes, [(4, 4, 4), (2, 2, 4), (2, 2, 4), (2, 2, 2), (2,)])
        self.assertAlmostEqual(m.layers[0].get_weight('bias').tolist()[0], 0.1, places=6)
        shapes, _ = self.shapes((4, 4, 2), L.GlobalAveragePooling2D(name='gap'))
        self.assertEqual(shapes, [(2,)])
        shapes, m = self.shapes((12,), L.Reshape((3, 4)), L.Flatten(), L.Dropout(0.5, seed=1),
                                L.Activation('leaky_relu', alpha=0.1), L.Dense(3, trainable=False))
        self.assertEqual(shapes, [(3, 4), (12,), (12,), (12,), (3,)])

    def test_sequence_layers(self):
        shapes, m = self.shapes(
            (6,),
            L.Embedding(20, 4, mask_zero=True),
            L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode='concat'),
            L.GRU(3, recurrent_activation='sigmoid'),
            L.Dense(2, activation='softmax'))
        self.assertEqual(shapes, [(6, 4), (6, 6), (3,), (2,)])
        self.assertIn('forward_kernel', m.layers[1].weight_names)
        y = m.predict([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]])
        self.assertEqual(y.shape, (2, 2))
        shapes, _ = self.shapes((5, 3), L.Masking(0.0), L.SimpleRNN(4, go_backwards=True,
                                                                    activation='tanh'))
        self.assertEqual(shapes, [(5, 3), (4,)])
        self.assertEqual(L.LSTM(2).kind, 'LSTM')

    def test_input_and_add(self):
        m = Sequential(seed=1)
        m.add(libnn.Input((4,)))
        m.add(L.Dense(3))
        m.compile('rmsprop', libnn.losses.MeanSquaredError())
        self.assertEqual(m.layers[0].output_shape, (3,))


class OptimizerTests(unittest.TestCase):
    def test_every_optimizer_trains(self):
        x, y = blobs(64)
        for opt in (optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                    optimizers.Adam(amsgrad=True, clipnorm=1.0),
                    optimizers.AdamW(weight_decay=0.01),
                    optimizers.RMSprop(rho=0.8, centered=True), optimizers.Adagrad(epsilon=1e-6)):
            m = blob_model()
            m.compile(opt, 'sparse_categorical_crossentropy')
            h = m.fit(x, y, epochs=3, batch_size=16, verbose=0)
            self.assertEqual(m.optimizer.iterations, 12, opt.name)
            self.assertLess(h.history['loss'][-1], h.history['loss'][0] + 1e-3, opt.name)

    def test_schedule_and_learning_rate(self):
        x, y = blobs(64)
        m = blob_model()
        sched = optimizers.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5)
        m.compile(optimizers.SGD(learning_rate=sched), 'sparse_categorical_crossentropy')
        m.fit(x, y, epochs=1, batch_size=16, verbose=0)
        self.assertAlmostEqual(m.optimizer.learning_rate, 0.05, places=6)
        m.compile(optimizers.SGD(learning_rate=optimizers.PiecewiseConstantDecay([2], [0.1, 0.01])),
                  'sparse_categorical_crossentropy')
        self.assertAlmostEqual(m.optimizer.learning_rate, 0.1, places=6)
        m.optimizer.learning_rate  # usable through the model
        m.compile(optimizers.Adam(0.5), 'sparse_categorical_crossentropy')
        m.optimizer.learning_rate = 0.25
        self.assertAlmostEqual(m.optimizer.learning_rate, 0.25)
        self.assertAlmostEqual(m.optimizer.get_option('beta_1'), 0.9, places=6)


class CallbackTests(unittest.TestCase):
    def test_python_callback_counts_epochs(self):
        class Counter(libnn.Callback):
            def __init__(self):
                self.epochs, self.batches, self.began, self.ended, self.logs = [], 0, 0, 0, None

            def on_train_begin(self, logs=None):
                self.began += 1

            def on_epoch_end(self, epoch, logs=None):
                self.epochs.append(epoch)
                self.logs = logs

            def on_batch_end(self, batch, logs=None):
                self.batches += 1

            def on_train_end(self, logs=None):
                self.ended += 1

        x, y = blobs(64)
        m, c = blob_model(), Counter()
        m.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[c])
        self.assertEqual(c.epochs, [0, 1, 2, 3])
        self.assertEqual((c.batches, c.began, c.ended), (16, 1, 1))
        self.assertIs(c.model, m)
        self.assertIn('loss', c.logs)
        self.assertIn('accuracy', c.logs)
        m.fit(x, y, epochs=2, verbose=0)  # Python callbacks run only in their fit
        self.assertEqual(len(c.epochs), 4)

    def test_stop_training_and_lambda(self):
        x, y = blobs(64)
        seen = []

        def stop_at_2(epoch, logs):
            seen.append(epoch)
            if epoch == 2:
                m.stop_training = True
        m = blob_model()
        h = m.fit(x, y, epochs=10, verbose=0,
                  callbacks=[libnn.LambdaCallback(on_epoch_end=stop_at_2)])
        self.assertEqual(seen, [0, 1, 2])
        self.assertEqual(len(h.history['loss']), 3)

    def test_exception_in_callback_propagates(self):
        def boom(epoch, logs):
            raise KeyError('from the callback')
        x, y = blobs(64)
        m = blob_model()
        with self.assertRaisesRegex(KeyError, 'from the callback'):
            m.fit(x, y, epochs=5, verbose=0, callbacks=[libnn.LambdaCallback(on_epoch_end=boom)])
        self.assertEqual(len(m.fit(x, y, epochs=2, verbose=0).history['loss']), 2)  # still usable

    def test_ctrl_c_stops_fit(self):
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            self.skipTest('SIGINT is not handled by Python here')

        def interrupt(batch, logs):
            if batch == 2:
                os.kill(os.getpid(), signal.SIGINT)
        x, y = blobs(64)
        m = blob_model()
        with self.assertRaises(KeyboardInterrupt):
            m.fit(x, y, epochs=50, batch_size=8, verbose=0,
                  callbacks=[libnn.LambdaCallback(on_batch_end=interrupt)])
        self.assertLess(m.optimizer.iterations, 10)  # stopped within the first epoch
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)

    def test_early_stopping(self):
        x, y = blobs(64)
        m = blob_model()
        es = libnn.EarlyStopping(monitor='loss', min_delta=10.0, patience=2, verbose=1)
        h = m.fit(x, y, epochs=20, verbose=0, callbacks=[es])
        # epoch 0 sets the best; 1 and 2 do not beat it by 10: stop after 2 epochs of patience
        self.assertEqual(len(h.history['loss']), 3)
        self.assertEqual(es.stopped_epoch, 2)
        with self.assertRaises(LibnnError):
            blob_model().fit(x, y, epochs=1, verbose=0, callbacks=[es])  # belongs to m

    def test_builtin_callbacks(self):
        x, y = blobs(64)
        m = blob_model(lr=0.05)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'log.csv')
            cbs = [libnn.ReduceLROnPlateau(monitor='loss', factor=0.5, patience=0, min_delta=10.0),
                   libnn.TerminateOnNaN(), libnn.CSVLogger(path)]
            m.fit(x, y, epochs=3, verbose=0, callbacks=cbs)
            with open(path) as f:
                rows = f.read().splitlines()
        self.assertTrue(rows[0].startswith('epoch,'))
        self.assertEqual(len(rows), 4)
        self.assertLess(m.optimizer.learning_rate, 0.05)


class DataTests(unittest.TestCase):
    def test_helpers(self):
        self.assertEqual(libnn.to_categorical([0, 2]).tolist(), [[1, 0, 0], [0, 0, 1]])
        p = libnn.pad_sequences([[1, 2, 3], [4]], maxlen=2, padding='post')
        self.assertEqual(p.tolist(), [[2.0, 3.0], [4.0, 0.0]])
        x, y = Tensor([[i, i] for i in range(10)]), Tensor(list(range(10)))
        x_tr, x_te, y_tr, y_te = libnn.train_test_split(x, y, test_size=0.3, seed=1)
        self.assertEqual((len(x_tr), len(x_te)), (7, 3))
        self.assertEqual([r[0] for r in x_te.tolist()], y_te.tolist())
        libnn.shuffle(x, y, seed=2)
        self.assertEqual([r[0] for r in x.tolist()], y.tolist())
        self.assertEqual(sorted(y.tolist()), list(map(float, range(10))))


class MnistTests(unittest.TestCase):
    def test_cnn_one_epoch(self):
        images = os.path.join(DATA, 'mnist10k-images-idx3-ubyte.gz')
        if not os.path.exists(images):
            self.skipTest(f'no MNIST digits in {DATA}')
        x = libnn.idx_load(images, scale=True)
        y = libnn.idx_load(os.path.join(DATA, 'mnist10k-labels-idx1-ubyte.gz'))
        self.assertEqual((x.shape, y.shape), ((10000, 28, 28, 1), (10000,)))
        model = Sequential([
            libnn.Input((28, 28, 1)),
            L.Conv2D(32, 3, activation='relu'), L.MaxPooling2D(),
            L.Conv2D(64, 3, activation='relu'), L.MaxPooling2D(),
            L.Flatten(), L.Dense(128, activation='relu'), L.Dense(10, activation='softmax'),
        ], seed=1)
        model.compile(optimizers.Adam(learning_rate=2e-3), loss='sparse_categorical_crossentropy',
                      metrics=['accuracy'])
        model.fit(x[:2000], y[:2000], batch_size=16, epochs=1, verbose=0)
        loss, acc = model.evaluate(x[2000:2500], y[2000:2500])
        self.assertGreaterEqual(acc, 0.90, f'held-out accuracy {acc:.3f}')
        self.assertEqual(model.predict(x[:7]).shape, (7, 10))


LEAK_SCRIPT = r'''
import ctypes, gc, sys
sys.path.insert(0, sys.argv[1])
import libnn
from libnn import layers as L
from libnn._lib import lib, MallocFn, ReallocFn, FreeFn
libc = ctypes.CDLL(None)
libc.malloc.restype = libc.realloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
live = [0]
def m(size, user):
    p = libc.malloc(size); live[0] += bool(p); return p
def r(ptr, size, user):
    p = libc.realloc(ptr, size); live[0] += bool(p) and not ptr; return p
def f(ptr, user):
    live[0] -= bool(ptr); libc.free(ptr)
hooks = (MallocFn(m), ReallocFn(r), FreeFn(f))
lib.libnn_set_allocator(*hooks, None)
lib.libnn_set_num_threads(1)

def round_():
    t = libnn.Tensor([[1.0, 2.0], [3.0, 4.0]]); t.reshape(4); t[1:]
    L.Dense(3); L.Bidirectional(L.GRU(2)); libnn.optimizers.Adam(); libnn.EarlyStopping()
    model = libnn.Sequential([L.Dense(4, activation='relu', input_shape=(2,)),
                              L.Dense(2, activation='softmax')], seed=1)
    model.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])
    model.fit(t, [0, 1], epochs=1, verbose=0,
              callbacks=[libnn.LambdaCallback(), libnn.TerminateOnNaN()])
    model.predict(t); model.layers[0].get_weights()
    try:
        L.Dense(0)
    except libnn.LibnnError:
        pass
round_(); gc.collect()
base = live[0]
for _ in range(int(sys.argv[2])):
    round_()
    for _ in range(10):
        libnn.Tensor([1.0, 2.0, 3.0])
print('live blocks', base, live[0])
sys.exit(0 if live[0] == base else 1)
'''


class MemoryTests(unittest.TestCase):
    def test_no_leaked_blocks(self):
        """Through a counting allocator: 100 rounds of models, layers, optimizers, callbacks
        and 1,000 tensors dropped leave no libnn block behind (and nothing waits for gc)."""
        r = subprocess.run([sys.executable, '-c', LEAK_SCRIPT, os.path.dirname(HERE), '100'],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_many_objects(self):
        for i in range(1000):
            Tensor([float(i)] * 8)
        for _ in range(100):
            blob_model()
        gc.collect()


class NoNumpyTests(unittest.TestCase):
    @unittest.skipIf(np is None or os.environ.get('LIBNN_TEST_NO_NUMPY'), 'numpy absent already')
    def test_without_numpy(self):
        """Rerun the fast cases with numpy blocked, as on a machine without it."""
        env = dict(os.environ, LIBNN_TEST_NO_NUMPY='1')
        cases = ['TensorTests', 'ErrorTests', 'ModelTests', 'CallbackTests', 'LayerTests']
        r = subprocess.run([sys.executable, os.path.abspath(__file__)] + cases, env=env,
                           capture_output=True, text=True, timeout=240)
        self.assertEqual(r.returncode, 0, textwrap.shorten(r.stdout + r.stderr, 4000))


def main():
    program = unittest.main(exit=False, verbosity=2)
    r = program.result
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    skipped = len(r.skipped)
    print(f'{r.testsRun - failed - skipped} passed, {failed} failed, {skipped} skipped')
    sys.exit(0 if r.wasSuccessful() else 1)


if __name__ == '__main__':
    main()
