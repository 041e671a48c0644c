"""A report as a list of blocks, rendered once as Markdown and once as HTML.

Building the content once keeps ``summary.md`` and ``summary.html`` (and a student's two
pages) saying the same thing; only the rendering differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tabulate import tabulate

from harness.report import html
from harness.sinks import markdown as md
from harness.sinks import markdown_fence


@dataclass
class Block:
    kind: str  # heading | text | notes | bullets | links | link | table | image | pre
    text: str = ""
    items: list = field(default_factory=list)  # lines, or table rows
    headers: list = field(default_factory=list)
    row_classes: list = field(default_factory=list)  # HTML only: reference, median, failed
    groups: list = field(default_factory=list)  # HTML only: [(label, span)] above headers
    short_headers: list = field(default_factory=list)  # HTML only: headers under the groups
    path: Path | None = None  # image file
    href: str = ""  # image or link target, relative to the page
    level: int = 2  # heading level


def markdown(title: str, blocks: list[Block]) -> str:
    """The page as CommonMark. Every text is escaped (:func:`harness.sinks.markdown`) and
    every preformatted one fenced (:func:`harness.sinks.markdown_fence`) here, where it is
    written: a student's id, reason or output is shown, never rendered."""
    parts = [f"# {md(title)}"] + [_markdown_block(b) for b in blocks]
    return "\n\n".join(p for p in parts if p) + "\n"


def _markdown_block(block: Block) -> str:
    if block.kind == "heading":
        return f"{'#' * block.level} {md(block.text)}"
    if block.kind == "text":
        return md(block.text)
    if block.kind == "notes":
        return "\n".join(f"> **Note:** {md(line)}  " for line in block.items)
    if block.kind == "bullets":
        return "\n".join(f"- {md(line)}" for line in block.items)
    if block.kind == "links":  # items: (label, path without extension, a safe file name)
        return "\n".join(f"- [{md(label)}]({stem}.md)" for label, stem in block.items)
    if block.kind == "table":
        rows = [[md(v) for v in row] for row in block.items]
        headers = [md(h) for h in block.headers]
        return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
    if block.kind == "image":
        return f"![{md(block.text)}]({block.href})"
    if block.kind == "link":
        return f"[{md(block.text)}]({block.href})"
    return markdown_fence(block.text)


def html_page(title: str, blocks: list[Block]) -> str:
    return html.page(title, "\n".join(_html_block(b) for b in blocks))


def _html_block(block: Block) -> str:
    if block.kind == "heading":
        return html.heading(block.text, block.level)
    if block.kind == "text":
        return html.paragraph(block.text)
    if block.kind == "notes":
        return html.notes(block.items)
    if block.kind == "bullets":
        return html.bullets(block.items)
    if block.kind == "links":
        return html.links([(label, f"{stem}.html") for label, stem in block.items])
    if block.kind == "table":
        return html.table(
            block.short_headers or block.headers,
            block.items,
            block.row_classes or None,
            block.groups or None,
        )
    if block.kind == "image":
        if block.path is None:
            raise ValueError(f"image block {block.text!r}: expected the PNG's path, received None")
        return html.image(block.path, block.text)
    if block.kind == "link":
        return html.link(block.text, block.href)
    return html.preformatted(block.text)
