"""A small Chrome DevTools Protocol client over `--remote-debugging-pipe`, for tests.

Chromium reads commands from file descriptor 3 and writes replies and events to 4,
each a JSON object ended by a NUL byte. Every session's events are kept, so a test
can see every network request and every console message of a page and of its frames
(frames in their own process are attached automatically).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self, executable: str) -> None:
        self._to_chromium_read, self._to_chromium = os.pipe()
        self._from_chromium, self._from_chromium_write = os.pipe()
        self._profile = tempfile.TemporaryDirectory()
        reader, writer = self._to_chromium_read, self._from_chromium_write

        def give_pipes() -> None:  # in the child, before exec: the pipes as fds 3 and 4
            # Via fresh numbers first: either pipe end may already be 3 or 4, and dup2 onto
            # itself would leave it closed on exec.
            high_reader, high_writer = os.dup(reader), os.dup(writer)
            os.dup2(high_reader, 3)
            os.dup2(high_writer, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",  # tests run as root in CI containers
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # Any request that is made anyway goes nowhere: the test sees it as an event.
                "--proxy-server=127.0.0.1:9",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={self._profile.name}",
                "about:blank",
            ],
            preexec_fn=give_pipes,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(reader)
        os.close(writer)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        *,
        timeout: float = 30,
    ) -> dict[str, Any]:
        self._next_id += 1
        wanted = self._next_id  # events handled while waiting may send commands of their own
        message: dict[str, Any] = {"id": wanted, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_chromium, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply is None:
                raise TimeoutError(f"no reply to {method}")
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def wait_for(self, method: str, *, timeout: float = 30) -> dict[str, Any]:
        """The first event `method` (already seen or still to come)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            if self._read(deadline) is None:
                raise TimeoutError(f"no {method}")

    def pump(self, seconds: float) -> None:
        """Collect events for a while (late requests, console messages of frames)."""
        deadline = time.monotonic() + seconds
        while self._read(deadline) is not None:
            pass

    def _read(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chromium], [], [], left)[0]:
                return None
            chunk = os.read(self._from_chromium, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        if "method" in message:
            self.events.append(message)
            if message["method"] == "Target.attachedToTarget":
                # A frame in its own process: watch it too, then let it run.
                session = message["params"]["sessionId"]
                for domain in ("Network.enable", "Runtime.enable", "Log.enable"):
                    self._post(domain, session)
                self._post("Runtime.runIfWaitingForDebugger", session)
        return message

    def _post(self, method: str, session: str) -> None:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": {}, "sessionId": session}
        os.write(self._to_chromium, json.dumps(message).encode() + b"\0")

    def close(self) -> None:
        with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chromium)
        os.close(self._from_chromium)
        self._profile.cleanup()


def open_page(browser: Browser, path: Path, *, width: int = 1200, height: int = 900) -> str:
    """Load a file in a new tab with every domain watched; its session id."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Network.enable", "Runtime.enable", "Log.enable", "Page.enable"):
        browser.send(domain, session=session)
    browser.send(
        "Target.setAutoAttach",
        {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True},
        session=session,
    )
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session=session,
    )
    browser.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
    browser.wait_for("Page.loadEventFired")
    browser.pump(1.0)
    return session


def full_page_screenshot(browser: Browser, session: str, *, width: int = 1200) -> bytes:
    """A PNG of the whole page. The viewport is made as tall as the page first:
    `captureBeyondViewport` leaves frames from other processes (sandboxed srcdoc
    frames are) blank."""
    height = browser.send(
        "Runtime.evaluate",
        {"expression": "document.documentElement.scrollHeight", "returnByValue": True},
        session=session,
    )["result"]["value"]
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": int(height), "deviceScaleFactor": 1, "mobile": False},
        session=session,
    )
    browser.pump(1.0)
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
    return base64.b64decode(shot["data"])


def frame_texts(browser: Browser) -> list[str]:
    """The visible text of each frame that runs in its own process (by attach order)."""
    texts = []
    for event in list(browser.events):
        if event["method"] != "Target.attachedToTarget":
            continue
        if event["params"]["targetInfo"]["url"] != "about:srcdoc":
            continue
        result = browser.send(
            "Runtime.evaluate",
            {"expression": "document.body.innerText", "returnByValue": True},
            session=event["params"]["sessionId"],
        )
        texts.append(str(result["result"].get("value", "")))
    return texts
