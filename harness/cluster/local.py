"""A real Ray cluster on this machine: a head without CPUs and worker nodes of one CPU each.

For the cluster tests and ``benchmark --suite cluster``: every address is on 127.0.0.1 and
each object store is small. :func:`local_cluster` runs ``python -m harness.cluster.local N``
in a child process, which starts the cluster, prints one JSON line (the head's address and
each worker node's raylet pid, so a test can kill a node) and shuts the cluster down when
its standard input closes; the calling process never imports Ray.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass

from harness.cluster.connect import LOOPBACK_ENV

STORE_BYTES = 96 << 20  # each node's object store


@dataclass
class LocalCluster:
    address: str  # the head's HOST:PORT, for --cluster
    raylet_pids: list[int]  # one per worker node


@contextlib.contextmanager
def local_cluster(nodes: int = 2):
    """A running cluster of ``nodes`` one-CPU worker nodes, ended when the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-m", "harness.cluster.local", str(nodes)],
        env={**os.environ, **LOOPBACK_ENV},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    stdin, stdout = child.stdin, child.stdout
    assert stdin is not None and stdout is not None  # both are pipes (above)
    try:
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the local Ray cluster did not start (exit {child.wait()})")
        yield LocalCluster(**json.loads(line))
    finally:
        stdin.close()
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        stdout.close()


def _raylet_pid(node) -> int:
    from ray._private import ray_constants

    return node.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process.pid


def main(nodes: int) -> None:
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 0,
            "object_store_memory": STORE_BYTES,
            "include_dashboard": False,
        },
    )
    workers = [cluster.add_node(num_cpus=1, object_store_memory=STORE_BYTES) for _ in range(nodes)]
    cluster.wait_for_nodes()
    print(
        json.dumps(
            {"address": cluster.address, "raylet_pids": [_raylet_pid(node) for node in workers]}
        ),
        flush=True,
    )
    sys.stdin.read()
    cluster.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]))
