"""Time and memory of the dual-form ridge against the number of neuroids; prints a table.

    python benchmarks/alignment_ridge_memory.py [--neuroids 1000 10000 100000] [--features 20000]
                                                [--n-train 1654] [--seed 0]

Per number of neuroids, :class:`~neuroarena.alignment.encoding.KernelRidgeCV` (19 penalties, one per neuroid)
is fitted on standard normal features (n_train, features) and responses (n_train, neuroids). Printed: the wall
seconds of the fit, the peak of the numpy memory it allocated (tracemalloc, over what was allocated before:
the dual coefficients, the centred features and the working arrays), the size of the responses for scale, and
what a primal coefficient matrix (features by neuroids, float64) would take on its own.
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from neuroarena.alignment.encoding import KernelRidgeCV

MIB = 2.0**20


def measure(n_train: int, n_features: int, n_neuroids: int, seed: int) -> tuple[float, float]:
    """Wall seconds and peak MiB of numpy allocations of one fit on random data."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_train, n_features))
    Y = rng.standard_normal((n_train, n_neuroids))
    tracemalloc.start()
    start_bytes = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    KernelRidgeCV().fit(X, Y)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - start_bytes
    tracemalloc.stop()
    return seconds, peak / MIB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neuroids", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--features", type=int, default=20000)
    parser.add_argument("--n-train", type=int, default=1654)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"dual ridge: {args.n_train} training stimuli, {args.features} features")
    header = f"{'neuroids':>9} {'fit s':>8} {'peak MiB':>9} {'Y MiB':>8} {'primal GiB':>11}"
    print(header)
    print("-" * len(header))
    for n_neuroids in args.neuroids:
        seconds, peak = measure(args.n_train, args.features, n_neuroids, args.seed)
        responses = args.n_train * n_neuroids * 8 / MIB
        primal = args.features * n_neuroids * 8 / 2.0**30
        print(f"{n_neuroids:>9} {seconds:>8.2f} {peak:>9.0f} {responses:>8.0f} {primal:>11.2f}")


if __name__ == "__main__":
    main()
