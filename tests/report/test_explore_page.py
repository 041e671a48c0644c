"""The explore page in real headless Chromium: offline, drawn on, picked from, rendered."""

from __future__ import annotations

import json

import pytest
from chromium_cdp import Browser
from explore_factory import output_folder

pytestmark = pytest.mark.needs("chromium")
READY = "window.explore && window.explore.ready"
# Every activation map and strip of the layer view, as PNG data URLs, layer by layer.
MAPS = (
    "Array.from(document.querySelectorAll('#layers .layer'), layer => "
    "Array.from(layer.querySelectorAll('canvas'), c => c.toDataURL()))"
)
STROKE = [(0.3, 0.2), (0.5, 0.25), (0.7, 0.2), (0.6, 0.5), (0.5, 0.8)]  # a 7, in canvas units


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return output_folder(tmp_path_factory.mktemp("explore"))


@pytest.fixture
def browser(tmp_path):
    with Browser(tmp_path / "profile") as opened:
        yield opened


def _opened(browser, out, student="ada"):
    browser.open(out / "students" / student / "explore.html", READY)
    return browser


def _shown(browser) -> dict:
    """What the page shows now: its probabilities, the caption, every map."""
    return {
        "probabilities": browser.evaluate("window.explore.state.probabilities"),
        "source": browser.evaluate("window.explore.state.source"),
        "predicted": browser.evaluate("document.querySelector('.predicted').textContent"),
        "maps": browser.evaluate(MAPS),
    }


def _canvas_points(browser) -> list[tuple[float, float]]:
    box = browser.evaluate(
        "JSON.stringify(document.getElementById('draw').getBoundingClientRect())"
    )
    box = json.loads(box)
    return [(box["x"] + u * box["width"], box["y"] + v * box["height"]) for u, v in STROKE]


def _mouse_stroke(browser) -> None:
    """A left-button drag through STROKE: Chromium makes the pointer events from it."""
    points = _canvas_points(browser)

    def send(kind: str, x: float, y: float, buttons: int) -> None:
        event = {"type": kind, "x": x, "y": y, "button": "left", "buttons": buttons}
        browser.call("Input.dispatchMouseEvent", {**event, "clickCount": 1})

    send("mousePressed", *points[0], 1)
    for x, y in points[1:]:
        send("mouseMoved", x, y, 1)
    send("mouseReleased", *points[-1], 0)


