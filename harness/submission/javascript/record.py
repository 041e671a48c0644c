"""The record a script left (untrusted JSON from the stand-ins) parsed into checked types.

The student's script runs in the same JavaScript realm as the stand-ins and could rewrite
what they record; :func:`parse_record` is the one place that reads that JSON, checks every
field's type, and raises :class:`SubmissionError` naming the field otherwise. Values
inside ``settings`` and the hyperparameters stay as recorded: the Model Builder checks
(:mod:`harness.spec`, :mod:`harness.submission.fields`) judge them like any ``LAYERS`` list.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import SubmissionError


@dataclass(frozen=True)
class Frame:
    """One call of the student's code: the function it ran in and the line of the call."""

    function: str
    line: int


@dataclass(frozen=True)
class RecordedLayer:
    kind: str  # Model Builder kind, or "softmax" (dropped by conversion)
    settings: dict  # Model Builder settings as the script gave them
    call: str  # the JavaScript call, e.g. "graph.conv2d" or "tf.layers.dense"
    frames: tuple[Frame, ...]  # innermost first
    activation: object = None  # TensorFlow.js layers: the activation option as given


@dataclass(frozen=True)
class Optimizer:
    name: str
    learning_rate: object
    extra: dict  # further positional settings, by harness name (e.g. momentum)
    line: int | None


@dataclass(frozen=True)
class Training:
    """Training calls in a row with the same settings (``count`` batches in all)."""

    batch_size: object
    optimizer: Optimizer | None
    how: str
    count: int
    line: int | None


@dataclass(frozen=True)
class Message:
    message: str
    frames: tuple[Frame, ...]


@dataclass(frozen=True)
class Recording:
    dialect: str | None
    models: tuple[tuple[RecordedLayer, ...], ...]  # networks that feed a loss or get trained
    model_frames: tuple[tuple[Frame, ...], ...]
    trains: tuple[Training, ...]
    problems: tuple[Message, ...]  # refusals of the stand-ins
    errors: tuple[Message, ...]  # errors made in the student's code, caught or not
    notes: tuple[Message, ...]
    dataset: str | None
    waiting: tuple[Message, ...] = ()  # page handlers that need a person (never run)
    page_reads: tuple[Message, ...] = ()  # values asked of the page (ui.getModelTypeId())


class _Reader:
    """Typed access to the raw JSON; the first wrong field raises SubmissionError."""

    def __init__(self, path):
        self.path = path

    def fail(self, field: str, expected: str, value) -> SubmissionError:
        return SubmissionError(
            self.path,
            [
                f"the record of what the file built is malformed at {field}: expected {expected}, "
                f"received {str(value)[:80]!r}; did the script replace the harness's stand-ins?"
            ],
        )

    def get(self, raw, key: str, kind, field: str, optional: bool = False):
        value = raw.get(key) if isinstance(raw, dict) else None
        if value is None and optional:
            return None
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise self.fail(f"{field}.{key}", getattr(kind, "__name__", str(kind)), value)
        return value

    def frames(self, raw, field: str) -> tuple[Frame, ...]:
        return tuple(
            Frame(self.get(f, "fn", str, field), self.get(f, "line", int, field))
            for f in self.get(raw, "frames", list, field)
        )

    def message(self, raw, field: str) -> Message:
        frames = self.frames(raw, field) if isinstance(raw, dict) and "frames" in raw else ()
        return Message(self.get(raw, "message", str, field), frames)

    def layer(self, raw, field: str) -> RecordedLayer:
        return RecordedLayer(
            self.get(raw, "kind", str, field),
            self.get(raw, "settings", dict, field),
            self.get(raw, "call", str, field),
            self.frames(raw, field),
            raw.get("activation"),
        )

    def optimizer(self, raw, field: str) -> Optimizer | None:
        if raw is None:
            return None
        return Optimizer(
            self.get(raw, "name", str, field),
            raw.get("learning_rate"),
            self.get(raw, "extra", dict, field),
            self.get(raw, "line", int, field, optional=True),
        )

    def training(self, raw, field: str) -> Training:
        return Training(
            raw.get("batch_size") if isinstance(raw, dict) else None,
            self.optimizer(raw.get("optimizer"), f"{field}.optimizer"),
            self.get(raw, "how", str, field),
            self.get(raw, "count", int, field),
            self.get(raw, "line", int, field, optional=True),
        )


def parse_record(raw, path) -> Recording:
    """The raw record checked field by field (raises :class:`SubmissionError`)."""
    read = _Reader(path)
    if not isinstance(raw, dict):
        raise read.fail("record", "an object", raw)
    models = read.get(raw, "models", list, "record")
    dataset = read.get(raw, "dataset", dict, "record", optional=True)
    return Recording(
        dialect=read.get(raw, "dialect", str, "record", optional=True),
        models=tuple(
            tuple(
                read.layer(layer, f"models[{i}]")
                for layer in read.get(model, "layers", list, f"models[{i}]")
            )
            for i, model in enumerate(models)
        ),
        model_frames=tuple(read.frames(model, f"models[{i}]") for i, model in enumerate(models)),
        trains=tuple(
            read.training(t, f"trains[{i}]")
            for i, t in enumerate(read.get(raw, "trains", list, "record"))
        ),
        problems=tuple(
            read.message(m, "problems") for m in read.get(raw, "problems", list, "record")
        ),
        errors=tuple(read.message(m, "errors") for m in read.get(raw, "errors", list, "record")),
        notes=tuple(read.message(m, "notes") for m in read.get(raw, "notes", list, "record")),
        dataset=read.get(dataset, "name", str, "dataset") if dataset else None,
        waiting=tuple(
            read.message(m, "waiting")
            for m in read.get(raw, "waiting", list, "record", optional=True) or []
        ),
        page_reads=tuple(
            read.message(m, "page_reads")
            for m in read.get(raw, "page_reads", list, "record", optional=True) or []
        ),
    )
