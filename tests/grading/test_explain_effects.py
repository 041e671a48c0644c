"""Explain's arithmetic on stored records: effects, pair interactions, the interaction left
over, and the budget; the variants it plans. Nothing trains here."""

from __future__ import annotations

import math

import pytest

from harness.config import Rubric
from harness.errors import ConfigError
from harness.grading.explain.effects import explanation, time_to_bar
from harness.grading.explain.plan import MIN_BUDGET, check_budget, fit_budget, subsets
from harness.results.record import RunRecord

# acc(network, seed): base 0.80; change 0 adds 0.05, change 1 takes 0.10, together they
# interact by +0.02; seeds move every network alike by 0.01 x seed
EFFECT = {(): 0.0, (0,): 0.05, (1,): -0.10, (0, 1): 0.05 - 0.10 + 0.02}
SPEED = {(): 1000.0, (0,): 500.0, (1,): 2000.0, (0, 1): 1000.0}


def _variant(changes: tuple, seed: int) -> RunRecord:
    key = "k" + "".join(map(str, changes))
    curve = [{"batch": b, "validation_accuracy": 0.5 + 0.1 * b / 10} for b in (10, 20, 30)]
    accuracy = 0.8 + EFFECT[changes] + 0.01 * seed
    return RunRecord(
        f"variant:{key}", "mnist", "torch", "passed", test_accuracy=accuracy,
        examples_per_sec=SPEED[changes] * (1 + 0.01 * seed), variant=key, seed=seed,
        curve=curve, num_batches=30, train_seconds=30.0,
    )  # fmt: skip


def _entry(count: int = 2) -> dict:
    chosen = subsets(count)
    return {
        "student": "alice", "dataset": "mnist", "framework": "torch", "against": "the reference",
        "changes": [{"kind": "layer changed", "text": f"change {i}"} for i in range(count)],
        "variants": [{"changes": list(c), "key": "k" + "".join(map(str, c)), "problem": ""}
                     for c in chosen],
        "seeds": 3, "notes": [], "why_not": "",
    }  # fmt: skip


def test_two_changes_their_interaction_and_the_total_add_up():
    records = [_variant(c, s) for c in EFFECT for s in range(3)]
    reference = RunRecord(
        "reference:original", "mnist", "torch", "passed", reference="original",
        test_accuracy=0.8, examples_per_sec=1000.0,
    )  # fmt: skip
    done = explanation(_entry(), [*records, reference], Rubric())
    effects = done["effects"]
    assert effects["change 0"]["accuracy"]["mean"] == pytest.approx(5.0)
    assert effects["change 1"]["accuracy"]["mean"] == pytest.approx(-10.0)
    assert effects["left over"]["accuracy"]["mean"] == pytest.approx(2.0)
    total = effects["total"]["accuracy"]["mean"]
    parts = sum(effects[n]["accuracy"]["mean"] for n in ("change 0", "change 1", "left over"))
    assert total == pytest.approx(parts) == pytest.approx(-3.0)
    assert effects["change 0"]["speed"]["mean"] == pytest.approx(0.5)
    assert effects["change 1"]["accuracy"]["low"] == pytest.approx(-10.0)  # seeds move alike
    assert done["seeds_used"] == [0, 1, 2] and done["bar"] == pytest.approx(0.78)
    assert set(done["curves"]) == {"base", "0", "1", "0,1"}


def test_a_missing_seed_is_left_out_and_said():
    records = [_variant(c, s) for c in EFFECT for s in range(3) if (c, s) != ((1,), 2)]
    done = explanation(_entry(), records, Rubric())
    assert done["seeds_used"] == [0, 1]
    assert any("1 seed(s) left out" in n for n in done["notes"])


def test_time_to_bar_reads_the_curve():
    run = _variant((), 0)
    assert time_to_bar(run, 0.6) == pytest.approx(10.0)
    assert time_to_bar(run, 0.75) == pytest.approx(30.0)
    assert time_to_bar(run, 0.9) is None


def test_subsets_pairs_only_up_to_three_changes():
    assert subsets(1) == [(), (0,)]
    assert subsets(3) == [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
    assert subsets(4) == [(), (0,), (1,), (2,), (3,), (0, 1, 2, 3)]


def test_the_budget_takes_seeds_then_pairs_then_changes():
    chosen = subsets(3)
    assert fit_budget(chosen, 3, None) == (chosen, 3, [])
    kept, seeds, notes = fit_budget(chosen, 3, 16)  # 8 networks x 2 seeds
    assert (len(kept), seeds) == (8, 2) and "2 seeds" in notes[0]
    kept, seeds, notes = fit_budget(chosen, 3, 10)
    assert (kept, seeds) == ([(), (0,), (1,), (2,), (0, 1, 2)], 2)
    kept, seeds, _ = fit_budget(chosen, 3, 6)
    assert len(kept) * seeds <= 6 and kept[0] == () and kept[-1] == (0, 1, 2)
    assert math.isclose(seeds, 2)


@pytest.mark.parametrize("changes", [1, 2, 3, 4, 7])
def test_every_budget_the_command_line_accepts_is_kept(changes):
    """The least an explanation is cut to is two networks x two seeds: a budget under that
    is refused before anything runs, and every other one is kept."""
    for budget in range(MIN_BUDGET, 40):
        check_budget(budget)
        kept, seeds, _ = fit_budget(subsets(changes), 3, budget)
        assert len(kept) * seeds <= budget and seeds >= 2
    for budget in (0, 1, 3):
        with pytest.raises(ConfigError, match=r"--explain-budget: expected an integer >= 4"):
            check_budget(budget)
