"""Two Model Builder networks compared: the list of changes from one to the other.

Pure Python on normalised layer lists (:mod:`harness.submission.spec`) and hyperparameter
dicts; nothing runs or trains. The layers are aligned by kind (``difflib``); each aligned
pair whose settings differ, each run of added layers, each run of removed layers and each
replaced run is a *slot*. Slots that make the same change (filters 16 -> 50 in both conv
layers, the same conv/relu pair added before each pool) form one :class:`Change`, and a
differing hyperparameter is a change of its own. :func:`apply` builds the network with any
subset of the changes made, the one-change-at-a-time variants ``explain`` trains.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

HYPERPARAMETER_ORDER = ("batch_size", "num_batches", "optimizer", "learning_rate")


@dataclass(frozen=True)
class DiffSlot:
    """One place where the networks differ (or agree): base layers -> student layers.
    ``parts`` are (change index, fields): the change sets those fields of an aligned layer
    to the student's, or (fields empty) puts the student's layers in place of the base's."""

    base: tuple[dict, ...]
    student: tuple[dict, ...]
    base_index: int  # position of ``base`` in the base list (0-based)
    parts: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def layers(self, chosen: set) -> list[dict]:
        picked = [fields for change, fields in self.parts if change in chosen]
        if not picked:
            return [dict(layer) for layer in self.base]
        if not picked[0]:
            return [dict(layer) for layer in self.student]
        layer = dict(self.base[0])
        for fields in picked:
            layer.update({name: self.student[0][name] for name in fields})
        return [layer]


@dataclass(frozen=True)
class Change:
    """One change: ``kind`` is "layer changed", "layers added", "layers removed", "layers
    replaced" or "hyperparameter"; ``text`` says it in words, 1-based layer numbers."""

    kind: str
    text: str
    key: str  # what identifies it (equal keys at several places are one change)


@dataclass(frozen=True)
class NetworkDiff:
    slots: tuple[DiffSlot, ...]
    changes: tuple[Change, ...]
    base_hyperparameters: dict
    student_hyperparameters: dict

    def apply(self, chosen) -> tuple[list[dict], dict]:
        """(layers, hyperparameters) of the base with the changes in ``chosen`` made."""
        chosen = set(chosen)
        layers: list[dict] = []
        for slot in self.slots:
            layers += slot.layers(chosen)
        hyper = dict(self.base_hyperparameters)
        for index, change in enumerate(self.changes):
            if change.kind == "hyperparameter" and index in chosen:
                name = change.key.split(":", 1)[1]
                hyper[name] = self.student_hyperparameters[name]
        return layers, hyper


def _settings(layer: dict) -> str:
    inner = ", ".join(f"{k}={v}" for k, v in layer.items() if k != "layer")
    return f"{layer['layer']}({inner})" if inner else layer["layer"]


# Fields that change together as one change: a new field size with the zero_pad that keeps
# the image's size is one decision, not two.
COUPLED = (("field_size", "zero_pad"),)


def field_groups(base: dict, student: dict) -> list[tuple[str, ...]]:
    """The differing fields of two layers of one kind, coupled fields grouped."""
    differing = [k for k in base if k != "layer" and base[k] != student[k]]
    groups = []
    for coupled in COUPLED:
        together = tuple(k for k in coupled if k in differing)
        if together:
            groups.append(together)
    taken = {k for group in groups for k in group}
    return groups + [(k,) for k in differing if k not in taken]


def _field_change(base: dict, student: dict, fields: tuple[str, ...]) -> str:
    parts = [f"{k} {base[k]} -> {student[k]}" for k in fields]
    return f"{base['layer']} " + ", ".join(parts)


def _numbers(positions: list[int]) -> str:
    label = "layer" if len(positions) == 1 else "layers"
    return f"{label} {', '.join(str(p + 1) for p in positions)}"


def _slots(base: list[dict], student: list[dict]) -> list[tuple[tuple, tuple, int, list]]:
    """(base layers, student layers, base index, [(key, fields)]) in order, aligned by kind."""
    matcher = difflib.SequenceMatcher(
        a=[layer["layer"] for layer in base],
        b=[layer["layer"] for layer in student],
        autojunk=False,
    )
    slots: list[tuple[tuple, tuple, int, list]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                old, new = base[i1 + k], student[j1 + k]
                keys = [
                    (
                        "change:"
                        + json.dumps(
                            [
                                {f: old[f] for f in fields},
                                {f: new[f] for f in fields},
                                old["layer"],
                            ],
                            sort_keys=True,
                        ),
                        fields,
                    )
                    for fields in field_groups(old, new)
                ]
                slots.append(((old,), (new,), i1 + k, keys))
        else:
            base_layers, student_layers = tuple(base[i1:i2]), tuple(student[j1:j2])
            key = f"{tag}:" + json.dumps([base_layers, student_layers], sort_keys=True)
            slots.append((base_layers, student_layers, i1, [(key, ())]))
    return slots


def _layer_text(key: str, examples: list[tuple], positions: list[int]) -> tuple[str, str]:
    old, new, _, fields = examples[0]
    where = _numbers(positions)
    if key.startswith("change:"):
        return "layer changed", f"{_field_change(old[0], new[0], fields)} in {where}"
    if key.startswith("insert:"):
        added = " + ".join(map(_settings, new))
        before = f"before {where}" if positions else "at the end"
        return "layers added", f"{added} added {before}"
    if key.startswith("delete:"):
        spans = ", ".join(f"{p + 1}-{p + len(old)}" for p in positions)
        return "layers removed", f"{' + '.join(map(_settings, old))} removed (layers {spans})"
    return (
        "layers replaced",
        f"{' + '.join(map(_settings, old))} replaced by {' + '.join(map(_settings, new))} "
        f"({where})",
    )


def diff_networks(
    base_layers, base_hyperparameters: dict, layers, hyperparameters: dict
) -> NetworkDiff:
    """The changes from the base network to the student's (both lists normalised)."""
    raw = _slots(list(base_layers), list(layers))
    groups: dict[str, list[tuple]] = {}
    for old, new, index, keys in raw:
        for key, fields in keys:
            groups.setdefault(key, []).append((old, new, index, fields))
    changes: list[Change] = []
    number: dict[str, int] = {}
    for key, found in groups.items():
        positions = [index for _, _, index, _ in found if index < len(base_layers)]
        kind, text = _layer_text(key, found, positions)
        number[key] = len(changes)
        changes.append(Change(kind, text, key))
    for name in HYPERPARAMETER_ORDER:
        old_value, new_value = base_hyperparameters.get(name), hyperparameters.get(name)
        if old_value != new_value:
            text = f"{name} {old_value} -> {new_value}"
            changes.append(Change("hyperparameter", text, f"hyper:{name}"))
    slots = tuple(
        DiffSlot(old, new, index, tuple((number[key], fields) for key, fields in keys))
        for old, new, index, keys in raw
    )
    return NetworkDiff(slots, tuple(changes), dict(base_hyperparameters), dict(hyperparameters))
