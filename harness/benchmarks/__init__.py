"""Benchmarks: adapters against hand-written loops, and the three frameworks against each other.

Every measured run happens in a child process (``python -m harness.benchmarks.child``) that
imports exactly one framework and prints one JSON line; the parent
(:mod:`harness.benchmarks.command`) only spawns children, aggregates rounds and writes
tables, so it imports no framework.

The ``reference_models/handwritten_<framework>.py`` modules are the adapters' yardstick: the
``original`` (or ``cifar``) network written the way a competent user writes it in a
tutorial, trained on the same batches (:func:`harness.batch_order.batch_indices`) with
the same optimizer, data on the device once. Each exposes ``train(data, field, filters,
batch_size, num_batches, warmup, learning_rate, momentum, seed) -> dict`` with the keys of
:data:`HANDWRITTEN_KEYS`; they import nothing of the harness, which hands them the network's
field size and filters (:data:`NETWORKS`) and the warm-up steps (:func:`warmup_count`).
Timing follows the adapters' definition (harness/adapters/base.py): the first
``warmup_batches`` steps are warm-up (compilation included, the framework's barrier at their
end); the rest is the steady state, ``examples_per_sec = steady_batches * batch_size /
steady_seconds``. They live beside the reference networks, outside the neutral core, and
import their framework inside ``train``.
"""

# network name -> (field size, filters): conv(f, pad f//2) relu maxpool(2), twice, dense
NETWORKS = {"original": (5, 16), "cifar": (3, 30)}

HANDWRITTEN_KEYS = (
    "examples_per_sec",
    "warmup_seconds",
    "steady_seconds",
    "final_loss",
    "validation_accuracy",
    "param_count",
    "device",
)


def warmup_count(warmup_batches: int, num_batches: int) -> int:
    """Warm-up steps actually taken: at least one steady step is always left (as adapters do)."""
    return max(0, min(warmup_batches, num_batches - 1))
