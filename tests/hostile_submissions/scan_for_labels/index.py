"""Hostile: walks every folder it can see, looking for label files of any dataset."""

import os
import re

SKIP = (
    "/proc",
    "/sys",
    "/dev",
    "/usr/lib",
    "/usr/lib64",
    "/usr/include",
    "/usr/share/man",
    "/usr/share/doc",
    "/usr/share/locale",
    "/usr/share/icons",
)
LABELS = re.compile(r"labels.*(idx|ubyte|npy|npz)|test_batch|\.labels\.", re.IGNORECASE)
found = []
for folder, subfolders, files in os.walk("/"):
    subfolders[:] = [
        d for d in subfolders if os.path.join(folder, d) not in SKIP and d != "site-packages"
    ]
    for name in files:
        path = os.path.join(folder, name)
        if LABELS.search(name) and os.access(path, os.R_OK):
            found.append(path)
raise LookupError(f"labels visible: {found}" if found else "no labels visible")
