"""Tests of the `libnn` command-line tool: exit codes, usage errors, bad
files and the exact output on small models whose weights make_models sets by
hand (see make_models.c for the arithmetic).

Run by meson (suite 'tool') with LIBNN_TOOL, LIBNN_MAKE_MODELS and
LIBNN_TOOL_PNG (and LIBNN_EXAMPLES, LIBNN_DATA_DIR for the examples' --save) in
the environment.
"""
import gzip
import math
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

TOOL = os.environ.get('LIBNN_TOOL', 'build/tools/libnn')
MAKE_MODELS = os.environ.get('LIBNN_MAKE_MODELS', 'build/tools/tests/make_models')
HAVE_PNG = os.environ.get('LIBNN_TOOL_PNG') == '1'
EXAMPLES = {os.path.basename(p): p for p in os.environ.get('LIBNN_EXAMPLES', '').split(';') if p}
DATA_DIR = os.environ.get('LIBNN_DATA_DIR', 'data')

E = math.e
P_TOP = E / (E + 3)      # a white quadrant: logits (1, 0, 0, 0)
P_OTHER = 1 / (E + 3)
TMP = None


def run(*args):
    p = subprocess.run([TOOL, *map(str, args)], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def path(name):
    return os.path.join(TMP, name)


def write(name, data):
    with open(path(name), 'wb') as f:
        f.write(data)
    return path(name)


def quadrant_pixels(q, size=4, value=255):
    """size x size bytes, white in quadrant q (0 TL, 1 TR, 2 BL, 3 BR)."""
    half = size // 2
    return bytes(value if (r // half) * 2 + (c // half) == q else 0
                 for r in range(size) for c in range(size))


def pgm(name, pixels, width, height, maxval=255, header=None):
    head = header if header is not None else f'P5\n# a comment\n{width} {height}\n{maxval}\n'
    return write(name, head.encode() + pixels)


def png(name, pixels, width, height, channels=1):
    """An 8-bit gray (1 channel) or RGB (3) PNG, written with zlib alone."""
    def chunk(kind, body):
        return (struct.pack('>I', len(body)) + kind + body
                + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff))
    row = width * channels
    rows = b''.join(b'\0' + pixels[r * row:(r + 1) * row] for r in range(height))
    color_type = {1: 0, 3: 2}[channels]
    return write(name, b'\x89PNG\r\n\x1a\n'
                 + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, color_type, 0, 0, 0))
                 + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))


def idx(name, dims, data, type_byte=0x08, compress=False):
    raw = bytes([0, 0, type_byte, len(dims)]) + b''.join(struct.pack('>I', d) for d in dims) + data
    return write(name, gzip.compress(raw) if compress else raw)


def top(p, *classes):
    """Expected predict fields: class, probability (6 decimals), ..."""
    return '\t'.join(f'{c}\t{v:.6f}' for c, v in zip(classes, p))


class Usage(unittest.TestCase):
    def test_help_and_version(self):
        rc, out, err = run('--help')
        self.assertEqual(rc, 0)
        self.assertIn('usage: libnn', out)
        for cmd in ('summary', 'predict', 'evaluate'):
            self.assertIn(cmd, out)
        rc, out, _ = run('--version')
        self.assertEqual(rc, 0)
        self.assertRegex(out, r'^libnn \d+\.\d+\.\d+ \(library \d+\.\d+\.\d+, model format '
                              r'version 1\)\n$')
        for cmd in ('summary', 'predict', 'evaluate'):
            rc, out, err = run(cmd, '--help')
            self.assertEqual((rc, err), (0, ''))
            self.assertTrue(out.startswith(f'usage: libnn {cmd} '), out)
        rc, out, _ = run('help', 'predict')
        self.assertEqual(rc, 0)
        self.assertIn('--top K', out)

    def test_usage_errors_exit_2(self):
        cases = [(), ('frobnicate',), ('summary',), ('summary', 'a', 'b'), ('predict', 'm'),
                 ('predict', 'm', 'x', '--top'), ('predict', 'm', 'x', '--top', '0'),
                 ('predict', 'm', 'x', '--top', 'abc'), ('predict', 'm', 'x', '--batch=-1'),
                 ('predict', 'm', 'x', '--raw=1'), ('predict', 'm', 'x', '--bogus'),
                 ('evaluate', 'm', 'x'), ('evaluate', 'm', 'x', 'y', 'z')]
        for args in cases:
            with self.subTest(args=args):
                rc, out, err = run(*args)
                self.assertEqual(rc, 2, err)
                self.assertEqual(out, '')
                self.assertIn('usage: libnn', err)

    def test_usage_message_names_the_option(self):
        rc, _, err = run('predict', 'm', 'x', '--top', '0')
        self.assertIn('--top wants a whole number from 1', err)
        rc, _, err = run('predict', 'm', 'x', '--bogus')
        self.assertIn('unknown option --bogus', err)


