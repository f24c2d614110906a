#!/usr/bin/env python3
"""Every out-parameter is written NULL on failure (docs/api.md), for every
exported function that has one, so that a new export cannot escape.

The functions come from lib/libnn.map and the LIBNN_API declarations in
include/: each one with a pointer-to-pointer parameter (`libnn_tensor **out`,
`const char **value`) must have at least one case in CASES below. A case
calls it through ctypes with every such parameter pointing at a non-NULL
sentinel and either invalid arguments or, for constructors whose only
failure is memory, an allocator that refuses every allocation. The call must
fail (not LIBNN_OK), leave a message, and write NULL over every sentinel.

Run by meson test: check_out_params.py LIBRARY MAP INCLUDE_DIR
"""
import ctypes
import math
import pathlib
import re
import sys
from ctypes import (CFUNCTYPE, byref, c_char_p, c_double, c_float, c_int, c_int64, c_size_t,
                    c_uint, c_uint64, c_void_p)

SENTINEL = 0x5E17


def out_functions(map_path, include_dir):
    """Exported functions with a `**` parameter, from the map and headers."""
    mapped = set(re.findall(r"^\s*(libnn_\w+)\s*;", pathlib.Path(map_path).read_text(), re.M))
    found = set()
    for path in sorted(pathlib.Path(include_dir).rglob("*.h")):
        text = re.sub(r"/\*.*?\*/", " ", path.read_text(), flags=re.S)
        for m in re.finditer(r"LIBNN_API\s+[^;(]*?\b(libnn_\w+)\s*\(([^;]*?)\)\s*;", text, re.S):
            if m.group(1) in mapped and re.search(r"\*\s*\*", m.group(2)):
                found.add(m.group(1))
    return found


class Runner:
    def __init__(self, lib):
        self.lib = lib
        lib.libnn_last_error.restype = c_char_p
        self.outs = []
        malloc_t = CFUNCTYPE(c_void_p, c_size_t, c_void_p)
        realloc_t = CFUNCTYPE(c_void_p, c_void_p, c_size_t, c_void_p)
        free_t = CFUNCTYPE(None, c_void_p, c_void_p)
        libc = ctypes.CDLL(None)
        libc.free.argtypes = [c_void_p]
        # Refuse everything; blocks made before go back to the C library.
        self.refuse = (malloc_t(lambda size, user: None),
                       realloc_t(lambda ptr, size, user: None),
                       free_t(lambda ptr, user: libc.free(ptr)))

    def out(self):
        """A fresh out-parameter holding the sentinel."""
        slot = c_void_p(SENTINEL)
        self.outs.append(slot)
        return byref(slot)

    def run(self, name, case):
        args, no_memory = case
        self.outs = []
        built = args(self)  # the case makes its sentinels here
        if no_memory:
            self.lib.libnn_set_allocator(*self.refuse, None)
        try:
            status = getattr(self.lib, name)(*built)
        finally:
            if no_memory:
                self.lib.libnn_set_allocator(None, None, None, None)
        problems = []
        if status == 0:
            problems.append("returned LIBNN_OK for a case meant to fail")
        elif not self.lib.libnn_last_error():
            problems.append(f"status {status} without a message")
        for i, slot in enumerate(self.outs):
            if slot.value is not None:
                problems.append(f"out-parameter {i} left as {slot.value:#x}, not NULL")
        return problems


def i64(v):
    return c_int64(v)


def shape(*dims):
    return (c_int64 * len(dims))(*dims)


