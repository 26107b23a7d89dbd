"""The HTML report in a real headless Chromium: loads offline, no console errors, findings and timelines visible.

Chromium is driven over the DevTools protocol on ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-separated JSON), with the standard library only. A screenshot
and an A4 PDF of the report are saved under ``test-artifacts/`` for people to look at.

Skipped only when no Chromium is installed, and then loudly (skip reason and a warning);
with ``LEGALCHECK_REQUIRE_BROWSER=1`` (CI) a missing Chromium is a failure instead.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from legalcheck._cli import cli

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--mute-audio")

# Case text meant to run if it were not escaped; each payload would set window.__xss.
HOSTILE = {
    "id": "XSS-<script>window.__xss='id'</script>",
    "title": "\"><img src=x onerror=\"window.__xss='title'\">",
    "channel": "letter",
    "category": "complaint",
    "petitioners": [{"name": "<b onmouseover=\"window.__xss='name'\">王五</b>", "address": "某县某镇"}],
    "content": {"request": "<script>window.__xss='content'</script>", "facts": "</svg><svg onload=\"window.__xss=1\">"},
    "agencies": [
        {"id": "pb", "name": "<script>window.__xss='agency'</script>县信访局", "level": "county",
         "kind": "petition_bureau"},
        {"id": "hrss", "name": "'><img src=x onerror=window.__xss='agency2'>人社局", "level": "county",
         "kind": "other"},
    ],
    "events": [
        {"kind": "received", "date": "2025-03-03", "agency": "pb",
         "note": "\"><img src=x onerror=\"window.__xss='note'\">"},
        {"kind": "forwarded", "date": "2025-03-25", "agency": "pb", "to": "hrss",
         "note": "<script>window.__xss='note2'</script>"},
    ],
}


# Twelve and more events within a few weeks: the timeline must stack their labels without overlap.
CROWDED = {
    "id": "CROWDED-14", "channel": "letter", "category": "complaint",
    "petitioners": [{"name": "甲", "address": "某县某镇"}],
    "agencies": [{"id": "pb", "name": "清河县信访局", "level": "county", "kind": "petition_bureau"},
                 {"id": "gov", "name": "清河县人民政府", "level": "county", "kind": "government"},
                 {"id": "hrss", "name": "清河县人力资源和社会保障局", "level": "county", "kind": "other",
                  "superior": "gov"}],
    "competent_agencies": ["hrss"],
    "events": [
        {"kind": "received", "date": "2025-03-03", "agency": "pb"},
        {"kind": "registered", "date": "2025-03-03", "agency": "pb"},
        {"kind": "forwarded", "date": "2025-03-05", "agency": "pb", "to": "hrss"},
        {"kind": "received", "date": "2025-03-06", "agency": "hrss"},
        {"kind": "notified", "date": "2025-03-07", "agency": "hrss", "subject": "receipt_and_route", "written": True},
        {"kind": "accepted", "date": "2025-03-07", "agency": "hrss"},
        {"kind": "extension", "date": "2025-04-20", "agency": "hrss", "days": 30, "approved_by_head": True,
         "petitioner_told_reason": True},
        {"kind": "notified", "date": "2025-04-21", "agency": "hrss", "subject": "extension_reason", "written": True},
        {"kind": "opinion_issued", "date": "2025-05-10", "agency": "hrss", "outcome": "not_support",
         "states_request": True, "states_facts_and_reasons": True, "states_opinion": True,
         "states_legal_basis": True},
        {"kind": "reply_delivered", "date": "2025-05-12", "agency": "hrss"},
        {"kind": "review_requested", "date": "2025-05-20", "agency": "gov"},
        {"kind": "received", "date": "2025-05-20", "agency": "gov"},
        {"kind": "accepted", "date": "2025-05-22", "agency": "gov"},
        {"kind": "supervision", "date": "2025-05-23", "agency": "gov"},
    ],
}


_TRAMPOLINE = """
import fcntl, os, sys
high = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]  # out of the way of 3 and 4
os.dup2(high[0], 3)
os.dup2(high[1], 4)
os.execv(sys.argv[3], sys.argv[3:])
"""


def find_chromium() -> str | None:
    for name in (os.environ.get("LEGALCHECK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


class DevTools:
    """A Chromium process and its DevTools pipe."""

    def __init__(self, executable: str, profile: Path, log: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        args = [executable, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        self._log = log.open("wb")
        # Chromium reads commands on fd 3 and writes replies on fd 4. A small Python trampoline puts
        # our pipe ends there (dash, Debian's sh, cannot redirect fds above 9) and execs Chromium.
        self.process = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(commands_read), str(replies_write), *args],
            pass_fds=(commands_read, replies_write), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT)
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._last_id = 0
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> DevTools:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._commands, self._replies):
            os.close(fd)
        self._log.close()

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no reply from Chromium")
            ready, _, _ = select.select([self._replies], [], [], remaining)
            if ready:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe (see its log in test-artifacts/)")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(self._read(deadline))


PROBE = """(() => {
  const visible = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden' && s.opacity !== '0'; };
  const boxes = svg => [...svg.querySelectorAll('text.tl-label, text.tl-span-label')].map(t => {
    const b = t.getBBox(); return [b.x, b.y, b.width, b.height, t.textContent,
                                   parseFloat(getComputedStyle(t).fontSize)]; });
  const svgs = [...document.querySelectorAll('svg.timeline')];
  return {
    sections: document.querySelectorAll('section.case').length,
    findings: [...document.querySelectorAll('article.finding')].filter(visible).length,
    timelines: svgs.filter(visible).length,
    viewBoxWidths: svgs.map(s => s.viewBox.baseVal.width),
    violated: document.querySelectorAll('svg.timeline .tl-deadline.violated rect.tl-span').length,
    pending: document.querySelectorAll('svg.timeline .tl-deadline.pending rect.tl-span').length,
    events: document.querySelectorAll('svg.timeline .tl-event').length,
    mostEvents: Math.max(...svgs.map(s => s.querySelectorAll('.tl-event').length)),
    widths: svgs.map(s => s.getBoundingClientRect().width / s.parentElement.getBoundingClientRect().width),
    labels: svgs.map(boxes),
    active: document.querySelectorAll('script, img, iframe, object, embed, svg svg').length,
    handlers: [...document.querySelectorAll('*')]
                .filter(el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
    xss: window.__xss === undefined ? null : String(window.__xss),
    text: document.body.innerText,
    brokenLinks: [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href'))
                   .filter(h => !document.getElementById(h.slice(1))),
  };
})()"""

PRINT_PROBE = """(() => ({
  breakBefore: [...document.querySelectorAll('section.case, section.appendix')].map(s => getComputedStyle(s).breakBefore),
  timelinesVisible: [...document.querySelectorAll('svg.timeline')].every(s => s.getBoundingClientRect().width > 0),
}))()"""


def _overlaps(a: list[Any], b: list[Any]) -> bool:
    ax, ay, aw, ah = (float(v) for v in a[:4])
    bx, by, bw, bh = (float(v) for v in b[:4])
    # One pixel of slack: glyph boxes of neighbouring lanes may touch.
    return min(ax + aw, bx + bw) - max(ax, bx) > 1 and min(ay + ah, by + bh) - max(ay, by) > 1


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        reason = ("BROWSER TEST SKIPPED: no Chromium found (install Debian's 'chromium' package, or set "
                  "LEGALCHECK_CHROMIUM); the HTML report was NOT checked in a browser")
        if os.environ.get("LEGALCHECK_REQUIRE_BROWSER") == "1":
            pytest.fail(reason.replace("SKIPPED", "FAILED") + " and LEGALCHECK_REQUIRE_BROWSER=1")
        warnings.warn(reason, UserWarning, stacklevel=1)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of the examples, a hostile case and a rejected file, as one page."""
    directory = tmp_path_factory.mktemp("browser")
    (directory / "hostile.yaml").write_text(yaml.safe_dump(HOSTILE, allow_unicode=True), encoding="utf-8")
    (directory / "broken.yaml").write_text("id: broken\nchannel: letter\ncategory: nonsense\n", encoding="utf-8")
    (directory / "crowded.yaml").write_text(yaml.safe_dump(CROWDED, allow_unicode=True), encoding="utf-8")
    page = directory / "report.html"
    # As of 2025-11-28 the open-docket example has a deadline still running: a pending span.
    result = CliRunner().invoke(cli, ["check", str(EXAMPLES), str(directory / "hostile.yaml"),
                                      str(directory / "broken.yaml"), str(directory / "crowded.yaml"),
                                      "--format", "html", "--engine", "native",
                                      "--as-of", "2025-11-28", "--jobs", "1", "--output", str(page)])
    assert result.exit_code == 2, result.output  # the broken file is rejected
    return page


def test_report_in_headless_chromium(chromium: str, report_page: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with DevTools(chromium, tmp_path / "profile", ARTIFACTS / "chromium.log") as browser:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
        browser.send("Page.navigate", {"url": report_page.as_uri()}, session)
        browser.wait_for("Page.loadEventFired")
        probe = browser.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True}, session)
        page: dict[str, Any] = probe["result"]["value"]

        size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        shot = browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 16000), "scale": 1}},
            session, timeout=60)
        (ARTIFACTS / "report.png").write_bytes(base64.b64decode(shot["data"]))

        browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session)
        printed = browser.send("Runtime.evaluate", {"expression": PRINT_PROBE, "returnByValue": True},
                               session)["result"]["value"]
        pdf = browser.send("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True,
                                               "preferCSSPageSize": True}, session, timeout=60)
        (ARTIFACTS / "report-a4.pdf").write_bytes(base64.b64decode(pdf["data"]))
        events = list(browser.events)

    problems = [e["params"] for e in events if e.get("method") == "Runtime.exceptionThrown"]
    problems += [e["params"] for e in events if e.get("method") == "Runtime.consoleAPICalled"
                 and e["params"]["type"] in ("error", "assert")]
    problems += [e["params"]["entry"] for e in events if e.get("method") == "Log.entryAdded"
                 and e["params"]["entry"]["level"] == "error"]
    assert problems == [], "console errors in the report page"
    requested = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    assert requested and all(url == report_page.as_uri() or url.startswith("data:") for url in requested), requested

    # One report per example, one for the hostile case and one for the crowded one, each with a visible timeline.
    reports = len([p for p in EXAMPLES.glob("*.yaml") if not p.name.startswith("_")]) + 2
    assert page["sections"] == reports and page["timelines"] == reports
    assert page["findings"] >= 8
    assert page["violated"] >= 3 and page["pending"] >= 1 and page["events"] >= 30
    assert page["brokenLinks"] == []
    assert all(width == 700 for width in page["viewBoxWidths"])
    assert all(share > 0.98 for share in page["widths"])  # the timeline takes the full width
    assert page["mostEvents"] >= 12  # the crowded case: labels of twelve and more events, none overlapping
    for labels in page["labels"]:
        for i, a in enumerate(labels):
            assert a[0] >= 0 and a[0] + a[2] <= 700 + 1, f"label outside the timeline: {a[4]!r}"
            assert a[5] >= 12, f"timeline label {a[4]!r} is set in {a[5]}px"
            clashes = [b[4] for b in labels[i + 1:] if _overlaps(a, b)]
            assert not clashes, f"timeline label {a[4]!r} overlaps {clashes}"

    # The hostile case is shown as text: nothing ran, no element or handler came from it.
    assert page["xss"] is None and page["active"] == 0 and page["handlers"] == 0
    assert "<script>window.__xss='content'</script>" in page["text"]
    assert "<script>window.__xss='agency'</script>县信访局" in page["text"]
    assert "broken.yaml" in page["text"] and "category" in page["text"]

    # The first case follows the batch summary; every later case, and the appendix, starts a page.
    assert printed["timelinesVisible"] and printed["breakBefore"][0] == "auto"
    assert set(printed["breakBefore"][1:]) == {"page"}
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
    assert (ARTIFACTS / "report-a4.pdf").read_bytes().startswith(b"%PDF")