class Summary(unittest.TestCase):
    def test_model(self):
        rc, out, err = run('summary', path('quadrants.safetensors'))
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('format version 1', out)
        self.assertIn('Checkpoint: no', out)
        self.assertIn('Input shape: (None, 4, 4, 1)\n', out)
        self.assertIn('Output shape: (None, 4)\n', out)
        self.assertIn('Optimizer: SGD', out)
        self.assertIn('Total params: 68', out)  # 16 x 4 + 4

    def test_checkpoint(self):
        rc, out, err = run('summary', path('quadrants-checkpoint.safetensors'))
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('Checkpoint: yes', out)


class BadFiles(unittest.TestCase):
    def assertFails(self, args, *fragments):
        rc, out, err = run(*args)
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, '')
        self.assertTrue(err.startswith('libnn: '), err)
        for f in fragments:
            self.assertIn(f, err)

    def test_missing_model(self):
        self.assertFails(('summary', path('nothing.safetensors')), 'nothing.safetensors')
        self.assertFails(('predict', path('nothing.safetensors'), path('nothing.pgm')),
                         'nothing.safetensors')

    def test_truncated_and_foreign_models(self):
        with open(path('quadrants.safetensors'), 'rb') as f:
            data = f.read()
        for cut in (0, 7, 8, 100, len(data) - 1):
            with self.subTest(cut=cut):
                bad = write('cut.safetensors', data[:cut])
                self.assertFails(('summary', bad), 'cut.safetensors')
                self.assertFails(('predict', bad, pgm('q0.pgm', quadrant_pixels(0), 4, 4)))
        self.assertFails(('summary', write('text.csv', b'1,2,3\n')), 'text.csv')

    def test_missing_input(self):
        self.assertFails(('predict', path('quadrants.safetensors'), path('none.pgm')),
                         'none.pgm', 'No such file')
        self.assertFails(('predict', path('quadrants.safetensors'), TMP), 'Is a directory')

    def test_bad_images(self):
        m = path('quadrants.safetensors')
        self.assertFails(('predict', m, pgm('short.pgm', b'\0' * 15, 4, 4)), 'short.pgm',
                         'ends after 15 of its 16 pixels')
        self.assertFails(('predict', m, write('ascii.pgm', b'P2\n4 4\n255\n' + b'0 ' * 16)),
                         'P2', 'P5')
        self.assertFails(('predict', m, pgm('head.pgm', b'', 0, 0, header='P5\n4 x\n255\n')),
                         'head.pgm', 'not a binary PGM')
        self.assertFails(('predict', m, pgm('zero.pgm', b'', 0, 4)), 'zero.pgm')
        self.assertFails(('predict', m, pgm('max.pgm', bytes([200] * 16), 4, 4, maxval=100)),
                         'above the maxval 100')
        self.assertFails(('predict', m, pgm('huge.pgm', b'', 100000, 100000)),
                         'huge.pgm', 'more than')

    def test_wrong_image_size(self):
        self.assertFails(('predict', path('quadrants.safetensors'),
                          pgm('big.pgm', quadrant_pixels(1, 8), 8, 8)),
                         'big.pgm', '8x8 pixels, the model takes 4x4', '--resize')

    def test_samples_that_do_not_fit(self):
        self.assertFails(('predict', path('quadrants.safetensors'),
                          write('three.csv', b'1,2,3\n4,5,6\n')),
                         'three.csv', 'do not fit', '(None, 4, 4, 1)')
        self.assertFails(('predict', path('binary.safetensors'),
                          pgm('q.pgm', quadrant_pixels(0), 4, 4)),
                         'q.pgm', 'takes 3 values')

    def test_mixed_inputs_and_foreign_gzip(self):
        m = path('quadrants.safetensors')
        self.assertFails(('predict', m, pgm('a.pgm', quadrant_pixels(0), 4, 4),
                          write('b.csv', b'1\n')), 'b.csv', 'not an image')
        self.assertFails(('predict', m, write('t.csv.gz', gzip.compress(b'1,2\n'))),
                         't.csv.gz', 'IDX')

    def test_bad_targets(self):
        m = path('quadrants.safetensors')
        x = idx('x4.idx', (4, 4, 4), b''.join(quadrant_pixels(q) for q in range(4)))
        self.assertFails(('evaluate', m, x, idx('y3.idx', (3,), bytes([0, 1, 2]))), 'evaluate')
        self.assertFails(('evaluate', m, x, pgm('y.pgm', quadrant_pixels(0), 4, 4)),
                         'not an image')


