"""The loading benchmark measures in a fresh process and formats a table (targets printed,
not asserted: timing depends on the machine)."""

from __future__ import annotations

import pytest
from project_paths import DEBIAN_FASHION_MNIST as DEBIAN

from harness.benchmarks.data_loading import format_loading_benchmark, loading_benchmark


def _result(**changes) -> dict:
    base = {
        "name": "fashion_mnist",
        "location": "/x",
        "verified": True,
        "bundled_subset": False,
        "counts": [55_000, 5_000, 10_000],
        "seconds": 1.234,
        "best_seconds": 1.1,
        "peak_bytes": 120 * 2**20,
        "decoded_bytes": 53 * 2**20,
        "peak_ratio": 120 / 53,
        "rounds": 3,
    }
    return {**base, **changes}


def test_table_shows_figures_and_whether_targets_are_met():
    table = format_loading_benchmark(
        [_result(), _result(seconds=2.5, bundled_subset=True, verified=False)]
    )
    lines = table.splitlines()
    assert "load s (median)" in lines[0] and "peak/arrays" in lines[0]
    assert "55,000/5,000/10,000" in lines[2] and "1.23" in lines[2] and "2.26x" in lines[2]
    assert lines[2].rstrip().endswith("yes")
    assert "bundled subset, UNVERIFIED" in lines[3] and lines[3].rstrip().endswith("NO")


@pytest.mark.realdata
@pytest.mark.needs("fashion_mnist")
def test_benchmark_of_the_real_files_in_a_fresh_process():
    result = loading_benchmark("fashion_mnist", data_dir=DEBIAN, rounds=1)
    assert result["counts"] == [55_000, 5_000, 10_000] and result["verified"] is True
    assert result["decoded_bytes"] == 70_000 * 784 + 70_000 * 8
    # The arrays are alive when the peak is read, so the peak cannot be below their size.
    assert result["peak_bytes"] >= result["decoded_bytes"] and result["seconds"] > 0
