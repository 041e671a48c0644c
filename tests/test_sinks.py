"""One escaping function per sink: student text is shown, never obeyed (harness/sinks.py)."""

import csv
import io
import json

import pytest

from harness.sinks import csv_cell, json_text, markdown, markdown_fence, terminal


@pytest.mark.parametrize(
    "text, shown",
    [
        ("\x1b[2J", "\\x1b[2J"),  # clear screen
        ("\x1b]52;c;cm0gLXJm\x07", "\\x1b]52;c;cm0gLXJm\\x07"),  # clipboard write
        ("a\rb\nc", "a\\x0db\\x0ac"),  # a field cannot forge a line
        ("\u202edessap", "\\u202edessap"),  # right-to-left override reads "passed"
        ("\x9b31m", "\\x9b31m"),  # the one-byte CSI
        ("::error::void", "\\x3a:error::void"),  # a GitHub Actions workflow command
        ("0.91 alice_b", "0.91 alice_b"),
    ],
)
def test_terminal_shows_control_characters_as_escapes(text, shown):
    assert terminal(text) == shown


def test_terminal_keeps_line_breaks_when_asked_and_still_stops_workflow_commands():
    assert terminal("one\n::warning::two\r", keep_newlines=True) == "one\n\\x3a:warning::two\\x0d"


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
        ("[click](https://evil.example)", "\\[click\\](https\\://evil.example)"),
        ("www.evil.example", "www\\.evil.example"),
        ("staff@evil.example", "staff\\@evil.example"),
        ("mailto:staff@evil.example", "mailto:staff\\@evil.example"),
        ("reference:original at 10:59", "reference:original at 10:59"),
        (
            "reason: site-packages/harness/assignment.toml",
            "reason: site-packages/harness/assignment.toml",
        ),
        ("# Grade override", "\\# Grade override"),
        ("  - item", "  \\- item"),
        ("1. item", "1\\. item"),
        ("-0.8 (10%)", "-0.8 (10%)"),
        ("---", "\\---"),
        ("== x", "\\== x"),
        ("**bold** _em_ `code` ~~del~~ | $x$ &amp;", None),
        ("line\nbreak", "line break"),
        ("0.9123 1.02x fashion_mnist 1,234", "0.9123 1.02x fashion_mnist 1,234"),
    ],
)
def test_markdown_escapes_what_could_start_markup_and_leaves_figures(text, escaped):
    out = markdown(text)
    if escaped is not None:  # None: only that no markup character is left unescaped
        assert out == escaped
    for char in "*`~|$&":
        assert char not in out.replace("\\" + char, "")
    assert "\n" not in out


def test_every_markdown_escape_renders_as_the_text_itself():
    from markdown_it import MarkdownIt

    text = "<b>x</b> [a](b) *c* _d_ `e` ~f~ | g & h @ i www.j.k http://l.m # n 1. o \\ p"
    rendered = MarkdownIt("commonmark").render(markdown(text))
    assert (
        rendered
        == "<p>" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</p>\n"
    )


def test_a_fence_is_longer_than_any_run_in_the_text():
    text = "```\n~~~~\n``````\n# heading"
    fenced = markdown_fence(text)
    assert fenced.startswith("```````text\n") and fenced.endswith("\n```````")
    assert markdown_fence("plain").startswith("```text\n")


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://x","open")', '\'=HYPERLINK("http://x","open")'),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (" =1", "' =1"),
        ("alice", "alice"),
        (-0.5, -0.5),
        (3, 3),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_text(value, written):
    assert csv_cell(value) == written
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(value)])
    assert not out.getvalue().lstrip('" \n').startswith(tuple("=+@\t\r"))


def test_json_text_refuses_non_finite_numbers():
    assert json.loads(json_text({"a": 1.5})) == {"a": 1.5}
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError):
            json_text({"device": {"x": bad}})
