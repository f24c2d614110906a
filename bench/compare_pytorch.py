#!/usr/bin/python3
"""libnn against PyTorch on the reference workloads, side by side.

Run with Debian's python (it has torch 1.13), from the source tree after a
build:

    /usr/bin/python3 bench/compare_pytorch.py --build build --threads 1 2 \
        --kernels default native --rounds 3

For each kernel (OPENBLAS_CORETYPE unset = OpenBLAS' own choice, or this
CPU's proper one: SkylakeX with AVX-512, else Haswell), thread count and
round, the workloads run interleaved: libnn's bench_models, then PyTorch's
version of the same workload, each in its own process (so peak RSS is the
workload's), with the same threads and OPENBLAS_CORETYPE; the round starts
with a cblas_sgemm ceiling (512^3, same threads). The table shows the median
over rounds, the libnn/PyTorch ratio's range over rounds, and the load
average.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

WORKLOADS = ["mnist_cnn_train", "lstm_train", "lstm_infer", "simple_rnn_train",
             "mlp_train", "cnn_infer", "cnn_latency"]
BATCH = 64
# Forward GEMM flops per sample, as bench_models.c counts them; training is 3x.
FLOPS = {
    "cnn": 2.0 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 288 + 1600 * 128 + 128 * 10),
    "lstm": 2.0 * 100 * (128 * 512 + 128 * 512),
    "simple_rnn": 2.0 * 50 * (32 * 64 + 64 * 64),
    "mlp": 2.0 * (784 * 128 + 128 * 10),
}


def flops_of(workload):
    base = next(v for k, v in FLOPS.items()
                if workload.startswith(k) or workload.startswith("mnist_" + k))
    return base * (3 if workload.endswith("_train") else 1)


# ---------------------------------------------------------------- PyTorch side

def torch_workload(name, threads):
    """The model, inputs and one step of a workload, Keras-initialised."""
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    batch = 1 if name == "cnn_latency" else BATCH

    def keras_init(module):
        for m in module.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.LSTM, nn.RNN)):
                for pname, p in m.named_parameters():
                    if pname.startswith("weight_ih"):
                        nn.init.xavier_uniform_(p)
                    elif pname.startswith("weight_hh"):
                        nn.init.orthogonal_(p)
                    else:
                        nn.init.zeros_(p)
                if isinstance(m, nn.LSTM):  # unit_forget_bias
                    with torch.no_grad():
                        h = m.hidden_size
                        m.bias_ih_l0[h:2 * h].fill_(1.0)
            elif isinstance(m, nn.Embedding):
                nn.init.uniform_(m.weight, -0.05, 0.05)
        return module

    class LastStep(nn.Module):
        def __init__(self, rnn):
            super().__init__()
            self.rnn = rnn

        def forward(self, x):
            return self.rnn(x)[0][:, -1]

    if name.startswith("mnist_cnn") or name.startswith("cnn_"):
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
        x = torch.rand(batch, 1, 28, 28)
        y = torch.randint(0, 10, (batch,))
        loss_fn = nn.CrossEntropyLoss()  # softmax fused into the loss
    elif name.startswith("lstm_"):
        model = nn.Sequential(nn.Embedding(10000, 128),
                              LastStep(nn.LSTM(128, 128, batch_first=True)),
                              nn.Linear(128, 1), nn.Sigmoid())
        x = torch.randint(0, 10000, (batch, 100))
        y = torch.randint(0, 2, (batch, 1)).float()
        loss_fn = nn.BCELoss()
    elif name == "simple_rnn_train":
        model = nn.Sequential(LastStep(nn.RNN(32, 64, batch_first=True)), nn.Linear(64, 1))
        x = torch.rand(batch, 50, 32)
        y = torch.rand(batch, 1)
        loss_fn = nn.MSELoss()
    elif name == "mlp_train":
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        x = torch.rand(batch, 784)
        y = torch.randint(0, 10, (batch,))
        loss_fn = nn.CrossEntropyLoss()
    else:
        raise SystemExit("unknown workload " + name)
    keras_init(model)

    if name.endswith("_train"):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)
    return step, batch


def torch_worker(args):
    step, batch = torch_workload(args.torch_worker, args.threads_one)
    for _ in range(args.warmup):
        step()
    rates, lats = [], []
    for _ in range(args.repeats):
        steps, t0 = 0, time.perf_counter()
        while True:
            step()
            steps += 1
            t = time.perf_counter() - t0
            if t >= args.seconds:
                break
        rates.append(steps * batch / t)
        lats.append(t / steps)
    sps = statistics.median(rates)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"workload": args.torch_worker, "samples_per_s": sps,
                      "latency_ms": 1e3 * statistics.median(lats),
                      "gflops": sps * flops_of(args.torch_worker) * 1e-9,
                      "peak_rss_mib": rss}))


# ----------------------------------------------------------------- the driver

def proper_kernel():
    with open("/proc/cpuinfo") as f:
        return "SkylakeX" if "avx512f" in f.read() else "Haswell"


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="meson build directory")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--kernels", nargs="+", default=["default", "native"],
                    help="'default' (OPENBLAS_CORETYPE unset), 'native' (%s here) or a "
                         "core name" % proper_kernel())
    ap.add_argument("--workloads", nargs="+", default=WORKLOADS)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument("--torch-worker", help=argparse.SUPPRESS)
    ap.add_argument("--threads-one", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        return torch_worker(args)

    exe = os.path.join(args.build, "bench", "bench_models")
    timing = ["--warmup", str(args.warmup), "--repeats", str(args.repeats),
              "--seconds", str(args.seconds)]
    records = []
    print("machine: %s; load average at start %s" % (cpu_name(), load()))
    for kernel in args.kernels:
        env = dict(os.environ)
        env.pop("OPENBLAS_CORETYPE", None)
        core = proper_kernel() if kernel == "native" else kernel
        if kernel != "default":
            env["OPENBLAS_CORETYPE"] = core
        for threads in args.threads:
            env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
            rows = {}
            loads = []
            for rnd in range(args.rounds):
                loads.append(load())
                ceiling = run_json([exe, "sgemm", "--threads", str(threads)] + timing, env)
                for wl in args.workloads:
                    lib = run_json([exe, wl, "--threads", str(threads)] + timing, env)
                    pt = run_json([sys.executable, __file__, "--torch-worker", wl,
                                   "--threads-one", str(threads)] + timing, env)
                    rows.setdefault(wl, []).append((lib, pt, ceiling["gflops"]))
                    records.append({"kernel": kernel, "core": lib["blas"], "threads": threads,
                                    "round": rnd, "libnn": lib, "pytorch": pt,
                                    "sgemm_gflops": ceiling["gflops"]})
            report(kernel, core if kernel != "default" else "unset", threads, rows, loads)
    print("load average at end %s" % load())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)


def report(kernel, core, threads, rows, loads):
    any_row = next(iter(rows.values()))[0][0]
    print("\nOPENBLAS_CORETYPE %s (%s), %d thread(s); load average per round: %s"
          % (core, any_row["blas"].split("core ")[-1].split(";")[0], threads,
             " | ".join(loads)))
    print("| workload | libnn samples/s | PyTorch samples/s | libnn latency ms | "
          "PyTorch latency ms | libnn GFLOP/s (of sgemm) | PyTorch GFLOP/s (of sgemm) | "
          "libnn RSS MiB | PyTorch RSS MiB | libnn/PyTorch (range) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    med = statistics.median
    for wl, rs in rows.items():
        ratios = [lib["samples_per_s"] / pt["samples_per_s"] for lib, pt, _ in rs]
        ceil = med([c for _, _, c in rs])
        lib_g = med([lib["gflops"] for lib, _, _ in rs])
        pt_g = med([pt["gflops"] for _, pt, _ in rs])
        print("| %s | %.0f | %.0f | %.3f | %.3f | %.1f (%.0f%%) | %.1f (%.0f%%) | %.0f | %.0f | "
              "%.2f (%.2f-%.2f) |" % (
                  wl, med([r[0]["samples_per_s"] for r in rs]),
                  med([r[1]["samples_per_s"] for r in rs]),
                  med([r[0]["latency_ms"] for r in rs]), med([r[1]["latency_ms"] for r in rs]),
                  lib_g, 100 * lib_g / ceil, pt_g, 100 * pt_g / ceil,
                  max(r[0]["peak_rss_mib"] for r in rs), max(r[1]["peak_rss_mib"] for r in rs),
                  med(ratios), min(ratios), max(ratios)))
    print("sgemm 512^3 ceiling: %.1f GFLOP/s (median of rounds)" % med([c for *_, c in
                                                                       next(iter(rows.values()))]))
    sys.stdout.flush()


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return "%s, %d vCPUs" % (line.split(":", 1)[1].strip(), os.cpu_count())
    return "unknown"


if __name__ == "__main__":
    main()
