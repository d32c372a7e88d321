"""`proaktive preview --html`: the review page, read as text and opened in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cdp import Browser, find_chromium, frame_texts, full_page_screenshot, open_page
from preview_project import campaign, masked, preview, write_project


@pytest.fixture
def ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return write_project(tmp_path)


AREA = "area: {file: square.geojson, buffer_m: 30}"


def review(capsys: pytest.CaptureFixture[str], criterion: str, *args: str, **kw: str) -> str:
    code, out, err = preview(capsys, campaign(criterion, **kw), "--html", "review.html", *args)
    assert code == 0, err
    assert out.endswith("Review page written to review.html\n")
    return Path("review.html").read_text(encoding="utf-8")


def test_the_page_says_what_an_approver_needs(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    page = review(capsys, "age: {min: 18}", "--sample", "2")
    assert "<title>Review: T (c)</title>" in page
    assert "<tr><th>category</th><td>information</td></tr>" in page
    assert "<tr><th>owner</th><td>not given</td></tr>" in page
    assert "ignore reservation: no<br>" in page and "frequency cap: applies" in page
    assert '<tr class="total"><td>recipients</td><td class="number">5</td></tr>' in page
    assert page.count('<iframe sandbox=""') == 2
    assert page.count("<pre>") == 2
    assert "<svg" not in page  # no area, no map
    assert Path("review.html").stat().st_mode & 0o777 == 0o600  # names of real people


def test_identifiers_are_masked_and_protected_people_never_appear(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A statutory campaign that includes protected addresses: they are recipients,
    # but no page shows them.
    criterion = "age: {min: 0}\ncontact: {include_protected_addresses: true}"
    page = review(capsys, criterion, "--sample", "50", category="statutory")
    for identifier in ids.values():
        assert identifier not in page
    for name in ("protected", "protected_minor"):
        assert masked(ids[name]) not in page
    shown = {"recipient", "english", "sami", "parent", "older_sharer", "minor"}
    for name in shown:
        assert masked(ids[name]) in page


def test_an_area_campaign_draws_the_area_and_no_protected_address(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    page = review(capsys, AREA)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count("<path") == 2  # the buffer under the area
    # Matched: everyone at address 1 and the protected person alone at address 3;
    # the dot is address 1's only.
    assert len(re.findall(r"<circle ", svg)) == 1


def test_html_to_a_folder_that_does_not_exist(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = preview(capsys, campaign(AREA), "--html", "no/such/page.html")
    assert (code, err) == (
        1,
        "error: no/such/page.html: cannot write the page (No such file or directory)\n",
    )


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)"
)


def problems_seen(browser: Browser, page: Path) -> tuple[list[str], list[str]]:
    """Every request other than the page itself, and every console error or exception."""
    requests = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e["method"] == "Network.requestWillBeSent"
    ]
    errors = [
        str(e["params"])
        for e in browser.events
        if e["method"] == "Runtime.exceptionThrown"
        or (
            e["method"] == "Runtime.consoleAPICalled"
            and e["params"]["type"] in ("error", "warning")
        )
        or (
            e["method"] == "Log.entryAdded"
            and e["params"]["entry"]["level"] in ("error", "warning")
        )
    ]
    return [url for url in requests if url != page.resolve().as_uri()], errors


@needs_chromium
def test_the_page_loads_in_chromium_with_no_errors_and_no_network(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    review(capsys, AREA, "--sample", "2")
    page = tmp_path / "review.html"
    assert CHROMIUM is not None
    browser = Browser(CHROMIUM)
    try:
        session = open_page(browser, page)
        frames = browser.send(
            "Runtime.evaluate",
            {"expression": "document.querySelectorAll('iframe').length", "returnByValue": True},
            session=session,
        )["result"]["value"]
        texts = frame_texts(browser)
        (tmp_path / "review.png").write_bytes(full_page_screenshot(browser, session))
    finally:
        browser.close()
    requests, errors = problems_seen(browser, page)
    assert (requests, errors) == ([], [])
    assert frames == 2
    attached = [e for e in browser.events if e["method"] == "Target.attachedToTarget"]
    assert [e["params"]["targetInfo"]["url"] for e in attached].count("about:srcdoc") == 2
    # Each frame shows its message in the layout, footer included.
    assert len(texts) == 2
    for text in texts:
        assert text.startswith("Oslo kommune\n")
        assert "Hei " in text and "Denne e-posten er fra Oslo kommune." in text
    png = (tmp_path / "review.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000


@needs_chromium
def test_the_browser_check_does_see_a_request_and_an_error(tmp_path: Path) -> None:
    """The control: a page that loads an image and throws is caught by the same check."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><img src="http://example.invalid/x.png"><script>null.x</script>',
        encoding="utf-8",
    )
    assert CHROMIUM is not None
    browser = Browser(CHROMIUM)
    try:
        open_page(browser, page)
    finally:
        browser.close()
    requests, errors = problems_seen(browser, page)
    assert requests == ["http://example.invalid/x.png"]
    assert any("null" in error for error in errors)


def test_html_is_not_for_one_person(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    command = [campaign(AREA), "--html", "r.html", "--person", ids["recipient"]]
    code, out, err = preview(capsys, *command)
    assert (code, out) == (2, "")
    assert "the review page shows samples, not one person: use --html or --person" in err
    assert not Path("r.html").exists()
