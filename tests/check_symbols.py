#!/usr/bin/env python3
"""The exported symbols, the version script and the public headers agree.

- every dynamic symbol that libnn.so defines starts with libnn_;
- lib/libnn.map lists exactly the functions declared LIBNN_API (--macro) in include/,
  in sorted order within each version node;
- the library exports exactly the functions of the map.
"""
import argparse
import pathlib
import re
import subprocess
import sys


def header_functions(include_dir, macro):
    names = set()
    for path in sorted(pathlib.Path(include_dir).rglob("*.h*")):
        text = path.read_text()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        for m in re.finditer(macro + r"\s+[^;(]*?\b(libnn_\w+)\s*\(", text):
            names.add(m.group(1))
    return names


def map_functions(map_path):
    text = re.sub(r"/\*.*?\*/", " ", pathlib.Path(map_path).read_text(), flags=re.S)
    problems, names = [], []
    for node in re.finditer(r"(\w+)\s*\{(.*?)\}", text, flags=re.S):
        body = node.group(2)
        listed = re.findall(r"^\s*(libnn_\w+)\s*;", body, flags=re.M)
        if listed != sorted(listed):
            problems.append(f"map node {node.group(1)}: names are not sorted")
        names.extend(listed)
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        problems.append(f"map lists twice: {sorted(dups)}")
    return set(names), problems


def exported(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] == "A":
            continue  # version nodes are absolute symbols
        syms.add(parts[2].split("@")[0])
    return syms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nm", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--headers", required=True)
    # libnn's functions are LIBNN_API; a companion library's (libnn-mpi:
    # LIBNN_MPI_API in include/libnn/mpi.h) are checked against its own map.
    ap.add_argument("--macro", default="LIBNN_API")
    args = ap.parse_args()

    problems = []
    declared = header_functions(args.headers, args.macro)
    mapped, map_problems = map_functions(args.map)
    problems += map_problems
    syms = exported(args.nm, args.lib)

    foreign = sorted(s for s in syms if not s.startswith("libnn_"))
    if foreign:
        problems.append(f"exported without the libnn_ prefix: {foreign}")
    for name in sorted(declared - mapped):
        problems.append(f"declared in a header but missing from the map: {name}")
    for name in sorted(mapped - declared):
        problems.append(f"in the map but declared in no header: {name}")
    for name in sorted(mapped - syms):
        problems.append(f"in the map but not exported (not defined?): {name}")
    for name in sorted(syms - mapped):
        problems.append(f"exported but not in the map: {name}")

    for p in problems:
        print(p)
    print(f"{len(declared)} declared, {len(mapped)} mapped, {len(syms)} exported")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
