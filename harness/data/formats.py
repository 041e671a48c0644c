"""Decoders for the official file formats: gzip, idx (MNIST-style) and CIFAR-10 python batches.

Each decoder checks structure only (magic numbers, header sizes, lengths, types) and raises
``DataError`` naming the file, what was expected and what was found; checksums are
``verify.py``'s job. Arrays are views on the decoded bytes (``np.frombuffer``), never built
by Python loops.
"""

from __future__ import annotations

import codecs
import io
import pickle
import zlib

import numpy as np

from harness.errors import DataError

IDX_MAGIC = {"labels": 0x00000801, "images": 0x00000803}  # unsigned bytes, 1 or 3 dimensions
GZIP_MAGIC = b"\x1f\x8b"
CIFAR_PIXELS = 32 * 32 * 3


def gunzip(data: bytes, where: str) -> bytes:
    """Decompress every gzip member of ``data``; CRC and length are checked by zlib."""
    if data[:2] != GZIP_MAGIC:
        raise DataError(
            f"{where}: not gzip data: expected the bytes 1f 8b at the start, "
            f"found {data[:2].hex(' ') or 'an empty file'}"
        )
    parts = []
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header and trailer
        try:
            parts.append(inflater.decompress(data))
        except zlib.error as exc:
            raise DataError(
                f"{where}: corrupt gzip data: expected a valid deflate stream, "
                f"found an error ({exc})"
            ) from None
        if not inflater.eof:
            raise DataError(
                f"{where}: truncated gzip file: expected the end of the gzip "
                f"stream, found the end of the file after {len(data)} bytes"
            )
        # Concatenated members are legal gzip; padding zeros after the last one are common.
        data = inflater.unused_data.lstrip(b"\0")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _magic_hint(magic: int, data: bytes) -> str:
    if data[:2] == GZIP_MAGIC:
        return " (this is gzip data: give the file a .gz name)"
    kinds = {v: k for k, v in IDX_MAGIC.items()}
    return f" (an idx file of {kinds[magic]})" if magic in kinds else " (not an idx file)"


def parse_idx(data: bytes, where: str, kind: str) -> np.ndarray:
    """An idx file of unsigned bytes: ``kind`` "images" -> (n, rows, cols), "labels" -> (n,)."""
    expected = IDX_MAGIC[kind]
    ndim = expected & 0xFF
    if len(data) < 4 + 4 * ndim:
        raise DataError(
            f"{where}: truncated idx header: expected at least {4 + 4 * ndim} "
            f"bytes, found {len(data)}"
        )
    magic = int.from_bytes(data[:4], "big")
    if magic != expected:
        raise DataError(
            f"{where}: wrong magic number: expected 0x{expected:08x} (idx file of "
            f"{kind}), found 0x{magic:08x}{_magic_hint(magic, data)}"
        )
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    need = int(np.prod(dims))
    have = len(data) - header
    if have != need:
        what = "truncated idx file" if have < need else "idx file with trailing bytes"
        raise DataError(
            f"{where}: {what}: the header announces {' x '.join(map(str, dims))} "
            f"= {need} bytes of data, found {have}"
        )
    return np.frombuffer(data, dtype=np.uint8, count=need, offset=header).reshape(dims)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles plain data and numpy arrays only: a batch file is input, never code."""

    def find_class(self, module, name):
        if (module, name) == ("_codecs", "encode"):  # how Python 3 pickles bytes (protocol 2)
            return codecs.encode
        allowed = {"_reconstruct", "ndarray", "dtype", "_frombuffer"}
        if module.startswith("numpy") and name in allowed:
            core = getattr(np, "_core", None) or np.core  # numpy 2 moved np.core
            return {
                "ndarray": np.ndarray,
                "dtype": np.dtype,
                "_reconstruct": core.multiarray._reconstruct,
                "_frombuffer": core.numeric._frombuffer,
            }[name]
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _unpickle(data: bytes, where: str) -> dict:
    try:
        # latin1 turns Python 2 str keys and array buffers into what numpy expects.
        batch = _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as exc:  # a damaged pickle can raise almost any exception type
        raise DataError(
            f"{where}: not a CIFAR-10 python batch: expected a pickled dict, "
            f"found undecodable data ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(batch, dict):
        raise DataError(
            f"{where}: not a CIFAR-10 python batch: expected a pickled dict, "
            f"found {type(batch).__name__}"
        )
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}


def _batch_labels(batch: dict, where: str, count: int) -> np.ndarray:
    try:
        labels = np.asarray(batch["labels"], dtype=np.int64)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise DataError(
            f"{where}: field 'labels': expected a list of {count} integers, "
            f"found {type(exc).__name__}: {exc}"
        ) from None
    if labels.shape != (count,):
        raise DataError(
            f"{where}: field 'labels': expected {count} labels (one per row of "
            f"'data'), found shape {labels.shape}"
        )
    return labels


def parse_cifar_batch(data: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """A pickled CIFAR-10 batch -> (uint8 images (n, 32, 32, 3), int64 labels (n,))."""
    batch = _unpickle(data, where)
    pixels = batch.get("data")
    if (
        not isinstance(pixels, np.ndarray)
        or pixels.dtype != np.uint8
        or pixels.ndim != 2
        or pixels.shape[1] != CIFAR_PIXELS
    ):
        found = (
            f"{pixels.dtype} array of shape {pixels.shape}"
            if isinstance(pixels, np.ndarray)
            else type(pixels).__name__
        )
        raise DataError(
            f"{where}: field 'data': expected a uint8 array of shape "
            f"(n, {CIFAR_PIXELS}), found {found}"
        )
    labels = _batch_labels(batch, where, len(pixels))
    # Rows hold the red plane, then green, then blue (CHW); the harness works in NHWC.
    images = pixels.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels
