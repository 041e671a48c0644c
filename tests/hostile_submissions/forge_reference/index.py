"""Hostile layout: an honest-looking file in a folder named like a reference run.

The test copies it to folders named ``reference:original`` (once taken for the reference
record, so every honest student lost the throughput bar) and ``reference_original`` (once
the same results file as the reference after name cleaning).
"""

HYPERPARAMETERS = {"batch_size": 32, "num_batches": 20}
LAYERS = [{"layer": "flatten"}, {"layer": "dense", "units": 10}]
