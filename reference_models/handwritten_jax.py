"""A minimal JAX / Flax / Optax training loop, as a tutorial writes it (one jitted step).

The benchmark's contract: ``harness/benchmarks/__init__.py``; ``warmup`` is the number
of warm-up steps to time apart, ``field`` and ``filters`` the network's. JAX is
imported inside :func:`train`, only when a benchmark child runs it.
"""

from __future__ import annotations

import time


def train(
    data,
    field: int,
    filters: int,
    batch_size: int,
    num_batches: int,
    warmup: int,
    learning_rate: float,
    momentum: float,
    seed: int,
) -> dict:
    import flax.linen as nn
    import jax
    import jax.numpy as jnp
    import optax

    num_classes = int(data.train_labels.max()) + 1
    glorot = nn.initializers.glorot_uniform()

    class CNN(nn.Module):
        @nn.compact
        def __call__(self, x):
            for _ in range(2):
                x = nn.Conv(filters, (field, field), padding="SAME", kernel_init=glorot)(x)
                x = nn.max_pool(nn.relu(x), (2, 2), strides=(2, 2))
            x = x.reshape((x.shape[0], -1))
            return nn.Dense(num_classes, kernel_init=glorot)(x)

    model = CNN()
    params = model.init(jax.random.PRNGKey(seed), jnp.zeros((1, *data.train_images.shape[1:])))
    tx = optax.sgd(learning_rate, momentum=momentum)
    opt_state = tx.init(params)

    # Images, labels and the batch table go to the device once; the step gathers its batch.
    x = jnp.asarray(data.train_images, jnp.float32) / 255.0
    y = jnp.asarray(data.train_labels, jnp.int32)
    order = jnp.asarray(data.batch_indices[:num_batches])

    @jax.jit
    def train_step(params, opt_state, x, y, rows):
        def loss_fn(params):
            logits = model.apply(params, x[rows])
            return optax.softmax_cross_entropy_with_integer_labels(logits, y[rows]).mean()

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    warmup_seconds, clock = 0.0, time.perf_counter()
    for i in range(num_batches):
        if i == warmup and warmup:
            jax.block_until_ready(params)
            warmup_seconds, clock = time.perf_counter() - clock, time.perf_counter()
        params, opt_state, loss = train_step(params, opt_state, x, y, order[i])
    jax.block_until_ready(params)
    steady_seconds = time.perf_counter() - clock

    predict = jax.jit(lambda params, images: jnp.argmax(model.apply(params, images), axis=1))
    vx = jnp.asarray(data.validation_images, jnp.float32) / 255.0
    vy = jnp.asarray(data.validation_labels, jnp.int32)
    correct = sum(
        int((predict(params, vx[s : s + 1000]) == vy[s : s + 1000]).sum())
        for s in range(0, len(vy), 1000)
    )
    return {
        "examples_per_sec": (num_batches - warmup) * batch_size / steady_seconds,
        "warmup_seconds": warmup_seconds,
        "steady_seconds": steady_seconds,
        "final_loss": float(loss),
        "validation_accuracy": correct / max(len(vy), 1),
        "param_count": sum(p.size for p in jax.tree.leaves(params)),
        "device": {"kind": jax.default_backend(), "framework_version": jax.__version__},
    }
