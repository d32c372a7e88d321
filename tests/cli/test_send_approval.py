"""A real send needs an approval of exactly its content: the whole path, with a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from send_project import CAMPAIGN, addresses, send, states, write_project
from smtp_server import ScriptedServer, running

from proaktive.cli.main import run


def require_approval(folder: Path, mode: str = "required") -> None:
    settings = folder / "proaktive.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("approval: off", f"approval: {mode}"), encoding="utf-8")


def test_no_approval_nothing_sent_then_approved_sent_then_changed_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(3))
        require_approval(tmp_path)
        code, _, err = send(capsys, "--yes")
        assert code == 1
        assert "has never been approved" in " ".join(err.split())
        assert handler.connections == 0 and handler.inbox == []  # refused before connecting
        assert not (tmp_path / ".proaktive" / "ledger.sqlite3").exists() or states() == {}

        assert run(["approve", CAMPAIGN, "--as-of", "2026-11-30", "--yes", "--by", "Kari"]) == 0
        capsys.readouterr()
        assert send(capsys, "--yes")[0] == 0
        assert sorted(handler.delivered_to()) == addresses(3)

        template = tmp_path / "templates" / "hei" / "nb.md.j2"
        template.write_text(template.read_text(encoding="utf-8") + "Ny linje.\n", "utf-8")
        connections = handler.connections
        code, _, err = send(capsys, "--yes")
    assert code == 1
    assert "templates/hei/nb.md.j2" in " ".join(err.split())
    assert handler.connections == connections  # no connection for a refused send
    assert states() == {"sent": 3}


def test_a_dry_run_needs_no_approval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(2))
        require_approval(tmp_path)
        code, _, _ = send(capsys, "--dry-run", "--out", str(tmp_path / "out"))
    assert code == 0
    assert len(list((tmp_path / "out").glob("*.eml"))) == 2
    assert handler.connections == 0
