"""The names every stage shares, each defined once: frameworks, datasets, references, roots.

Everything else imports these; nothing here imports anything heavier than ``pathlib``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent  # the installed ``harness`` package
REFERENCE_MODELS_ROOT = PACKAGE_ROOT.parent / "reference_models"  # installed beside it
SYSTEM_DATA_ROOT = Path("/usr/share/datasets")  # Debian's dataset packages, searched last

FRAMEWORKS = ("torch", "tensorflow", "jax")  # one adapter module each, harness/adapters/<name>
# The installed packages a framework's runs depend on (numpy for every one): their versions
# bind stored bars, and the Gradescope bundle pins them.
FRAMEWORK_PACKAGES = {
    "torch": ("numpy", "torch"),
    "tensorflow": ("numpy", "tensorflow", "tensorflow-cpu", "keras"),
    "jax": ("numpy", "jax", "jaxlib", "flax", "optax"),
}
DATASET_NAMES = ("mnist", "fashion_mnist", "cifar10")  # registry entries, harness/data
# (height, width, channels) and number of classes: the shapes submissions are built for
# (harness/data/registry.py checks its entries against these when it is imported).
DATASET_SHAPES: dict[str, tuple[tuple[int, int, int], int]] = {
    "mnist": ((28, 28, 1), 10),
    "fashion_mnist": ((28, 28, 1), 10),
    "cifar10": ((32, 32, 3), 10),
}
REFERENCE_NETWORKS = ("original", "cifar")  # hand-written in reference_models/<fw>_cnn.py

# A reference run's submission id, for display and file names only: whether a record is a
# reference is its ``reference`` field, which only the trusted parent sets.
REFERENCE_PREFIX = "reference:"

# Runs that are not a student's graded run, each with an id no student folder may take:
# seed k > 0 of a run is "<id>~seed<k>"; a network ``explain`` trains is "variant:<hash>".
SEED_MARK = "~seed"
VARIANT_PREFIX = "variant:"
# The environment's thread counts a run's results depend on (they order float sums).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")

WARMUP_BATCHES = 5  # steps excluded from steady-state throughput (compilation, caches)
CURVE_POINTS = 20  # learning-curve points recorded per run
# Validation images a run predicts at each curve point (the first ones of the split); the
# parent scores them. Evaluations are inside a run's timed window, so they are kept small.
CURVE_VALIDATION_IMAGES = 1000


NAME_BYTES = 96  # longest file name made from one id: a run's files join three, under 255


def default_cache_dir() -> Path:
    """The per-user cache that ``data fetch`` writes to and that is searched third."""
    if os.environ.get("HARNESS_CACHE_DIR"):
        return Path(os.environ["HARNESS_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "cnn-harness"


def file_name(text: str) -> str:
    """An injective, bounded, file-system- and URL-safe name for ``text`` (a student id, a
    run part), distinct from every other even where names are compared ignoring case.

    ASCII letters, digits, ``_``, ``-`` and ``.`` stay; every other character (``~`` too,
    and a leading ``.``) becomes ``~XX`` per UTF-8 byte, so two different ids never share
    a file. The empty id is ``~``. A name that would pass :data:`NAME_BYTES`, or an id with
    an upper-case letter (``Alice`` and ``alice`` are one file on a case-insensitive disk),
    is cut to a readable prefix followed by ``~~`` and a hash of the whole id: ``~~``
    appears in no other name, since an escape's ``~`` is followed by a hex digit.
    """
    out = []
    for position, char in enumerate(text):
        keep = char.isascii() and (char.isalnum() or char in "_-" or (char == "." and position))
        out.append(char if keep else "".join(f"~{b:02X}" for b in _utf8(char)))
    name = "".join(out) or "~"
    if len(name) <= NAME_BYTES and not any("A" <= char <= "Z" for char in text):
        return name
    digest = hashlib.sha256(text.encode(errors="surrogatepass")).hexdigest()[:32]
    return _prefix(out, NAME_BYTES - len(digest) - 2) + "~~" + digest


def _utf8(char: str) -> bytes:
    """The bytes of one character; a name's undecodable byte (a surrogate escape) is that
    byte, which no valid character's UTF-8 is."""
    try:
        return char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return char.encode("utf-8", "surrogatepass")


def _prefix(pieces: list[str], limit: int) -> str:
    """The first whole pieces (characters or their escapes) that fit in ``limit``."""
    kept, size = [], 0
    for piece in pieces:
        if size + len(piece) > limit:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept)


def reference_id(network: str) -> str:
    """The submission id under which a reference network's runs are stored."""
    return REFERENCE_PREFIX + network


def seed_id(submission: str, seed: int) -> str:
    """The id of seed ``seed`` of a run (seed 0 is the run itself)."""
    return submission if seed == 0 else f"{submission}{SEED_MARK}{seed}"
