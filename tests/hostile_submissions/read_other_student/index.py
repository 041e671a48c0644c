"""Hostile: checked in a folder with other students, looks for their code and modules.

Once every student of a folder was loaded into one check process: their modules were in
``sys.modules`` and their folders readable. Raises, naming what it saw, if anything is.
"""

import os
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
others = [p.name for p in here.parent.iterdir() if p != here] if here.parent.exists() else []
modules = [m for m in sys.modules if m.startswith("_submission_")]
if others or len(modules) > 1:
    raise RuntimeError(f"saw other students: folders {others}, modules {modules}")
del os
HYPERPARAMETERS = {"batch_size": 32, "num_batches": 20}
LAYERS = [{"layer": "flatten"}, {"layer": "dense", "units": 10}]
