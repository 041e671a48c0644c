"""The HTML reports render in a real browser (Debian's headless Chromium)."""

from __future__ import annotations

import subprocess

import pytest
from needs import chromium_path, require
from report_factory import write_results

from harness.report import build_reports

CHROMIUM = chromium_path()
WIDTH, HEIGHT = 1280, 900


def screenshot(page, tmp_path):
    """Render ``page`` headless and return the screenshot's pixels (rows, columns, RGBA)."""
    require("matplotlib")
    from matplotlib import image

    png = tmp_path / "shot.png"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={png}",
        f"--window-size={WIDTH},{HEIGHT}",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert png.exists(), done.stderr[-2000:]
    return image.imread(png)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    write_results(folder)
    build_reports(folder)
    return folder


@pytest.mark.needs("chromium")
@pytest.mark.parametrize("page", ["summary.html", "students/alice.html"])
def test_report_renders_in_headless_chromium(out, tmp_path, page):
    pixels = screenshot(out / page, tmp_path)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    rgb = pixels[..., :3]
    dark = (rgb.max(axis=2) < 0.35).mean()  # text and table borders
    coloured = (rgb.std(axis=2) > 0.03).mean()  # header fills, notes, chart colours
    assert 0.003 < dark < 0.5, f"{page} looks blank or black: {dark:.4f} dark pixels"
    assert coloured > 0.02, f"{page} has no styled elements: {coloured:.4f} coloured pixels"
