"""The original with both conv/relu/pool triples removed: a linear classifier
on the raw pixels.

Model Builder form: the harness builds this list in torch, TensorFlow and JAX alike.
"""

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.01,
                   "optimizer": "momentum"}

LAYERS = [
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
