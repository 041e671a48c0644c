"""Which gradings are the autograder's failure (no results.json, never a zero) and which
are the student's own result; decided from the grading's output and the container's
OOM-kill count, nothing trained."""

from __future__ import annotations

import json

from harness.gradescope.autograder import STUDENT, failure_text, grader_failure


def _out(tmp_path, reason: str = "", status: str = "failed", results: bool = True):
    folder = tmp_path / "gradescope" / STUDENT
    folder.mkdir(parents=True)
    if results:
        (folder / "results.json").write_text("{}")
    record = {"submission": STUDENT, "dataset": "fashion_mnist", "framework": "torch"}
    record.update(status=status, reason=reason)
    (tmp_path / "results.json").write_text(json.dumps([record]))
    return tmp_path


def test_a_student_run_that_failed_on_its_own_is_the_students_result(tmp_path):
    out = _out(tmp_path, "line 6: syntax error")
    assert grader_failure(out, 1, new_oom_kills=0) == ""


def test_no_results_for_the_upload_is_the_autograders_failure(tmp_path):
    out = _out(tmp_path, results=False)
    assert "exited with status -9" in grader_failure(out, -9, 0)


def test_the_reports_failure_note_is_passed_on(tmp_path):
    out = _out(tmp_path, results=False)
    (out / "gradescope" / STUDENT / "autograder_failure.txt").write_text("reference failed")
    assert grader_failure(out, 3, 0) == "reference failed"


def test_a_kill_while_the_containers_oom_killer_ran_is_the_autograders_failure(tmp_path):
    out = _out(tmp_path, "killed by signal SIGKILL before returning predictions")
    assert "raise the autograder's memory" in grader_failure(out, 1, new_oom_kills=1)
    # the same kill with no OOM kill in the container: the harness cannot blame the container
    assert grader_failure(out, 1, new_oom_kills=0) == ""


def test_a_memory_kill_counts_too_but_not_a_student_error_of_another_kind(tmp_path):
    memory = _out(tmp_path / "a", "exceeded the memory limit of 8192 MiB")
    assert grader_failure(memory, 1, 2)
    other = _out(tmp_path / "b", "loss is NaN at batch 40")
    assert grader_failure(other, 1, 2) == ""


def test_control_characters_and_workflow_commands_in_a_reason_are_shown_escaped():
    text = failure_text("run said \x1b[2Jdone\n::error::forged\nnext")
    assert text.endswith("\nrun said \\x1b[2Jdone\n\\x3a:error::forged\nnext")
    assert text.startswith("AUTOGRADER FAILURE, not the student's network")
