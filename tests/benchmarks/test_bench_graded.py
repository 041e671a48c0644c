"""The fixed cost of a graded run, measured on a short real run (torch, in its sandbox)."""

import pytest

from harness.benchmarks.graded import overhead_row, overhead_table

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]


def test_fixed_cost_and_training_time_add_up_to_the_whole_run():
    row = overhead_row("torch", "fashion_mnist", num_batches=20, data_dir=None)
    assert row["batches"] == 20 and row["isolated"] is True
    assert row["train_s"] > 0 and row["fixed_s"] > 0 and row["import_s"] > 0
    assert row["fixed_s"] + row["train_s"] == pytest.approx(row["wall_s"])
    assert 0 < row["fixed_share"] < 1
    table = overhead_table([row])
    assert table.splitlines()[0].split()[:2] == ["framework", "batches"]
    assert "torch" in table.splitlines()[2]
