"""A recording (:mod:`.record`) as a Model Builder layer list and settings.

Pure Python, no engine: each recorded layer becomes one or two Model Builder layers (a
TensorFlow.js ``activation`` option adds its activation layer), each with the line of
``index.js`` that made it; the training calls become ``HYPERPARAMETERS``. Everything the
Model Builder cannot express is a problem naming the line, the call and the fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from harness.optimizers import OPTIMIZER_DEFAULTS
from harness.submission.javascript.record import Frame, Message, RecordedLayer, Recording

ACTIVATION_KINDS = ("relu", "sigmoid", "tanh")
IMAGE_KINDS = ("conv", "maxpool", "avgpool")
SEARCH_BACK = 12  # lines: how far a call's first line may be above the line QuickJS reports
DATA_NOTE = (
    "the harness owns the data pipeline: the network gets the graded dataset's "
    "images scaled to [0, 1] and its own weight initialisation; the file's own data "
    "loading, normalisation and initialisers are not used"
)


@dataclass(frozen=True)
class LayerSource:
    """Where a layer comes from: the line in the code that builds the network, the lines
    inside helper functions it went through (outermost first) and the JavaScript call."""

    line: int | None
    via: tuple[int, ...]
    call: str

    def describe(self) -> str:
        via = "".join(f" > {line}" for line in self.via)
        return f"{self.line}{via}" if self.line else "?"


@dataclass(frozen=True)
class JsModel:
    dialect: str
    layers: tuple[dict, ...]  # Model Builder layers, not yet normalised
    sources: tuple[LayerSource, ...]  # one per layer
    hyperparameters: dict  # Model Builder HYPERPARAMETERS
    hyperparameter_sources: dict  # name -> (line, what the file did)
    notes: tuple[str, ...]


def call_line(line: int, callee: str, source_lines: list[str]) -> int:
    """The first line of a call to ``callee`` that QuickJS reports at ``line`` (its last)."""
    if not callee or callee.startswith("<"):
        return line
    pattern = re.compile(rf"(?<![\w$]){re.escape(callee)}\s*\(")
    for at in range(line, max(line - SEARCH_BACK, 0), -1):
        if at <= len(source_lines) and pattern.search(source_lines[at - 1]):
            return at
    return line


def call_frames(frames: tuple[Frame, ...], call: str, source_lines) -> tuple[Frame, ...]:
    """``frames`` (innermost first) with each line moved to the first line of its call."""
    callees = ([call.split(".")[-1]] + [frame.function for frame in frames])[: len(frames)]
    return tuple(
        Frame(f.function, call_line(f.line, callee, source_lines))
        for f, callee in zip(frames, callees, strict=True)
    )


def where(message: Message, source_lines) -> str:
    """``line N: `` (and the caller's line) for a message with frames, else ``""``."""
    frames = call_frames(message.frames, "", source_lines)
    if not frames:
        return ""
    outer = [f.line for f in frames[1:] if f.line != frames[0].line]
    return f"line {frames[0].line}" + (f" (called from line {outer[0]})" if outer else "") + ": "


def layer_sources(layers: tuple[RecordedLayer, ...], source_lines) -> list[LayerSource]:
    """Each layer's line in the deepest function that every layer goes through: the call
    in ``runModel`` for a layer a helper made, the ``tf.layers`` call at top level."""
    chains = [
        list(reversed(call_frames(layer.frames, layer.call, source_lines))) for layer in layers
    ]
    common = 0
    while (
        all(len(chain) > common for chain in chains)
        and len({chain[common].function for chain in chains}) == 1
    ):
        common += 1
    sources = []
    for chain, layer in zip(chains, layers, strict=True):
        at = min(max(common - 1, 0), len(chain) - 1)
        line = chain[at].line if chain else None
        sources.append(LayerSource(line, tuple(f.line for f in chain[at + 1 :]), layer.call))
    return sources


def _activation_layers(layer: RecordedLayer, last: bool, label: str) -> tuple[list, list, list]:
    """(extra layers, notes, problems) for a TensorFlow.js ``activation`` option."""
    name = layer.activation
    if name in (None, "linear"):
        return [], [], []
    if name in ACTIVATION_KINDS:
        return [{"layer": name}], [], []
    if name == "softmax" and last:
        return (
            [],
            [
                f"{label}: activation 'softmax' is dropped: the harness applies softmax "
                "in the loss (softmax cross-entropy on the logits)"
            ],
            [],
        )
    return (
        [],
        [],
        [
            f"{label}: activation {name!r}: the Model Builder supports 'relu', "
            "'sigmoid', 'tanh' (and 'softmax' on the last layer); fix: use one of them"
        ],
    )


def _flat_problem(kind: str, flat: bool, label: str, dialect: str) -> str | None:
    """A dense layer on an image, or an image layer after the flatten."""
    flatten = (
        "tf.layers.flatten()"
        if dialect.startswith("TensorFlow")
        else "addFlattenLayer (graph.reshape(x, [dl.util.sizeFromShape(x.shape)]))"
    )
    if kind == "dense" and not flat:
        return (
            f"{label}: a dense layer on an unflattened image; fix: add a flatten layer "
            f"before it: {flatten}"
        )
    if kind in IMAGE_KINDS and flat:
        return f"{label}: a {kind} layer after the flatten; fix: put it before the flatten layer"
    return None


def convert_layers(recorded, sources, dialect: str) -> tuple[list, list, list, list]:
    """(Model Builder layers, their sources, notes, problems) of one recorded network."""
    layers: list[dict] = []
    out_sources: list = []
    notes: list[str] = []
    problems: list[str] = []
    flat = False
    for index, (layer, source) in enumerate(zip(recorded, sources, strict=True)):
        label = f"line {source.line}: {layer.call}"
        last = index == len(recorded) - 1
        if layer.kind == "softmax":
            (notes if last else problems).append(
                f"{label}: softmax "
                + (
                    "is dropped: the harness applies softmax in the loss"
                    if last
                    else "inside the network is not supported"
                )
            )
            continue
        problem = _flat_problem(layer.kind, flat, label, dialect)
        flat = flat or layer.kind in ("flatten", "dense")
        extra, found_notes, found = _activation_layers(layer, last, label)
        problems += [problem] if problem else []
        problems += found
        notes += found_notes
        for made in [{"layer": layer.kind, **layer.settings}, *extra]:
            layers.append(made)
            out_sources.append(source)
    return layers, out_sources, notes, problems


def _optimizer_problems(training) -> list[str]:
    """Settings other than the learning rate must be the harness's (harness/optimizers.py)."""
    optimizer = training.optimizer
    if optimizer.name not in OPTIMIZER_DEFAULTS:
        return [
            f"line {optimizer.line}: optimizer {optimizer.name!r}: supported: "
            f"{', '.join(OPTIMIZER_DEFAULTS)}"
        ]
    fixed, problems = OPTIMIZER_DEFAULTS[optimizer.name][1], []
    for key, value in optimizer.extra.items():
        expected = fixed.get(key, 0)
        if not isinstance(value, (int, float)) or not math.isclose(value, expected, rel_tol=1e-6):
            problems.append(
                f"line {optimizer.line}: {optimizer.name} {key} {value!r}: the harness fixes "
                f"{key} at {expected:g} so every framework trains alike; fix: use {expected:g} "
                "or leave it out"
            )
    return problems


def _training_problems(trains) -> list[str]:
    if not trains:
        return [
            "the file never trains: no session.train(...) (deeplearn.js) or model.fit / "
            "model.trainOnBatch (TensorFlow.js) call ran; fix: train the network so the "
            "harness learns the batch size, number of batches and optimizer"
        ]
    problems = []
    sizes = {repr(t.batch_size): t for t in trains}
    if len(sizes) > 1:
        problems.append(
            "the batch size changes between training calls ("
            + ", ".join(f"{size} at line {t.line}" for size, t in sizes.items())
            + "); fix: use one"
        )
    kinds = {
        (t.optimizer.name, repr(t.optimizer.learning_rate)) if t.optimizer else None: t
        for t in trains
    }
    if None in kinds:
        problems.append(
            f"line {kinds[None].line}: {kinds[None].how}: no optimizer given; fix: "
            "pass one, e.g. new dl.SGDOptimizer(0.01)"
        )
    elif len(kinds) > 1:
        named = [(kind, t) for kind, t in kinds.items() if kind is not None]  # no None key here
        problems.append(
            "the optimizer changes between training calls ("
            + ", ".join(f"{name} {rate} at line {t.line}" for (name, rate), t in named)
            + "); fix: use one optimizer"
        )
    return problems or _optimizer_problems(trains[0])


def convert_training(trains) -> tuple[dict, dict]:
    """(HYPERPARAMETERS, name -> (line, what the file did)) from consistent training calls."""
    first, batches = trains[0], sum(t.count for t in trains)
    optimizer = first.optimizer
    how = first.how if first.how.startswith("model.fit") else f"{first.how} x {batches}"
    given = {
        "batch_size": first.batch_size,
        "num_batches": batches,
        "optimizer": optimizer.name,
        "learning_rate": optimizer.learning_rate,
    }
    sources = {
        "batch_size": (first.line, f"batch size of {first.how}"),
        "num_batches": (first.line, how),
        "optimizer": (optimizer.line, f"optimizer {optimizer.name}"),
        "learning_rate": (optimizer.line, f"learning rate of {optimizer.name}"),
    }
    return given, sources


def _batches_note(trains, batches: int) -> list[str]:
    """How TensorFlow.js epochs became the number of batches (docs/javascript.md)."""
    first = trains[0]
    if not first.how.startswith("model.fit"):
        return []
    return [
        f"line {first.line}: num_batches {batches:,} counted from {first.how} (per call: "
        "epochs x ceil(examples x (1 - validationSplit) / batchSize), as TensorFlow.js cuts "
        "them; the labs' data holds the harness's training split of the dataset)"
    ]


def _model_problem(recording: Recording) -> str | None:
    if not recording.models:
        return (
            "the file never builds a model: no graph.softmaxCrossEntropyCost(logits, "
            "labels) (deeplearn.js) and no tf.sequential() (TensorFlow.js) was reached; "
            "fix: build the network and its cost (see submissions/template_js/index.js)"
        )
    if len(recording.models) > 1:
        lines = ", ".join(str(frames[0].line) for frames in recording.model_frames if frames)
        return (
            f"the file builds {len(recording.models)} models (lines {lines}); expected one "
            "network that is trained"
        )
    if not recording.models[0]:
        return "the model has no layers; fix: add layers such as a flatten and a dense layer"
    return None


def _waiting_problems(recording: Recording, lines) -> list[str]:
    """Why a file that never built or trained its model got no further: page handlers."""
    return [
        f"{where(m, lines)}{m.message}: the harness runs the file as the page opens and "
        "acts on nothing on it; fix: call that function at the end of index.js (e.g. run())"
        for m in recording.waiting
    ]


def _page_read_problems(recording: Recording, lines) -> list[str]:
    """Values a file asked of the page, for a file that then built no model."""
    return [
        f"{where(m, lines)}{m.message}, which gives nothing when grading (the harness runs "
        "no page); if the network depends on it, fix: write the value in index.js"
        for m in recording.page_reads
    ]


def convert(recording: Recording, source: str, stopped=()) -> tuple[JsModel | None, list[str]]:
    """The Model Builder form of a recording, or None and every problem found.

    ``stopped`` are the problems that ended the script (see :func:`engine.record_file`).
    """
    lines = source.splitlines()
    problems = list(stopped) + [where(m, lines) + m.message for m in recording.problems]
    if problems:  # the script stopped there: what it recorded so far is incomplete
        # An error after reading the page (a network picked in a form) may come from that.
        problems += _page_read_problems(recording, lines) if stopped else []
        return None, list(dict.fromkeys(problems))
    model_problem = _model_problem(recording)
    if model_problem:  # errors the script made explain it
        errors = [f"{where(e, lines)}the script raised {e.message}" for e in recording.errors]
        page = _waiting_problems(recording, lines) + _page_read_problems(recording, lines)
        return None, list(dict.fromkeys(errors + [model_problem] + page))
    recorded = recording.models[0]
    sources = layer_sources(recorded, lines)
    dialect = recording.dialect or "deeplearn.js Graph"
    layers, layer_lines, notes, found = convert_layers(recorded, sources, dialect)
    problems += found + _training_problems(recording.trains)
    if not recording.trains:
        problems += _waiting_problems(recording, lines)
    if problems:
        return None, problems
    given, given_sources = convert_training(recording.trains)
    notes += [where(m, lines) + m.message for m in recording.notes]
    notes += _batches_note(recording.trains, given["num_batches"])
    if recording.dataset:
        notes.append(
            f"the file picks {recording.dataset}; the harness grades on each "
            "dataset of the assignment, with that dataset's input shape"
        )
    return JsModel(
        dialect, tuple(layers), tuple(layer_lines), given, given_sources, tuple(notes + [DATA_NOTE])
    ), []