class Predict(unittest.TestCase):
    def test_pgm_images_one_line_each(self):
        files = [pgm(f'q{q}.pgm', quadrant_pixels(q), 4, 4) for q in range(4)]
        rc, out, err = run('predict', path('quadrants.safetensors'), *files)
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, ''.join(f'{f}\t{q}\t{P_TOP:.6f}\n' for q, f in enumerate(files)))

    def test_double_dash_ends_the_options(self):
        f = pgm('-q1.pgm', quadrant_pixels(1), 4, 4)
        here = os.getcwd()
        os.chdir(TMP)
        try:
            rc, out, err = run('predict', '--top', '1', 'quadrants.safetensors', '--', '-q1.pgm')
        finally:
            os.chdir(here)
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, f'-q1.pgm\t1\t{P_TOP:.6f}\n')
        self.assertTrue(os.path.exists(f))

    def test_top_k_orders_ties_by_class(self):
        f = pgm('q2.pgm', quadrant_pixels(2), 4, 4)
        rc, out, _ = run('predict', path('quadrants.safetensors'), f, '--top', '3')
        self.assertEqual(rc, 0)
        self.assertEqual(out, f'{f}\t{top((P_TOP, P_OTHER, P_OTHER), 2, 0, 1)}\n')
        rc, out, _ = run('predict', '--top=9', path('quadrants.safetensors'), f)
        self.assertEqual(out.count('\t'), 8)  # capped at the 4 classes

    def test_raw(self):
        f = pgm('q3.pgm', quadrant_pixels(3), 4, 4)
        rc, out, _ = run('predict', path('quadrants.safetensors'), f, '--raw')
        self.assertEqual(rc, 0)
        values = [float(v) for v in out.rstrip('\n').split('\t')[1:]]
        for got, want in zip(values, (P_OTHER, P_OTHER, P_OTHER, P_TOP)):
            self.assertAlmostEqual(got, want, places=6)

    def test_sixteen_bit_pgm_invert_and_no_scale(self):
        # maxval 1000, white where q1 is not: --invert makes q1 the bright one.
        pixels = b''.join(struct.pack('>H', 0 if v else 1000) for v in quadrant_pixels(1))
        f = pgm('inv.pgm', pixels, 4, 4, maxval=1000)
        rc, out, _ = run('predict', path('quadrants.safetensors'), f, '--invert')
        self.assertEqual(out, f'{f}\t1\t{P_TOP:.6f}\n')
        # bytes kept 0..255: logit 255 for the bright quadrant, so p rounds to 1.
        f = pgm('q0.pgm', quadrant_pixels(0), 4, 4)
        rc, out, _ = run('predict', path('quadrants.safetensors'), f, '--no-scale')
        self.assertEqual(out, f'{f}\t0\t1.000000\n')

    def test_resize_bilinear(self):
        f = pgm('big.pgm', quadrant_pixels(1, 8), 8, 8)
        rc, out, err = run('predict', path('quadrants.safetensors'), f, '--resize')
        self.assertEqual((rc, err), (0, ''))
        # halving with half-pixel centres averages 2x2 blocks: the same quadrants
        self.assertEqual(out, f'{f}\t1\t{P_TOP:.6f}\n')
        f = pgm('odd.pgm', quadrant_pixels(3, 6), 6, 6)
        rc, out, _ = run('predict', path('quadrants.safetensors'), f, '--resize')
        self.assertEqual(out.split('\t')[1], '3')

    def test_png(self):
        f = png('q1.png', quadrant_pixels(1), 4, 4)
        rc, out, err = run('predict', path('quadrants.safetensors'), f)
        if not HAVE_PNG:
            self.assertEqual(rc, 1)
            self.assertIn('PNG support is not built in', err)
            return
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, f'{f}\t1\t{P_TOP:.6f}\n')
        bad = write('bad.png', open(f, 'rb').read()[:30])
        rc, out, err = run('predict', path('quadrants.safetensors'), bad)
        self.assertEqual(rc, 1)
        self.assertIn('bad.png', err)

    def test_channels(self):
        p, q = E / (E + 2), 1 / (E + 2)
        f = pgm('white.pgm', bytes([255] * 4), 2, 2)  # gray into RGB: the value repeated
        rc, out, err = run('predict', path('rgb.safetensors'), f, '--top', '3')
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, f'{f}\t{top((1 / 3, 1 / 3, 1 / 3), 0, 1, 2)}\n')
        if not HAVE_PNG:
            return
        f = png('green.png', bytes([0, 255, 0] * 4), 2, 2, channels=3)
        rc, out, err = run('predict', path('rgb.safetensors'), f, '--top', '2')
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, f'{f}\t{top((p, q), 1, 0)}\n')
        # RGB into a gray model: white stays white, black black.
        rgb = bytes(v for g in quadrant_pixels(2) for v in (g, g, g))
        f = png('q2rgb.png', rgb, 4, 4, channels=3)
        rc, out, err = run('predict', path('quadrants.safetensors'), f)
        self.assertEqual(out, f'{f}\t2\t{P_TOP:.6f}\n')

    def test_idx_plain_and_gzip(self):
        data = b''.join(quadrant_pixels(q) for q in (3, 1, 0, 2))
        for compress in (False, True):
            f = idx(f'x{compress}.idx', (4, 4, 4), data, compress=compress)
            rc, out, err = run('predict', path('quadrants.safetensors'), f, '--batch', '3')
            self.assertEqual((rc, err), (0, ''))
            self.assertEqual(out, ''.join(f'{i}\t{q}\t{P_TOP:.6f}\n'
                                          for i, q in enumerate((3, 1, 0, 2))))

    def test_csv_with_header_reshaped(self):
        rows = [','.join(str(v / 255) for v in quadrant_pixels(q)) for q in (2, 0)]
        head = ','.join(f'p{i}' for i in range(16))
        f = write('x.csv', ('\n'.join([head] + rows) + '\n').encode())
        rc, out, err = run('predict', path('quadrants.safetensors'), f)
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, f'0\t2\t{P_TOP:.6f}\n1\t0\t{P_TOP:.6f}\n')

    def test_sigmoid_classes(self):
        f = write('b.csv', b'2,0,5\n0,2,5\n')  # logits 2 and -2
        p = 1 / (1 + math.exp(-2))
        rc, out, _ = run('predict', path('binary.safetensors'), f, '--top', '2')
        self.assertEqual(out, f'0\t{top((p, 1 - p), 1, 0)}\n1\t{top((p, 1 - p), 0, 1)}\n')

    def test_values_are_raw(self):
        f = write('r.csv', b'1,2\n-1,0.5\n')
        rc, out, _ = run('predict', path('regression.safetensors'), f)
        self.assertEqual(out, '0\t3\t3\n1\t-1\t0\n')

    def test_logits_become_probabilities(self):
        f = write('l.csv', b'1,0,0\n0,0,1\n')
        p, q = E / (E + 2), 1 / (E + 2)
        rc, out, _ = run('predict', path('logits.safetensors'), f, '--top', '2')
        self.assertEqual(out, f'0\t{top((p, q), 0, 1)}\n1\t{top((p, q), 2, 0)}\n')
        rc, out, _ = run('predict', path('logits.safetensors'), f, '--raw')
        self.assertEqual(out, '0\t1\t0\t0\n1\t0\t0\t1\n')


