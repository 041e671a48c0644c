"""Planning a grading session from submission files, without importing them."""

from __future__ import annotations

import dataclasses
import shutil

from project_paths import BROKEN, SUBMISSIONS

from harness.config import Assignment
from harness.grading.plan import GradingPlan, RunSpec, reference_runs, student_id, student_runs

TORCH_CODE = SUBMISSIONS / "torch_example" / "index.py"
LAYERS = SUBMISSIONS / "original" / "index.py"


def runs_of(paths, datasets=("mnist",), frameworks=("torch",)) -> list[tuple[str, str, str]]:
    return [
        (r.submission, r.dataset, r.framework) for r in student_runs(paths, datasets, frameworks)
    ]


def test_a_code_submission_runs_in_its_own_framework_on_every_dataset():
    assert runs_of([TORCH_CODE], ("mnist", "cifar10"), ("jax", "tensorflow")) == [
        ("torch_example", "mnist", "torch"),
        ("torch_example", "cifar10", "torch"),
    ]


def test_a_layers_submission_runs_in_every_builder_framework():
    assert runs_of([LAYERS], ("fashion_mnist",), ("torch", "jax")) == [
        ("original", "fashion_mnist", "torch"),
        ("original", "fashion_mnist", "jax"),
    ]


def test_a_file_that_cannot_be_parsed_still_gets_a_run_that_names_its_problem():
    runs = student_runs([BROKEN / "syntax_error" / "index.py"], ("mnist",), ("torch",))
    assert [(r.submission, r.framework, r.path) for r in runs] == [
        ("syntax_error", "unknown", str(BROKEN / "syntax_error" / "index.py"))
    ]


def test_the_student_id_is_the_folder_name(tmp_path):
    folder = tmp_path / "s1234567"
    folder.mkdir()
    shutil.copy(TORCH_CODE, folder / "index.py")
    assert student_id(folder / "index.py") == "s1234567"
    assert student_id(tmp_path / "." / "s1234567" / "index.py") == "s1234567"


def test_one_reference_run_per_dataset_and_framework_the_students_use():
    assignment = dataclasses.replace(
        Assignment(),
        references={"mnist": "original", "fashion_mnist": "original", "cifar10": "cifar"},
    )
    students = student_runs(
        [LAYERS, TORCH_CODE, BROKEN / "syntax_error" / "index.py"],
        ("mnist", "cifar10"),
        ("torch", "jax"),
    )
    references = reference_runs(students, assignment)
    assert [(r.submission, r.dataset, r.framework, r.reference, r.path) for r in references] == [
        ("reference:cifar", "cifar10", "jax", "cifar", None),
        ("reference:cifar", "cifar10", "torch", "cifar", None),
        ("reference:original", "mnist", "jax", "original", None),
        ("reference:original", "mnist", "torch", "original", None),
    ]
    assert all(r.is_reference for r in references)
    assert not any(r.is_reference for r in students)


def test_no_reference_is_planned_for_a_framework_the_harness_does_not_have():
    students = student_runs([BROKEN / "unknown_framework" / "index.py"], ("mnist",), ("torch",))
    assert [r.framework for r in students] == ["unknown"]  # its run names the problem
    assert reference_runs(students, Assignment()) == []


def test_a_framework_outside_the_list_cannot_spell_another_students_run(tmp_path):
    for folder, framework in (("alice", "torch-mnist-torch"), ("alice-mnist-torch", "torch")):
        (tmp_path / folder).mkdir()
        text = TORCH_CODE.read_text().replace('FRAMEWORK = "torch"', f"FRAMEWORK = {framework!r}")
        (tmp_path / folder / "index.py").write_text(text)
    paths = [tmp_path / "alice" / "index.py", tmp_path / "alice-mnist-torch" / "index.py"]
    runs = student_runs(paths, ("mnist",), ("torch",))
    assert [(r.submission, r.framework) for r in runs] == [
        ("alice", "unknown"),
        ("alice-mnist-torch", "torch"),
    ]
    assert runs[0].name != runs[1].name  # "alice-mnist-unknown", "alice-mnist-torch-mnist-torch"


def test_a_plan_survives_its_file(tmp_path):
    plan = GradingPlan(
        runs=[
            RunSpec("reference:original", "mnist", "torch", reference="original"),
            RunSpec("alice", "mnist", "torch", path="/s/alice/index.py"),
        ],
        out_dir=str(tmp_path),
        assignment_path="/a/assignment.toml",
        data_dir="/d",
        allow_unverified=True,
        max_batches=30,
        time_limit=60.0,
        skipped={"cifar10": "not found"},
    )
    plan.save(tmp_path / "plan.json")
    assert GradingPlan.load(tmp_path / "plan.json") == plan
    assert plan.runs[1].name == "alice-mnist-torch"
