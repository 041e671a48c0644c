"""The sandbox on plain Python scripts: what is visible, what is writable, the limits, the
end of the whole process tree, output capture, and the unisolated fallback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from waiting import processes_holding, wait_for

from harness.sandbox import modes
from harness.sandbox import process as sandbox
from harness.sandbox.process import Limits, SandboxResult, failure_reason, run_isolated

pytestmark = pytest.mark.sandbox
needs_bwrap = pytest.mark.needs("bubblewrap")
LIMITS = Limits(wall_seconds=10, memory_bytes=1 << 30, max_processes=64, output_bytes=2048)


def python(code, tmp_path, readonly=(), isolate=True, **changes):
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    limits = Limits(**{**LIMITS.__dict__, **changes})
    return run_isolated(
        [sys.executable, "-c", code],
        scratch_dir=scratch,
        readonly_paths=list(readonly),
        limits=limits,
        isolate=isolate,
    )


SURVEY = """
import json, os, socket
from pathlib import Path
def writable(path):
    try:
        Path(path, "probe").write_text("x")
        return True
    except OSError:
        return False
print(json.dumps({
    "uid": os.getuid(), "pid": os.getpid(), "root": sorted(os.listdir("/")),
    "datasets": os.listdir("/usr/share/datasets") if os.path.isdir("/usr/share/datasets") else [],
    "interfaces": [name for _, name in socket.if_nameindex()],
    "cwd": os.getcwd(), "writable": {p: writable(p) for p in
        [".", "/tmp", "/usr", os.environ["READONLY"], os.environ["HARNESS_DIR"]]},
}))
"""


def expected_root_entries(visible):
    """The system directories, the scratch mount and the top directory of every path the
    sandbox binds read-only (interpreter, harness source, the test's own path)."""
    bound = [sys.prefix, sys.base_prefix, sandbox.HARNESS_SOURCE, visible]
    tops = {Path(p).resolve().parts[1] for p in bound}
    return tops | {
        "bin",
        "dev",
        "etc",
        "lib",
        "lib32",
        "lib64",
        "proc",
        "sbin",
        "tmp",
        "usr",
        sandbox.SCRATCH_MOUNT.strip("/").split("/")[0],
    }


@needs_bwrap
def test_isolation_facts(tmp_path):
    visible = tmp_path / "visible"
    visible.mkdir()
    code = SURVEY.replace('os.environ["READONLY"]', repr(str(visible))).replace(
        'os.environ["HARNESS_DIR"]', repr(str(sandbox.HARNESS_SOURCE))
    )
    result = python(code, tmp_path, readonly=[visible])
    assert result.isolated and result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["uid"] >= 200_000 and facts["pid"] < 10  # unprivileged, own pid namespace
    assert facts["interfaces"] == ["lo"]  # no network
    assert facts["datasets"] == []  # masked even though /usr is visible
    assert set(facts["root"]) <= expected_root_entries(visible)
    assert facts["cwd"] == sandbox.SCRATCH_MOUNT
    assert facts["writable"] == {
        ".": True,
        "/tmp": True,
        "/usr": False,
        str(visible): False,
        str(sandbox.HARNESS_SOURCE): False,
    }
    assert (tmp_path / "scratch" / "probe").exists() and not (visible / "probe").exists()


@needs_bwrap
def test_bundled_subset_is_masked(tmp_path):
    bundled = sandbox.HARNESS_SOURCE / "data" / "bundled"
    assert any(bundled.iterdir())  # the package ships it: the mask must have hidden something
    result = python(f"import os; print(os.listdir({str(bundled)!r}))", tmp_path)
    assert result.stdout.strip() == "[]"


@needs_bwrap
@pytest.mark.parametrize("isolate", [True, False])
def test_the_whole_tree_computes_on_the_cores_given(tmp_path, isolate):
    """A process the run starts (after changing nothing) sees only the run's cores."""
    core = max(os.sched_getaffinity(0))
    code = (
        "import os, subprocess, sys\n"
        "print(sorted(os.sched_getaffinity(0)), subprocess.run([sys.executable, '-c', "
        "'import os; print(sorted(os.sched_getaffinity(0)))'], capture_output=True, "
        "text=True).stdout.strip())"
    )
    result = python(code, tmp_path, isolate=isolate, cpus=(core,))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"[{core}]", f"[{core}]"]


