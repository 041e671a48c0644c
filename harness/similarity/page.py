"""``OUT/similarity.md`` / ``.html``: each pair with its evidence side by side (staff only)."""

from __future__ import annotations

from pathlib import Path

from harness.report import document
from harness.report.document import Block

TITLE = "Similar submissions (staff only)"


def pair_blocks(pair: dict) -> list[Block]:
    blocks = [
        Block("heading", f"{pair['a']} and {pair['b']}: {', '.join(pair['kinds'])}", level=3),
        Block("text", pair["evidence"]),
    ]
    for entry in pair["details"].get("configuration", []):
        if entry["distance"]:
            blocks.append(Block("text", f"configurations: {entry['evidence']}"))
    for entry in pair["details"].get("code", []):
        rows = [[a, b, text] for a, b, text in entry["lines"]]
        headers = [f"line in {pair['a']}", f"line in {pair['b']}", "shared code (spaces removed)"]
        blocks.append(Block("table", items=rows, headers=headers))
    return blocks


def write_page(pairs: list[dict], facts: dict, out: Path) -> list[Path]:
    blocks = [
        Block(
            "text",
            f"{len(pairs)} pair(s) among {facts['students']} students. Evidence for a person "
            "to weigh, never points: each pair joins the review queue (review.html) at the "
            "next `harness report`.",
        )
    ]
    for pair in pairs:
        blocks += pair_blocks(pair)
    md_path, html_path = out / "similarity.md", out / "similarity.html"
    md_path.write_text(document.markdown(TITLE, blocks))
    html_path.write_text(document.html_page(TITLE, blocks))
    return [md_path, html_path]
