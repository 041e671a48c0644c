"""Bars built once: the references' figures stored in ``DIR/bars.json``, and their use.

``bars build`` trains each reference and its throughput probes once and stores, per
(dataset, framework), the reference's record (accuracy, curve, throughput bar) and the
rate of its calibration probe, bound to what they depend on (:func:`binding`).
``grade --bars DIR`` trains only the students plus one calibration probe per (dataset,
framework) on its own machine, and measures students against the stored bar scaled by
local calibration / stored calibration: the same short reference run timed on both
machines converts the bar into this machine's speed.

A bars file that does not match this grading (assignment, data, frameworks, options) is
refused before any run, naming the file, field, expected and received value.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from harness import host
from harness.config import Assignment
from harness.errors import ConfigError, field_error
from harness.grading.fingerprint import assignment_hash, package_version
from harness.names import FRAMEWORK_PACKAGES, REFERENCE_MODELS_ROOT
from harness.results.record import RunRecord, record_problems

BARS_FILE = "bars.json"
FORMAT = 1
# The record's field a throughput basis grades: per CPU-second, else per second of the clock
RATE_FIELDS = {"cpu": "examples_per_cpu_sec", "wall": "examples_per_sec"}


@dataclass(frozen=True)
class Bar:
    """One (dataset, framework)'s stored reference and its calibration probe's rate."""

    record: RunRecord  # the reference's scored record as built (throughput_bar set)
    calibration: float  # examples/sec of its calibration probe where it was built


@dataclass(frozen=True)
class Bars:
    path: Path  # the bars.json read
    built_at: str  # ISO 8601 UTC
    built_on: dict  # node and device that built it
    binding: dict  # what the figures depend on (see binding())
    bars: dict  # (dataset, framework) -> Bar

    def provenance(self) -> dict:
        """What a record or report says about these bars."""
        return {"path": str(self.path), "built_at": self.built_at, **self.built_on}


def reference_code_hash() -> str:
    """Hash of the reference networks' source (``reference_models/``)."""
    digest = hashlib.sha256()
    for path in sorted(REFERENCE_MODELS_ROOT.glob("*.py")):
        digest.update(f"{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:32]


def framework_versions(frameworks) -> dict:
    chosen = sorted(set(frameworks))
    return {fw: {p: package_version(p) for p in FRAMEWORK_PACKAGES[fw]} for fw in chosen}


def binding(assignment: Assignment, max_batches: int | None, data_hashes: dict, frameworks) -> dict:
    """What a bar's figures depend on; a grading whose own differ may not use it.

    ``assignment``: the settings a run depends on (seed, budget, references ...), not
    those the reports apply (rubric, deadlines), which a course may edit mid-semester.

    ``data_hashes``: dataset name -> hash of the arrays graded (``PreparedDataset.meta.data_hash``).
    The run's thread count is bound too: it changes the order of float sums, so the
    accuracies would no longer equal those of a grading that trains the references.
    """
    return {
        "assignment": assignment_hash(assignment)[:32],
        "reference_code": reference_code_hash(),
        "max_batches": max_batches,
        "threads": os.environ.get("OMP_NUM_THREADS", "1"),
        "datasets": dict(sorted(data_hashes.items())),
        "frameworks": framework_versions(frameworks),
    }


def write_bars(out_dir: Path, references: list[RunRecord], calibrations: dict, bound: dict) -> Path:
    """Write ``out_dir/bars.json``: every passed reference with its calibration rate."""
    entries = []
    for ref in references:
        entries.append(
            {
                "dataset": ref.dataset,
                "framework": ref.framework,
                "calibration_examples_per_sec": calibrations[(ref.dataset, ref.framework)],
                "record": ref.to_dict(),
            }
        )
    document = {
        "format": FORMAT,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "built_on": {"node": socket.gethostname(), "device": host.device_description()},
        "binding": bound,
        "bars": entries,
    }
    path = Path(out_dir) / BARS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n")
    return path


def _require(path: Path, ok: bool, name: str, expected: str, received) -> None:
    if not ok:
        raise ConfigError(field_error(str(path), name, expected, received))


def read_bars(folder: str | Path) -> Bars:
    """Parse ``folder/bars.json`` (or a path to the file); every problem names its field."""
    path = Path(folder)
    path = path / BARS_FILE if path.is_dir() else path
    if not path.is_file():
        raise ConfigError(
            f"{path}: no bars file (expected one written by `python -m harness bars build`)"
        )
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a bars file: {exc}") from exc
    _require(path, isinstance(document, dict), "(top level)", "a JSON object", type(document))
    _require(path, document.get("format") == FORMAT, "format", str(FORMAT), document.get("format"))
    for name, kind in (("built_at", str), ("built_on", dict), ("binding", dict), ("bars", list)):
        value = document.get(name)
        _require(path, isinstance(value, kind), name, kind.__name__, value)
    bars = {}
    for index, entry in enumerate(document["bars"]):
        bar = _read_entry(path, index, entry)
        bars[(bar.record.dataset, bar.record.framework)] = bar
    return Bars(path, document["built_at"], document["built_on"], document["binding"], bars)


def _read_entry(path: Path, index: int, entry) -> Bar:
    where = f"bars[{index}]"
    _require(path, isinstance(entry, dict), where, "an object", entry)
    rate = entry.get("calibration_examples_per_sec")
    _require(
        path,
        isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0,
        f"{where}.calibration_examples_per_sec",
        "a rate > 0",
        rate,
    )
    data = entry.get("record")
    _require(path, isinstance(data, dict), f"{where}.record", "a run record", data)
    problems = record_problems(data)
    _require(path, not problems, f"{where}.record", "a valid run record", problems)
    record = RunRecord.from_dict(data)
    _require(
        path,
        record.is_reference and record.status == "passed" and bool(record.throughput_bar),
        f"{where}.record",
        "a passed reference run with a throughput bar",
        f"{record.submission} {record.status}",
    )
    return Bar(record, float(rate))


def check_bars(bars: Bars, expected: dict, needed) -> None:
    """Refuse bars bound to something else than this grading, or lacking a needed bar.

    ``expected``: this grading's :func:`binding`; ``needed``: the (dataset, framework)
    pairs the student runs use. Datasets and frameworks are compared only where needed,
    so bars built for more than a grading uses still serve it.
    """
    datasets = {ds for ds, _ in needed}
    frameworks = {fw for _, fw in needed}
    for ds, fw in sorted(needed):
        if (ds, fw) not in bars.bars:
            built = ", ".join(f"{d}/{f}" for d, f in sorted(bars.bars)) or "none"
            raise ConfigError(
                field_error(str(bars.path), "bars", f"a bar for {ds}/{fw}", f"bars for {built}")
            )
    for name in ("assignment", "reference_code", "max_batches", "threads"):
        _match(bars, f"binding.{name}", expected[name], bars.binding.get(name))
    stored_data = bars.binding.get("datasets", {})
    for ds in sorted(datasets):
        _match(bars, f"binding.datasets.{ds}", expected["datasets"][ds], stored_data.get(ds))
    stored_fw = bars.binding.get("frameworks", {})
    for fw in sorted(frameworks):
        _match(bars, f"binding.frameworks.{fw}", expected["frameworks"][fw], stored_fw.get(fw))


def _match(bars: Bars, name: str, expected, received) -> None:
    if expected != received:
        raise ConfigError(
            field_error(str(bars.path), name, f"{expected!r} (this grading's)", received)
            + "; rebuild the bars with `python -m harness bars build` for this grading"
        )


def reference_from_bar(bars: Bars, bar: Bar, calibration: RunRecord | None) -> RunRecord:
    """The reference record a grading with ``--bars`` scores students against.

    Its graded rate (examples per CPU-second or per second: its ``throughput_basis``) is
    the stored bar times local / stored calibration rate, in that same basis; without a
    passed local calibration measured so, there is no bar here and the record is an
    "error" (ours). Nothing of it was trained in this grading: ``bars`` says where it
    comes from.
    """
    record = RunRecord.from_dict(bar.record.to_dict())
    basis = record.throughput_basis
    local = _local_rate(calibration, basis)
    record.bars = {
        **bars.provenance(),
        "stored_bar": bar.record.throughput_bar,
        "stored_calibration": bar.calibration,
        "local_calibration": local or None,
    }
    record.throughput_samples, record.throughput_spread = [], None
    record.examples_per_sec = record.examples_per_cpu_sec = record.throughput_bar = None
    if not local:
        record.seed_runs = []
        why = calibration.reason if calibration and calibration.reason else "it did not run"
        if calibration and calibration.status == "passed":
            why = f"it has no {_rate_field(basis)} figure, which the bars ({basis}) are in"
        record.status = "error"
        record.reason = f"the calibration probe on this machine failed: {why}"
        return record
    stored_bar = bar.record.throughput_bar
    if stored_bar is None:  # read_bars refuses such a bar
        raise ValueError(f"{bars.path}: the {record.dataset} bar has no throughput_bar")
    factor = local / bar.calibration
    scaled = stored_bar * factor
    # The reference's seeds (students' intervals are measured against them), in this
    # machine's units too; their wall-clock rates were not measured here.
    record.seed_runs = [
        {**run, "examples_per_sec": None, "rate": run["rate"] * factor if run.get("rate") else None}
        for run in record.seed_runs
    ]
    if basis == "cpu":
        record.examples_per_cpu_sec = scaled
    else:
        record.examples_per_sec = scaled
    return record


def _local_rate(calibration: RunRecord | None, basis: str) -> float | None:
    if calibration is None or calibration.status != "passed":
        return None
    return getattr(calibration, _rate_field(basis))


def _rate_field(basis: str) -> str:
    return RATE_FIELDS["cpu" if basis == "cpu" else "wall"]


def is_calibration(record: RunRecord) -> bool:
    return record.throughput_probe and record.throughput_calibration


def references_from_bars(bars: Bars, probes: list[RunRecord], needed) -> list[RunRecord]:
    """One reference per needed (dataset, framework), scaled by its local calibration."""
    local = {(p.dataset, p.framework): p for p in probes if is_calibration(p)}
    return [reference_from_bar(bars, bars.bars[key], local.get(key)) for key in sorted(needed)]
