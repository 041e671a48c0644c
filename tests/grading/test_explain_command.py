"""What `explain` prints: the page's lines, and a hostile folder name escaped."""

from __future__ import annotations

from harness.grading.explain.command import explanation_text
from harness.grading.explain.plan import cost_line

HOSTILE_ID = "::error::eve\x1b[2J\x1b]0;pwned\x07"
WHY_NOT = "no base\n::warning::forged"


def _safe(text: str) -> bool:
    lines = text.splitlines()
    return not any(c in text for c in "\x1b\x07") and not any(x.startswith("::") for x in lines)


def test_a_student_id_with_an_escape_sequence_is_printed_escaped():
    entry = {"student": HOSTILE_ID, "dataset": "mnist", "framework": "torch", "why_not": WHY_NOT}
    text = explanation_text([entry])
    assert _safe(text)
    assert "\\x3a:error::eve\\x1b[2J" in text and "no base\\x0a::warning::forged" in text
    assert explanation_text([entry | {"student": "alice"}]).startswith("\nalice mnist/torch:")


def test_the_cost_of_an_explanation_is_printed_escaped():
    entry = {"student": HOSTILE_ID, "dataset": "mnist", "framework": "torch", "why_not": WHY_NOT}
    line = cost_line(entry)
    assert _safe(line) and "\n" not in line
    assert line.startswith("explain ::error::eve\\x1b[2J")  # not a line start: inert


def test_the_lines_of_an_explanation():
    entry = {
        "student": "bob", "dataset": "mnist", "framework": "torch", "why_not": "",
        "against": "the reference (original)", "seeds_used": [0, 1, 2], "notes": [],
        "changes": [{"kind": "layer changed", "text": "maxpool stride 2 -> 1 in layers 3, 6"}],
        "effects": {
            "change 0": {
                "accuracy": {"mean": 2.7, "low": 0.1, "high": 5.3, "seeds": 3},
                "speed": {"mean": 0.47, "low": 0.42, "high": 0.51, "seeds": 3},
                "time": None,
            },
            "total": {"accuracy": {"mean": 2.7, "low": 0.1, "high": 5.3, "seeds": 3}},
        },
    }  # fmt: skip
    text = explanation_text([entry])
    assert (
        "maxpool stride 2 -> 1 in layers 3, 6: +2.7 accuracy points [+0.1, +5.3], "
        "-53% examples/s [-58, -49], time to the accuracy bar: not reached by every seed"
    ) in text
    assert "not significant" not in text and "all changes together" not in text


def _refusal(tmp_path, *options: str) -> str:
    import subprocess
    import sys

    from project_paths import ROOT

    argv = [sys.executable, "-m", "harness", "explain", str(ROOT / "submissions" / "filters_5")]
    argv += ["--out", str(tmp_path / "out"), *options]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and not (tmp_path / "out" / "runs").exists()
    return done.stderr


def test_a_base_that_cannot_be_read_is_refused_before_anything_runs(tmp_path):
    from project_paths import ROOT

    missing = _refusal(tmp_path, "--against", str(tmp_path / "old" / "index.py"))
    assert "old/index.py: --against" in missing
    script = ROOT / "submissions" / "filters_5_js" / "index.js"
    assert "--against expected a Model Builder index.py" in _refusal(
        tmp_path, "--against", str(script)
    )
    assert "--explain-budget: expected an integer >= 4" in _refusal(
        tmp_path, "--explain-budget", "3"
    )
