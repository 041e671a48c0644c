"""A minimal TensorFlow / Keras training loop, as a tutorial writes it (``tf.function`` step).

The benchmark's contract: ``harness/benchmarks/__init__.py``; ``warmup`` is the number
of warm-up steps to time apart, ``field`` and ``filters`` the network's. TensorFlow is
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
    # The benchmark child has already imported TensorFlow through the adapter, which keeps
    # TensorFlow from loading JAX as well; these imports find it loaded.
    import keras
    import tensorflow as tf

    layers = keras.layers

    keras.utils.set_random_seed(seed)
    num_classes = int(data.train_labels.max()) + 1
    model = keras.Sequential(
        [
            keras.Input(shape=data.train_images.shape[1:]),
            layers.Conv2D(filters, field, padding="same", activation="relu"),  # odd field: pad f//2
            layers.MaxPooling2D(2),
            layers.Conv2D(filters, field, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(num_classes),
        ]
    )
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    # Casting places the float copy on the default device (the GPU when there is one), once.
    x = tf.cast(data.train_images, tf.float32) / 255.0
    y = tf.constant(data.train_labels, tf.int64)
    order = tf.constant(data.batch_indices[:num_batches], tf.int32)

    @tf.function
    def train_step(rows):
        with tf.GradientTape() as tape:
            loss = loss_fn(tf.gather(y, rows), model(tf.gather(x, rows), training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    loss, warmup_seconds, clock = tf.zeros(()), 0.0, time.perf_counter()
    for i in range(num_batches):
        if i == warmup and warmup:
            loss.numpy()  # the barrier: reading a value waits for the queued steps
            warmup_seconds, clock = time.perf_counter() - clock, time.perf_counter()
        loss = train_step(order[i])
    final_loss = float(loss.numpy())
    steady_seconds = time.perf_counter() - clock

    vx = tf.cast(data.validation_images, tf.float32) / 255.0
    vy = data.validation_labels
    predicted = [
        tf.argmax(model(vx[s : s + 1000], training=False), axis=1).numpy()
        for s in range(0, len(vy), 1000)
    ]
    correct = sum(
        int((p == vy[s * 1000 : s * 1000 + len(p)]).sum()) for s, p in enumerate(predicted)
    )
    return {
        "examples_per_sec": (num_batches - warmup) * batch_size / steady_seconds,
        "warmup_seconds": warmup_seconds,
        "steady_seconds": steady_seconds,
        "final_loss": final_loss,
        "validation_accuracy": correct / max(len(vy), 1),
        "param_count": int(sum(v.numpy().size for v in model.trainable_variables)),
        "device": {
            "kind": "gpu" if tf.config.list_logical_devices("GPU") else "cpu",
            "framework_version": f"tensorflow {tf.__version__}, keras {keras.__version__}",
        },
    }