def _touch_stroke(browser) -> None:
    points = _canvas_points(browser)
    browser.call(
        "Input.dispatchTouchEvent",
        {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]},
    )
    for x, y in points[1:]:
        browser.call(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    browser.call("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _after_frame(browser) -> None:
    """Let the page's requestAnimationFrame update run."""
    browser.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")


@pytest.mark.parametrize("stroke", [_mouse_stroke, _touch_stroke], ids=["mouse", "touch"])
def test_drawing_a_stroke_changes_the_prediction_and_every_layers_maps(out, browser, stroke):
    page = _opened(browser, out)
    before = _shown(page)
    assert before["source"].startswith("test image #")
    stroke(page)
    _after_frame(page)
    after = _shown(page)
    assert after["source"] == "your drawing"
    change = max(
        abs(a - b) for a, b in zip(after["probabilities"], before["probabilities"], strict=True)
    )
    assert change > 1e-3, "the probabilities did not follow the drawing"
    assert [len(maps) for maps in after["maps"]] == [16] * 6 + [1, 1]  # a strip if flat
    for index, (now, then) in enumerate(zip(after["maps"], before["maps"], strict=True)):
        changed = sum(a != b for a, b in zip(now, then, strict=True))
        # a channel that relu zeroes for both images may stay blank
        assert changed >= len(now) / 2, f"layer {index}: {changed} of {len(now)} maps changed"
    ink = page.evaluate("Array.from(window.explore.state.pixels).filter(v => v > 128).length")
    assert 20 < ink < 400, f"{ink} bright pixels in the 28x28 input after one stroke"


def test_a_cifar_run_has_its_own_tab_with_a_picker_and_no_canvas(out, browser):
    page = _opened(browser, out)
    assert page.evaluate(
        "Array.from(document.querySelectorAll('.run-tab'), t => t.textContent)"
    ) == ["fashion_mnist · torch", "cifar10 · torch"]
    page.evaluate("document.querySelectorAll('.run-tab')[1].click()")
    assert page.evaluate("document.getElementById('drawing').hidden")
    assert page.evaluate("document.querySelectorAll('#picker .pick').length") == 20
    assert page.evaluate("window.explore.state.source").startswith("test image #")
    maps = page.evaluate(MAPS)
    assert [len(m) for m in maps] == [16] * 6 + [1, 1]
    assert page.evaluate("document.querySelector('#layers .layer-title').textContent").endswith(
        "32x32x16"
    )


def test_the_page_fetches_nothing_and_names_no_address(out, browser):
    _opened(browser, out)
    assert browser.requests == [(out / "students" / "ada" / "explore.html").resolve().as_uri()]
    text = (out / "students" / "ada" / "explore.html").read_text()
    assert "http://" not in text and "https://" not in text
    assert "default-src 'none'" in text


def test_picking_a_test_image_shows_it(out, browser):
    page = _opened(browser, out)
    page.evaluate("document.querySelectorAll('#picker .pick')[5].click()")
    run = page.evaluate("window.explore.data.runs[0]")
    example = run["examples"][run["picker"][5]]
    assert page.evaluate("window.explore.state.source").startswith(
        f"test image #{example['index']}: {run['class_names'][example['label']]}"
    )


@pytest.mark.needs("matplotlib")
def test_the_page_renders_with_content(out, browser):
    pixels = _opened(browser, out).screenshot()
    rgb = pixels[..., :3]
    dark = (rgb.max(axis=2) < 0.35).mean()  # the drawing canvas, thumbnails, text
    coloured = (rgb.std(axis=2) > 0.03).mean()  # activation maps, bars, tabs
    assert 0.02 < dark < 0.6, f"looks blank or black: {dark:.4f} dark pixels"
    assert coloured > 0.02, f"no activation maps drawn: {coloured:.4f} coloured pixels"


def test_confused_pairs_show_real_confused_images_beside_right_ones(out, browser):
    page = _opened(browser, out)
    run = page.evaluate("window.explore.data.runs[0]")
    titles = page.evaluate("Array.from(document.querySelectorAll('.pair h3'), h => h.textContent)")
    assert len(titles) == len(run["pairs"]) == 3
    for pair, title in zip(run["pairs"], titles, strict=True):
        names = run["class_names"]
        assert title.startswith(f"{names[pair['true']]} read as {names[pair['predicted']]}: ")
        assert [run["examples"][i]["label"] for i in pair["confused"]] == (
            [pair["true"]] * len(pair["confused"])
        )
    wrong = page.evaluate("document.querySelectorAll('.pair .card.wrong').length")
    right = page.evaluate("document.querySelectorAll('.pair .card.right').length")
    minis = page.evaluate("document.querySelectorAll('.pair .card canvas.mini').length")
    assert wrong == 9 and right == 6 and minis == 15 * 6  # a strip of 6 maps per card


def test_a_code_form_page_shows_probabilities_and_says_why_no_layers(out, browser):
    page = _opened(browser, out, "cody")
    assert "builds its network in code" in page.evaluate(
        "document.getElementById('no-network').textContent"
    )
    assert page.evaluate("document.getElementById('explorer').hidden")
    assert page.evaluate("document.getElementById('drawing').hidden")
    assert page.evaluate("document.querySelector('#look h2').textContent").startswith("Pick an")
    assert page.evaluate("window.explore.state.source").endswith(
        "(probabilities from the graded run)"
    )
    assert page.evaluate("document.querySelectorAll('.pair .card').length") == 15


def test_the_student_page_links_the_explore_page(out):
    assert 'href="ada/explore.html"' in (out / "students" / "ada.html").read_text()
    assert "](ada/explore.html)" in (out / "students" / "ada.md").read_text()
