"""The run's cgroup on plain Python scripts: memory the resident size never shows (memfd
files, tmpfs files) stopped at the limit, cores the run cannot widen, the kernel's
CPU-seconds; the fallback without a cgroup; and this process's limits read from a real
cgroup made for the test."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from project_paths import ROOT

from harness.sandbox import cgroup as run_cgroup
from harness.sandbox import modes, watch
from harness.sandbox.process import Limits, run_isolated

pytestmark = [pytest.mark.sandbox, pytest.mark.needs("cgroup")]
LIMITS = Limits(wall_seconds=20, memory_bytes=300 << 20, output_bytes=4096)

# write() into memfd files, never mapped: the resident size stays small
MEMFD_HOARD = """
import os
fds = []
for n in range(6):
    fd = os.memfd_create(f"h{n}")
    for _ in range(100):
        os.write(fd, b"x" * (1 << 20))
    fds.append(fd)
    print("held", (n + 1) * 100, flush=True)
print("kept all")
"""

# a tmpfs file: it holds memory after every process closed it
SHM_HOARD = """
import os
path = f"/dev/shm/harness-test-hoard-{os.getuid()}"
print("path", path, flush=True)
with open(path, "wb") as out:
    for n in range(6):
        out.write(b"x" * (100 << 20))
        out.flush()
        print("held", (n + 1) * 100, flush=True)
print("kept all")
"""

# widen the mask to every core, then compute 0.3 CPU-seconds in each of two processes
# and this one (CPU time, not wall time: the same whatever else loads the machine)
WIDEN = """
import os, subprocess, sys, time
every = set(range(os.cpu_count()))
try:
    os.sched_setaffinity(0, every)
except OSError as exc:
    print("refused", exc)
print("cpus", sorted(os.sched_getaffinity(0)), flush=True)
spin = "import time\\nwhile time.process_time() < 0.3: pass"
children = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(2)]
exec(spin)
for child in children:
    child.wait()