def cases(objs):
    """name -> list of (args(runner) -> tuple, no_memory). objs holds valid handles."""
    T, M, L, TOK, R, F = (objs[k] for k in ("tensor", "model", "layer", "tok", "csv", "file"))
    nope = b"/nonexistent/libnn-out-params"
    texts = (c_char_p * 1)(b"a b")
    C = {}

    def add(name, args, no_memory=False):
        C.setdefault(name, []).append((args, no_memory))

    def no_memory(name, *leading):
        add(name, lambda r: (*leading, r.out()), True)

    # tensors and data
    add("libnn_tensor_new", lambda r: (c_size_t(0), None, r.out()))
    add("libnn_tensor_new", lambda r: (c_size_t(1), shape(-1), r.out()))
    no_memory("libnn_tensor_new", c_size_t(1), shape(4))
    add("libnn_tensor_new_from_data", lambda r: (c_size_t(1), shape(4), None, c_size_t(4), r.out()))
    add("libnn_tensor_clone", lambda r: (None, r.out()))
    no_memory("libnn_tensor_clone", T)
    add("libnn_slice", lambda r: (T, i64(10), i64(5), r.out()))
    add("libnn_one_hot", lambda r: (T, i64(-5), r.out()))
    add("libnn_minmax_scale", lambda r: (None, r.out(), r.out()))
    add("libnn_standard_scale", lambda r: (None, r.out(), r.out()))
    add("libnn_train_test_split",
        lambda r: (T, None, c_double(2.0), c_uint64(1), r.out(), r.out(), r.out(), r.out()))
    add("libnn_confusion_matrix", lambda r: (None, None, i64(2), r.out()))
    add("libnn_idx_load", lambda r: (nope, c_int(0), r.out()))
    add("libnn_idx_load_buffer", lambda r: (b"xx", c_size_t(2), c_int(0), r.out()))
    no_memory("libnn_csv_reader_new")
    add("libnn_csv_reader_load", lambda r: (R, nope, r.out(), r.out()))
    add("libnn_csv_reader_load_buffer", lambda r: (None, b"1", c_size_t(1), r.out(), r.out()))
    add("libnn_csv_reader_load_buffer", lambda r: (R, b"1,\"", c_size_t(3), r.out(), r.out()))
    no_memory("libnn_tensor_file_new")
    add("libnn_tensor_file_get", lambda r: (F, b"missing", r.out()))
    add("libnn_tensor_file_get", lambda r: (None, b"missing", r.out()))
    add("libnn_tensor_file_load", lambda r: (nope, r.out()))
    add("libnn_tensor_file_load_buffer", lambda r: (b"xx", c_size_t(2), r.out()))
    # layers
    add("libnn_dense_new", lambda r: (i64(0), r.out()))
    add("libnn_dense_new", lambda r: (i64(2**63 - 1), r.out()))
    add("libnn_conv2d_new", lambda r: (i64(4), i64(0), i64(3), r.out()))
    add("libnn_max_pooling2d_new", lambda r: (i64(0), i64(2), r.out()))
    add("libnn_average_pooling2d_new", lambda r: (i64(2), i64(-1), r.out()))
    no_memory("libnn_global_max_pooling2d_new")
    no_memory("libnn_global_average_pooling2d_new")
    no_memory("libnn_flatten_new")
    add("libnn_reshape_new", lambda r: (c_size_t(0), None, r.out()))
    add("libnn_dropout_new", lambda r: (c_float(1.5), r.out()))
    add("libnn_dropout_new", lambda r: (c_float(math.nan), r.out()))
    add("libnn_activation_new", lambda r: (c_int(99), r.out()))
    add("libnn_embedding_new", lambda r: (i64(0), i64(3), r.out()))
    add("libnn_masking_new", lambda r: (c_float(math.inf), r.out()))
    no_memory("libnn_masking_new", c_float(0))
    for rnn in ("libnn_simple_rnn_new", "libnn_lstm_new", "libnn_gru_new"):
        add(rnn, lambda r: (i64(0), r.out()))
    add("libnn_bidirectional_new", lambda r: (None, r.out()))
    add("libnn_bidirectional_new", lambda r: (L, r.out()))  # Dense is not recurrent
    add("libnn_layer_get_mask", lambda r: (L, r.out()))
    add("libnn_layer_get_mask", lambda r: (None, r.out()))
    add("libnn_layer_get_final_state", lambda r: (L, c_size_t(0), r.out()))
    add("libnn_layer_get_weight", lambda r: (L, b"nope", r.out()))
    add("libnn_layer_get_gradient", lambda r: (L, b"nope", r.out()))
    add("libnn_loss_compute_ex",
        lambda r: (c_int(1), None, None, None, c_size_t(0), None, None, byref(c_double()),
                   r.out()))
    # optimizers
    for opt in ("sgd", "adam", "adamw", "rmsprop", "adagrad"):
        add(f"libnn_{opt}_new", lambda r: (c_float(-1.0), r.out()))
        add(f"libnn_{opt}_new", lambda r: (c_float(math.inf), r.out()))
    # model, callbacks, inference
    no_memory("libnn_model_new")
    add("libnn_model_predict_on_batch", lambda r: (M, T, r.out()))
    add("libnn_model_predict_on_batch", lambda r: (None, T, r.out()))
    add("libnn_model_predict", lambda r: (M, T, i64(1), r.out()))
    add("libnn_model_predict", lambda r: (M, T, i64(0), r.out()))
    no_memory("libnn_callback_new", None, None, None, None)
    add("libnn_early_stopping_new", lambda r: (None, r.out()))
    add("libnn_early_stopping_new", lambda r: (b"", r.out()))
    add("libnn_reduce_lr_on_plateau_new", lambda r: (None, r.out()))
    add("libnn_reduce_lr_on_plateau_new", lambda r: (b"x" * 200, r.out()))
    no_memory("libnn_terminate_on_nan_new")
    add("libnn_csv_logger_new", lambda r: (None, r.out()))
    add("libnn_csv_logger_new", lambda r: (b"", r.out()))
    no_memory("libnn_csv_logger_new", b"log.csv")
    add("libnn_infer_new", lambda r: (M, i64(1), r.out()))
    add("libnn_infer_new", lambda r: (None, i64(1), r.out()))
    # model files
    add("libnn_model_from_json", lambda r: (None, r.out()))
    add("libnn_model_from_json", lambda r: (b"{", r.out()))
    add("libnn_model_load", lambda r: (nope, r.out()))
    add("libnn_model_load_buffer", lambda r: (b"xx", c_size_t(2), r.out()))
    add("libnn_model_clone", lambda r: (None, i64(0), c_uint(0), r.out()))
    add("libnn_model_clone", lambda r: (M, i64(-1), c_uint(0xFFFFFFFF), r.out()))
    add("libnn_model_checkpoint_new", lambda r: (None, None, r.out()))
    add("libnn_model_checkpoint_new", lambda r: (b"", b"loss", r.out()))
    # text
    add("libnn_sequences_new", lambda r: (None, None, c_size_t(1), r.out()))
    add("libnn_pad_sequences",
        lambda r: (None, i64(2), c_int(0), c_int(0), c_float(0), r.out()))
    add("libnn_pad_sequences_arrays",
        lambda r: (None, None, c_size_t(1), i64(2), c_int(0), c_int(0), c_float(0), r.out()))
    no_memory("libnn_tokenizer_new")
    add("libnn_tokenizer_get_string", lambda r: (TOK, c_int(99), r.out()))
    add("libnn_tokenizer_get_string", lambda r: (TOK, c_int(1), r.out()))  # NUM_WORDS: an int
    add("libnn_tokenizer_texts_to_sequences", lambda r: (None, c_size_t(1), texts, r.out()))
    add("libnn_tokenizer_texts_to_sequences", lambda r: (TOK, c_size_t(1), None, r.out()))
    add("libnn_tokenizer_from_json", lambda r: (b"{", c_size_t(1), r.out()))
    add("libnn_tokenizer_from_json", lambda r: (None, c_size_t(0), r.out()))
    add("libnn_tokenizer_load", lambda r: (nope, r.out()))
    return C


