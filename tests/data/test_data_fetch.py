"""``data fetch`` against a local HTTP server on 127.0.0.1 (never any other address)."""

from __future__ import annotations

import http.server
import io
import socket
import threading

import numpy as np
import pytest
from data_fixtures import (
    isolated_search,  # noqa: F401  (a fixture, used through pytestmark)
    random_arrays,
    spec_trusting,
    write_cifar_archive,
    write_idx,
)

from harness.cli import main
from harness.data import fetch
from harness.data.fetch import fetch_dataset
from harness.data.loader import load_from_spec
from harness.data.registry import CIFAR10, MNIST
from harness.errors import DataError

pytestmark = pytest.mark.usefixtures("isolated_search")


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    cut_off: bool = False  # send the full Content-Length, then only half the body
    error: int = 0  # answer every request with this HTTP status
    stall: threading.Event | None = None  # answer nothing until it is set

    def do_GET(self):  # noqa: N802  (http.server's name)
        if self.stall is not None:
            self.stall.wait()
            return
        if self.error:
            self.send_error(self.error)
            return
        folder, _, name = self.path.rpartition("/")
        body = self.files.get(name) if folder == "/files" else None
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.cut_off else body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A server for ``_Handler``; yields (handler class, base URL)."""
    handler = type(
        "Handler", (_Handler,), {"files": {}, "cut_off": False, "error": 0, "stall": None}
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/files/"
    if handler.stall is not None:
        handler.stall.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _serve_mnist(tmp_path, handler):
    arrays = random_arrays(60, 20)
    paths = write_idx(tmp_path / "served", arrays)
    handler.files.update({p.name: p.read_bytes() for p in paths.values()})
    return arrays, spec_trusting(MNIST, paths.values())


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_verifies_and_the_files_load(tmp_path, server):
    handler, url = server
    arrays, spec = _serve_mnist(tmp_path, handler)
    stream = io.StringIO()
    folder = fetch_dataset(spec, tmp_path / "c", mirrors=[url], stream=stream)
    assert folder == tmp_path / "c" / "mnist"
    assert _leftovers(folder) == sorted(f.name for f in MNIST.files)
    assert "\r  train-images-idx3-ubyte.gz  0.0/0.0 MB 100%" in stream.getvalue()
    ds = load_from_spec(spec, tmp_path / "c", validation_size=6)
    assert ds.verified is True and ds.location == str(folder)
    np.testing.assert_array_equal(ds.test_labels, arrays["test_labels"])
    fetch_dataset(spec, tmp_path / "c", mirrors=[url], stream=stream)  # nothing to redo
    assert stream.getvalue().count("already present and verified") == 4


def test_checksum_failure_keeps_nothing(tmp_path, server):
    handler, url = server
    _serve_mnist(tmp_path, handler)  # served files are not the official ones
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte.gz: could not download a "
        r"verified copy; tried:\n  http://127.0.0.1:\d+/files/"
        r"train-images-idx3-ubyte.gz: checksum mismatch: "
        r"expected the published md5 f68b3c2dcbeaaa9fbdd348b",
    ):
        fetch_dataset(MNIST, tmp_path / "c", mirrors=[url], stream=io.StringIO())
    assert _leftovers(tmp_path / "c" / "mnist") == []


def test_transfer_cut_off_halfway_leaves_nothing_a_load_would_take(tmp_path, server):
    handler, url = server
    _, spec = _serve_mnist(tmp_path, handler)
    handler.cut_off = True
    with pytest.raises(DataError, match=r"transfer cut off: expected \d+ bytes, received \d+"):
        fetch_dataset(spec, tmp_path / "c", mirrors=[url], stream=io.StringIO())
    assert _leftovers(tmp_path / "c" / "mnist") == []
    with pytest.raises(DataError, match="dataset files not found"):
        load_from_spec(spec, tmp_path / "c")


def test_interrupted_download_leaves_no_partial_file(tmp_path, server, monkeypatch):
    handler, url = server
    _, spec = _serve_mnist(tmp_path, handler)

    def interrupt(self, count):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch.Progress, "update", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fetch_dataset(spec, tmp_path / "c", mirrors=[url], stream=io.StringIO())
    assert _leftovers(tmp_path / "c" / "mnist") == []


def test_next_mirror_is_tried_and_cifar_archive_is_fetched(tmp_path, server):
    handler, url = server
    archive, _ = write_cifar_archive(tmp_path / "served")
    handler.files[archive.name] = archive.read_bytes()
    spec = spec_trusting(CIFAR10, [archive])
    stream = io.StringIO()
    dead = url.replace("/files/", "/elsewhere/")  # answers 404
    folder = fetch_dataset(spec, tmp_path / "c", mirrors=[dead, url], stream=stream)
    assert f"downloading {dead}cifar-10-python.tar.gz" in stream.getvalue()
    assert _leftovers(folder) == ["cifar-10-python.tar.gz"]
    assert load_from_spec(spec, tmp_path / "c", validation_size=5).verified is True


def test_fetch_command_reports_failure_through_the_cli(tmp_path, server, capsys):
    handler, url = server
    _serve_mnist(tmp_path, handler)
    code = main(["data", "fetch", "mnist", "--cache-dir", str(tmp_path / "c"), "--mirror", url])
    assert code == 2
    err = capsys.readouterr().err
    assert f"downloading {url}train-images-idx3-ubyte.gz" in err
    assert "checksum mismatch" in err
    assert _leftovers(tmp_path / "c" / "mnist") == []


def test_only_http_mirrors_are_accepted(tmp_path):
    with pytest.raises(DataError, match=r"--mirror: expected an http:// or https:// base URL"):
        fetch_dataset(MNIST, tmp_path / "c", mirrors=["file:///etc/"], stream=io.StringIO())


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fetch_fails(spec, folder, mirror, **options) -> str:
    with pytest.raises(DataError) as error:
        fetch_dataset(spec, folder, mirrors=[mirror], stream=io.StringIO(), **options)
    assert _leftovers(folder / spec.name) == []
    return str(error.value)


def test_a_refused_connection_is_named(tmp_path, server):
    _, spec = _serve_mnist(tmp_path, server[0])
    mirror = f"http://127.0.0.1:{_closed_port()}/files/"
    assert _fetch_fails(spec, tmp_path / "c", mirror).startswith(
        f"train-images-idx3-ubyte.gz: could not download a verified copy; tried:\n  "
        f"{mirror}train-images-idx3-ubyte.gz: <urlopen error [Errno 111] Connection refused>"
    )


def test_a_server_that_never_answers_times_out(tmp_path, server):
    handler, url = server
    _, spec = _serve_mnist(tmp_path, handler)
    handler.stall = threading.Event()
    message = _fetch_fails(spec, tmp_path / "c", url, timeout=0.5)
    assert f"{url}train-images-idx3-ubyte.gz: " in message and "timed out" in message


@pytest.mark.parametrize(
    "status, words", [(500, "Internal Server Error"), (503, "Service Unavailable")]
)
def test_a_server_error_is_named_with_its_status(tmp_path, server, status, words):
    handler, url = server
    _, spec = _serve_mnist(tmp_path, handler)
    handler.error = status
    assert _fetch_fails(spec, tmp_path / "c", url).endswith(
        f"{url}train-images-idx3-ubyte.gz: HTTP Error {status}: {words}"
    )


def test_a_stale_corrupt_file_in_the_cache_is_downloaded_again(tmp_path, server):
    handler, url = server
    arrays, spec = _serve_mnist(tmp_path, handler)
    folder = tmp_path / "c" / "mnist"
    folder.mkdir(parents=True)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(b"left by an older, broken download")
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz"):
        load_from_spec(spec, tmp_path / "c")  # the stale file is not taken for data
    stream = io.StringIO()
    fetch_dataset(spec, tmp_path / "c", mirrors=[url], stream=stream)
    assert f"downloading {url}train-labels-idx1-ubyte.gz" in stream.getvalue()
    assert (folder / "train-labels-idx1-ubyte.gz").read_bytes() == handler.files[
        "train-labels-idx1-ubyte.gz"
    ]
    ds = load_from_spec(spec, tmp_path / "c", validation_size=6)
    assert ds.verified is True
    np.testing.assert_array_equal(ds.test_labels, arrays["test_labels"])
