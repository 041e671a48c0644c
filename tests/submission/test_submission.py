"""Loading submissions: discovery, the examples, and one broken submission per error.

The broken submissions under tests/broken_submissions/ import no framework, so loading
them here (which runs their code) keeps this process framework-free.
"""

import dataclasses
import runpy
import types

import pytest
from project_paths import ROOT

from harness.config import Assignment, Budget
from harness.errors import HarnessError, SubmissionError
from harness.optimizers import OptimizerConfig
from harness.submission import spec
from harness.submission.fields import namespace_problems
from harness.submission.load import discover, load_submission, peek

BROKEN = ROOT / "tests" / "broken_submissions"
EXAMPLES = ROOT / "submissions"
ASSIGNMENT = Assignment()
CODE_EXAMPLES = ("torch_example", "tensorflow_example", "jax_example")

# folder -> the problem lines expected, in order, each as (start of the line, text it holds)
EXPECTED = {
    "syntax_error": [
        ("line 6: syntax error: invalid syntax", "`def build_model(input_shape num_classes):`")
    ],
    "import_error": [
        ("line 3: loading the file raised ModuleNotFoundError", "No module named 'tensorflw'")
    ],
    "name_error": [("line 4: loading the file raised NameError", "name 'FILTER' is not defined")],
    "sys_exit": [("line 5: loading the file raised SystemExit", "SystemExit: 3")],
    "neither_form": [
        (
            "LAYERS: expected LAYERS (Model Builder form) or FRAMEWORK and "
            "build_model (code form), received neither",
            "template",
        )
    ],
    "both_forms": [("line 3: LAYERS: expected either", "received both")],
    "unknown_framework": [
        (
            "line 3: FRAMEWORK: expected one of 'torch', 'tensorflow', 'jax', received 'pytorch'",
            "did you mean 'torch'?",
        )
    ],
    "missing_framework": [("FRAMEWORK: expected one of", "received nothing")],
    "missing_build_model": [
        (
            "build_model: expected a function, received nothing",
            "def build_model(input_shape, num_classes):",
        )
    ],
    "misspelt_build_model": [
        (
            "line 6: build_modle: unknown top-level name; expected build_model",
            "rename build_modle to build_model",
        ),
        ("build_model: expected a function", "received nothing"),
    ],
    "build_model_signature": [
        (
            "line 6: build_model: expected a function called as "
            "build_model(input_shape, num_classes)",
            "received build_model(input_shape)",
        )
    ],
    "build_model_not_callable": [("line 4: build_model: expected a function", "received str")],
    "hyperparameters_not_dict": [
        ("line 3: HYPERPARAMETERS: expected a dict", "received [64, 3000]")
    ],
    "batch_size_too_large": [
        (
            "line 3: HYPERPARAMETERS['batch_size']: expected an integer from 1 to 512",
            "received 1000",
        )
    ],
    "batch_size_float": [
        ("line 3: HYPERPARAMETERS['batch_size']: expected an integer", "received 64.0")
    ],
    "num_batches_zero": [
        (
            "line 3: HYPERPARAMETERS['num_batches']: expected an integer from 1 to 10000",
            "received 0",
        )
    ],
    "examples_over_budget": [
        (
            "line 3: HYPERPARAMETERS['num_batches']: expected batch_size x num_batches <= 640000",
            "received 512 x 2000 = 1024000; fix: lower num_batches to 1250 or less",
        )
    ],
    "learning_rate_nan": [
        ("line 3: HYPERPARAMETERS['learning_rate']: expected a finite number > 0", "received nan")
    ],
    "learning_rate_negative": [("line 3: HYPERPARAMETERS['learning_rate']", "received -0.1")],
    "unknown_optimizer": [
        (
            "line 3: HYPERPARAMETERS['optimizer']: expected one of sgd, "
            "momentum, adam, rmsprop, adagrad",
            "did you mean 'adam'?",
        )
    ],
    "unknown_hyperparameter": [
        ("line 3: HYPERPARAMETERS['lr']: unknown name", "did you mean 'learning_rate'?")
    ],
    "optimizer_setting": [
        ("line 3: HYPERPARAMETERS['momentum']: unknown name", "fixed by the harness")
    ],
    "misspelt_layers": [
        ("line 3: LAYER: unknown top-level name; expected LAYERS", "rename LAYER to LAYERS"),
        ("LAYERS: expected LAYERS", "neither"),
    ],
    "lowercase_layers": [
        ("line 3: layers: unknown top-level name; expected LAYERS", "rename layers to LAYERS"),
        ("LAYERS: expected LAYERS", "neither"),
    ],
    "misspelt_hyperparameters": [
        (
            "line 3: HYPERPARAMS: unknown top-level name; expected HYPERPARAMETERS",
            "rename HYPERPARAMS to HYPERPARAMETERS",
        )
    ],
    "layers_empty": [("line 3: LAYERS: expected a non-empty list", "received []")],
    "layer_not_dict": [("line 5: LAYERS[1]: expected a dict", "received 'relu'")],
    "unknown_layer_kind": [
        (
            "line 6: LAYERS[2] (maxpol): layer: expected one of conv, maxpool",
            "received 'maxpol'; fix: did you mean 'maxpool'?",
        )
    ],
    "softmax_layer": [
        (
            "line 9: LAYERS[5] (softmax): layer 'softmax' is not available",
            "the harness applies softmax in the loss",
        )
    ],
    "missing_setting": [
        ("line 4: LAYERS[0] (conv): filters: expected a value", "received nothing")
    ],
    "unknown_setting": [
        ("line 4: LAYERS[0] (conv): unknown setting 'kernel_size'", "did you mean 'field_size'?"),
        ("line 4: LAYERS[0] (conv): field_size: expected a value", "nothing"),
    ],
    "wrong_type": [
        ("line 4: LAYERS[0] (conv): filters: expected an integer >= 1", "received '16'")
    ],
    "dropout_rate": [
        ("line 8: LAYERS[4] (dropout): rate: expected a number with 0 <= rate < 1", "received 1.0")
    ],
    "empty_image": [
        (
            "line 10: for input 28x28x1 (mnist, fashion_mnist): LAYERS[6] (maxpool: "
            "field_size=2, stride=2): input 1x1x16 gives an empty image",
            "output 0x0x16",
        )
    ],
    "empty_image_small_inputs": [
        (
            "line 4: for input 28x28x1 (mnist, fashion_mnist): LAYERS[0] "
            "(maxpool: field_size=30, stride=30): input 28x28x1 gives an "
            "empty image",
            "output 0x0x1",
        )
    ],
    "dense_before_flatten": [
        (
            "line 7: for input 28x28x1 (mnist, fashion_mnist): LAYERS[3] "
            "(dense: units=10): expected flat features",
            "14x14x16 image",
        ),
        ("line 7: for input 32x32x3 (cifar10): LAYERS[3]", "16x16x16"),
    ],
    "conv_after_flatten": [
        ("line 6: for input 28x28x1", "put conv layers before the flatten"),
        ("line 6: for input 32x32x3", "16384 features"),
    ],
    "flatten_twice": [
        ("line 6: for input 28x28x1", "already flat"),
        ("line 6: for input 32x32x3", "already flat"),
    ],
    "wrong_units": [
        (
            "line 8: LAYERS[4] (dense: units=5): the last dense layer gives 5 outputs, expected 10",
            "set its units to 10",
        )
    ],
    "no_dense_at_end": [
        (
            "for input 28x28x1 (mnist, fashion_mnist): LAYERS: the network ends "
            "with a 14x14x16 output, expected 10 class scores",
            "'units': 10",
        ),
        ("for input 32x32x3", "16x16x16 output"),
    ],
    "several_problems": [
        ("line 3: HYPERPARAMETERS['batch_size']", "received 0"),
        ("line 3: HYPERPARAMETERS['optimizer']", "received 'adamw'"),
        ("line 5: LAYERS[0] (conv): field_size", "received 0"),
        ("line 6: LAYERS[1] (softmax)", "softmax in the loss"),
    ],
}


