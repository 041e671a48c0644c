"""Code-form example in TensorFlow/Keras: the assignment's original network.

build_model returns a keras.Model fed NHWC float32 batches in [0, 1] and returning logits
(no softmax: the harness applies it in the loss). 14,682 parameters on 28x28x1 images.
"""

import keras

FRAMEWORK = "tensorflow"

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.01,
                   "optimizer": "momentum"}


def build_model(input_shape, num_classes):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(16, 5, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(16, 5, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes),
    ])
