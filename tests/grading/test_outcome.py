"""Exit statuses a CI can act on: students' failures (1) are not the grader's (3)."""

from __future__ import annotations

import pytest
from report_factory import run

from harness import cli
from harness.errors import EXIT_GRADING_FAILED, EXIT_PASSED, EXIT_STUDENT_FAILURES
from harness.grading.outcome import grader_failures, grading_exit_status


def _class(*students):
    return [run("reference:original", reference="original"), *students]


def test_every_run_passed_is_0():
    assert grading_exit_status(_class(run("alice")), {}, 0) == EXIT_PASSED


def test_a_student_run_that_failed_is_1_a_normal_outcome():
    records = _class(run("alice"), run("bob", status="failed", reason="loss is NaN"))
    assert grading_exit_status(records, {}, 1) == EXIT_STUDENT_FAILURES


@pytest.mark.parametrize(
    "records, skipped, pytest_code, why",
    [
        (
            [run("reference:original", reference="original", status="error"), run("alice")],
            {},
            1,
            "reference run reference:original fashion_mnist/torch error",
        ),
        (
            _class(run("alice", status="error", reason="the grading process stopped")),
            {},
            1,
            "run alice fashion_mnist/torch: error on the grader's side",
        ),
        (_class(run("alice")), {"cifar10": "not found"}, 0, "dataset cifar10 was not graded"),
        (_class(run("alice")), {}, 3, None),  # pytest's internal error
        (_class(run("alice")), {}, 2, None),  # interrupted
    ],
)
def test_the_graders_own_failure_is_3_even_beside_student_failures(
    records, skipped, pytest_code, why
):
    records = [*records, run("bob", status="failed", reason="bad layer")]
    assert grading_exit_status(records, skipped, pytest_code) == EXIT_GRADING_FAILED
    if why:
        assert why in grader_failures(records, skipped)


def test_a_harness_crash_exits_3_not_1(monkeypatch, capsys):
    """An uncaught exception would exit 1, which a CI reads as students' failures."""

    def crash(args):
        raise RuntimeError("bug in the harness")

    monkeypatch.setattr(cli, "_resolve", lambda target: crash)
    assert cli.main(["report", "--out", "nowhere"]) == EXIT_GRADING_FAILED
    assert "the harness itself failed" in capsys.readouterr().err


def test_help_documents_the_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "0 every run passed" in out and "1 some student runs did not pass" in out
    assert "3 the grading itself failed" in out


def test_reports_that_cannot_be_built_after_grading_exit_3_keeping_results(tmp_path, monkeypatch):
    """A wrong staff file (extensions, times) found after every run is stored: the grader's
    failure (3), not "nothing graded" (2), and results.json is kept."""
    from harness.config import Assignment
    from harness.errors import ConfigError, GradingFailed
    from harness.grading import command
    from harness.grading.command import finish
    from harness.grading.plan import GradingPlan

    def broken(*args, **kwargs):
        raise ConfigError("extensions.csv: line 2: extra_hours: expected a number of hours")

    monkeypatch.setattr(command, "build_reports", broken)
    plan = GradingPlan([], str(tmp_path), str(tmp_path / "assignment.toml"))
    with pytest.raises(GradingFailed, match="Every run is graded and stored"):
        finish(plan, Assignment())
    assert (tmp_path / "results.json").is_file()


def test_the_cli_exits_3_for_a_grading_that_failed_after_its_runs(monkeypatch, capsys):
    from harness.errors import GradingFailed

    def failed(args):
        raise GradingFailed("reports not built")

    monkeypatch.setattr(cli, "_resolve", lambda target: failed)
    assert cli.main(["report", "--out", "nowhere"]) == EXIT_GRADING_FAILED
    assert "error: reports not built" in capsys.readouterr().err


HOSTILE_ID = "eve\x1b]0;owned\x07\n::error::owned"


def _no_control_or_workflow_command(text: str) -> bool:
    lines = text.splitlines()
    return not any(c in text for c in "\x1b\x07") and not any(x.startswith("::") for x in lines)


def test_a_failure_naming_a_students_folder_is_printed_escaped(capsys):
    from harness.grading.command import say_grader_failures

    records = _class(run(HOSTILE_ID, status="error", reason="the grading process stopped"))
    say_grader_failures(records, {}, 1)
    err = capsys.readouterr().err
    assert "grading failed: run eve\\x1b]0;owned\\x07\\x0a::error::owned" in err
    assert _no_control_or_workflow_command(err)


def test_a_grading_failed_message_is_printed_escaped(monkeypatch, capsys):
    from harness.errors import GradingFailed

    def failed(args):
        raise GradingFailed(f"reports not built for\n{HOSTILE_ID}")

    monkeypatch.setattr(cli, "_resolve", lambda target: failed)
    assert cli.main(["report", "--out", "nowhere"]) == EXIT_GRADING_FAILED
    err = capsys.readouterr().err
    assert "error: reports not built for\neve\\x1b]0;owned\\x07\n\\x3a:error::owned" in err
    assert _no_control_or_workflow_command(err)
