"""Hostile submissions that strike while loading: each ends as a failed run, named.

No framework is imported here (the worker loads the submission before the adapter), so
these run in the neutral pytest group. Framework-time cases: test_worker_torch.py.
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from needs import require
from waiting import processes_holding
from worker_jobs import copy_submission, limits, make_job, run_job

from harness.submission.load import LAYERS_NOT_AT_TOP

pytestmark = pytest.mark.sandbox


def run_hostile(tmp_path, name, targets=None, isolate=True, **limit_changes):
    """Run hostile submission ``name``; return its reason and the sandbox result."""
    if isolate:
        require("bubblewrap")
    index = copy_submission(name, tmp_path / "submissions", targets)
    result, predictions, sandbox = run_job(
        make_job(tmp_path, index), limits(**limit_changes), isolate=isolate
    )
    assert result["status"] == "failed" and predictions is None
    assert sandbox.isolated is isolate
    return result["reason"], sandbox


@pytest.mark.needs("bubblewrap")
def test_syntax_error(tmp_path):
    folder = tmp_path / "submissions" / "syntax_error"
    folder.mkdir(parents=True)
    (folder / "index.py").write_text("def build_model(input_shape, num_classes:\n    pass\n")
    result, _, _ = run_job(make_job(tmp_path, folder / "index.py"), limits())
    assert result["status"] == "failed" and "line 1: syntax error" in result["reason"]


@pytest.mark.needs("bubblewrap")
def test_a_layer_list_only_running_the_file_defines_is_named(tmp_path):
    """Planned as framework "unknown" (its syntax tree shows no LAYERS); the run says why,
    not that "unknown" is no framework."""
    folder = tmp_path / "submissions" / "layers_by_code"
    folder.mkdir(parents=True)
    (folder / "index.py").write_text(
        'globals()["LAYERS"] = [{"layer": "flatten"}, {"layer": "dense", "units": 10}]\n'
    )
    result, _, _ = run_job(make_job(tmp_path, folder / "index.py", framework="unknown"), limits())
    assert result["status"] == "failed" and result["reason"] == LAYERS_NOT_AT_TOP


def test_import_error(tmp_path):
    reason, _ = run_hostile(tmp_path, "import_error")
    assert "ModuleNotFoundError" in reason and "this_package_is_not_installed" in reason


def test_hang_at_import_times_out(tmp_path):
    reason, sandbox = run_hostile(tmp_path, "hang_at_import", wall_seconds=2.0)
    assert sandbox.timed_out and reason.startswith("timed out after 2 s")


def test_memory_bomb(tmp_path):
    reason, _ = run_hostile(tmp_path, "memory_bomb", memory_bytes=512 << 20)
    assert reason.startswith("exceeded the memory limit of 512 MiB")


def test_fork_bomb(tmp_path):
    reason, sandbox = run_hostile(tmp_path, "fork_bomb", max_processes=24)
    assert reason.startswith("reached the process limit (24 processes and threads)")
    assert not sandbox.timed_out  # ended by the process limit, not by the clock


def test_os_exit_at_import(tmp_path):
    reason, sandbox = run_hostile(tmp_path, "os_exit_at_import")
    assert sandbox.returncode == 0
    assert reason == "exited early with status 0 before returning predictions"


def test_segfault(tmp_path):
    reason, sandbox = run_hostile(tmp_path, "segfault")
    assert sandbox.signal_name == "SIGSEGV"
    assert reason == "killed by signal SIGSEGV (segmentation fault) before returning predictions"


def test_huge_file(tmp_path):
    reason, _ = run_hostile(tmp_path, "huge_file", max_file_bytes=1 << 20)
    assert reason.startswith("wrote a file larger than 1048576 bytes")
    assert (tmp_path / "job" / "huge.bin").stat().st_size <= 1 << 20


def test_labels_and_datasets_unreadable(tmp_path):
    labels = tmp_path / "results" / ".work" / "data" / "fashion_mnist" / "test_labels.npy"
    labels.parent.mkdir(parents=True)
    labels.write_bytes(b"secret labels")
    targets = {"read": [str(labels), str(labels.parent), "/usr/share/datasets"]}
    reason, _ = run_hostile(tmp_path, "read_labels", targets)
    assert "PermissionError: blocked 6 of 6 reads" in reason


def test_no_label_file_visible_anywhere(tmp_path):
    reason, _ = run_hostile(tmp_path, "scan_for_labels")
    assert "LookupError: no labels visible" in reason, reason


def test_cannot_write_submissions_or_results(tmp_path):
    other = tmp_path / "submissions" / "other_student"
    other.mkdir(parents=True)
    (other / "index.py").write_text("LAYERS = []\n")
    results = tmp_path / "results"
    results.mkdir()
    targets = {"write": [str(other / "index.py"), str(results / "results.json")]}
    reason, _ = run_hostile(tmp_path, "write_outside", targets)
    assert "PermissionError: blocked 3 of 3 writes" in reason
    assert (other / "index.py").read_text() == "LAYERS = []\n"
    assert not (results / "results.json").exists()
    assert not (tmp_path / "submissions" / "write_outside" / "planted.py").exists()


def test_no_network(tmp_path):
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reason, _ = run_hostile(tmp_path, "open_socket", {"port": server.server_port})
    finally:
        server.shutdown()
        server.server_close()
    assert "ConnectionRefusedError" in reason or "OSError" in reason, reason
    assert requests == []


def test_cannot_signal_the_parent(tmp_path):
    reason, _ = run_hostile(tmp_path, "signal_parent")
    assert "PermissionError: blocked 2 of 2 signals" in reason


@pytest.mark.parametrize(
    "name, wall_seconds, reason",
    [
        # The default 20 s leaves a busy machine time to start Python before the crash ...
        (
            "segfault",
            20.0,
            "killed by signal SIGSEGV (segmentation fault) before returning predictions",
        ),
        ("os_exit_at_import", 20.0, "exited early with status 0 before returning predictions"),
        # ... while a hang always reaches its limit, however short.
        (
            "hang_at_import",
            2.0,
            "timed out after 2 s (wall-time limit) before returning predictions",
        ),
    ],
)
def test_fallback_names_the_same_reasons_unisolated(
    tmp_path, monkeypatch, name, wall_seconds, reason
):
    monkeypatch.setenv("HARNESS_NO_BWRAP", "1")
    assert run_hostile(tmp_path, name, isolate=False, wall_seconds=wall_seconds)[0] == reason


@pytest.mark.parametrize("isolate", [True, False])
def test_a_setsid_grandchild_does_not_outlive_the_run(tmp_path, isolate):
    reason, _ = run_hostile(tmp_path, "setsid_escape", isolate=isolate)
    assert "left a process behind" in reason
    index = tmp_path / "submissions" / "setsid_escape" / "index.py"
    assert processes_holding(str(index)) == []


def test_scratch_file_link_to_labels_is_not_followed(tmp_path):
    """A file the parent reads from a run's scratch folder is never read through a link."""
    from harness.worker.explore import read_export

    secret = tmp_path / "labels.npy"
    secret.write_bytes(json.dumps([0] * 40).encode())
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "probabilities.npy").symlink_to(secret)
    assert read_export(tmp_path / "out" / "probabilities.npy", 1 << 20) is None
    assert read_export(secret, 1 << 20) is not None
    (tmp_path / "linked").symlink_to(tmp_path)  # out/ itself a link: the folder is refused
    assert read_export(tmp_path / "linked" / "labels.npy", 1 << 20) is None
