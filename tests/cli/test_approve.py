"""`proaktive approve`: the preview project on disk, approved through the command line,
the approval read back from the ledger (its API and plain sqlite3) and checked as a send would.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from preview_project import AS_OF, campaign, write_project

from proaktive.campaign import load_campaign
from proaktive.cli.main import run
from proaktive.delivery.approval import SendRefused, check_send_approval, local_time
from proaktive.ledger import Approval, content_hash, login_name, open_ledger, read_ledger
from proaktive.settings import load_settings

LEDGER = Path(".proaktive/ledger.sqlite3")  # the settings' default, in the project folder


class Terminal(io.StringIO):
    """Standard input as a terminal where the person types `typed`; `then` runs as they type."""

    def __init__(self, typed: str, then: Callable[[], None] | None = None) -> None:
        super().__init__(typed)
        self.then = then

    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        if self.then is not None:
            self.then()
        return super().readline(size)


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path)
    return campaign("age: {min: 18}")


def approve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["approve", *args, "--as-of", AS_OF])
    out, err = capsys.readouterr()
    return code, out, err


def approvals() -> tuple[Approval, ...]:
    ledger = read_ledger(LEDGER)
    assert ledger is not None
    with ledger:
        return ledger.approvals("c")


def test_approve_records_one_row_with_every_field(
    path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = approve(
        capsys, path, "--yes", "--by", "Kari Nordmann", "--note", "Sjekket av jurist"
    )
    assert code == 0, err
    content = content_hash(load_campaign(Path(path), load_settings(Path("proaktive.yaml"))))
    [approval] = approvals()
    assert approval == Approval(
        campaign_id="c",
        content_hash=content.digest,
        files=content.files,
        approved_by="Kari Nordmann",
        login=login_name(),
        approved_at=approval.approved_at,
        note="Sjekket av jurist",
        recipients=5,  # the funnel's recipients at this moment
    )
    assert set(content.files) == {
        "c.yaml",
        "templates/t/nb.md.j2",
        "templates/t/en.md.j2",
        "templates/_layout.html.j2",
        "sender",
    }
    with sqlite3.connect(LEDGER) as con:
        rows = con.execute(
            "SELECT campaign_id, content_hash, files, approved_by, login, approved_at, note, "
            "recipients FROM approvals"
        ).fetchall()
    assert rows == [
        (
            "c",
            content.digest,
            json.dumps(content.files, sort_keys=True),
            "Kari Nordmann",
            login_name(),
            approval.approved_at.isoformat(timespec="microseconds"),
            "Sjekket av jurist",
            5,
        )
    ]
    # What preview shows, then what it recorded.
    assert "│ recipients" in out and "Sample recipients" in out
    assert "Recipients by message language" in out and "The first sample's message" in out
    assert out.endswith(
        "Not approved before.\n"
        f"Content {content.short} of c: 5 recipients as of 2026-11-30.\n"
        f"Approved c, content {content.short}: {local_time(approval.approved_at)} by Kari "
        f"Nordmann (login {login_name()}), 5 recipients; note: Sjekket av jurist.\n"
        "Recorded in .proaktive/ledger.sqlite3.\n"
    )


def test_without_a_terminal_and_without_yes_is_wrong_use_and_records_nothing(
    path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under pytest standard input is no terminal, as under cron.
    assert approve(capsys, path) == (
        2,
        "",
        "error: there is no terminal to ask 'Approve?': run it in a terminal, or give --yes\n",
    )
    assert not LEDGER.exists()


def test_answering_no_records_nothing(
    path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, out, err = approve(capsys, path)
    assert (code, err) == (1, "Not approved: nothing recorded.\n")
    assert out.endswith("of c: 5 recipients as of 2026-11-30.\nApprove? [y/N]: ")
    assert not LEDGER.exists()  # not even an empty ledger


def test_answering_yes_records_the_login_as_approver(
    path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, err = approve(capsys, path)
    assert code == 0, err
    [approval] = approvals()
    assert (approval.approved_by, approval.login, approval.note) == (
        login_name(),
        login_name(),
        None,
    )
    assert "5 recipients as of 2026-11-30.\nApprove? [y/N]: Approved c, content " in out


def test_a_file_changed_while_shown_records_nothing(
    path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    template = Path("templates/t/nb.md.j2")

    def edit() -> None:
        template.write_text(template.read_text(encoding="utf-8") + "Mer.\n", encoding="utf-8")

    monkeypatch.setattr("sys.stdin", Terminal("y\n", then=edit))
    code, _, err = approve(capsys, path)
    assert (code, err) == (
        1,
        "error: campaign c changed while it was shown (templates/t/nb.md.j2): nothing "
        "recorded (run proaktive approve campaigns/c.yaml again)\n",
    )
    assert not LEDGER.exists()


def test_by_needs_a_name(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = approve(capsys, path, "--yes", "--by", "  ")
    assert code == 2
    assert err.endswith("Error: Invalid value for --by: a name is needed\n")
    assert not LEDGER.exists()


def test_approving_again_says_what_changed_since_the_last_approval(
    path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert approve(capsys, path, "--yes")[0] == 0
    code, out, _ = approve(capsys, path, "--yes")
    first = approvals()[0]
    assert code == 0
    assert (
        f"Approved before as it is now: {local_time(first.approved_at)} by {login_name()}, "
        "5 recipients.\n" in out
    )
    Path("templates/t/nb.md.j2").write_text("---\nsubject: Hei\n---\nHei!\n", encoding="utf-8")
    code, out, _ = approve(capsys, path, "--yes")
    second = approvals()[1]
    assert code == 0
    assert (
        f"Changed since the last approval ({local_time(second.approved_at)} by {login_name()}, "
        "5 recipients): templates/t/nb.md.j2.\n" in out
    )
    assert len(approvals()) == 3


def test_a_send_checks_what_approve_recorded(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The two halves together: approve on the command line, then the check a send makes."""
    assert approve(capsys, path, "--yes")[0] == 0
    settings = load_settings(Path("proaktive.yaml"))

    def check(login: str) -> None:
        loaded = load_campaign(Path(path), settings)
        with open_ledger(LEDGER) as ledger:
            check_send_approval(
                loaded, content_hash(loaded), ledger, "four-eyes", login, 5, ask=None
            )

    check("svc-proaktive")
    with pytest.raises(SendRefused, match="which is the login running this send"):
        check(login_name())
    template = Path("templates/t/nb.md.j2")
    template.write_text(template.read_text(encoding="utf-8") + "Mer.\n", encoding="utf-8")
    with pytest.raises(SendRefused) as refused:
        check("svc-proaktive")
    assert str(refused.value).startswith("campaign c has changed since its last approval (")
    assert "5 recipients): templates/t/nb.md.j2 (a person reviews it again" in str(refused.value)