"""
SPENT = 0.9  # CPU-seconds WIDEN computes in all


def python(code, tmp_path, isolate=True, **changes):
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    limits = Limits(**{**LIMITS.__dict__, **changes})
    return run_isolated(
        [sys.executable, "-c", code],
        scratch_dir=scratch,
        readonly_paths=[],
        limits=limits,
        isolate=isolate,
    )


@pytest.fixture
def no_cgroup(monkeypatch):
    monkeypatch.setenv(run_cgroup.DISABLE_ENV, "1")


@pytest.mark.needs("bubblewrap")
def test_memfd_files_count_against_the_limit(tmp_path):
    result = python(MEMFD_HOARD, tmp_path)
    assert result.memory_exceeded, (result.stdout, result.stderr)
    assert "kept all" not in result.stdout
    assert result.bounds.startswith("cgroup v") and "memfd" in result.bounds
    assert result.memory_peak_bytes <= 300 << 20


def test_a_tmpfs_file_on_the_hosts_dev_shm_counts_and_is_removed(uid_mode):
    """Mode "uid" sees the host's /dev/shm: its cgroup counts the file, and the file does
    not outlive the run."""
    result = python(SHM_HOARD, uid_mode)
    assert result.isolation == "uid" and result.memory_exceeded, (result.stdout, result.stderr)
    assert "kept all" not in result.stdout
    assert not Path(result.stdout.split()[1]).exists()


@pytest.mark.needs("bubblewrap")
def test_the_run_cannot_widen_its_cores_and_its_cpu_seconds_are_the_whole_trees(tmp_path):
    core = min(os.sched_getaffinity(0))
    result = python(WIDEN, tmp_path, cpus=(core,), wall_seconds=120)
    assert result.returncode == 0, result.stderr
    assert f"cpus [{core}]" in result.stdout
    # every process of the tree counted, on one core: at most one core's worth
    assert SPENT <= result.cpu_seconds <= result.wall_seconds * 1.05


@pytest.mark.needs("bubblewrap")
def test_without_a_cgroup_memfd_files_are_counted_by_the_watchdog(tmp_path, no_cgroup):
    result = python(MEMFD_HOARD, tmp_path)
    assert result.memory_exceeded and "kept all" not in result.stdout
    assert result.bounds.startswith(f"no cgroup ({run_cgroup.DISABLE_ENV}=1)")


@pytest.mark.needs("bubblewrap")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores to widen onto")
def test_without_a_cgroup_a_widened_run_is_seen_in_its_cpu_seconds(tmp_path, no_cgroup):
    """It widens its mask (nothing stops it) and its tree's CPU-seconds are all counted:
    the parent compares them with wall time x cores given (tests/worker)."""
    core = min(os.sched_getaffinity(0))
    result = python(WIDEN, tmp_path, cpus=(core,), wall_seconds=120)
    assert result.returncode == 0, result.stderr
    assert "cpus [" in result.stdout and f"cpus [{core}]" not in result.stdout  # it widened
    # what we waited for (bubblewrap's init, adopted) holds every process's time, however
    # soon after the last /proc sample the run ended
    assert result.cpu_seconds >= SPENT


def test_a_run_cgroup_is_removed_with_whatever_is_left_in_it():
    group = run_cgroup.open_run_cgroup(64 << 20, ())
    child = subprocess.Popen(["sleep", "60"], preexec_fn=group.join)
    assert str(child.pid) in next(iter(group.folders.values())).joinpath("cgroup.procs").read_text()
    assert group.remove() == ""
    assert child.wait(timeout=10) == -9
    assert not any(folder.exists() for folder in group.folders.values())


CONTAINER_PROBE = (
    "from harness import host; print(host.usable_cpus(), host.usable_memory_bytes() >> 20)"
)


def test_this_processs_limits_are_read_from_its_cgroup(tmp_path):
    """A process in a cgroup of 768 MiB and one CPU of quota (as a container would set
    them) sees those, not the host's memory and cores."""
    group = run_cgroup.open_run_cgroup(768 << 20, ())
    quota = _cpu_quota_folder(group.folders, 1.0)
    try:
        done = subprocess.run(
            [sys.executable, "-c", CONTAINER_PROBE],
            preexec_fn=lambda: (group.join(), _join(quota)),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
    finally:
        group.remove()
        quota.rmdir()
    assert done.stdout.split() == ["1", "768"], done.stderr


def _cpu_quota_folder(folders: dict, cpus: float) -> Path:
    """A cgroup with a CPU quota of ``cpus`` (v1 cpu controller, or the v2 folder)."""
    from harness.host import cgroup_hierarchies

    if "unified" in folders:
        folder = folders["unified"].parent / f"{folders['unified'].name}-quota"
        folder.mkdir()
        (folder / "cpu.max").write_text(f"{int(cpus * 100_000)} 100000")
        return folder
    cpu = next(h for h in cgroup_hierarchies() if "cpu" in h.controllers and h.version == 1)
    folder = Path(tempfile.mkdtemp(prefix="harness-test-quota-", dir=cpu.directory))
    (folder / "cpu.cfs_period_us").write_text("100000")
    (folder / "cpu.cfs_quota_us").write_text(str(int(cpus * 100_000)))
    return folder


def _join(folder: Path) -> None:
    (folder / "cgroup.procs").write_text(str(os.getpid()))


@pytest.fixture
def uid_mode(monkeypatch):
    """Root where bubblewrap cannot work (a container), no label file open to others."""
    if not modes.uid_drop_possible():
        pytest.skip("needs root and setpriv")
    monkeypatch.setenv("HARNESS_NO_BWRAP", "1")
    monkeypatch.setattr(modes, "exposed_labels", lambda data_dir=None: [])
    folder = Path(tempfile.mkdtemp(prefix="harness-uid-"))
    folder.chmod(0o755)
    yield folder
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.needs("bubblewrap")
def test_a_v2_hierarchy_accounts_cpu_and_says_what_it_cannot_bound(tmp_path, monkeypatch):
    """Where only a v2 hierarchy is usable: the run's cgroup is made there; without the
    memory controller handed down, the record says the watchdog bounds memory instead."""
    from harness import host

    unified = [h for h in host.cgroup_hierarchies() if h.version == 2]
    if not unified:
        pytest.skip("needs cgroup: no v2 hierarchy mounted here")
    monkeypatch.setattr(run_cgroup, "cgroup_hierarchies", lambda: unified)
    result = python(WIDEN, tmp_path, cpus=(min(os.sched_getaffinity(0)),), wall_seconds=120)
    assert result.returncode == 0, result.stderr
    assert result.bounds.startswith("cgroup v2")
    if "memory" not in unified[0].controllers:
        assert f"memory: no controller here, so {run_cgroup.MEMORY_FALLBACK}" in result.bounds
    assert result.cpu_seconds >= SPENT


def test_without_a_cgroup_a_uid_runs_tmpfs_file_counts_and_is_removed(uid_mode, no_cgroup):
    if "/dev/shm" not in watch._tmpfs_mounts():
        pytest.skip("/dev/shm is not a tmpfs here")
    result = python(SHM_HOARD, uid_mode)
    assert result.isolation == "uid" and result.memory_exceeded, (result.stdout, result.stderr)
    assert "kept all" not in result.stdout and result.bounds.startswith("no cgroup")
    assert not Path(result.stdout.split()[1]).exists()
