"""Hostile: tries to read the test labels and the dataset folders it should not see.

targets.json (written by the test next to this file) lists the paths to try; the run fails
with a PermissionError naming how many reads were blocked.
"""

import json
import os
from pathlib import Path

import harness

targets = json.loads((Path(__file__).parent / "targets.json").read_text())["read"]
targets += [
    "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
    str(Path(harness.__file__).parent / "data" / "bundled" / "t10k-labels-idx1-ubyte.gz"),
    os.path.expanduser("~/.cache/cnn-harness"),
]
leaked = []
for target in targets:
    try:
        with open(target, "rb") as handle:
            leaked.append(f"{target}: {len(handle.read())} bytes")
    except OSError:
        pass
if leaked:
    raise RuntimeError(f"LEAKED {leaked}")
raise PermissionError(f"blocked {len(targets)} of {len(targets)} reads")
