"""`proaktive validate`: every problem of every file on stderr, `ok` for the good ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from proaktive.cli.main import run

REPO = Path(__file__).resolve().parents[2]
GOOD = "id: c\ntitle: T\ntemplate: t\naudience: {district: Frogner}\n"
BAD = "id: d\ntitle: T\ntemplate: t\naudience: {district: Frognar}\naudiance: x\n"


@pytest.fixture
def project(tmp_path: Path, templates: Path) -> Path:
    """The current folder: a proaktive.yaml, templates/t, and two campaign files."""
    (tmp_path / "proaktive.yaml").write_text("templates: templates/\n", encoding="utf-8")
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "campaigns" / "bad.yaml").write_text(BAD, encoding="utf-8")
    return tmp_path


def test_valid_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "campaigns/good.yaml"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("campaigns/good.yaml: ok\n", "")


def test_every_problem_of_every_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "campaigns" / "worse.yaml").write_text("id: [\n", encoding="utf-8")
    args = ["validate", "campaigns/bad.yaml", "campaigns/good.yaml", "campaigns/worse.yaml"]
    assert run(args) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["campaigns/good.yaml: ok"]
    assert err.splitlines() == [
        "error: campaigns/bad.yaml:4:22: unknown district 'Frognar' (did you mean Frogner?)",
        "error: campaigns/bad.yaml:5:1: unknown key 'audiance' (did you mean 'audience'?)",
        "error: campaigns/worse.yaml:1:5: this '[' is never closed (end it with ']')",
    ]


def test_missing_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "campaigns/nope.yaml"]) == 1
    assert capsys.readouterr().err == "error: campaigns/nope.yaml: file not found\n"


def test_settings_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No proaktive.yaml here: --settings names the one that says where the templates are.
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "proaktive.yaml").write_text(
        f"templates: {REPO / 'templates'}\n", encoding="utf-8"
    )
    shutil.copy(REPO / "campaigns" / "seniortjenester.yaml", tmp_path / "senior.yaml")
    assert run(["validate", "--settings", "conf/proaktive.yaml", "senior.yaml"]) == 0
    assert capsys.readouterr().out == "senior.yaml: ok\n"
    assert run(["validate", "senior.yaml"]) == 1
    lines = (tmp_path / "senior.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("template:"))
    assert capsys.readouterr().err == (
        f"error: senior.yaml:{line}:11: template folder not found: templates/seniortjenester, "
        f"and no proaktive.yaml was found in {tmp_path} or any folder above it "
        "(run proaktive in the project folder, or use --settings FILE)\n"
    )


def test_samples_validate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the settings there (or the defaults) name templates/
    samples = sorted(str(path.relative_to(REPO)) for path in REPO.glob("campaigns/*.yaml"))
    assert run(["validate", *samples]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{sample}: ok" for sample in samples]


def test_no_files_is_wrong_use(project: Path) -> None:
    assert run(["validate"]) == 2


def test_two_files_with_the_same_id(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The ledger keys on the id: a copy that keeps it would reach nobody the original did.
    (project / "campaigns" / "copy.yaml").write_text(GOOD, encoding="utf-8")
    assert run(["validate", "campaigns/good.yaml", "campaigns/copy.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "error: campaigns/good.yaml:1:5: id 'c' is also the id of campaigns/copy.yaml "
        "(the send ledger knows a campaign by its id: give each campaign its own)",
        "error: campaigns/copy.yaml:1:5: id 'c' is also the id of campaigns/good.yaml "
        "(the send ledger knows a campaign by its id: give each campaign its own)",
    ]


def test_a_copy_is_checked_against_the_campaigns_beside_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "campaigns" / "copy.yaml").write_text(GOOD, encoding="utf-8")
    assert run(["validate", "campaigns/copy.yaml"]) == 1
    assert capsys.readouterr().err == (
        "error: campaigns/copy.yaml:1:5: id 'c' is also the id of campaigns/good.yaml "
        "(the send ledger knows a campaign by its id: give each campaign its own)\n"
    )


def test_the_same_file_twice_is_no_duplicate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["validate", "campaigns/good.yaml", "./campaigns/good.yaml"]) == 0