def make_objects(lib):
    def new(fn, *args):
        h = c_void_p()
        status = getattr(lib, fn)(*args, byref(h))
        if status != 0:
            sys.exit(f"setup: {fn} failed: {lib.libnn_last_error()}")
        return h

    return {
        "tensor": new("libnn_tensor_new", c_size_t(1), shape(4)),
        "model": new("libnn_model_new"),  # not compiled
        "layer": new("libnn_dense_new", i64(2)),  # not built
        "tok": new("libnn_tokenizer_new"),
        "csv": new("libnn_csv_reader_new"),
        "file": new("libnn_tensor_file_new"),
    }


def main():
    lib_path, map_path, include_dir = sys.argv[1:4]
    try:
        lib = ctypes.CDLL(lib_path)
    except OSError as e:  # e.g. a sanitizer build whose runtime is not preloaded
        print(f"skipped: ctypes cannot load {lib_path}: {e}")
        return 77
    runner = Runner(lib)
    objs = make_objects(lib)
    table = cases(objs)
    wanted = out_functions(map_path, include_dir)
    failures = []
    for name in sorted(wanted - set(table)):
        failures.append(f"{name}: exported with an out-parameter but has no case in "
                        f"tests/check_out_params.py (add one)")
    for name in sorted(set(table) - wanted):
        failures.append(f"{name}: has cases but is not an exported function with an "
                        f"out-parameter (remove them)")
    n = 0
    for name in sorted(set(table) & wanted):
        for i, case in enumerate(table[name]):
            n += 1
            for problem in runner.run(name, case):
                failures.append(f"{name} case {i}: {problem}")
    for key, free in (("tensor", "tensor"), ("model", "model"), ("layer", "layer"),
                      ("tok", "tokenizer"), ("csv", "csv_reader"), ("file", "tensor_file")):
        getattr(lib, f"libnn_{free}_free")(objs[key])
    for f in failures:
        print(f)
    print(f"{len(wanted)} functions with out-parameters, {n} failing calls, "
          f"{len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
