#!/usr/bin/python3
"""onnx.checker.check_model(full_check=True) on every .onnx file of a folder.

  /usr/bin/python3 tests/onnx/check_models.py DIR

Exit 0 when all pass, 1 otherwise, 77 (meson's skip) without the onnx package.
"""
import os
import sys

try:
    import onnx
except ImportError as e:
    print(f"SKIP: the onnx Python package is missing (Debian: python3-onnx): {e}")
    sys.exit(77)


def main(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".onnx"))
    failed = 0
    for name in names:
        try:
            onnx.checker.check_model(onnx.load(os.path.join(folder, name)), full_check=True)
        except Exception as e:  # the checker raises several kinds
            print(f"FAIL {name}: {e}")
            failed += 1
    print(f"{len(names) - failed}/{len(names)} models pass onnx.checker (full_check), "
          f"onnx {onnx.__version__}")
    return 1 if failed or not names else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
