"""The changes between two layer lists: grouped, described, and applied one at a time."""

from __future__ import annotations

from project_paths import ROOT

from harness.grading.explain.networks import literal_network, reference_layers
from harness.submission.diff import diff_networks

HYPER = {"batch_size": 64, "num_batches": 3000, "optimizer": "momentum", "learning_rate": 0.01}


def _example(name: str):
    from harness.config import Assignment

    return literal_network(ROOT / "submissions" / name / "index.py", Assignment())


def _diff(name: str):
    return diff_networks(reference_layers("original"), HYPER, *_example(name))


def test_the_reference_as_a_layer_list_is_the_original_example():
    assert _example("original") == (reference_layers("original"), HYPER)
    assert _diff("original").changes == ()


def test_the_same_field_change_in_every_conv_is_one_change():
    diff = _diff("filters_50")
    assert [c.text for c in diff.changes] == ["conv filters 16 -> 50 in layers 1, 4"]
    diff = _diff("field_size_7")  # field size and its zero_pad move together: one change
    assert [c.text for c in diff.changes] == [
        "conv field_size 5 -> 7, zero_pad 2 -> 3 in layers 1, 4"
    ]
    assert [c.text for c in _diff("pool_stride_1").changes] == [
        "maxpool stride 2 -> 1 in layers 3, 6"
    ]


def test_removed_and_added_layers():
    removed = _diff("one_triple_removed").changes
    assert [c.kind for c in removed] == ["layers removed"]
    assert "conv(field_size=5" in removed[0].text and "maxpool" in removed[0].text
    added = _diff("two_extra_conv").changes
    assert [c.kind for c in added] == ["layers added"]  # the same pair at two places
    assert "relu added before layers" in added[0].text
    # either alignment of an identical conv/relu pair builds the student's network
    diff = _diff("two_extra_conv")
    assert diff.apply([0]) == _example("two_extra_conv")


def test_apply_makes_any_subset_of_the_changes():
    layers, hyper = _example("filters_50")
    student = [dict(layer) for layer in layers]
    student[2]["stride"] = 1  # a second change, in the first pool only
    diff = diff_networks(reference_layers("original"), HYPER, student, {**hyper, "batch_size": 500})
    assert [c.kind for c in diff.changes] == ["layer changed", "layer changed", "hyperparameter"]
    assert diff.changes[2].text == "batch_size 64 -> 500"
    assert diff.apply(()) == (reference_layers("original"), HYPER)
    assert diff.apply(range(3)) == (student, {**hyper, "batch_size": 500})
    only_pool, hyper_kept = diff.apply([1])
    assert only_pool[2]["stride"] == 1 and only_pool[0]["filters"] == 16
    assert hyper_kept == HYPER
    assert diff.apply([2])[1]["batch_size"] == 500


def test_field_size_with_its_zero_pad_is_one_change_and_filters_another():
    student = [dict(layer) for layer in reference_layers("original")]
    for conv in (0, 3):
        student[conv].update(field_size=3, zero_pad=1, filters=5)
    diff = diff_networks(reference_layers("original"), HYPER, student, HYPER)
    assert [c.text for c in diff.changes] == [
        "conv field_size 5 -> 3, zero_pad 2 -> 1 in layers 1, 4",
        "conv filters 16 -> 5 in layers 1, 4",
    ]
    field_only = diff.apply([0])[0][0]
    assert (field_only["field_size"], field_only["zero_pad"], field_only["filters"]) == (3, 1, 16)
    assert diff.apply([0, 1])[0] == student