class Convert(unittest.TestCase):
    def test_onnx_round_trip_predicts_the_same(self):
        onnx_file = path('quadrants.onnx')
        rc, out, err = run('convert', path('quadrants.safetensors'), onnx_file)
        if rc == 1 and 'without ONNX' in err:
            self.skipTest('libnn built without ONNX')
        self.assertEqual((rc, out, err), (0, '', ''))
        back = path('quadrants-from-onnx.safetensors')
        self.assertEqual(run('convert', onnx_file, back), (0, '', ''))
        f = write('q.csv', ('\n'.join(','.join(str(v / 255) for v in quadrant_pixels(q))
                                      for q in range(4)) + '\n').encode())
        want = run('predict', path('quadrants.safetensors'), f, '--raw')
        self.assertEqual(want[0], 0)
        self.assertEqual(run('predict', back, f, '--raw'), want)

    def test_usage_and_errors(self):
        self.assertEqual(run('convert', 'a.safetensors', 'b.safetensors')[0], 2)
        self.assertEqual(run('convert', 'a.onnx', 'b.onnx')[0], 2)
        self.assertEqual(run('convert', 'a.onnx', 'b.st', '--channels-first')[0], 2)
        rc, _, err = run('convert', path('missing.onnx'), path('x.safetensors'))
        self.assertEqual(rc, 1)
        self.assertIn('missing.onnx', err)
        self.assertFalse(os.path.exists(path('x.safetensors')))


