"""Drive Debian's headless Chromium over the DevTools protocol, through a pipe.

``--remote-debugging-pipe`` makes Chromium read commands on file descriptor 3 and write
answers on 4, each a JSON message ended by a NUL byte: no port is opened and no client
library is needed. :class:`Browser` opens one page, evaluates JavaScript in it, sends real
input events (the browser turns them into pointer events) and takes screenshots. Every
request the page makes is recorded, so a test can prove a page fetched nothing.
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import subprocess
from pathlib import Path

from needs import chromium_path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]
TIMEOUT = 120  # seconds for any one answer: a hung browser fails the test, not the suite


class Browser:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, profile: Path, width: int = 1280, height: int = 900):
        to_child, self._to_browser = os.pipe()
        self._from_browser, from_child = os.pipe()

        def wire():  # in the child: its fd 3 reads our commands, fd 4 writes answers
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)
            for fd in (3, 4):  # dup2 onto itself leaves close-on-exec set
                os.set_inheritable(fd, True)

        self.process = subprocess.Popen(
            [chromium_path(), *FLAGS, f"--user-data-dir={profile}"],
            preexec_fn=wire,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._next_id, self._buffer, self.requests, self.loads = 0, b"", [], 0
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        os.close(self._from_browser)
        os.close(self._to_browser)

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._from_browser], [], [], TIMEOUT)[0]:
                raise TimeoutError(f"chromium sent nothing for {TIMEOUT} s")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, params: dict | None = None, session: str | None = None):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            self._note(answer)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def _note(self, message: dict) -> None:
        """Keep the events a test asks about: requests made, pages loaded."""
        if message.get("method") == "Network.requestWillBeSent":
            self.requests.append(message["params"]["request"]["url"])
        if message.get("method") == "Page.loadEventFired":
            self.loads += 1

    def call(self, method: str, params: dict | None = None):
        """One DevTools command in the page's session; returns its result."""
        return self._call(method, params, self.session)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, page: Path, ready: str) -> None:
        """Load ``page`` and wait until the expression ``ready`` is true."""
        loads = self.loads
        self.call("Page.navigate", {"url": Path(page).resolve().as_uri()})
        while self.loads == loads:
            self._note(self._message())
        wait = (
            f"new Promise(r => {{ const t = () => ({ready}) ? r(true) : setTimeout(t, 50); t(); }})"
        )
        self.evaluate(wait)

    def screenshot(self):
        """The page's pixels (rows, columns, RGBA floats) as a PNG decodes them."""
        from matplotlib import image

        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        return image.imread(io.BytesIO(base64.b64decode(data)), format="png")

    def png(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
