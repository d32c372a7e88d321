"""Files an operator points proaktive at: regular files of a bounded size, or a clear error.

A FIFO would make a careless reader wait for ever, so every test that could open one
runs under an alarm: a hang fails the test instead of the suite.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from proaktive.cli.main import run
from proaktive.errors import FileError
from proaktive.files import (
    AREA_LIMIT,
    CAMPAIGN_LIMIT,
    OPT_OUT_LIST_LIMIT,
    SETTINGS_LIMIT,
    MiB,
    read_bytes,
    read_text,
)

CAMPAIGN = "id: c\ntitle: T\ntemplate: t\naudience: {age: {min: 18}}\n"


@contextmanager
def at_most_seconds(seconds: int) -> Iterator[None]:
    def hung(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def sized(path: Path, size: int) -> Path:
    """A file of `size` bytes (sparse: no disk is used for it)."""
    with path.open("wb") as file:
        file.truncate(size)
    return path


def test_the_limits() -> None:
    limits = {
        "campaign": CAMPAIGN_LIMIT,
        "settings": SETTINGS_LIMIT,
        "area": AREA_LIMIT,
        "opt-out list": OPT_OUT_LIST_LIMIT,
    }
    assert limits == {"campaign": MiB, "settings": MiB, "area": 50 * MiB, "opt-out list": 50 * MiB}


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfBj\xc3\xb8rvika\n")
    assert read_bytes(tmp_path / "a.txt", 100) == b"\xef\xbb\xbfBj\xc3\xb8rvika\n"
    assert read_text(tmp_path / "a.txt", 100) == "Bjørvika\n"


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    assert read_bytes(sized(tmp_path / "a", CAMPAIGN_LIMIT), CAMPAIGN_LIMIT) == bytes(MiB)


@pytest.mark.parametrize(
    ("size", "limit", "message"),
    [
        (CAMPAIGN_LIMIT + 1, CAMPAIGN_LIMIT, "too large (1.1 MiB; at most 1 MiB)"),
        (3 * MiB, CAMPAIGN_LIMIT, "too large (3 MiB; at most 1 MiB)"),
        (60 * MiB, AREA_LIMIT, "too large (60 MiB; at most 50 MiB)"),
    ],
)
def test_a_file_over_the_limit_is_refused(
    tmp_path: Path, size: int, limit: int, message: str
) -> None:
    with pytest.raises(FileError) as raised:
        read_bytes(sized(tmp_path / "big", size), limit, shown_as="campaigns/big.yaml")
    assert str(raised.value) == f"campaigns/big.yaml: {message}"


def test_a_file_that_says_it_is_empty_is_read_no_further_than_the_limit() -> None:
    # Files in /proc have a size of 0 until they are read.
    with pytest.raises(FileError, match=r": too large \(at most 0.1 MiB\)$"):
        read_bytes(Path("/proc/self/maps"), 100)


def test_a_file_that_fails_while_it_is_read() -> None:
    # /proc/self/mem is a regular file that cannot be read at its start.
    with pytest.raises(FileError) as raised:
        read_bytes(Path("/proc/self/mem"), 100)
    assert str(raised.value) == "/proc/self/mem: cannot read the file (Input/output error)"


def test_a_device_is_not_a_regular_file() -> None:
    with at_most_seconds(5), pytest.raises(FileError) as raised:
        read_bytes(Path("/dev/zero"), CAMPAIGN_LIMIT)
    assert str(raised.value) == "/dev/zero: not a regular file"


def test_a_fifo_is_not_a_regular_file_and_never_waited_for(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with at_most_seconds(5), pytest.raises(FileError) as raised:
        read_text(tmp_path / "fifo", CAMPAIGN_LIMIT, shown_as="fifo")
    assert str(raised.value) == "fifo: not a regular file"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: None, "file not found"),
        (lambda path: path.mkdir(), "is a folder, not a file"),
        (lambda path: path.write_bytes(b"\xff\xfe"), "not UTF-8 text (save the file as UTF-8)"),
    ],
    ids=["missing", "folder", "not-utf8"],
)
def test_other_files_that_cannot_be_read(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "x"
    make(path)  # type: ignore[operator]
    with pytest.raises(FileError) as raised:
        read_text(path, 100, shown_as="x")
    assert str(raised.value) == f"x: {message}"


# --- every file the command line reads goes through it ----------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "templates" / "t").mkdir(parents=True)
    (tmp_path / "templates" / "t" / "nb.md.j2").write_text("Hei\n", encoding="utf-8")
    (tmp_path / "campaigns").mkdir()
    return tmp_path


def validate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with at_most_seconds(10):
        code = run(["validate", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_validate_dev_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(capsys, "/dev/zero") == (1, "error: /dev/zero: not a regular file\n")


def test_validate_a_fifo(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(project / "campaigns" / "x.yaml")
    assert validate(capsys, "campaigns/x.yaml") == (
        1,
        "error: campaigns/x.yaml: not a regular file\n",
    )


def test_validate_a_campaign_too_large(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "campaigns" / "x.yaml").write_text(
        CAMPAIGN + "#" * CAMPAIGN_LIMIT + "\n", encoding="utf-8"
    )
    assert validate(capsys, "campaigns/x.yaml") == (
        1,
        "error: campaigns/x.yaml: too large (1.1 MiB; at most 1 MiB)\n",
    )


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_an_area_file_that_is_not_a_regular_file(
    project: Path, capsys: pytest.CaptureFixture[str], special: str
) -> None:
    if special == "fifo":
        os.mkfifo(project / "campaigns" / "fifo")
    (project / "campaigns" / "x.yaml").write_text(
        CAMPAIGN.replace("{age: {min: 18}}", f"{{area: {special}}}"), encoding="utf-8"
    )
    shown = "campaigns/fifo" if special == "fifo" else special
    assert validate(capsys, "campaigns/x.yaml") == (
        1,
        f"error: campaigns/x.yaml:4:18: {shown}: not a regular file\n",
    )


def test_an_area_file_too_large(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sized(project / "campaigns" / "big.geojson", AREA_LIMIT + MiB)
    (project / "campaigns" / "x.yaml").write_text(
        CAMPAIGN.replace("{age: {min: 18}}", "{area: big.geojson}"), encoding="utf-8"
    )
    assert validate(capsys, "campaigns/x.yaml") == (
        1,
        "error: campaigns/x.yaml:4:18: campaigns/big.geojson: too large (51 MiB; at most 50 MiB)\n",
    )


def test_a_settings_file_that_is_a_fifo(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(project / "proaktive.yaml")
    assert validate(capsys, "campaigns/x.yaml") == (
        1,
        f"error: {project / 'proaktive.yaml'}: not a regular file\n",
    )


def test_settings_option_dev_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(capsys, "--settings", "/dev/zero", "campaigns/x.yaml") == (
        1,
        "error: /dev/zero: not a regular file\n",
    )


def test_a_settings_file_too_large(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sized(project / "proaktive.yaml", 2 * MiB)
    assert validate(capsys, "campaigns/x.yaml") == (
        1,
        f"error: {project / 'proaktive.yaml'}: too large (2 MiB; at most 1 MiB)\n",
    )