class Evaluate(unittest.TestCase):
    def test_loss_and_accuracy(self):
        x = idx('ex.idx.gz', (4, 4, 4), b''.join(quadrant_pixels(q) for q in range(4)),
                compress=True)
        y = write('ey.csv', b'label\n0\n1\n2\n3\n')
        rc, out, err = run('evaluate', path('quadrants.safetensors'), x, y, '--batch', '2')
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, f'loss: {-math.log(P_TOP):.6f}\naccuracy: 1.000000\n')
        y = idx('ey.idx', (4,), bytes([0, 1, 3, 3]))
        rc, out, err = run('evaluate', path('quadrants.safetensors'), x, y)
        loss = (3 * -math.log(P_TOP) - math.log(P_OTHER)) / 4
        self.assertEqual(out, f'loss: {loss:.6f}\naccuracy: 0.750000\n')


@unittest.skipUnless(EXAMPLES, 'LIBNN_EXAMPLES is not set')
class Examples(unittest.TestCase):
    """Every example saves what it trains with --save PATH (short runs here)."""

    def example(self, name, *args):
        p = subprocess.run([EXAMPLES[name], *args], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_models_are_saved(self):
        runs = {'linear_regression': (), 'logistic_regression': (),
                'rnn_sequence': ('--epochs', '1', '--train', '200', '--test', '100',
                                 '--threads', '1', '--verbose', '0'),
                'text_lstm': ('--epochs', '1', '--train', '200', '--test', '100',
                              '--threads', '1', '--verbose', '0')}
        for name, args in runs.items():
            with self.subTest(example=name):
                saved = path(name + '.safetensors')
                self.example(name, *args, '--save', saved)
                rc, out, err = run('summary', saved)
                self.assertEqual((rc, err), (0, ''))
                self.assertIn('Checkpoint: no', out)

    def test_tensor_demo_saves_its_tensors(self):
        saved = path('tensors.safetensors')
        self.example('tensor_demo', '--save', saved)
        with open(saved, 'rb') as f:
            n = struct.unpack('<Q', f.read(8))[0]
            header = f.read(n).decode()
        self.assertIn('"uniform"', header)
        self.assertIn('"reshaped"', header)

    def test_mnist_saved_then_classifies_the_bundled_digits(self):
        saved = path('mnist.safetensors')
        # two epochs: 94.8% on the 2,000 test digits (seed 1, one thread), 9 of the 10
        self.example('mnist_cnn', '--epochs', '2', '--train', '8000', '--threads', '1',
                     '--verbose', '0', '--save', saved)
        digits = sorted(os.path.join(DATA_DIR, 'digits', f)
                        for f in os.listdir(os.path.join(DATA_DIR, 'digits')))
        self.assertEqual(len(digits), 10)
        rc, out, err = run('predict', saved, *digits)
        self.assertEqual((rc, err), (0, ''))
        lines = out.splitlines()
        self.assertEqual(len(lines), 10)
        right = 0
        for line, f in zip(lines, digits):
            name, cls, p = line.split('\t')
            self.assertEqual(name, f)
            self.assertTrue(0 <= float(p) <= 1)
            right += f.endswith(f'label{cls}.pgm')
        self.assertGreaterEqual(right, 8, out)


def main():
    global TMP
    with tempfile.TemporaryDirectory(prefix='libnn-tool-') as tmp:
        TMP = tmp
        made = subprocess.run([MAKE_MODELS, tmp], capture_output=True, text=True)
        if made.returncode != 0:
            print('make_models failed:', made.stderr, file=sys.stderr)
            return 1
        result = unittest.main(argv=[sys.argv[0], '-v'], exit=False).result
        return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
