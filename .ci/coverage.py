#!/usr/bin/env python3
"""Line and branch coverage per folder of lib/, from a -Db_coverage=true build
whose tests have run: `.ci/coverage.py BUILD_DIR`. Prints one row per folder
and the total, and the files of lib/io and lib/text below 95% of lines (the
targets of docs/reliability.md). Reports; never fails on the figures."""
import json
import os
import subprocess
import sys
from collections import defaultdict

build = sys.argv[1] if len(sys.argv) > 1 else "build-cov"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = subprocess.run(
    ["gcovr", "--root", root, "--filter", os.path.join(root, "lib") + "/",
     "--json-summary", "-", os.path.join(root, build)],
    check=True, capture_output=True, text=True).stdout
files = json.loads(out)["files"]

folders = defaultdict(lambda: [0, 0, 0, 0])  # lines covered, lines, branches covered, branches
for f in files:
    folder = os.path.dirname(f["filename"])
    for key in (folder, "total"):
        c = folders[key]
        c[0] += f["line_covered"]
        c[1] += f["line_total"]
        c[2] += f["branch_covered"]
        c[3] += f["branch_total"]


def pct(a, b):
    return 100.0 * a / b if b else 100.0


print(f"{'folder':<14} {'lines':>18} {'branches':>18}")
for name in sorted(k for k in folders if k != "total") + ["total"]:
    lc, lt, bc, bt = folders[name]
    print(f"{name:<14} {pct(lc, lt):6.1f}% {lc:>5}/{lt:<5} {pct(bc, bt):6.1f}% {bc:>5}/{bt:<5}")
low = [f for f in files
       if f["filename"].startswith(("lib/io/", "lib/text/"))
       and pct(f["line_covered"], f["line_total"]) < 95.0]
for f in sorted(low, key=lambda f: f["filename"]):
    print(f"  below 95% of lines: {f['filename']}: "
          f"{pct(f['line_covered'], f['line_total']):.1f}% lines, "
          f"{pct(f['branch_covered'], f['branch_total']):.1f}% branches")
