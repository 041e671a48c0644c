"""Keras optimizers with the update rules of :mod:`harness.optimizers`; no framework import.

Keras puts epsilon in other places than torch and Optax do: RMSprop and Adagrad divide by
``sqrt(v + eps)``, Adam adds epsilon to the root of the *uncorrected* second moment. The
harness's rules (torch's, which Optax follows with ``eps_in_sqrt=False`` / ``eps_root=0``)
divide by ``sqrt(v) + eps`` and, for Adam, by ``sqrt(v_hat) + eps`` with ``v_hat`` bias
corrected. With the shared epsilon of 1e-8 the RMSprop difference alone moved ten-step
losses by 4e-3 in the parity test, so the three rules are re-stated here on Keras' own
optimizer state. The adapter passes its ``keras`` module in, so this module stays importable
in any process, like the rest of the neutral core.
"""

from __future__ import annotations

import functools
from typing import Any

from harness.errors import HarnessError
from harness.optimizers import OPTIMIZER_DEFAULTS, OptimizerConfig


def make_optimizer(keras, config: OptimizerConfig):
    """The Keras optimizer for ``config``, every setting explicit (Keras defaults differ)."""
    if config.name not in OPTIMIZER_DEFAULTS:
        raise HarnessError(
            f"optimizer: expected one of {', '.join(OPTIMIZER_DEFAULTS)}, received {config.name!r}"
        )
    s = {**OPTIMIZER_DEFAULTS[config.name][1], **config.settings}
    lr = config.learning_rate
    classes = _torch_rule_classes(keras)
    if config.name in ("sgd", "momentum"):
        # Keras: v = m*v - lr*g; w += v. Torch's v = m*v + g; w -= lr*v is the same
        # trajectory for a constant learning rate.
        return keras.optimizers.SGD(lr, momentum=s.get("momentum", 0.0), nesterov=False)
    if config.name == "adam":
        return classes["adam"](lr, beta_1=s["beta1"], beta_2=s["beta2"], epsilon=s["epsilon"])
    if config.name == "rmsprop":
        return classes["rmsprop"](lr, rho=s["decay"], epsilon=s["epsilon"])
    return classes["adagrad"](
        lr, initial_accumulator_value=s["initial_accumulator"], epsilon=s["epsilon"]
    )


@functools.cache
def _torch_rule_classes(keras) -> dict[str, type]:
    """Subclasses of Keras' Adam, RMSprop and Adagrad whose ``update_step`` is torch's."""
    ops = keras.ops
    optimizers: Any = keras.optimizers  # annotated: mypy takes a base class from a typed name

    def cast(gradient, variable, learning_rate):
        return ops.cast(gradient, variable.dtype), ops.cast(learning_rate, variable.dtype)

    def descend(optimizer, variable, numerator, second_moment):
        """w -= numerator / (sqrt(second_moment) + eps): epsilon outside the root."""
        optimizer.assign_sub(
            variable, ops.divide(numerator, ops.add(ops.sqrt(second_moment), optimizer.epsilon))
        )

    class Adam(optimizers.Adam):
        """m, v as Keras keeps them; w -= lr * m_hat / (sqrt(v_hat) + eps)."""

        def update_step(self, gradient, variable, learning_rate):
            g, lr = cast(gradient, variable, learning_rate)
            step = ops.cast(self.iterations + 1, variable.dtype)
            index = self._get_variable_index(variable)
            m, v = self._momentums[index], self._velocities[index]
            self.assign_add(m, ops.multiply(ops.subtract(g, m), 1 - self.beta_1))
            self.assign_add(v, ops.multiply(ops.subtract(ops.square(g), v), 1 - self.beta_2))
            m_hat = ops.divide(m, 1 - ops.power(ops.cast(self.beta_1, variable.dtype), step))
            v_hat = ops.divide(v, 1 - ops.power(ops.cast(self.beta_2, variable.dtype), step))
            descend(self, variable, ops.multiply(lr, m_hat), v_hat)

    class RMSprop(optimizers.RMSprop):
        """v = rho*v + (1-rho)*g^2; w -= lr * g / (sqrt(v) + eps). No momentum, not centred."""

        def update_step(self, gradient, variable, learning_rate):
            g, lr = cast(gradient, variable, learning_rate)
            v = self._velocities[self._get_variable_index(variable)]
            self.assign(
                v, ops.add(ops.multiply(self.rho, v), ops.multiply(1 - self.rho, ops.square(g)))
            )
            descend(self, variable, ops.multiply(lr, g), v)

    class Adagrad(optimizers.Adagrad):
        """s += g^2; w -= lr * g / (sqrt(s) + eps)."""

        def update_step(self, gradient, variable, learning_rate):
            g, lr = cast(gradient, variable, learning_rate)
            s = self._accumulators[self._get_variable_index(variable)]
            self.assign_add(s, ops.square(g))
            descend(self, variable, ops.multiply(lr, g), s)

    return {"adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}
