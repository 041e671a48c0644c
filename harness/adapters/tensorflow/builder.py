"""The Model Builder in Keras: a normalised layer list -> ``keras.Sequential`` (NHWC).

Convolutions are built exactly as the hand-written references build theirs
(:func:`reference_models.tensorflow_cnn.padded_conv`), so a ``LAYERS`` network and the
reference it spells out are the same model. Imported only by the TensorFlow adapter, after
it has imported TensorFlow with JAX hidden.
"""

from __future__ import annotations

import keras
from keras import layers

from reference_models.tensorflow_cnn import padded_conv

BATCHNORM_MOMENTUM = 0.9  # moving average decay shared by every framework (torch: 0.1)
BATCHNORM_EPSILON = 1e-5


def _conv(spec: dict) -> list[keras.Layer]:
    return padded_conv(spec["filters"], spec["field_size"], spec["stride"], spec["zero_pad"])


def _pool(kind):
    def make(spec: dict) -> list[keras.Layer]:
        return [kind(pool_size=spec["field_size"], strides=spec["stride"], padding="valid")]

    return make


_LAYER_BUILDERS = {
    "conv": _conv,
    "maxpool": _pool(layers.MaxPooling2D),
    "avgpool": _pool(layers.AveragePooling2D),
    "relu": lambda spec: [layers.ReLU()],
    "sigmoid": lambda spec: [layers.Activation("sigmoid")],
    "tanh": lambda spec: [layers.Activation("tanh")],
    "dropout": lambda spec: [layers.Dropout(spec["rate"])],
    "batchnorm": lambda spec: [
        layers.BatchNormalization(momentum=BATCHNORM_MOMENTUM, epsilon=BATCHNORM_EPSILON)
    ],
    "flatten": lambda spec: [layers.Flatten()],
    "dense": lambda spec: [layers.Dense(spec["units"])],
}


def from_layers(specs, input_shape: tuple[int, int, int]) -> keras.Sequential:
    """A ``keras.Sequential`` for a normalised Model Builder layer list (every key present).

    The list's last layer produces the logits; nothing is appended to it.
    """
    model_layers = [keras.Input(shape=input_shape)]
    for spec in specs:
        model_layers.extend(_LAYER_BUILDERS[spec["layer"]](spec))
    return keras.Sequential(model_layers, name="model_builder")