# Found only when the model is built: tests/test_check.py asserts their messages.
FOUND_BY_CHECK = ("build_model_raises", "wrong_output_shape")


def test_every_broken_submission_has_expectations():
    folders = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
    assert folders == sorted([*EXPECTED, *FOUND_BY_CHECK])


@pytest.mark.parametrize("name", FOUND_BY_CHECK)
def test_problems_in_build_model_pass_loading(name):
    assert load_submission(BROKEN / name / "index.py", ASSIGNMENT).form == "code"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_submission_reports_the_specific_problem(name):
    path = BROKEN / name / "index.py"
    with pytest.raises(SubmissionError) as info:
        load_submission(path, ASSIGNMENT)
    assert str(info.value).startswith(f"{path}: {len(EXPECTED[name])} problem(s):")
    for problem, (start, detail) in zip(info.value.problems, EXPECTED[name], strict=True):
        assert problem.startswith(start), problem
        assert detail in problem, problem
        assert "fix:" in problem or "did you mean" in problem, problem


def test_peek_reads_the_form_without_running_the_file():
    assert peek(EXAMPLES / "original" / "index.py") == ("layers", None)
    assert peek(EXAMPLES / "torch_example" / "index.py") == ("code", "torch")
    assert peek(BROKEN / "sys_exit" / "index.py") == (None, None)  # would exit if it ran
    with pytest.raises(SubmissionError, match="line 6: syntax error"):
        peek(BROKEN / "syntax_error" / "index.py")


