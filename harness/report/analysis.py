"""Figures the reports derive from records: ratios, medians, confused pairs, caveats."""

from __future__ import annotations

import statistics

from harness.names import file_name
from harness.results.record import RunRecord

OUTPUT_LIMIT = 6000  # characters of captured output shown per run; the tail holds the error


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is not positive."""
    if value is None or reference is None or reference <= 0:
        return None
    return value / reference


def accuracy_ratio(record: RunRecord) -> float | None:
    return ratio(record.test_accuracy, record.reference_test_accuracy)


def throughput_ratio(record: RunRecord) -> float | None:
    """The graded rate (per CPU-second on a CPU) over the reference's bar in that rate."""
    return ratio(record.graded_rate(), record.reference_examples_per_sec)


def median(values) -> float | None:
    """Median of the values that are present; None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def most_confused(
    confusion: list[list[int]], class_names: list[str], top: int = 3
) -> list[tuple[str, str, int]]:
    """The largest off-diagonal cells as (true class, predicted class, count), largest first.

    Rows of ``confusion`` are true classes and columns predicted ones (RunRecord's layout).
    """
    return [
        (class_name(class_names, i), class_name(class_names, j), count)
        for count, i, j in confused_cells(confusion, top)
    ]


def confused_cells(confusion: list[list[int]], top: int = 3) -> list[tuple[int, int, int]]:
    """The largest off-diagonal cells as (count, true index, predicted index), largest
    first, ties by class index."""
    cells = [
        (count, i, j)
        for i, row in enumerate(confusion)
        for j, count in enumerate(row)
        if i != j and count > 0
    ]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    return cells[:top]


def class_name(class_names: list[str], index: int) -> str:
    return class_names[index] if index < len(class_names) else str(index)


def confused_text(true: str, predicted: str, count: int) -> str:
    return f"{true} read as {predicted}: {count} time{'s' if count != 1 else ''}"


def tail(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """The last ``limit`` characters of captured output, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"[... {len(text) - limit} earlier characters cut ...]\n{text[-limit:]}"


def safe_name(student: str) -> str:
    """A file name for a student id: ids are folder names, but never trust them in paths;
    two different ids never share a file name."""
    return file_name(student)


def notes(records: list[RunRecord]) -> list[str]:
    """Caveats a reader must know before comparing the figures, in words."""
    found = [
        _unverified(records),
        _bundled(records),
        _not_isolated(records),
        _caps(records),
        _devices(records),
        _throughput_bars(records),
        bars_note(records),
        _assignments(records),
    ]
    return [n for n in found if n]


def bars_note(records) -> str:
    """Which bars file the references came from (grade --bars), where and when built."""
    used = [r for r in records if r.is_reference and r.bars]
    if not used:
        return ""
    first = used[0].bars
    scaled = "; ".join(
        f"{r.dataset}/{r.framework} {r.bars['stored_bar']:,.0f} x "
        f"{r.bars['local_calibration'] or 0:,.0f} / {r.bars['stored_calibration']:,.0f}"
        for r in used
    )
    return (
        f"No reference was trained in this grading: its bars come from {first['path']}, "
        f"built {first['built_at']} on {first.get('node', '?')} ({first.get('device', '?')}). "
        f"Throughput bars (examples/sec) are the stored bar times this machine's "
        f"calibration probe over the stored one: {scaled}."
    )


def _throughput_bars(records) -> str:
    """How each reference's examples/sec bar was sampled, and how far the samples spread."""
    bars = [
        f"{r.dataset}/{r.framework} {r.throughput_bar:,.0f} (median of "
        f"{len(r.throughput_samples)}, spread ±{(r.throughput_spread or 0) * 50:.0f}%)"
        for r in records
        if r.is_reference and r.throughput_bar and not r.bars
    ]
    if not bars:
        return ""
    return (
        "Throughput bars (examples/sec): the median of the reference run and short "
        "reference probes spread through the grading: " + "; ".join(bars) + "."
    )


def _datasets_where(records, test) -> list[str]:
    return sorted({r.dataset for r in records if test(r)})


def _assignments(records) -> str:
    files = sorted({r.assignment for r in records if r.assignment})
    return f"Assignment file(s): {', '.join(files)}." if files else ""


def _unverified(records) -> str:
    names = _datasets_where(records, lambda r: not r.data_verified)
    if not names:
        return ""
    return (
        f"Data not verified against the official checksums for: {', '.join(names)} "
        "(graded with --allow-unverified or from unchecked files)."
    )


def _bundled(records) -> str:
    names = _datasets_where(records, lambda r: r.bundled_subset)
    if not names:
        return ""
    return (
        f"The small bundled subset was used for: {', '.join(names)}; accuracies are not "
        "comparable with runs on the full dataset."
    )


def _not_isolated(records) -> str:
    loose = [r for r in records if not r.isolated]
    if not loose:
        return ""
    allowed = sorted({r.unisolated_allowed for r in loose if r.unisolated_allowed})
    why = f", accepted by {' and '.join(allowed)}" if allowed else ""
    return (
        f"{len(loose)} of {len(records)} runs were not isolated (no working sandbox"
        f"{why}): they ran in a plain subprocess with limits only, and could have read "
        "the test labels; their accuracy proves nothing."
    )


def _caps(records) -> str:
    caps = sorted({r.max_batches_cap for r in records if r.max_batches_cap})
    if not caps:
        return ""
    shown = ", ".join(str(c) for c in caps)
    return (
        f"--max-batches {shown} was in force: runs (references too) stopped after at most "
        "that many batches, so figures are lower than a full run's."
    )


def _devices(records) -> str:
    names = sorted({_device_text(r.device) for r in records if r.device})
    return f"Device(s): {'; '.join(names)}." if names else ""


def _device_text(device: dict) -> str:
    kind, name = device.get("kind", "?"), device.get("name", "")
    return f"{kind} {name}".strip()
