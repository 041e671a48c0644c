"""The socket between a sandboxed worker and its parent: framed messages of JSON and arrays.

A message is a 4-byte big-endian length, a JSON header ``{"kind", "body", "arrays"}`` where
``arrays`` lists ``{"name", "dtype", "shape"}``, then each array's raw bytes in C order.
The parent reads what the worker sends with suspicion (:func:`receive` with ``limit``):
the header and the arrays together are bounded, only plain numeric dtypes are accepted,
and a malformed frame is a :class:`ProtocolError`, never a crash. Arrays are written and
read in chunks, so a large training set never needs a second copy in either process.
"""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

HEADER_BYTES = 1 << 20  # largest JSON header either side accepts
MAX_NESTING = 32  # lists and objects inside one another in a header; the protocol uses 5
CHUNK_BYTES = 4 << 20  # arrays cross in pieces of about this size
DTYPES = ("uint8", "int8", "int16", "int32", "int64", "float32", "float64")
_LENGTH = struct.Struct("!I")


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


class Closed(ProtocolError):
    """The other side closed the connection (or died) before a whole message came."""


@dataclass(frozen=True)
class Rows:
    """``source[rows]``, sent without gathering it whole (``source`` may be a memmap)."""

    source: np.ndarray
    rows: np.ndarray

    @property
    def dtype(self) -> np.dtype:
        return self.source.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.rows), *self.source.shape[1:])

    def pieces(self) -> Iterator[np.ndarray]:
        per_row = max(1, int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize)
        step = max(1, CHUNK_BYTES // per_row)
        for start in range(0, len(self.rows), step):
            yield self.source[self.rows[start : start + step]]


def _pieces(array) -> Iterator[np.ndarray]:
    if isinstance(array, Rows):
        yield from array.pieces()
    elif array.ndim == 0 or array.nbytes <= CHUNK_BYTES:
        yield array
    else:
        step = max(1, CHUNK_BYTES * len(array) // array.nbytes)
        for start in range(0, len(array), step):
            yield array[start : start + step]


def send(
    sock: socket.socket,
    kind: str,
    body: Mapping | None = None,
    arrays: Mapping[str, np.ndarray | Rows] | None = None,
) -> None:
    """Send one message; arrays go in row chunks, so none is copied whole."""
    arrays = dict(arrays or {})
    described = [
        {"name": name, "dtype": np.dtype(a.dtype).name, "shape": list(a.shape)}
        for name, a in arrays.items()
    ]
    header = json.dumps(
        {"kind": kind, "body": dict(body or {}), "arrays": described}, allow_nan=True
    ).encode()
    sock.sendall(_LENGTH.pack(len(header)) + header)
    for array in arrays.values():
        for piece in _pieces(array):
            sock.sendall(np.ascontiguousarray(piece).reshape(-1).data.cast("B"))


def _exactly(sock: socket.socket, count: int) -> bytes:
    data = bytearray(count)
    _fill(sock, memoryview(data))
    return bytes(data)


def _fill(sock: socket.socket, view: memoryview) -> None:
    got = 0
    while got < len(view):
        n = sock.recv_into(view[got:], min(len(view) - got, CHUNK_BYTES))
        if n == 0:
            raise Closed(f"the connection closed after {got} of {len(view)} bytes")
        got += n


def _describe(entry, remaining: int) -> tuple[str, np.dtype, tuple[int, ...]]:
    """An array entry of the header, checked: name, an allowed dtype, a bounded shape."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ProtocolError(
            f"array entry: expected {{name, dtype, shape}}, received {entry!r}"[:300]
        )
    if entry.get("dtype") not in DTYPES:
        raise ProtocolError(
            f"array {entry['name']!r}: dtype expected one of "
            f"{', '.join(DTYPES)}, received {entry.get('dtype')!r}"[:300]
        )
    shape = entry.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) > 8
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise ProtocolError(
            f"array {entry['name']!r}: shape expected up to 8 sizes >= 0, received {shape!r}"[:300]
        )
    dtype = np.dtype(entry["dtype"])
    if int(np.prod(shape, dtype=object)) * dtype.itemsize > remaining:
        raise ProtocolError(
            f"array {entry['name']!r} of shape {tuple(shape)} is larger than "
            f"the {remaining} bytes left of the message limit"
        )
    return entry["name"], dtype, tuple(shape)


def _outside_strings(codes: np.ndarray) -> np.ndarray:
    """Which bytes of a JSON text lie outside its strings, in one linear pass of array
    operations (a backtracking regular expression took quadratic time on ``"`` and many
    ``\\"``, holding the GIL the watchdog needs). A quote opens or closes a string unless
    an odd run of backslashes comes just before it; JSON has backslashes only in strings."""
    index = np.arange(len(codes), dtype=np.int64)
    last_other = np.maximum.accumulate(np.where(codes == ord("\\"), -1, index))
    backslashes_before = index - 1 - np.concatenate(([-1], last_other[:-1]))
    quote = (codes == ord('"')) & (backslashes_before % 2 == 0)
    return np.cumsum(quote) % 2 == 0


def _check_nesting(raw: bytes) -> None:
    """Refuse a header nesting deeper than :data:`MAX_NESTING` before it is parsed: the
    parser recurses once per level (200,000 levels raised RecursionError in the parent's
    conversation thread, which died), and so would anything that walked the result.
    Brackets inside strings do not count."""
    codes = np.frombuffer(raw, dtype=np.uint8)
    outside = _outside_strings(codes)
    opened = outside & ((codes == ord("[")) | (codes == ord("{")))
    closed = outside & ((codes == ord("]")) | (codes == ord("}")))
    steps = opened.astype(np.int64) - closed
    if len(steps) and np.cumsum(steps).max() > MAX_NESTING:
        raise ProtocolError(f"header nests lists or objects deeper than {MAX_NESTING}")


def receive(sock: socket.socket, limit: int) -> tuple[str, dict, dict[str, np.ndarray]]:
    """(kind, body, arrays) of the next message, at most ``limit`` bytes in all."""
    (length,) = _LENGTH.unpack(_exactly(sock, _LENGTH.size))
    if length > min(HEADER_BYTES, limit):
        raise ProtocolError(f"header of {length} bytes (limit {min(HEADER_BYTES, limit)})")
    raw = _exactly(sock, length)
    _check_nesting(raw)
    try:
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(f"header is not JSON ({type(exc).__name__}: {exc})") from None
    if (
        not isinstance(header, dict)
        or not isinstance(header.get("kind"), str)
        or not isinstance(header.get("body", {}), dict)
        or not isinstance(header.get("arrays", []), list)
    ):
        raise ProtocolError("header: expected {kind: str, body: object, arrays: list}")
    remaining, arrays = limit - length, {}
    for entry in header.get("arrays", []):
        name, dtype, shape = _describe(entry, remaining)
        array = np.empty(shape, dtype)
        _fill(sock, array.reshape(-1).data.cast("B"))  # the array's own bytes
        remaining -= array.nbytes
        arrays[name] = array
    return header["kind"], header.get("body", {}), arrays
