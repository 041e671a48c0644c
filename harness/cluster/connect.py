"""Joining a Ray cluster from the head: ``auto``, ``local`` or an address.

``auto`` joins the cluster named by ``RAY_ADDRESS`` or the one running on this machine;
``local`` starts a throwaway single-machine cluster for this grading; anything else is the
address of a running head (``HOST:PORT``, or ``ray://HOST:PORT`` for Ray Client).
"""

from __future__ import annotations

import os
import re

from harness.errors import ConfigError, field_error

AUTO, LOCAL = "auto", "local"
ADDRESS = re.compile(r"^(ray://)?[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")
EXPECTED = "auto, local or the head's HOST:PORT"
# Loopback only for a cluster on this machine: without this Ray advertises the machine's
# outward address, and a laptop or CI runner has no business being reachable.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def check_address(value: str) -> str:
    """``value`` if it is a usable ``--cluster`` value, else a usage error naming it."""
    if value in (AUTO, LOCAL) or ADDRESS.match(value or ""):
        return value
    raise ConfigError(field_error("command line", "--cluster", EXPECTED, value))


def _loopback(address: str) -> bool:
    host = address.removeprefix("ray://").rsplit(":", 1)[0]
    return host == "localhost" or host.startswith("127.")


def require_ray():
    """The ``ray`` module, or an error saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(
            "--cluster needs Ray on this machine and on every node: "
            "pip install 'cnn-harness[cluster]'"
        ) from exc
    return ray


def connect(address: str, local_cpus: int | None = None) -> None:
    """Connect this process to the cluster as its driver (idempotent)."""
    check_address(address)
    loopback = address == LOCAL or _loopback(address)
    if loopback:
        for key, value in LOOPBACK_ENV.items():
            os.environ.setdefault(key, value)
    ray = require_ray()
    if ray.is_initialized():
        return
    if loopback:
        _stay_on_loopback()
    options = {"log_to_driver": False, "configure_logging": False}
    if address == LOCAL:
        ray.init(num_cpus=local_cpus, include_dashboard=False, **options)
    else:
        ray.init(address=address, **options)


def _stay_on_loopback() -> None:
    """Make Ray keep 127.0.0.1 as this machine's address, as LOOPBACK_ENV asks, even where
    Ray was imported before that was set: it reads the variable once, at import, and
    otherwise turns the head's 127.0.0.1 into the machine's outward address, where nothing
    listens, and waits there for minutes."""
    from ray._private import ray_constants  # lazy: Ray is imported only to join a cluster

    ray_constants.ENABLE_RAY_CLUSTER = False


def disconnect() -> None:
    """Leave the cluster; a ``local`` cluster this process started ends with it."""
    import ray

    ray.shutdown()


def task_slots(resource: str = "CPU") -> int:
    """How many one-``resource`` tasks the cluster can run at once now."""
    import ray

    return int(ray.cluster_resources().get(resource, 0))
