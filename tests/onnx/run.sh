#!/bin/sh
# Export round trip: libnn writes the cases, onnx.checker (python3-onnx)
# validates every file, ONNX Runtime (node + onnxruntime-node) runs them and
# must agree with libnn. Exit 77 (skip) when a tool is missing, saying which.
#   run.sh CASES_EXE OUTDIR SRCDIR DATADIR
set -u
cases=$1 out=$2 src=$3 data=$4
rm -rf "$out" && mkdir -p "$out"
"$cases" "$out" "$data" || exit $?
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 (with python3-onnx) is missing"; exit 77; }
/usr/bin/python3 "$src/check_models.py" "$out" || exit $?
command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
NODE_PATH="$src/node_modules" node "$src/ort_check.js" "$out"
