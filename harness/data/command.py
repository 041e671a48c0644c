"""``python -m harness data info|fetch``: thin wrappers the CLI calls with its Namespace."""

from __future__ import annotations

import json
import sys

from harness.data.fetch import fetch_dataset
from harness.data.loader import Dataset, load_dataset
from harness.data.registry import get_spec


def format_info(dataset: Dataset) -> str:
    """The human-readable description ``data info`` prints."""
    info = dataset.describe()
    height, width, channels = info["image_shape"]
    checksums = (
        "verified against the published checksums"
        if info["verified"]
        else "UNVERIFIED (--allow-unverified: not the official files)"
    )
    source = (
        "the BUNDLED SUBSET shipped with the harness (the full set was not found)"
        if info["bundled_subset"]
        else "full dataset"
    )
    lines = [
        f"{info['name']}: {get_spec(info['name']).title}",
        f"  location:    {info['location']}",
        f"  data:        {source}",
        f"  train:       {info['train_count']:,} images",
        f"  validation:  {info['validation_count']:,} images (carved from the training set)",
        f"  test:        {info['test_count']:,} images",
        f"  image shape: {height}x{width}x{channels}",
        f"  classes:     {', '.join(info['class_names'])}",
        f"  checksums:   {checksums}",
    ]
    return "\n".join(lines)


def info_command(args) -> int:
    """Describe where a dataset was found and what it holds (``--json``: one object)."""
    dataset = load_dataset(
        args.name, data_dir=args.data_dir, allow_unverified=args.allow_unverified
    )
    if args.json:
        print(json.dumps(dataset.describe()))
    else:
        print(format_info(dataset))
    return 0


def fetch_command(args) -> int:
    """Download the official files (or from ``--mirror`` base URLs) into the cache."""
    folder = fetch_dataset(
        get_spec(args.name), cache_dir=args.cache_dir, mirrors=args.mirror, stream=sys.stderr
    )
    print(f"{args.name}: verified files in {folder}")
    if args.cache_dir:
        print(
            f"(not the default cache: load them with --data-dir {args.cache_dir} or set "
            f"HARNESS_CACHE_DIR={args.cache_dir})"
        )
    return 0
