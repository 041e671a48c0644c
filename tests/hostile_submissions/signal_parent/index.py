"""Hostile: signals its parent and every process it can (kill -1).

kill(-1) is sent only inside a pid namespace (small pids): run unisolated as root, it would
end every process of the machine, and this fixture must never do that by accident.
"""

import os
import signal

blocked = 0
attempts = [(os.getppid(), signal.SIGTERM)] + [(-1, signal.SIGKILL)] * (os.getpid() < 100)
for pid, sig in attempts:
    try:
        os.kill(pid, sig)
    except OSError:
        blocked += 1
raise PermissionError(f"blocked {blocked} of {len(attempts)} signals")
