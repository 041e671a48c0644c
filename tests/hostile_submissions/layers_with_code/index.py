"""Hostile: a Model Builder file that runs code when imported. ``benchmark`` once imported
it in an unsandboxed child, as the invoking user (root), where it could read the real test
labels. It leaves ``ran.txt`` beside itself, with what it could read, if it ever runs."""

from pathlib import Path

readable = Path("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz").exists()
(Path(__file__).parent / "ran.txt").write_text(f"ran; labels readable: {readable}")

HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "optimizer": "sgd"}
LAYERS = [{"layer": "flatten"}, {"layer": "dense", "units": 10}]
