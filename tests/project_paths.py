"""Where the tests find the project: one definition of each folder they read."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent  # the repository checkout
SUBMISSIONS = ROOT / "submissions"  # the example submissions
HOSTILE = TESTS / "hostile_submissions"  # attacks, one folder each
BROKEN = TESTS / "broken_submissions"  # submissions that must be refused at load
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # apt dataset-fashion-mnist
