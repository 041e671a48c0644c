"""Evidence that a run answered the test set from memory rather than from what it learnt.

Final accuracy alone cannot tell: a hash -> label table of the public test set with
deliberate mistakes scores like an honest network. The parent holds two things a lookup of
the test set does not fake: the run's accuracy on its own validation images (held out of
the training data, scored by the parent at every curve point), which an honest network
matches on the test set, and the learning curve, which for an honest network starts near
chance and climbs, so that it cannot be far ahead of the reference after far fewer
examples. Pure functions of stored records; points are never changed here.
"""

from __future__ import annotations

from harness.config import Rubric
from harness.results.record import RunRecord

# The reference's first curve point must have seen at least this many times the examples
# the run had seen at its own first point before an accuracy above it counts as "ahead".
FEWER_EXAMPLES_FACTOR = 20


def _validation(point: dict) -> float | None:
    value = point.get("validation_accuracy")
    return value if isinstance(value, (int, float)) else None


def _examples(record: RunRecord, point: dict) -> int:
    return (record.batch_size or 0) * int(point.get("batch", 0))


def generalisation_gap(record: RunRecord, rubric: Rubric) -> str:
    """Test accuracy far above the run's own validation accuracy at its last curve point."""
    if not record.curve or record.test_accuracy is None:
        return ""
    last = record.curve[-1]
    held_out = _validation(last)
    if held_out is None or record.test_accuracy - held_out <= rubric.review_generalisation_gap:
        return ""
    return (
        f"test accuracy {record.test_accuracy:.4f} is "
        f"{record.test_accuracy - held_out:+.4f} above its own validation accuracy "
        f"{held_out:.4f} after its last batch ({last['batch']}; validation images are held "
        f"out of the training data, and an honest network scores both alike; "
        f"gap allowed {rubric.review_generalisation_gap:g})"
    )


def ahead_from_the_start(record: RunRecord, reference: RunRecord, rubric: Rubric) -> str:
    """At its first curve point the run is far more accurate than the reference at its
    first, although the reference had seen many times more examples by then."""
    if not record.curve or not reference.curve:
        return ""
    first, bar = record.curve[0], reference.curve[0]
    mine, theirs = _validation(first), _validation(bar)
    seen, bar_seen = _examples(record, first), _examples(reference, bar)
    if mine is None or theirs is None or seen * FEWER_EXAMPLES_FACTOR > bar_seen:
        return ""
    if mine - theirs <= rubric.review_generalisation_gap:
        return ""
    return (
        f"validation accuracy {mine:.4f} after {seen:,} training examples, while the "
        f"reference had {theirs:.4f} after {bar_seen:,}: accurate from the first point"
    )


def compute_note(record: RunRecord, reference: RunRecord) -> str:
    """What the run spent, beside the reference's: examples, parameters, training time."""

    def spent(run: RunRecord) -> str:
        examples = (run.batch_size or 0) * (run.num_batches or 0)
        params = "?" if run.param_count is None else f"{run.param_count:,}"
        took = "?" if run.train_seconds is None else f"{run.train_seconds:.1f} s"
        return f"{examples:,} examples, {params} parameters, {took}"

    return f"spent {spent(record)} (reference: {spent(reference)})"


def memorisation_evidence(record: RunRecord, reference: RunRecord, rubric: Rubric) -> str:
    """Why the run looks answered from memory ("" when nothing does), with what it spent."""
    found = [
        why
        for why in (
            generalisation_gap(record, rubric),
            ahead_from_the_start(record, reference, rubric),
        )
        if why
    ]
    if not found:
        return ""
    return "; ".join(found + [compute_note(record, reference)])
