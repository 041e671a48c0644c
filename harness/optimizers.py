"""Optimizer names, their hyperparameters and defaults, shared by every adapter.

Each adapter maps an :class:`OptimizerConfig` onto its framework's optimizer with these
exact values, so that the same name means the same update rule in torch, Keras and Optax.
Where frameworks disagree on a default (Keras' Adam epsilon is 1e-7, torch's 1e-8; Keras'
RMSprop decay is 0.9, torch's 0.99; Keras' Adagrad starts its accumulator at 0.1, torch's
at 0), the value here wins and is passed explicitly everywhere. Where they disagree on the
rule itself, torch's wins: epsilon is added outside the square root, to the bias-corrected
root for Adam (Keras puts it inside for RMSprop and Adagrad; see
``harness/adapters/tensorflow/optimizers.py``). tests/test_parity.py checks ten steps of every
optimizer against torch in all three frameworks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# name -> (default learning rate, extra settings with their defaults)
OPTIMIZER_DEFAULTS: dict[str, tuple[float, dict[str, float]]] = {
    "sgd": (0.01, {}),
    "momentum": (0.01, {"momentum": 0.9}),  # heavy ball: v = m*v + g; w -= lr*v
    "adam": (0.001, {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}),
    "rmsprop": (0.001, {"decay": 0.9, "epsilon": 1e-8}),  # no momentum, not centered
    "adagrad": (0.01, {"initial_accumulator": 0.1, "epsilon": 1e-8}),
}

OPTIMIZER_NAMES = tuple(OPTIMIZER_DEFAULTS)


@dataclass(frozen=True)
class OptimizerConfig:
    """An optimizer by name with every setting spelled out (see ``OPTIMIZER_DEFAULTS``)."""

    name: str = "sgd"
    learning_rate: float = 0.01
    settings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_name(cls, name: str, learning_rate: float | None = None) -> OptimizerConfig:
        """The named optimizer with the shared defaults; ``learning_rate`` overrides."""
        default_lr, settings = OPTIMIZER_DEFAULTS[name]
        lr = default_lr if learning_rate is None else float(learning_rate)
        return cls(name=name, learning_rate=lr, settings=dict(settings))

    def setting(self, key: str) -> float:
        return self.settings[key]
