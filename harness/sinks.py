"""Student text leaving the harness: one escaping function per place it is written.

A student controls their folder's name (the submission id), the reason their run gives for
failing, what it prints and its layer list's text, and all of that reaches staff. Each
sink reads text by its own rules, so each has its own function, called where the text is
written (``docs/security.md`` lists them):

- :func:`terminal`: control characters (colours, clear screen, window titles, clipboard
  writes) and a GitHub Actions workflow command (``::`` at the start of a line);
- :func:`markdown` and :func:`markdown_fence`: CommonMark (and GitHub's autolinks);
- :func:`csv_cell`: spreadsheet formulas;
- :func:`json_text`: strict JSON (no NaN or Infinity, which strict readers refuse).

HTML is escaped by :mod:`html` in ``harness/report/html.py``; Gradescope's results declare
their text as plain (``harness/report/gradescope.py``). Nothing here imports more than the
standard library.
"""

from __future__ import annotations

import json
import re

# C0 and C1 control characters, DEL, and the invisible marks that reorder or hide text
# (bidirectional overrides and isolates, which can make "failed" read as "passed").
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_WORKFLOW_COMMAND = re.compile(r"^::", re.MULTILINE)


def _escaped(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str, keep_newlines: bool = False) -> str:
    """``text`` safe to print: every control character shown as ``\\xNN`` or ``\\uNNNN``
    (line breaks too, unless ``keep_newlines``: a one-line field cannot forge a line), and a
    line starting ``::`` (a workflow command in a GitHub Actions log) starting ``\\x3a:``."""
    text = str(text)
    if keep_newlines:
        lines = text.split("\n")
        return "\n".join(terminal(line) for line in lines)
    return _WORKFLOW_COMMAND.sub(r"\\x3a:", _CONTROL.sub(_escaped, text))


# Always escaped: what opens code, emphasis, links, images, raw HTML, entities, autolinks,
# tables, strikethrough and GitHub's maths.
_MARKDOWN_ANYWHERE = set("\\`*[]<>!|~&@$")
# Escaped at the start of a line before a space, the end or itself: headings, lists,
# setext underlines and thematic breaks ("-0.8" and "#3" stay as they are).
_MARKDOWN_LINE_START = set("#-+=>")


def markdown(text: str) -> str:
    """``text`` as literal CommonMark inline text, on one line.

    Line breaks and tabs become spaces; every character that could start markup is
    backslash-escaped (CommonMark shows any escaped ASCII punctuation as itself), and so
    are an ``_`` not between two letters or digits (one inside a word never emphasises),
    the ``.`` of ``www.`` and the ``:`` of ``https://``: GitHub turns those into links
    (and ``mailto:`` ones need the ``@``, escaped). Figures, times and paths read as they
    are.
    """
    text = " ".join(str(text).replace("\t", " ").splitlines())
    start = len(text) - len(text.lstrip(" "))  # where a block marker would be read
    out = []
    for position, char in enumerate(text):
        before, after = text[position - 1 : position], text[position + 1 : position + 2]
        if (
            char in _MARKDOWN_ANYWHERE
            or (char == "_" and not (_word(before) and _word(after)))
            or (position == start and char in _MARKDOWN_LINE_START and after in ("", " ", char))
            or (char == "." and text[max(0, position - 3) : position].lower() == "www")
            or (char == ":" and after == "/")
            or (char in ".)" and after in ("", " ") and text[start:position].isdigit())
        ):
            out.append("\\")
        out.append(char)
    return "".join(out)


def _word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def markdown_fence(text: str, info: str = "text") -> str:
    """``text`` as a fenced code block whose fence no line of it can close: a run of
    backticks longer than any run in the text (and never tildes, which it cannot close)."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{text}\n{fence}"


_FORMULA_START = tuple("=+-@\t\r")


def csv_cell(value):
    """A gradebook cell: text that a spreadsheet would run as a formula (starting with
    ``=``, ``+``, ``-``, ``@``, tab or carriage return, after any blank space, OWASP's CSV
    injection advice) gets a leading ``'``, which spreadsheets show as text. Numbers stay
    numbers."""
    if isinstance(value, str) and value.lstrip(" \n").startswith(_FORMULA_START):
        return "'" + value
    return value


def json_text(value, **options) -> str:
    """``value`` as strict JSON: a NaN or an infinity raises ValueError instead of being
    written as ``NaN`` / ``Infinity``, which strict readers (Gradescope's, ``jq``) refuse."""
    return json.dumps(value, allow_nan=False, **options)
