#!/usr/bin/env python3
"""Tests of model files from Python: Sequential.save / libnn.models.load_model,
save_weights / load_weights, to_json / model_from_json, clone_model and
ModelCheckpoint.

    LIBNN_LIBRARY=build/lib/libnn.so.0 python3 python/tests/test_model_files.py

Exit 0 when every test passed, 1 otherwise, 77 (skip) when libnn cannot be loaded.
"""
import gc
import json
import os
import pathlib
import random
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

try:
    import libnn
except OSError as e:
    print(f'SKIP: {e}')
    sys.exit(77)

from libnn import LibnnError, Sequential, Status  # noqa: E402
from libnn import layers as L, optimizers  # noqa: E402
from libnn.models import clone_model, load_model, model_from_json  # noqa: E402


def blobs(n=120, seed=0):
    rng = random.Random(seed)
    x = [[rng.gauss(-2 if i % 2 == 0 else 2, 1.0) for _ in range(2)] for i in range(n)]
    return x, [i % 2 for i in range(n)]


def blob_model(seed=1, names=None):
    names = names or ('hidden', 'out')
    m = Sequential([L.Dense(8, activation='relu', input_shape=(2,), name=names[0]),
                    L.Dropout(0.2), L.Dense(2, activation='softmax', name=names[1])], seed=seed)
    m.compile(optimizers.Adam(learning_rate=0.01), loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])
    return m


def weights(model):
    return [[w.tolist() if hasattr(w, 'tolist') else w for w in layer.get_weights()]
            for layer in model.layers]


def rows(t):
    return t.tolist()


class FileTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='libnn-py-')
        self.addCleanup(self.tmp.cleanup)
        self.x, self.y = blobs()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def trained(self, epochs=2, seed=1):
        m = blob_model(seed)
        m.fit(self.x, self.y, epochs=epochs, batch_size=16, verbose=0)
        return m

    def test_save_load_predicts_the_same(self):
        m = self.trained()
        m.save(self.path('m.safetensors'))
        m2 = load_model(self.path('m.safetensors'))
        self.assertIsInstance(m2, Sequential)
        self.assertEqual(rows(m2.predict(self.x)), rows(m.predict(self.x)))
        self.assertEqual([l.name for l in m2.layers], ['hidden', 'dropout', 'out'])
        self.assertEqual([type(l) for l in m2.layers], [L.Dense, L.Dropout, L.Dense])
        self.assertEqual(m2.get_layer('out').output_shape, (2,))
        self.assertEqual(weights(m2), weights(m))
        self.assertEqual(m2.metrics_names, ['loss', 'accuracy'])
        self.assertEqual(m2.evaluate(self.x, self.y, verbose=0),
                         m.evaluate(self.x, self.y, verbose=0))
        self.assertEqual(m2.optimizer.name, 'Adam')
        self.assertAlmostEqual(m2.optimizer.learning_rate, 0.01, places=6)
        self.assertEqual(m2.count_params(), m.count_params())
        m2.fit(self.x, self.y, epochs=1, verbose=0)  # a loaded model trains on

    def test_save_load_save_is_byte_identical(self):
        m = self.trained()
        m.save(pathlib.Path(self.path('a.safetensors')))  # os.PathLike too
        load_model(self.path('a.safetensors')).save(self.path('b.safetensors'))
        with open(self.path('a.safetensors'), 'rb') as a, open(self.path('b.safetensors'),
                                                                 'rb') as b:
            self.assertEqual(a.read(), b.read())

    def test_checkpoint_resumes_exactly(self):
        straight = self.trained(epochs=4)
        m = self.trained(epochs=2)
        m.save(self.path('ckpt.safetensors'), checkpoint=True)
        del m
        gc.collect()
        resumed = load_model(self.path('ckpt.safetensors'))
        history = resumed.fit(self.x, self.y, epochs=4, batch_size=16, verbose=0)
        self.assertEqual(history.epoch, [2, 3])
        self.assertEqual(weights(resumed), weights(straight))

    def test_weights_only(self):
        m = self.trained()
        m.save_weights(self.path('w.safetensors'))
        other = blob_model(seed=7)
        self.assertNotEqual(weights(other), weights(m))
        other.load_weights(self.path('w.safetensors'))
        self.assertEqual(weights(other), weights(m))
        renamed = blob_model(seed=7, names=('a', 'b'))
        with self.assertRaises(LibnnError) as e:
            renamed.load_weights(self.path('w.safetensors'))
        self.assertEqual(e.exception.status, Status.E_FORMAT)
        renamed.load_weights(self.path('w.safetensors'), by_position=True)
        self.assertEqual(weights(renamed), weights(m))
        wide = Sequential([L.Dense(9, activation='relu', input_shape=(2,), name='hidden'),
                           L.Dropout(0.2), L.Dense(2, name='out')], seed=3)
        wide.compile('sgd', 'sparse_categorical_crossentropy')
        before = weights(wide)
        with self.assertRaises(LibnnError) as e:
            wide.load_weights(self.path('w.safetensors'))
        self.assertEqual(e.exception.status, Status.E_SHAPE)
        self.assertIn('hidden', str(e.exception))
        self.assertEqual(weights(wide), before)  # all or nothing

    def test_json_round_trip(self):
        m = Sequential([L.Conv2D(4, 3, activation='relu', padding='same', input_shape=(8, 8, 1)),
                        L.MaxPooling2D(), L.Flatten(), L.Dense(3, activation='softmax')])
        text = m.to_json()
        config = json.loads(text)
        self.assertEqual(config['class_name'], 'Sequential')
        classes = [l['class_name'] for l in config['config']['layers']]
        self.assertEqual(classes[-4:], ['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense'])
        self.assertIn('\n', m.to_json(indent=2))
        m2 = model_from_json(text)
        self.assertEqual([l.kind for l in m2.layers], [l.kind for l in m.layers])
        self.assertEqual([l.name for l in m2.layers], [l.name for l in m.layers])
        self.assertEqual(m2.to_json(), text)
        self.assertEqual(m2.metrics_names, [])
        m2.compile('adam', 'sparse_categorical_crossentropy')
        self.assertEqual(m2.get_layer(index=0).output_shape, (8, 8, 4))
        for bad in ('', '{', '{"class_name": "Sequential"}', text.replace('Conv2D', 'Conv9D')):
            with self.subTest(bad=bad[:30]):
                with self.assertRaises(LibnnError) as e:
                    model_from_json(bad)
                self.assertEqual(e.exception.status, Status.E_FORMAT)

    def test_bidirectional_loads_with_its_outer_layer(self):
        m = Sequential([L.Bidirectional(L.LSTM(3), input_shape=(5, 2)), L.Dense(1)], seed=2)
        m.compile('adam', 'mse')
        m.save(self.path('bi.safetensors'))
        m2 = load_model(self.path('bi.safetensors'))
        self.assertIsInstance(m2.layers[0], L.Bidirectional)
        self.assertIsNone(m2.layers[0].layer)
        x = [[[0.1 * (t + f) for f in range(2)] for t in range(5)]]
        self.assertEqual(rows(m2.predict(x)), rows(m.predict(x)))

    def test_clone(self):
        m = self.trained()
        fresh = clone_model(m, seed=5)
        self.assertEqual([l.name for l in fresh.layers], [l.name for l in m.layers])
        self.assertNotEqual(weights(fresh), weights(m))
        self.assertEqual(fresh.metrics_names, ['loss', 'accuracy'])
        fresh.fit(self.x, self.y, epochs=1, verbose=0)  # compiled, with its own optimizer
        copy = clone_model(m, copy_weights=True)
        self.assertEqual(rows(copy.predict(self.x)), rows(m.predict(self.x)))
        copy.fit(self.x, self.y, epochs=1, verbose=0)
        self.assertNotEqual(weights(copy), weights(m))  # independent of the original
        self.assertEqual(weights(clone_model(m, seed=5)), weights(clone_model(m, seed=5)))
        with self.assertRaises(TypeError):
            clone_model('model')

    def test_model_checkpoint(self):
        m = blob_model()
        every = libnn.ModelCheckpoint(self.path('e{epoch:02d}.safetensors'))
        best = libnn.ModelCheckpoint(self.path('best.safetensors'), monitor='val_accuracy',
                                     save_best_only=True, mode='max')
        wonly = libnn.ModelCheckpoint(self.path('w{epoch}-{val_loss:.4f}.safetensors'),
                                      save_weights_only=True)
        m.fit(self.x, self.y, epochs=3, batch_size=16, verbose=0, validation_split=0.25,
              callbacks=[every, best, wonly])
        files = sorted(os.listdir(self.tmp.name))
        self.assertEqual([f for f in files if f.startswith('e')],
                         ['e01.safetensors', 'e02.safetensors', 'e03.safetensors'])
        self.assertIn('best.safetensors', files)
        val_loss = m.history.history['val_loss']
        self.assertIn(f'w3-{val_loss[2]:.4f}.safetensors', files)
        resumed = load_model(self.path('e03.safetensors'))
        self.assertEqual(rows(resumed.predict(self.x)), rows(m.predict(self.x)))
        m.load_weights(self.path(f'w1-{val_loss[0]:.4f}.safetensors'))
        for bad in ({'save_freq': 0}, {'save_freq': 'batch'}, {'save_freq': True},
                    {'initial_value_threshold': 0.5}):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                libnn.ModelCheckpoint(self.path('x.safetensors'), **bad)
        with self.assertRaises(LibnnError):
            libnn.ModelCheckpoint('')

    def test_bad_files(self):
        with self.assertRaises(LibnnError) as e:
            load_model(self.path('missing.safetensors'))
        self.assertEqual(e.exception.status, Status.E_IO)
        self.assertIn('missing.safetensors', str(e.exception))
        self.trained().save(self.path('m.safetensors'))
        with open(self.path('m.safetensors'), 'rb') as f:
            data = f.read()
        with open(self.path('cut.safetensors'), 'wb') as f:
            f.write(data[:len(data) // 2])
        with self.assertRaises(LibnnError) as e:
            load_model(self.path('cut.safetensors'))
        self.assertEqual(e.exception.status, Status.E_FORMAT)
        uncompiled = Sequential([L.Dense(2, input_shape=(3,))])
        with self.assertRaises(LibnnError) as e:
            uncompiled.save(self.path('u.safetensors'))
        self.assertEqual(e.exception.status, Status.E_STATE)

    def test_loaded_models_are_freed(self):
        self.trained().save(self.path('m.safetensors'))
        for _ in range(20):
            m = load_model(self.path('m.safetensors'))
            layer = m.layers[0]
            del m
            gc.collect()
            with self.assertRaises(ValueError):  # freed with its model, never twice
                layer.get_weights()


if __name__ == '__main__':
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
