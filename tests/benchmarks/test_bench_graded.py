"""The fixed cost of a graded run, measured on a short real run (torch, in its sandbox)."""

import pytest

from harness.benchmarks.graded import overhead_row, overhead_table

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]


def test_fixed_cost_and_training_time_add_up_to_the_whole_run():
    row = overhead_row("torch", "fashion_mnist", num_batches=20, data_dir=None, rounds=2)
    assert row["batches"] == 20 and row["rounds"] == 2 and row["isolated"] is True
    # Two clocks of the parent: the timed window (first batch sent to predictions received)
    # lies inside the wall time of the whole run, sandbox start and imports included.
    assert 0 < row["train_s"] < row["wall_s"]
    assert row["fixed_s"] > row["sandbox_s"] > 0
    assert row["sandbox_s"] > 0 and row["import_s"] > 0
    # The verdict on the target is the table's arithmetic, not a claim.
    assert row["beyond_import_s"] == pytest.approx(row["fixed_s"] - row["import_s"])
    assert row["target_s"] == 0.5 and row["met"] is (row["beyond_import_s"] <= 0.5)
    table = overhead_table([row]).splitlines()
    assert table[0].split()[:2] == ["framework", "batches"]
    assert table[2].split()[:2] == ["torch", "20"] and table[2].split()[-1] == "True"
