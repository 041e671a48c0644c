"""Hostile: leaves a chain of 3,000 nested folders, with a file at the bottom, in its
scratch folder (once the cleanup raised RecursionError: the run vanished from the results
and its files stayed on disk), then fails."""

import os

for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")
with open("bottom.bin", "wb") as handle:
    handle.write(b"\0" * 4096)
raise RuntimeError("left 3,000 nested folders")
