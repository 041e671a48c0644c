"""Layer lists and hyperparameters as flat signatures, and pairs that share one.

A signature is ``{"layers[2].filters": 16, "learning_rate": 0.01, ...}``; the distance of
two is the number of keys whose values differ. Two students beginning from the starter and
each changing one thing often change the same thing, so a pair counts only when its
configuration is far from every known one (the starter's and the listed experiments'):
identical at least ``IDENTICAL_AWAY`` changes from them, near-identical (one value apart) at
least ``NEAR_AWAY``.
"""

from __future__ import annotations

import json
from itertools import combinations

IDENTICAL_AWAY, NEAR_AWAY = 2, 3
HYPERPARAMETER_KEYS = ("batch_size", "num_batches", "optimizer", "learning_rate")


def signature(layers, hyperparameters: dict, batches_cap: int | None = None) -> dict:
    """The flat signature; ``batches_cap``: the grading's --max-batches, applied alike."""
    flat = {key: hyperparameters.get(key) for key in HYPERPARAMETER_KEYS}
    if batches_cap and isinstance(flat["num_batches"], int):
        flat["num_batches"] = min(flat["num_batches"], batches_cap)
    for index, layer in enumerate(layers or ()):
        for name, value in sorted(dict(layer).items()):
            flat[f"layers[{index}].{name}"] = value
    return flat


def distance(one: dict, other: dict) -> int:
    return sum(one.get(key) != other.get(key) for key in set(one) | set(other))


def differences(one: dict, other: dict) -> list[str]:
    keys = sorted(k for k in set(one) | set(other) if one.get(k) != other.get(k))
    return [f"{k}: {json.dumps(one.get(k))} vs {json.dumps(other.get(k))}" for k in keys]


def away_from_known(flat: dict, known: list[dict]) -> int:
    """Changes from the nearest known configuration (a large number when none is known)."""
    return min((distance(flat, k) for k in known), default=10**6)


def similar_configs(signatures: dict[str, dict], known: list[dict]) -> list[dict]:
    """``{"a", "b", "distance", "evidence"}`` for each pair counted as alike."""
    away = {student: away_from_known(flat, known) for student, flat in signatures.items()}
    by_length: dict[int, list[str]] = {}
    for student, flat in signatures.items():
        by_length.setdefault(len(flat), []).append(student)
    found = []
    for group in by_length.values():
        for a, b in combinations(sorted(group), 2):
            apart = distance(signatures[a], signatures[b])
            needed = IDENTICAL_AWAY if apart == 0 else NEAR_AWAY
            if apart > 1 or min(away[a], away[b]) < needed:
                continue
            what = "identical" if apart == 0 else "near-identical"
            diff = (
                "" if apart == 0 else f" ({'; '.join(differences(signatures[a], signatures[b]))})"
            )
            found.append(
                {
                    "a": a,
                    "b": b,
                    "distance": apart,
                    "evidence": f"{what} layer list and hyperparameters{diff}, "
                    f"{min(away[a], away[b])} changes from the starter and every listed "
                    "experiment",
                }
            )
    return found
