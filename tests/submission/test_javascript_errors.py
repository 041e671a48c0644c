"""index.js: every refusal names the file and the line, and says the fix."""

from __future__ import annotations

import re

import pytest
from needs import require
from test_javascript_dialects import TFJS, starter, write

from harness.config import Assignment
from harness.errors import SubmissionError
from harness.submission.javascript import engine, load_javascript

require("quickjs")

GOOD_NETWORK = """\
let net = addConvLayer(graph, x, 0, 5, 1, 2, 16);
net = graph.relu(net);
net = addFlattenLayer(graph, net);
net = graph.layers.dense('fc', net, 10);
"""


def problems_of(path) -> list[str]:
    with pytest.raises(SubmissionError) as caught:
        load_javascript(path, Assignment())
    assert caught.value.path == str(path)
    return caught.value.problems


def line_of(path, text: str) -> int:
    """The 1-based line of ``path`` holding ``text`` (exactly once)."""
    found = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(found) == 1, found
    return found[0]


def at_line(problem: str, line: int, then: str) -> bool:
    """``problem`` starts with ``line N`` (and maybe its caller's line), then ``then``."""
    return (
        re.match(rf"line {line}( \(called from line \d+\))?: {re.escape(then)}", problem)
        is not None
    )


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_a_syntax_error_names_its_line(tmp_path):
    path = write(
        tmp_path, starter(GOOD_NETWORK.replace("net = graph.relu(net);", "net = graph.relu(net;"))
    )
    problem = only(problems_of(path))
    assert problem.startswith(f"line {line_of(path, 'graph.relu(net;')}: syntax error")


def test_an_operation_the_model_builder_cannot_express_is_named_with_the_supported_ones(tmp_path):
    path = write(
        tmp_path, starter(GOOD_NETWORK.replace("net = graph.relu(net);", "net = graph.exp(net);"))
    )
    problem = only(problems_of(path))
    assert at_line(
        problem,
        line_of(path, "graph.exp(net)"),
        "graph.exp: the Model Builder cannot express this operation",
    )
    assert "graph.conv2d" in problem and "graph.maxPool" in problem
    tfjs = write(
        tmp_path, TFJS.replace("tf.layers.dropout({rate: 0.25})", "tf.layers.lstm({units: 4})")
    )
    problem = only(problems_of(tfjs))
    assert at_line(problem, line_of(tfjs, "tf.layers.lstm"), "tf.layers.lstm")
    assert "tf.layers.conv2d" in problem


def test_a_dense_layer_on_an_unflattened_input_says_to_add_a_flatten_layer(tmp_path):
    path = write(tmp_path, starter(GOOD_NETWORK.replace("net = addFlattenLayer(graph, net);", "")))
    problem = only(problems_of(path))
    assert at_line(problem, line_of(path, "graph.layers.dense("), "graph.layers.dense")
    assert "add a flatten layer" in problem
    tfjs = write(tmp_path, TFJS.replace("model.add(tf.layers.flatten());", ""))
    problem = only(problems_of(tfjs))
    assert problem.startswith(f"line {line_of(tfjs, 'units, activation')}: tf.layers.dense")
    assert "tf.layers.flatten()" in problem


def test_the_wrong_number_of_output_units_names_the_line_and_the_classes(tmp_path):
    path = write(tmp_path, starter(GOOD_NETWORK.replace("'fc', net, 10", "'fc', net, 12")))
    problem = only(problems_of(path))
    assert problem.startswith(
        f"line {line_of(path, 'graph.layers.dense(')}: graph.layers.dense (layer 3)"
    )
    assert "gives 12 outputs, expected 10" in problem


def test_a_file_that_never_builds_a_model(tmp_path):
    path = write(
        tmp_path,
        starter(GOOD_NETWORK).replace(
            "dataSet.fetchData().then(() => runModel());", "// runModel is never called"
        ),
    )
    assert "never builds a model" in only(problems_of(path))


def test_an_error_in_an_async_function_is_reported_with_its_line(tmp_path):
    tfjs = write(
        tmp_path,
        TFJS.replace(
            "const model = tf.sequential", "buildTheModel();\n  const model = tf.sequential"
        ),
    )
    problems = problems_of(tfjs)
    assert f"line {line_of(tfjs, 'buildTheModel')}: the script raised ReferenceError" in problems[0]
    assert "never builds a model" in problems[-1]


def test_a_script_that_hangs_ends_at_the_named_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CPU_SECONDS", 0.5)
    path = write(tmp_path, starter(GOOD_NETWORK + "while (true) {}\n"))
    problem = only(problems_of(path))
    # QuickJS cannot say where a loop was interrupted: the last stand-in call says after what
    assert problem.startswith(f"after line {line_of(path, 'graph.layers.dense(')}: ")
    assert "0.5 s CPU-time limit" in problem and "endless loop" in problem


@pytest.mark.parametrize("hoard", ["new Array(1e5).fill(1)", "{small: 1}"])
def test_a_script_that_fills_memory_ends_at_the_named_limit(tmp_path, hoard):
    # Small objects fill the heap so full that QuickJS cannot make the error object.
    path = write(tmp_path, f"const hoard = [];\nwhile (true) hoard.push({hoard});\n")
    assert f"{engine.MEMORY_BYTES >> 20} MiB memory limit" in only(problems_of(path))


def test_files_and_other_modules_cannot_be_imported(tmp_path):
    path = write(tmp_path, "import * as fs from 'fs';\n" + TFJS)
    problem = only(problems_of(path))
    assert problem.startswith('line 1: import of "fs": not available')


def test_optimizer_settings_the_harness_fixes_are_refused(tmp_path):
    path = write(
        tmp_path,
        starter(
            GOOD_NETWORK,
            train="""\
        const optimizer = new dl.MomentumOptimizer(0.01, 0.5);
        session.train(cost, [], 64, optimizer);""",
        ),
    )
    problem = only(problems_of(path))
    assert problem.startswith(
        f"line {line_of(path, 'MomentumOptimizer')}: momentum momentum "
        "0.5: the harness fixes momentum at 0.9"
    )


def test_the_budget_is_checked_and_told_with_the_training_line(tmp_path):
    path = write(
        tmp_path, starter(GOOD_NETWORK).replace("NUM_BATCHES = 200", "NUM_BATCHES = 20000")
    )
    problem = only(problems_of(path))
    assert problem.startswith(
        f"line {line_of(path, 'session.train(')}: num_batches (session.train x 20000)"
    )


def test_a_script_that_replaces_the_stand_ins_cannot_forge_a_record(tmp_path):
    path = write(tmp_path, "JSON.stringify = () => '{\"models\": 7}';\n")
    assert "malformed" in only(problems_of(path))


def test_the_engine_offers_no_file_network_or_process_api(tmp_path):
    apis = [
        "std",
        "os",
        "fetch",
        "XMLHttpRequest",
        "WebSocket",
        "process",
        "Deno",
        "Bun",
        "importScripts",
        "Worker",
    ]
    path = write(
        tmp_path, f"throw new Error([{', '.join(f'typeof {a}' for a in apis)}].join(' '));\n"
    )
    problem = only(problems_of(path))
    assert problem.startswith(
        "line 1: running the file raised Error: " + " ".join(["undefined"] * len(apis))
    )
