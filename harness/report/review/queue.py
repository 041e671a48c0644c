"""The review queue: every flagged run and similar pair, with the staff's resolution applied.

Built each time the reports are: the flags come from the stored records (``review``), the
pairs from ``OUT/similarity.json`` when a similarity report was made, the decisions from
the resolutions file. Applying a decision changes the points the reports show (never a
stored record): an open item's points are counted as "pending" or withheld (the
assignment's ``[review] unresolved``), a resolved one's are kept or set by staff.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from harness.errors import ConfigError, field_error
from harness.report.review.resolutions import Resolution
from harness.results.record import RunRecord

SHOWN_HASH_DIGITS = 12


@dataclass
class ReviewItem:
    student: str
    dataset: str = ""  # with framework: a flagged run
    framework: str = ""
    similar_to: str = ""  # a similarity pair: the other student
    submission: str = ""  # the submission folder's hash as the queue shows it (12 digits)
    evidence: str = ""
    computed_points: float | None = None  # what the rubric gives the run
    points: float | None = None  # what the reports count now
    max_points: float | None = None
    state: str = "open"  # open | resolved | stale (resolved for an earlier submission)
    decision: str = ""  # keep | set | note, from the resolution
    note: str = ""
    # The whole hash: a resolution names a prefix of it, which may be longer than 12 digits.
    submission_hash: str = field(default="", repr=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.student, self.dataset, self.framework, self.similar_to)

    def to_dict(self) -> dict:
        """The fields review.csv and review.json show (the hash as ``submission``)."""
        row = asdict(self)
        del row["submission_hash"]
        return row


def run_items(records: list[RunRecord]) -> list[tuple[ReviewItem, RunRecord]]:
    """One item per flagged student run, beside the record it stands for."""
    return [
        (
            ReviewItem(
                student=r.submission,
                dataset=r.dataset,
                framework=r.framework,
                submission=r.submission_hash[:SHOWN_HASH_DIGITS],
                submission_hash=r.submission_hash,
                evidence=r.review,
                computed_points=r.score,
                points=r.score,
                max_points=r.max_score,
            ),
            r,
        )
        for r in records
        if r.review and not r.is_reference
    ]


def pair_items(pairs: list[dict], hashes: dict[str, str]) -> list[ReviewItem]:
    """Two items per similar pair from ``similarity.json``, one for each student."""
    items = []
    for pair in pairs:
        for me, other in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
            items.append(
                ReviewItem(
                    student=me,
                    similar_to=other,
                    submission=hashes.get(me, "")[:SHOWN_HASH_DIGITS],
                    submission_hash=hashes.get(me, ""),
                    evidence=pair["evidence"],
                )
            )
    return items


def _matching(item: ReviewItem, resolutions: list[Resolution]) -> list[Resolution]:
    return [r for r in resolutions if r.item == item.key]


def _decide(item: ReviewItem, record: RunRecord | None, found: list[Resolution]) -> None:
    """Set the item's state, decision, note and points from its resolutions."""
    holding = [r for r in found if r.holds_for(item.submission_hash)]
    if len(holding) > 1:
        raise ConfigError(
            field_error(
                holding[1].where,
                "student",
                f"one resolution per item and submission ({holding[0].where} resolves it too)",
                item.student,
            )
        )
    if not holding:
        if found:
            item.state = "stale"
            item.note = (
                f"resolved for submission {found[-1].submission}, but the folder changed "
                f"(now {item.submission or 'unknown'}): look again. {found[-1].note}"
            ).strip()
        return
    resolution = holding[0]
    item.decision, item.note = resolution.decision, resolution.note
    if resolution.decision == "note":
        return
    item.state = "resolved"
    if resolution.decision == "set" and record is not None and resolution.points is not None:
        if resolution.points > record.max_score:
            raise ConfigError(
                field_error(
                    resolution.where,
                    "points",
                    f"at most the run's maximum, {record.max_score:g}",
                    resolution.points,
                )
            )
        item.points = resolution.points


def _apply(item: ReviewItem, record: RunRecord, unresolved: str) -> None:
    """The item's points into the record the reports read, with the reason in its breakdown."""
    if item.state == "resolved":
        how = "points set" if item.decision == "set" else "points kept"
        status = f"reviewed by staff: {how}"  # the note is the staff's: queue files only
    elif unresolved == "withheld":
        item.points = 0.0
        status = f"withheld until reviewed ({item.computed_points:g} points computed)"
    else:
        status = "pending review"
    record.score = record.score if item.points is None else item.points
    why = record.score_breakdown.get("why", "")
    record.score_breakdown = {**record.score_breakdown, "review": status, "why": f"{status}; {why}"}


def build_queue(
    records: list[RunRecord],
    resolutions: list[Resolution],
    unresolved: str,
    pairs: list[dict] | None = None,
) -> tuple[list[ReviewItem], list[Resolution]]:
    """The queue, with every decision applied to ``records``; and the resolutions that
    match no item now (kept in the file, reported, ignored)."""
    flagged = run_items(records)
    hashes = {r.submission: r.submission_hash for r in records if r.submission_hash}
    items = [item for item, _ in flagged] + pair_items(pairs or [], hashes)
    by_key = {item.key: record for item, record in flagged}
    for item in items:
        _decide(item, by_key.get(item.key), _matching(item, resolutions))
    for item, record in flagged:
        _apply(item, record, unresolved)
    keys = {item.key for item in items}
    unmatched = [r for r in resolutions if r.item not in keys]
    return items, unmatched
