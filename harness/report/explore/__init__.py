"""See inside a student's network: ``students/<id>/explore.html``, an offline page.

A student draws a digit (28x28 datasets) or picks a test image, and sees the prediction,
the top-3 probabilities and every layer's activation maps, computed in the page from the
run's trained weights; the most-confused pairs of the report are shown with real test
images beside correctly classified ones. Modules: :mod:`.examples` (which test images, picked
by the parent), :mod:`.network` (which arrays a layer list has, checked and encoded),
:mod:`.store` (what a run leaves in ``OUT/explore/``), :mod:`.page` (the HTML).
"""

from __future__ import annotations

from pathlib import Path

from harness.report.analysis import safe_name
from harness.report.explore import page, store
from harness.report.records import ClassResults

PAGE_NAME = "explore.html"


def write_explore_page(results: ClassResults, student: str, out_dir: Path) -> Path | None:
    """Write the student's page from every passed run that left test images; returns its
    path, or None (and writes nothing) when no run did."""
    runs = []
    for record in results.runs_of(student):
        saved = store.load(
            store.path_of(out_dir, record.submission, record.dataset, record.framework)
        )
        if record.status == "passed" and saved is not None:
            runs.append(page.run_data(record, saved))
    if not runs:
        return None
    name = safe_name(student)
    path = Path(out_dir) / "students" / name / PAGE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page.page_html(student, f"{name}.html", runs))
    return path
