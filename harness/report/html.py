"""Self-contained HTML: inline CSS, every text escaped, images embedded as data URIs.

Embedding keeps each page one portable file (a student's page can be mailed or uploaded
on its own); the PNG files are also written beside the Markdown, which links them.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em;
       color: #1d2330; background: #ffffff; }
h1 { font-size: 1.6em; border-bottom: 3px solid #3b6fb6; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; color: #24477a; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #c9d2e0; padding: .3em .55em; text-align: right; }
th { background: #e3ebf7; }
th[colspan] { text-align: center; }
td:first-child, th:first-child { text-align: left; }
tr.reference td { background: #f4f7ec; }
tr.median td { background: #fbf3e4; font-weight: 600; }
tr.failed td { background: #fbe9e9; }
.wide { overflow-x: auto; }
.note { background: #fff7d6; border-left: 4px solid #e0b000; padding: .4em .8em; margin: .3em 0; }
pre { background: #f3f4f7; padding: .8em; overflow-x: auto; max-height: 30em; font-size: .85em; }
img { max-width: 100%; border: 1px solid #d7dce5; }
"""


def page(title: str, body: str) -> str:
    """A whole HTML document; ``body`` must already be escaped HTML."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )


def table(
    headers: list[str],
    rows: list[list[str]],
    row_classes: list[str] | None = None,
    groups: list[tuple[str, int]] | None = None,
) -> str:
    """An escaped table; ``groups`` adds a header row of (label, column span) above."""
    classes = row_classes or [""] * len(rows)
    head = ""
    if groups:
        head = (
            "<tr>"
            + "".join(f'<th colspan="{span}">{escape(label)}</th>' for label, span in groups)
            + "</tr>"
        )
    head += "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr>"
    body = "".join(
        f'<tr class="{c}">' + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>\n"
        for row, c in zip(rows, classes, strict=True)
    )
    return (
        f'<div class="wide"><table>\n<thead>{head}</thead>\n<tbody>\n{body}</tbody>\n</table></div>'
    )


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def notes(lines: list[str]) -> str:
    return "".join(f'<div class="note">{escape(line)}</div>' for line in lines)


def bullets(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def preformatted(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def image(path: Path, alt: str) -> str:
    """The PNG at ``path`` embedded as a data URI."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<p><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></p>'


def link(label: str, href: str) -> str:
    """One paragraph holding one relative link."""
    return f'<p><a href="{escape(href)}">{escape(label)}</a></p>'


def links(items: list[tuple[str, str]]) -> str:
    """A list of (label, relative href) links."""
    return (
        "<ul>"
        + "".join(f'<li><a href="{escape(href)}">{escape(label)}</a></li>' for label, href in items)
        + "</ul>"
    )
