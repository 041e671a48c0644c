"""Template submission for the CNN assignment: copy this folder and fill it in.

Hand in ONE file, ``submissions/<your_student_id>/index.py``. The folder's name is your
student id in every report. This template folder itself is never graded: the harness skips
folders named ``template`` or starting with ``_`` when it is given a folder of submissions.

Choose ONE of two forms and delete the other:

* Model Builder form (below): a list of layers, ``LAYERS``. The harness builds it in
  PyTorch, TensorFlow and JAX alike, so staff can benchmark the frameworks on your network.
* Code form: ``FRAMEWORK`` plus a function ``build_model(input_shape, num_classes)``
  written in that framework (see the commented block at the end of this file, and
  submissions/torch_example, tensorflow_example, jax_example).

A file with both ``LAYERS`` and ``FRAMEWORK``/``build_model``, or with neither, is
rejected. The harness owns everything else: data loading (pixels scaled to [0, 1]),
the loss (softmax cross-entropy on your network's logits; so do NOT end with a softmax),
the optimizer and the training loop.

Before handing in, check your file (it builds your model, runs one forward and backward
pass on random data, and prints parameter counts and every problem it finds):

    python -m harness check submissions/<your_student_id>

The harness runs this file top to bottom when it loads it: keep it to definitions. Only
the Python standard library, numpy and the framework you chose are available, and only
this one file is read (no helper modules beside it).
"""

# --- Training settings (any you leave out takes the default shown) -----------------------
HYPERPARAMETERS = {
    # Examples per training step: an integer from 1 to 512 (assignment.toml [budget]).
    "batch_size": 64,
    # Training steps: an integer from 1 to 10000, with batch_size * num_batches <= 640000.
    "num_batches": 3000,
    # One of "sgd", "momentum", "adam", "rmsprop", "adagrad" (default "sgd"). Their settings
    # other than the learning rate are fixed and identical in every framework
    # (harness/optimizers.py).
    "optimizer": "momentum",
    # A finite number > 0 (default: the optimizer's: 0.01 for sgd, momentum and adagrad,
    # 0.001 for adam and rmsprop).
    "learning_rate": 0.01,
}

# --- Model Builder form ------------------------------------------------------------------
# Layers run in order on one image of shape (height, width, channels): 28x28x1 for MNIST
# and Fashion-MNIST, 32x32x3 for CIFAR-10. Layer kinds and their settings (defaults after =):
#   {"layer": "conv", "field_size": f, "stride": s=1, "filters": n, "zero_pad": p=0}
#       f x f kernels, n filters, with bias; output size floor((in + 2p - f) / s) + 1
#   {"layer": "maxpool", "field_size": f, "stride": s=f}   (no padding)
#   {"layer": "avgpool", "field_size": f, "stride": s=f}   (no padding)
#   {"layer": "relu"}, {"layer": "sigmoid"}, {"layer": "tanh"}
#   {"layer": "dropout", "rate": r=0.5}    (0 <= r < 1, active only while training)
#   {"layer": "batchnorm"}                 (per channel after conv, per feature after dense)
#   {"layer": "flatten"}                   (image -> features; needed before dense)
#   {"layer": "dense", "units": u}         (the last one must have one unit per class: 10)
# This is the assignment's original network: 14,682 parameters on 28x28x1 images.
LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]

# --- Code form (instead of LAYERS: delete LAYERS above and uncomment this) --------------
# FRAMEWORK = "torch"  # "torch", "tensorflow" or "jax"
#
# def build_model(input_shape, num_classes):
#     """Return an untrained model mapping a float32 batch of images with pixel values in
#     [0, 1] to logits of shape (batch, num_classes). input_shape is (height, width,
#     channels). torch: a torch.nn.Module fed NCHW batches; tensorflow: a keras.Model fed
#     NHWC; jax: a flax.linen.Module fed NHWC (give __call__ a `train` argument if it
#     uses dropout or batch norm). Import your framework inside this file."""
#     import torch.nn as nn
#     height, width, channels = input_shape
#     return nn.Sequential(
#         nn.Conv2d(channels, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
#         nn.Flatten(), nn.Linear(16 * (height // 2) * (width // 2), num_classes))
