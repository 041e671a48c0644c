"""Hostile: fills the host disk through its scratch folder, in files each under the file
size limit (once 3 x 1,023 MiB stayed on the host disk)."""

import os

chunk = b"\0" * (1 << 20)
for number in range(3):
    with open(f"fill{number}.bin", "wb") as handle:
        for _ in range(1023):
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
raise RuntimeError("wrote 3 x 1,023 MiB")
