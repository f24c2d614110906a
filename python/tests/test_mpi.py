#!/usr/bin/env python3
"""libnn.mpi under mpirun: every rank prints PASS/FAIL lines for run_mpi.py.

    mpirun -np 2 python3 python/tests/test_mpi.py

Attached training gives the same weights on every rank, and the weights of
one process trained with the global batch; differing models fail attach on
every rank with LibnnError.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from mpi4py import MPI  # noqa: E402

import libnn  # noqa: E402
import libnn.mpi  # noqa: E402
from libnn import layers as L  # noqa: E402

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()


def model(hidden=8):
    m = libnn.Sequential([L.Dense(hidden, activation='relu'), L.Dense(1, activation='sigmoid')],
                         input_shape=(3,), seed=4)
    m.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    return m


def flat(m):
    out = []
    for layer in m.layers:
        for name in layer.weight_names:
            t = layer.get_weight(name)
            out.extend(float(v) for v in t.reshape(t.size).tolist())
    return out


def main():
    n = 12 * size
    x = libnn.Tensor([[((i * 7 + j * 3) % 11) / 11.0 - 0.5 for j in range(3)] for i in range(n)])
    y = libnn.Tensor([[float(i % 2)] for i in range(n)])
    m = model()
    with libnn.mpi.attach(m, timeout=60) as mpi:
        assert (mpi.rank, mpi.size) == (rank, size)
        m.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=True)
        mine = flat(m)
    everyone = comm.allgather(mine)
    assert all(w == everyone[0] for w in everyone), 'ranks hold different weights'
    one = model()
    one.fit(x, y, batch_size=4 * size, epochs=2, verbose=0, shuffle=True)
    worst = max(abs(a - b) for a, b in zip(mine, flat(one)))
    assert worst < 1e-5, f'one process differs by {worst}'
    odd = model(8 if rank == 0 else 9)
    try:
        libnn.mpi.attach(odd)
        raise AssertionError('attach of different models succeeded')
    except libnn.LibnnError as e:
        assert "differs from rank 0's" in str(e), str(e)
    print(f'PASS python rank {rank}', flush=True)


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # every rank reports; run_mpi.py reads the lines
        print(f'FAIL python rank {rank}: {e!r}', flush=True)
        sys.exit(1)