def _pdf_pages(browser: DevTools, session: str) -> int:
    pdf = browser.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, session, timeout=60)
    return len(re.findall(rb"/Type\s*/Page[^s]", base64.b64decode(pdf["data"])))


def test_two_cases_print_on_four_a4_pages_and_a_short_appendix(chromium: str, tmp_path: Path) -> None:
    """What a supervisor gets: two cases with findings on at most four A4 pages, the audit appendix after."""
    page = tmp_path / "two.html"
    result = CliRunner().invoke(cli, ["check", str(EXAMPLES / "violating-late-forward.yaml"),
                                      str(EXAMPLES / "violating-extension-reason-not-told.yaml"), "--format", "html",
                                      "--engine", "native", "--as-of", "2025-12-01", "--output", str(page)])
    assert result.exit_code == 1, result.output
    with DevTools(chromium, tmp_path / "profile", tmp_path / "chromium.log") as browser:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": page.as_uri()}, session)
        browser.wait_for("Page.loadEventFired")
        whole = _pdf_pages(browser, session)
        browser.send("Runtime.evaluate", {"expression": "document.querySelector('section.appendix').remove()"},
                     session)
        body = _pdf_pages(browser, session)
    assert body <= 4, f"the two cases take {body} A4 pages"
    assert 1 <= whole - body <= 2, f"the appendix takes {whole - body} pages"
