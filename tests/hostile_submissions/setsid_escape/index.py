"""Hostile: leaves a double-forked, setsid grandchild behind (a shell whose command line
holds this file's path, so a test can look for it), then fails. Once, without bubblewrap,
it outlived the run."""

import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["sh", "-c", "while :; do sleep 1; done", __file__])
    os._exit(0)
time.sleep(0.5)
raise RuntimeError("left a process behind")
