#!/usr/bin/env python3
"""Tests of libnn.onnx: export, import, and a PyTorch fixture predicting as PyTorch did.

    LIBNN_LIBRARY=build/lib/libnn.so.0 python3 python/tests/test_onnx.py

Exit 77 (skip) when libnn cannot be loaded or was built without ONNX.
"""
import os
import struct
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
try:
    import libnn
except OSError as e:
    print(f'SKIP: {e}')
    sys.exit(77)
from libnn import LibnnError, Sequential, Status, Tensor, layers as L  # noqa: E402

if not libnn.onnx.available():
    print('SKIP: libnn was built without ONNX (protobuf-c)')
    sys.exit(77)

FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'onnx')


def safetensors(path):
    """{name: (shape, floats)} of a float32 safetensors file."""
    with open(path, 'rb') as f:
        blob = f.read()
    import json
    n = struct.unpack('<Q', blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        a, b = e['data_offsets']
        raw = blob[8 + n + a:8 + n + b]
        out[name] = (e['shape'], list(struct.unpack(f'<{len(raw) // 4}f', raw)))
    return out


class OnnxTest(unittest.TestCase):
    def model(self):
        m = Sequential([L.Dense(4, activation='relu'), L.Dense(2, activation='softmax')],
                       input_shape=(3,), seed=1)
        m.compile(optimizer='sgd', loss='mse')
        return m

    def test_roundtrip(self):
        m = self.model()
        x = Tensor([[0.1, -0.2, 0.3], [1.0, 0.5, -1.5]])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'm.onnx')
            m.export_onnx(path)
            back = libnn.models.import_onnx(path)
        self.assertEqual(len(back.layers), 2)
        a, b = m.predict(x).tolist(), back.predict(x).tolist()
        for ra, rb in zip(a, b):
            for u, v in zip(ra, rb):
                self.assertAlmostEqual(u, v, places=6)
        blob = libnn.onnx.export_onnx_bytes(m)
        self.assertEqual(len(libnn.models.import_onnx_bytes(blob).layers), 2)

    def test_pytorch_mlp(self):
        m = libnn.models.import_onnx(os.path.join(FIXTURES, 'mlp.onnx'))
        t = safetensors(os.path.join(FIXTURES, 'mlp.safetensors'))
        shape, xs = t['x']
        x = Tensor(xs).reshape(*shape)
        got = [v for row in m.predict(x).tolist() for v in row]
        for u, v in zip(got, t['y'][1]):
            self.assertLessEqual(abs(u - v), 1e-5 * max(1.0, abs(v)))
        m.compile(optimizer='adam', loss='sparse_categorical_crossentropy')  # fine-tuning

    def test_errors(self):
        with self.assertRaises(LibnnError) as cm:
            libnn.models.import_onnx_bytes(b'\xff\xff\xff')
        self.assertEqual(cm.exception.status, Status.E_FORMAT)
        with self.assertRaises(LibnnError) as cm:
            libnn.models.import_onnx(os.path.join(FIXTURES, 'bad_unsupported_op.onnx'))
        self.assertEqual(cm.exception.status, Status.E_UNSUPPORTED)
        self.assertIn('Cos', str(cm.exception))


if __name__ == '__main__':
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
