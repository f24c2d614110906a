#!/usr/bin/env python3
"""Run one scenario of mpi_check (or any MPI program) under mpirun, bounded.

usage: run_mpi.py [--np N] [--timeout S] [--expect-abort | --plain] -- program args...

Exit 77 (meson's skip) with the reason when mpirun is missing; 1 when the
run times out, a rank prints FAIL, or a rank's PASS line is missing; else 0.
With --expect-abort only rank 0's PASS is required and mpirun's own exit
status is ignored (the program ends the job with MPI_Abort).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--expect-abort", action="store_true")
    ap.add_argument("--plain", action="store_true",
                    help="a program without PASS lines: its exit status decides")
    ap.add_argument("--python", action="store_true",
                    help="the program is a Python script: skip without mpi4py")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    mpirun = shutil.which("mpirun") or shutil.which("mpiexec")
    if not mpirun:
        print("SKIP: mpirun not found (install openmpi-bin)")
        return 77
    if args.python:
        probe = subprocess.run([cmd[0], "-c", "import mpi4py"], capture_output=True)
        if probe.returncode != 0:
            print("SKIP: mpi4py is not installed (python3-mpi4py)")
            return 77
    env = dict(os.environ)
    # CI runs as root; Open MPI refuses that unless told.
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    # One thread per rank: the ranks share the cores.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    full = [mpirun, "--oversubscribe", "-np", str(args.np)] + cmd
    print("running:", " ".join(full), flush=True)
    try:
        done = subprocess.run(full, env=env, capture_output=True, text=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        print(out)
        print(f"FAIL: mpirun did not finish within {args.timeout} s (a hang)")
        return 1
    print(done.stdout)
    print(done.stderr, file=sys.stderr)
    if args.plain:
        return 0 if done.returncode == 0 else 1
    # Ranks' lines may interleave within a line of mpirun's output.
    if re.search(r"FAIL", done.stdout):
        return 1
    need = [0] if args.expect_abort else range(args.np)
    missing = [r for r in need
               if not re.search(rf"PASS \S+ rank {r}(?!\d)", done.stdout)]
    if missing:
        print(f"FAIL: no PASS line from rank(s) {missing}")
        return 1
    if not args.expect_abort and done.returncode != 0:
        print(f"FAIL: mpirun exited with {done.returncode}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
