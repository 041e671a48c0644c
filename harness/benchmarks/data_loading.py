"""Loading benchmark: time and peak memory of ``load_dataset`` in a fresh process per round.

Peak memory is the peak resident set (``ru_maxrss``) after the call minus the resident set
just before it, after the imports, so that numpy and the harness are not counted; it is
compared with the size of the decoded arrays the Dataset holds. Targets: full Fashion-MNIST
from the ``.gz`` files in under 2 s, peaking under 3x the arrays.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

TARGET_SECONDS = 2.0
TARGET_PEAK_RATIO = 3.0

_ROUND = """
import json, resource, sys, time
from harness.data import load_dataset
name, data_dir = sys.argv[1], (sys.argv[2] or None)
def resident_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = resident_kib()  # current, not peak: import-time transients do not hide the load
start = time.perf_counter()
ds = load_dataset(name, data_dir=data_dir)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
arrays = (ds.train_images, ds.train_labels, ds.validation_images, ds.validation_labels,
          ds.test_images, ds.test_labels)
print(json.dumps({"seconds": seconds, "peak_bytes": (after - before) * 1024,
                  "decoded_bytes": sum(a.nbytes for a in arrays), **ds.describe()}))
"""


def _one_round(name: str, data_dir) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _ROUND, name, str(data_dir or "")],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"loading {name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def loading_benchmark(name: str = "fashion_mnist", data_dir=None, rounds: int = 3) -> dict:
    """Load ``name`` ``rounds`` times, each in a new process; times and peak memory.

    Returns name, location, verified, bundled_subset, train/validation/test counts,
    ``seconds`` (median), ``best_seconds``, ``peak_bytes`` (largest), ``decoded_bytes``,
    ``peak_ratio`` (peak / decoded) and ``rounds``.
    """
    results = [_one_round(name, data_dir) for _ in range(rounds)]
    first = results[0]
    peak = max(r["peak_bytes"] for r in results)
    return {
        "name": name,
        "location": first["location"],
        "verified": first["verified"],
        "bundled_subset": first["bundled_subset"],
        "counts": [first["train_count"], first["validation_count"], first["test_count"]],
        "seconds": statistics.median(r["seconds"] for r in results),
        "best_seconds": min(r["seconds"] for r in results),
        "peak_bytes": peak,
        "decoded_bytes": first["decoded_bytes"],
        "peak_ratio": peak / first["decoded_bytes"],
        "rounds": rounds,
    }


def format_loading_benchmark(results) -> str:
    """A tabulate table of one ``loading_benchmark`` result or a list of them."""
    from tabulate import tabulate

    rows = []
    for r in [results] if isinstance(results, dict) else results:
        data = "bundled subset" if r["bundled_subset"] else "full"
        rows.append(
            [
                r["name"],
                data + ("" if r["verified"] else ", UNVERIFIED"),
                r["location"],
                "/".join(f"{c:,}" for c in r["counts"]),
                f"{r['seconds']:.2f}",
                f"{r['best_seconds']:.2f}",
                f"{r['peak_bytes'] / 2**20:.0f}",
                f"{r['decoded_bytes'] / 2**20:.0f}",
                f"{r['peak_ratio']:.2f}x",
                "yes"
                if r["seconds"] < TARGET_SECONDS and r["peak_ratio"] < TARGET_PEAK_RATIO
                else "NO",
            ]
        )
    headers = [
        "dataset",
        "data",
        "location",
        "train/val/test",
        "load s (median)",
        "best s",
        "peak MiB",
        "arrays MiB",
        "peak/arrays",
        f"< {TARGET_SECONDS:g} s and < {TARGET_PEAK_RATIO:g}x",
    ]
    return tabulate(rows, headers=headers)
