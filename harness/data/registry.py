"""The three datasets of the assignment: their files, published checksums and mirrors.

Checksums come in two kinds, and either one verifies a file:
- ``container_md5``: the md5 of the file as published (the ``.gz`` or ``.tar.gz``).
- ``decoded_md5`` / ``decoded_sha256``: the digest of what the file decodes to (the
  decompressed idx bytes, or one batch file inside the CIFAR archive). Debian's
  ``dataset-fashion-mnist`` re-compresses the ``.gz`` files, so their container md5 differs
  from Zalando's while the decompressed bytes are identical; checking the decoded bytes
  accepts those files and still refuses any other content.

Sources, so that nobody has to trust this file blindly:
- MNIST ``.gz`` md5s and decompressed md5s: published alongside the official files and
  used by torchvision (``torchvision/datasets/mnist.py``) and many loaders that check the
  extracted ``*-ubyte`` files (e.g. "MNIST_EXTRACTED_FILES_MD5" lists in build scripts).
- Fashion-MNIST ``.gz`` md5s: Zalando's README (github.com/zalandoresearch/fashion-mnist).
  Decompressed md5 and sha256: computed from Debian's ``dataset-fashion-mnist``
  (0.0~git20200523.55506a9-1); the md5s agree with third-party lists of the extracted files.
- CIFAR-10: archive md5 from the CIFAR page; batch-file md5s as listed by torchvision
  (``torchvision/datasets/cifar.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import DataError, field_error
from harness.names import DATASET_NAMES, DATASET_SHAPES


@dataclass(frozen=True)
class FileSpec:
    """One official file and what verifies it; a digest of None means 'not published'."""

    name: str  # the file's official name: "train-images-idx3-ubyte.gz", "data_batch_1"
    role: str  # "train_images", "train_labels", "test_images", "test_labels", "train", "test"
    container_md5: str | None = None
    decoded_md5: str | None = None
    decoded_sha256: str | None = None

    @property
    def decoded_name(self) -> str:
        """The name of the decompressed file: ``train-images-idx3-ubyte`` for ``...ubyte.gz``."""
        return self.name[:-3] if self.name.endswith(".gz") else self.name


@dataclass(frozen=True)
class DatasetSpec:
    """Everything the harness knows about one dataset before reading any file."""

    name: str  # "mnist" | "fashion_mnist" | "cifar10"
    title: str
    file_format: str  # "idx" (four idx files) | "cifar_python" (pickled batches)
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]  # (height, width, channels)
    train_count: int  # examples in the official training files, before the validation split
    test_count: int
    files: tuple[FileSpec, ...]  # idx: the four files; CIFAR: the six batch files
    archive: FileSpec | None = None  # CIFAR's cifar-10-python.tar.gz
    folder: str = ""  # CIFAR's folder inside the archive
    mirrors: tuple[str, ...] = ()  # base URLs; a file's URL is base + file name
    debian_name: str = ""  # folder under /usr/share/datasets
    bundled_subset: bool = False

    @property
    def archive_file(self) -> FileSpec:
        """The archive of a dataset shipped as one (CIFAR's); a ValueError for the others."""
        if self.archive is None:
            raise ValueError(f"{self.name}: expected a dataset shipped as an archive, it has none")
        return self.archive

    def downloads(self) -> tuple[FileSpec, ...]:
        """The files ``data fetch`` downloads: the archive when there is one, else the files."""
        return (self.archive,) if self.archive else self.files


def _idx_files(md5s: dict[str, tuple[str | None, str | None, str | None]]) -> tuple[FileSpec, ...]:
    roles = {
        "train-images-idx3-ubyte": "train_images",
        "train-labels-idx1-ubyte": "train_labels",
        "t10k-images-idx3-ubyte": "test_images",
        "t10k-labels-idx1-ubyte": "test_labels",
    }
    return tuple(FileSpec(stem + ".gz", roles[stem], *md5s[stem]) for stem in roles)


MNIST = DatasetSpec(
    name="mnist",
    title="MNIST handwritten digits",
    file_format="idx",
    class_names=tuple(str(d) for d in range(10)),
    image_shape=(28, 28, 1),
    train_count=60_000,
    test_count=10_000,
    files=_idx_files(
        {  # (container md5, decoded md5, decoded sha256)
            "train-images-idx3-ubyte": (
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "6bbc9ace898e44ae57da46a324031adb",
                None,
            ),
            "train-labels-idx1-ubyte": (
                "d53e105ee54ea40749a09fcbcd1e9432",
                "a25bea736e30d166cdddb491f175f624",
                None,
            ),
            "t10k-images-idx3-ubyte": (
                "9fb629c4189551a2d022fa330f9573f3",
                "2646ac647ad5339dbf082846283269ea",
                None,
            ),
            "t10k-labels-idx1-ubyte": (
                "ec29112dd5afa0611ce80d1b7f02629c",
                "27ae3e4e09519cfbb04c329615203637",
                None,
            ),
        }
    ),
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    debian_name="mnist",
)

FASHION_MNIST = DatasetSpec(
    name="fashion_mnist",
    title="Fashion-MNIST (Zalando)",
    file_format="idx",
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    image_shape=(28, 28, 1),
    train_count=60_000,
    test_count=10_000,
    files=_idx_files(
        {
            "train-images-idx3-ubyte": (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "f4a8712d7a061bf5bd6d2ca38dc4d50a",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            "train-labels-idx1-ubyte": (
                "25c81989df183df01b3e8a0aad5dffbe",
                "9018921c3c673c538a1fc5bad174d6f9",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
            "t10k-images-idx3-ubyte": (
                "bef4ecab320f06d8554ea6380940ec79",
                "8181f5470baa50b63fa0f6fddb340f0a",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            "t10k-labels-idx1-ubyte": (
                "bb300cfdad3c16e7a12a480ee83cd310",
                "15d484375f8d13e6eb1aabb0c3f46965",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        }
    ),
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    debian_name="fashion-mnist",
)

CIFAR10 = DatasetSpec(
    name="cifar10",
    title="CIFAR-10",
    file_format="cifar_python",
    class_names=(
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
    image_shape=(32, 32, 3),
    train_count=50_000,
    test_count=10_000,
    files=(
        FileSpec("data_batch_1", "train", decoded_md5="c99cafc152244af753f735de768cd75f"),
        FileSpec("data_batch_2", "train", decoded_md5="d4bba439e000b95fd0a9bffe97cbabec"),
        FileSpec("data_batch_3", "train", decoded_md5="54ebc095f3ab1f0389bbae665268c751"),
        FileSpec("data_batch_4", "train", decoded_md5="634d18415352ddfa80567beed471001a"),
        FileSpec("data_batch_5", "train", decoded_md5="482c414d41f54cd18b22e5b47cb7c3cb"),
        FileSpec("test_batch", "test", decoded_md5="40351d587109b95175f43aff81a1287e"),
    ),
    archive=FileSpec(
        "cifar-10-python.tar.gz", "archive", container_md5="c58f30108f718f92721af3b95e74349a"
    ),
    folder="cifar-10-batches-py",
    mirrors=("https://www.cs.toronto.edu/~kriz/",),
    debian_name="cifar10",
)

# The real subset of Fashion-MNIST shipped in harness/data/bundled/ (see its README.md and
# make_bundled.py): digests of the decoded bytes make_bundled.py writes. No container md5:
# gzip output may differ between zlib versions while the content does not.
BUNDLED_FASHION_MNIST = DatasetSpec(
    name="fashion_mnist",
    title="Fashion-MNIST (bundled subset)",
    file_format="idx",
    class_names=FASHION_MNIST.class_names,
    image_shape=(28, 28, 1),
    train_count=6_000,
    test_count=1_000,
    files=_idx_files(
        {
            "train-images-idx3-ubyte": (
                None,
                None,
                "6dded81672539b5d148c1a85358069d1808c316dc6f6c0abfd12ba3ced5dd394",
            ),
            "train-labels-idx1-ubyte": (
                None,
                None,
                "d7c464914ae4b919728c5c99c3cdde5a0259febf1e99ddc6927a15768731d7dc",
            ),
            "t10k-images-idx3-ubyte": (
                None,
                None,
                "7a6d8e07ea021ec5bc73135ebd0a5770799557ec6f8242d8749c4f32a3cf4643",
            ),
            "t10k-labels-idx1-ubyte": (
                None,
                None,
                "b40abac7ec8228f434940f579deb7cf7b6e3103b5274cb91d1545771f5ef1c8b",
            ),
        }
    ),
    bundled_subset=True,
)

DATASETS: dict[str, DatasetSpec] = {s.name: s for s in (MNIST, FASHION_MNIST, CIFAR10)}
assert tuple(DATASETS) == DATASET_NAMES, "harness.names.DATASET_NAMES lists the registry"
assert {n: (s.image_shape, len(s.class_names)) for n, s in DATASETS.items()} == DATASET_SHAPES, (
    "harness.names.DATASET_SHAPES holds the registry's shapes"
)


def get_spec(name: str) -> DatasetSpec:
    """The registered spec for ``name``; an unknown name is a DataError listing the known."""
    if name not in DATASETS:
        raise DataError(
            field_error("dataset registry", "name", f"one of {', '.join(DATASET_NAMES)}", name)
        )
    return DATASETS[name]