def test_discover_skips_the_template_and_finds_every_example():
    found = discover([EXAMPLES])
    names = {p.parent.name for p in found}
    assert "template" not in names and set(CODE_EXAMPLES) <= names and "original" in names
    assert found == sorted(found)
    assert discover([EXAMPLES / "template"]) == [EXAMPLES / "template" / "index.py"]
    assert discover([EXAMPLES / "original" / "index.py", EXAMPLES / "original"]) == [
        EXAMPLES / "original" / "index.py"
    ]


def test_discover_names_a_missing_path(tmp_path):
    with pytest.raises(HarnessError, match="does not exist"):
        discover([tmp_path / "nope"])


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(EXAMPLES.glob("*/index.py")) if p.parent.name not in CODE_EXAMPLES],
    ids=lambda p: p.parent.name,
)
def test_model_builder_examples_load(path):
    submission = load_submission(path, ASSIGNMENT)
    assert submission.form == "layers" and submission.framework is None
    assert submission.student_id == path.parent.name
    assert submission.model_source().layers == submission.layers
    given = runpy.run_path(str(path))["HYPERPARAMETERS"]  # our own example: safe to run
    expected = OptimizerConfig.from_name(given["optimizer"], given["learning_rate"])
    assert submission.optimizer_config() == expected


def test_original_example_matches_the_hand_count():
    submission = load_submission(EXAMPLES / "original" / "index.py", ASSIGNMENT)
    assert spec.param_count(submission.layers, (28, 28, 1)) == 14_682
    assert spec.param_count(submission.layers, (32, 32, 3)) == 17_882


def test_defaults_come_from_the_budget_and_the_optimizer(tmp_path):
    path = tmp_path / "student" / "index.py"
    path.parent.mkdir()
    path.write_text(
        'HYPERPARAMETERS = {"optimizer": "adam"}\n'
        'LAYERS = [{"layer": "flatten"}, {"layer": "dense", "units": 10}]\n'
    )
    budget = dataclasses.replace(Budget(), default_batch_size=32, default_num_batches=100)
    submission = load_submission(path, dataclasses.replace(ASSIGNMENT, budget=budget))
    assert dataclasses.asdict(submission.hyperparameters) == {
        "batch_size": 32,
        "num_batches": 100,
        "learning_rate": 0.001,
        "optimizer": "adam",
    }


def test_code_form_using_another_framework_is_reported():
    names = {
        "FRAMEWORK": "torch",
        "build_model": lambda shape, classes: None,
        "nn": types.ModuleType("flax.linen"),
    }
    from harness.submission.load import _foreign_imports

    form, problems = namespace_problems(names, "student")
    assert form == "code" and problems == []
    (problem,) = _foreign_imports(names, "torch")
    assert problem.startswith(
        "nn: expected only 'torch' code (FRAMEWORK = 'torch'), received 'nn' from flax (jax)"
    )


def test_peek_reads_a_name_a_for_loop_binds(tmp_path):
    """`for FRAMEWORK in ...:` at the top level binds FRAMEWORK without a value: peek
    raised AttributeError there, which stopped planning the whole grading (and check,
    train, benchmark), whatever the other students handed in."""
    from harness.grading.plan import student_runs

    hostile, honest = tmp_path / "hostile" / "index.py", tmp_path / "honest" / "index.py"
    hostile.parent.mkdir(), honest.parent.mkdir()
    hostile.write_text('for FRAMEWORK in ["torch"]:\n    pass\n')
    honest.write_text((EXAMPLES / "torch_example" / "index.py").read_text())
    assert peek(hostile) == ("code", None)
    runs = student_runs([hostile, honest], ("mnist",), ("torch",))
    assert [(r.submission, r.framework) for r in runs] == [
        ("hostile", "unknown"),
        ("honest", "torch"),
    ]
