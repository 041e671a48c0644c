"""Hostile: tries to write into its own folder, another submission and the results."""

import json
from pathlib import Path

here = Path(__file__).parent
targets = [str(here / "planted.py")]
targets += json.loads((here / "targets.json").read_text())["write"]
written = []
for target in targets:
    try:
        Path(target).write_text("hostile")
        written.append(target)
    except OSError:
        pass
if written:
    raise RuntimeError(f"WROTE {written}")
raise PermissionError(f"blocked {len(targets)} of {len(targets)} writes")