def test_timeout_ends_the_whole_tree(tmp_path):
    """A child that ignores SIGTERM and leaves its session still ends with the run."""
    token = f"tree-{tmp_path.name}"
    code = (
        "import os, signal, time, subprocess\n"
        "subprocess.Popen(['/bin/sh', '-c', 'trap \"\" TERM; "
        f"while true; do date +%s%N > beat; sleep 0.05; done # {token}'], "
        "start_new_session=True)\n"
        "while not os.path.exists('beat'):\n    time.sleep(0.01)\n"
        "time.sleep(60)"
    )
    result = python(code, tmp_path, wall_seconds=5)
    assert result.timed_out and failure_reason(result, LIMITS).startswith("timed out")
    assert (tmp_path / "scratch" / "beat").exists()  # the child did run
    assert processes_holding(token) == []  # and did not outlive the run


@needs_bwrap
def test_memory_watchdog_kills_shared_memory_bomb(tmp_path):
    """Shared memory escapes RLIMIT_DATA; the parent's resident-size watchdog does not."""
    code = (
        "import mmap, os\nfd = os.memfd_create('bomb')\nos.ftruncate(fd, 900 << 20)\n"
        "m = mmap.mmap(fd, 900 << 20)\n"
        "for i in range(0, 900 << 20, 4096):\n    m[i] = 1\nimport time; time.sleep(30)"
    )
    result = python(code, tmp_path, memory_bytes=300 << 20)
    assert result.memory_exceeded and result.returncode is None
    limits = Limits(wall_seconds=10, memory_bytes=300 << 20)
    assert failure_reason(result, limits) == "exceeded the memory limit of 300 MiB"


@needs_bwrap
def test_fork_bomb_is_bounded(tmp_path):
    code = "import os\nwhile True:\n    os.fork()"
    result = python(code, tmp_path, max_processes=16)
    assert "BlockingIOError" in result.stderr and not result.timed_out


