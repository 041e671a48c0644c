"""File names from ids (harness/names.py): bounded, injective, distinct ignoring case."""

import itertools

import pytest

from harness.names import NAME_BYTES, file_name

IDS = [
    "alice",
    "Alice",
    "ALICE",
    "",
    "~",
    ".hidden",
    "a b",
    "a_b",
    "a~20b",
    "a~~b",
    "reference:original",
    "0" + "\N{GRINNING FACE}" * 22,
    "0" + "\N{GRINNING FACE}" * 23,
    "!" * 85,
    "!" * 86,
    "x" * NAME_BYTES,
    "x" * (NAME_BYTES + 1),
    "bad\udcff",  # an undecodable byte of a folder name
    "bad\udcfe",
    "\x1b[2J",
]


def test_names_are_bounded_and_safe():
    for text in IDS:
        name = file_name(text)
        assert 0 < len(name.encode()) <= NAME_BYTES, text
        assert all(c.isascii() and (c.isalnum() or c in "_-.~") for c in name), name
        assert not name.startswith(".")


def test_names_are_injective_even_ignoring_case():
    names = [file_name(text).casefold() for text in IDS]
    assert len(set(names)) == len(IDS)


@pytest.mark.parametrize("a, b", list(itertools.combinations(["x" * 200, "x" * 201, "X" * 200], 2)))
def test_long_ids_with_one_prefix_still_differ(a, b):
    assert file_name(a) != file_name(b)


def test_short_lower_case_ids_keep_their_names():
    assert file_name("s1234567") == "s1234567"
    assert file_name("honest_tiny") == "honest_tiny"
    assert file_name("reference:original") == "reference~3Aoriginal"
