"""``harness check`` on index.js files: the recording runs in the sandboxed child, and its
refusals come back with the file and the line.

This module imports no framework (the child does), so it carries no framework marker.
"""

import argparse

from needs import require
from project_paths import SUBMISSIONS

from harness.check import command as check

require("quickjs")

ENDLESS = (
    "const graph = new dl.Graph();\nconst x = graph.placeholder('x', [28, 28, 1]);\n"
    "while (true) {}\n"
)
BROKEN = "const batchSize = 64;\nconst graph = new dl.Graph(;\n"


def _reports(tmp_path, files: dict) -> dict:
    paths = []
    for name, text in files.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.js").write_text(text)
        paths.append(tmp_path / name / "index.js")
    reports = check.check_paths(paths, framework="torch", datasets=["fashion_mnist"])
    return {report["student_id"]: report for report in reports}


def test_refusals_come_back_from_the_sandbox_with_their_lines(tmp_path):
    reports = _reports(tmp_path, {"endless": ENDLESS, "broken": BROKEN})
    for report in reports.values():
        assert not report["accepted"] and report["frameworks"] == ["torch"]
    (endless,) = reports["endless"]["problems"]
    assert endless.startswith("after line 2: the script ran longer than the 10 s CPU-time limit")
    (broken,) = reports["broken"]["problems"]
    assert broken.startswith("line 2: syntax error")


def test_the_human_output_shows_each_layers_line_and_the_notes(capsys):
    args = argparse.Namespace(
        path=str(SUBMISSIONS / "original_js"),
        framework="torch",
        dataset="fashion_mnist",
        json=False,
        assignment=None,
    )
    assert check.check_command(args) == 0
    out = capsys.readouterr().out
    lines = (SUBMISSIONS / "original_js" / "index.js").read_text().splitlines()
    first = next(i for i, line in enumerate(lines, 1) if "addConvLayer(graph, x" in line)
    assert "JavaScript (deeplearn.js Graph), recorded as 8 Model Builder layers" in out
    assert f" {first} > " in out and "graph.conv2d" in out and "index.js line" in out
    assert "14,682 parameters" in out and "normalisation" in out and "ACCEPTED" in out