@needs_bwrap
def test_file_size_limit_signal_is_named(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = run_isolated(
        ["/bin/sh", "-c", "exec head -c 3000000 /dev/zero > big"],
        scratch_dir=scratch,
        readonly_paths=[],
        limits=Limits(10, 1 << 30, max_file_bytes=1 << 20),
    )
    assert result.signal_name == "SIGXFSZ"
    assert (
        failure_reason(result, LIMITS) == f"wrote a file larger than {1 << 30} bytes "
        "(file size limit)"
    )


@pytest.mark.parametrize("isolate", [True, False])
def test_flood_is_truncated_with_a_marker(tmp_path, isolate):
    code = "import sys\nsys.stdout.write('a' * 5_000_000 + 'END')\nsys.stderr.write('e' * 9000)"
    result = python(code, tmp_path, isolate=isolate)
    assert result.stdout.startswith("a" * 1024) and result.stdout.endswith("a" * 1021 + "END")
    assert f"[... {5_000_003 - 2048} bytes truncated]" in result.stdout
    assert f"[... {9000 - 2048} bytes truncated]" in result.stderr


@pytest.mark.parametrize("isolate", [True, False])
def test_segfault_is_named(tmp_path, isolate):
    result = python("import ctypes; ctypes.string_at(0)", tmp_path, isolate=isolate)
    assert result.isolated is (isolate and sandbox.bubblewrap_available())
    assert result.signal_name == "SIGSEGV"
    assert failure_reason(result, LIMITS) == "killed by signal SIGSEGV (segmentation fault)"


def test_fallback_times_out_and_reports_unisolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_NO_BWRAP", "1")
    assert not sandbox.bubblewrap_available()
    token = f"sleeper-{tmp_path.name}"
    result = python(
        f"import time; time.sleep(60)  # {token}", tmp_path, isolate=False, wall_seconds=1
    )
    assert result.timed_out and not result.isolated and result.returncode is None
    assert result.isolation == "none"
    assert result.wall_seconds >= 1  # the limit is not cut short
    assert processes_holding(token) == []


def test_no_sandbox_is_refused_not_a_silent_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_NO_BWRAP", "1")
    monkeypatch.setattr(modes, "uid_drop_possible", lambda: False)
    with pytest.raises(modes.SandboxUnavailable, match="apt-get install bubblewrap"):
        python("print('student code ran')", tmp_path)


def test_failure_reasons():
    def ended(**fields):
        base = dict(
            returncode=0,
            signal_name=None,
            timed_out=False,
            memory_exceeded=False,
            stdout="",
            stderr="",
            wall_seconds=1.0,
            isolated=True,
        )
        return SandboxResult(**{**base, **fields})

    assert failure_reason(ended(), LIMITS) is None
    assert failure_reason(ended(returncode=3), LIMITS) == "exited early with status 3"
    assert failure_reason(ended(signal_name="SIGKILL"), LIMITS) == "killed by signal SIGKILL"
    assert (
        failure_reason(ended(processes_exceeded=True), LIMITS) == "started more than 64 processes"
    )


GRADER = """
import sys
from pathlib import Path
from harness.sandbox.process import Limits, run_isolated
beat = ("import time\\nwhile True:\\n"
        "    open('beat', 'w').write(str(time.time()))\\n    time.sleep(0.05)\\n# " + sys.argv[3])
run_isolated([sys.executable, "-c", beat], scratch_dir=Path(sys.argv[1]), readonly_paths=[],
             limits=Limits(60, 1 << 30), isolate=sys.argv[2] == "1")
"""


@pytest.mark.parametrize("isolate", [True, False])
def test_run_dies_with_a_killed_grader(tmp_path, isolate):
    """A grading process killed with SIGKILL leaves no run behind."""
    token = f"beat-{tmp_path.name}"
    grader = subprocess.Popen(
        [sys.executable, "-c", GRADER, str(tmp_path), str(int(isolate)), token],
        cwd=sandbox.HARNESS_SOURCE.parent,
    )
    wait_for((tmp_path / "beat").exists, "the run to start beating")
    grader.kill()
    grader.wait()
    wait_for(lambda: not processes_holding(token), "the run to end with its killed grader")


@pytest.fixture
def uid_mode(monkeypatch):
    """Root where bubblewrap cannot work (a container), and no label file open to others:
    scratch in a folder every uid may search, as in the Gradescope template."""
    if not modes.uid_drop_possible():
        pytest.skip("needs root and setpriv")
    monkeypatch.setenv("HARNESS_NO_BWRAP", "1")
    monkeypatch.setattr(modes, "exposed_labels", lambda data_dir=None: [])
    folder = Path(tempfile.mkdtemp(prefix="harness-uid-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_uid_mode_drops_root_and_cannot_read_the_parents_labels(uid_mode):
    labels = uid_mode / "labels.npy"
    labels.write_bytes(b"secret")
    labels.chmod(0o600)
    code = (
        f"import os\nprint(os.getuid())\ntry:\n    open({str(labels)!r}, 'rb')\n"
        "except PermissionError:\n    print('blocked')"
    )
    result = python(code, uid_mode)
    assert result.isolation == "uid" and result.isolated, result.stderr
    uid, verdict = result.stdout.split()
    assert int(uid) >= 200_000 and verdict == "blocked"


def test_uid_mode_kills_a_setsid_grandchild(uid_mode):
    token = f"escaped-{uid_mode.name}"
    code = (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        os.execv('/bin/sh', ['sh', '-c', 'while :; do sleep 1; done', '{token}'])\n"
        "    os._exit(0)\ntime.sleep(0.5)"
    )
    result = python(code, uid_mode)
    assert result.isolation == "uid" and result.returncode == 0, result.stderr
    assert processes_holding(token) == []


def test_uid_mode_is_refused_while_label_files_are_open_to_others(tmp_path, monkeypatch):
    if not modes.uid_drop_possible():
        pytest.skip("needs root and setpriv")
    monkeypatch.setenv("HARNESS_NO_BWRAP", "1")
    data = tmp_path / "data"
    data.mkdir()
    (data / "t10k-labels-idx1-ubyte.gz").write_bytes(b"labels")
    monkeypatch.setattr(
        modes,
        "exposed_labels",
        lambda data_dir=None: [p for p in [data / "t10k-labels-idx1-ubyte.gz"] if data_dir],
    )
    assert modes.sandbox_mode() == "uid"
    with pytest.raises(modes.SandboxUnavailable, match=f"{data}.*chmod -R o-rwx"):
        modes.require_sandbox(data)


def test_readable_by_others_follows_folder_and_file_modes(uid_mode):
    from harness.sandbox.labels import readable_by_others

    (uid_mode / "open").mkdir(mode=0o755)
    (uid_mode / "closed").mkdir(mode=0o700)
    for folder in ("open", "closed"):
        (uid_mode / folder / "labels").write_bytes(b"x")
        (uid_mode / folder / "labels").chmod(0o644)
    (uid_mode / "open" / "private").write_bytes(b"x")
    (uid_mode / "open" / "private").chmod(0o600)
    assert readable_by_others(uid_mode) == [uid_mode / "open" / "labels"]
    assert readable_by_others(uid_mode / "closed" / "labels") == []
