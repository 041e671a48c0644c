"""Download the official files into the cache: progress on stderr, verify, then keep.

Each file is streamed into a temporary ``.<name>.<random>.part`` file in the destination
folder, its md5 computed on the way; only when the length and the published md5 match is it
renamed (``os.replace``, atomic) to its official name. Any failure or interruption deletes
the temporary file, so no partial file can ever be taken for a complete one.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness.data.registry import DatasetSpec, FileSpec
from harness.data.verify import md5_of_file
from harness.errors import DataError
from harness.names import default_cache_dir

DOWNLOAD_CHUNK = 1 << 16


class Progress:
    """A one-line progress display redrawn with a carriage return, at most 10 times/s."""

    def __init__(self, label: str, total: int | None, stream):
        self.label, self.total, self.stream = label, total, stream
        self.done, self._last = 0, 0.0

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= 0.1 or self.done == self.total:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        size = f"{self.done / 1e6:.1f}"
        if self.total:
            size += f"/{self.total / 1e6:.1f} MB {100 * self.done // self.total:3d}%"
        else:
            size += " MB"
        self.stream.write(f"\r  {self.label}  {size}")
        self.stream.flush()

    def close(self) -> None:
        self._draw()
        self.stream.write("\n")


def _stream_to(response, handle, progress: Progress) -> tuple[int, str]:
    digest, received = hashlib.md5(), 0
    while chunk := response.read(DOWNLOAD_CHUNK):
        handle.write(chunk)
        digest.update(chunk)
        received += len(chunk)
        progress.update(len(chunk))
    return received, digest.hexdigest()


def _download(url: str, file: FileSpec, temp: Path, stream, timeout: float) -> None:
    """Fill ``temp`` from ``url``; DataError unless complete and matching the published md5."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        progress = Progress(file.name, total, stream)
        with open(temp, "wb") as handle:
            received, md5 = _stream_to(response, handle, progress)
        progress.close()
    if total is not None and received != total:
        raise DataError(f"transfer cut off: expected {total} bytes, received {received}")
    if md5 != file.container_md5:
        raise DataError(
            f"checksum mismatch: expected the published md5 {file.container_md5}, found {md5}"
        )


def _url(mirror: str, file: FileSpec) -> str:
    url = mirror.rstrip("/") + "/" + file.name
    if not url.startswith(("http://", "https://")):
        raise DataError(f"--mirror: expected an http:// or https:// base URL, received {mirror!r}")
    return url


def fetch_file(
    file: FileSpec, mirrors, folder: Path, stream=sys.stderr, timeout: float = 60.0
) -> Path:
    """Download ``file`` from the first mirror that serves it intact; returns its path."""
    if not file.container_md5:
        raise DataError(f"{file.name}: no published md5 to verify a download against")
    final = folder / file.name
    failures = []
    for mirror in mirrors:
        url = _url(mirror, file)
        stream.write(f"downloading {url}\n")
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{file.name}.", suffix=".part")
        os.close(fd)
        temp = Path(name)
        try:
            _download(url, file, temp, stream, timeout)
            os.replace(temp, final)  # atomic: the official name appears only when verified
            return final
        except (
            DataError,
            urllib.error.URLError,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as exc:
            failures.append(f"{url}: {exc}")
        finally:
            temp.unlink(missing_ok=True)  # also on KeyboardInterrupt; no-op after replace
    raise DataError(
        f"{file.name}: could not download a verified copy; tried:\n  " + "\n  ".join(failures)
    )


def fetch_dataset(
    spec: DatasetSpec, cache_dir=None, mirrors=None, stream=sys.stderr, timeout: float = 60.0
) -> Path:
    """Download ``spec``'s official files into ``<cache_dir>/<name>/``; returns that folder.

    ``mirrors`` (base URLs) replace ``spec.mirrors``. Files already there with the published
    md5 are kept. Tests pass a substitute spec (other checksums) to download generated files.
    """
    folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    folder = folder / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    for file in spec.downloads():
        present = folder / file.name
        if present.is_file() and md5_of_file(present) == file.container_md5:
            stream.write(f"{present}: already present and verified\n")
            continue
        fetch_file(file, list(mirrors or spec.mirrors), folder, stream, timeout)
    return folder
