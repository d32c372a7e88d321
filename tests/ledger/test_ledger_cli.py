"""The ledger on the command line: `audience count` reads it, `ledger status` shows it.

Each test writes a project (settings, campaign, template, registry) in its own folder,
records messages through the ledger's API, and runs the command line in-process.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from builders import krr, person, write_registry

from proaktive.cli.main import run
from proaktive.ledger import ContentHash, State, login_name, open_ledger

AS_OF = "2026-11-30"
WHEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

SETTINGS = """\
registry: registry/
templates: templates/
ledger: state/ledger.sqlite3
frequency_cap: {max_messages: 1, per_days: 30}
"""
CAMPAIGN = """\
id: {id}
title: Test av loggen
template: cli-test
audience:
  age: {{min: 18}}
"""
TEMPLATE = """\
---
subject: "Hei {{ person.fornavn }}"
---
Hei {{ person.fornavn }}!
"""


def write_project(folder: Path) -> list[str]:
    """The project; the identifiers of its four reachable people, oldest first."""
    (folder / "campaigns").mkdir()
    for campaign_id in ("cli-test", "other"):
        (folder / "campaigns" / f"{campaign_id}.yaml").write_text(
            CAMPAIGN.format(id=campaign_id), encoding="utf-8"
        )
    (folder / "templates" / "cli-test").mkdir(parents=True)
    (folder / "templates" / "cli-test" / "nb.md.j2").write_text(TEMPLATE, encoding="utf-8")
    (folder / "proaktive.yaml").write_text(SETTINGS, encoding="utf-8")
    people = [person(f"196{n}-01-01", fornavn=f"P{n}") for n in range(4)]
    write_registry(folder / "registry", people, [krr(row) for row in people])
    return [str(row["personidentifikator"]) for row in people]


def record(
    ledger: Path, campaign_id: str, identifiers: list[str], states: list[State], when: dt.datetime
) -> None:
    """One run of `campaign_id`: each person attempted, then given their state."""
    with open_ledger(ledger, clock=lambda: when) as opened:
        run_ = opened.start_run(campaign_id, "ab" * 32, dt.date(2026, 11, 20), len(identifiers))
        for identifier, state in zip(identifiers, states, strict=True):
            key = opened.pseudonym(identifier)
            opened.attempting(run_.id, campaign_id, key, 1, f"<{campaign_id}@test>")
            if state != "attempting":
                opened.record_outcome(campaign_id, key, 1, state, "250 2.0.0 Ok")
        opened.finish_run(run_.id)


def count(capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, object]:
    code = run(
        ["audience", "count", "campaigns/cli-test.yaml", "--as-of", AS_OF, "--json", *options]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


# --- audience count reads the ledger ---------------------------------------------------


def test_audience_count_reads_the_settings_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_project(tmp_path)
    record(tmp_path / "state" / "ledger.sqlite3", "cli-test", ids[:1], ["sent"], WHEN)
    record(tmp_path / "state" / "ledger.sqlite3", "other", ids[1:2], ["sent"], WHEN)
    document = count(capsys)
    assert document["excluded"]["already_sent"] == 1  # type: ignore[index]
    assert document["excluded"]["frequency_cap"] == 1  # type: ignore[index]  # cap of 1
    assert document["recipients"] == 2


def test_ledger_option_and_environment_variable_choose_the_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = write_project(tmp_path)
    record(tmp_path / "elsewhere.sqlite3", "cli-test", ids[:2], ["sent", "failed"], WHEN)
    assert count(capsys)["recipients"] == 4  # the settings' ledger does not exist
    assert not (tmp_path / "state").exists()  # and reading it made none
    assert count(capsys, "--ledger", "elsewhere.sqlite3")["recipients"] == 2
    monkeypatch.setenv("PROAKTIVE_LEDGER", str(tmp_path / "elsewhere.sqlite3"))
    assert count(capsys)["recipients"] == 2


def test_audience_count_refuses_a_ledger_in_use_without_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_project(tmp_path)
    ledger = tmp_path / "state" / "ledger.sqlite3"
    record(ledger, "cli-test", ids[:1], ["sent"], WHEN)
    (tmp_path / "state" / "ledger.sqlite3.key").unlink()
    code = run(["audience", "count", "campaigns/cli-test.yaml", "--as-of", AS_OF])
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: {ledger}.key: the ledger's key file is missing, and the ledger {ledger} "
        "records 1 message (restore the key file from a backup; proaktive never makes a new "
        "key for a ledger in use: it would send every campaign again to everyone)\n"
    )


# --- ledger status ---------------------------------------------------------------------


def write_history(ledger: Path, ids: list[str]) -> None:
    """An approval and two runs of cli-test, one run of other."""
    content = ContentHash("cd" * 32, {"cli-test.yaml": "01" * 32})
    with open_ledger(ledger, clock=lambda: WHEN) as opened:
        opened.record_approval(
            "cli-test", content, approved_by="Kari Nordmann", recipients=4, note="sjekket"
        )
    record(ledger, "cli-test", ids[:2], ["sent", "failed"], WHEN + dt.timedelta(hours=1))
    record(ledger, "cli-test", ids[2:], ["sent", "deferred"], WHEN + dt.timedelta(days=1))
    record(ledger, "other", ids[:1], ["sent"], WHEN + dt.timedelta(days=2))


def status(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["ledger", "status", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_document(
    started: str, recipients: int, sent: int, failed: int = 0, deferred: int = 0
) -> dict[str, object]:
    return {
        "started_at": started,
        "ended_at": started,
        "status": "finished",
        "as_of": "2026-11-20",
        "operator": login_name(),
        "content_hash": "ab" * 32,
        "recipients": recipients,
        "sent": sent,
        "failed": failed,
        "deferred": deferred,
        "unknown": 0,
    }


def test_ledger_status_json_is_the_whole_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_project(tmp_path)
    write_history(tmp_path / "state" / "ledger.sqlite3", ids)
    code, out, err = status(capsys, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "campaigns": [
            {
                "campaign": "cli-test",
                "approvals": [
                    {
                        "approved_at": "2026-11-20T09:30:00+00:00",
                        "approved_by": "Kari Nordmann",
                        "login": login_name(),
                        "recipients": 4,
                        "content_hash": "cd" * 32,
                        "note": "sjekket",
                    }
                ],
                "runs": [
                    run_document("2026-11-20T10:30:00+00:00", 2, sent=1, failed=1),
                    run_document("2026-11-21T09:30:00+00:00", 2, sent=1, deferred=1),
                ],
                "messages": {"attempting": 0, "sent": 2, "failed": 1, "deferred": 1, "unknown": 0},
            },
            {
                "campaign": "other",
                "approvals": [],
                "runs": [run_document("2026-11-22T09:30:00+00:00", 1, sent=1)],
                "messages": {"attempting": 0, "sent": 1, "failed": 0, "deferred": 0, "unknown": 0},
            },
        ]
    }


def test_ledger_status_of_a_campaign_file_shows_its_id_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_project(tmp_path)
    write_history(tmp_path / "state" / "ledger.sqlite3", ids)
    code, out, _ = status(capsys, "campaigns/other.yaml", "--json")
    assert code == 0
    assert [campaign["campaign"] for campaign in json.loads(out)["campaigns"]] == ["other"]


def test_ledger_status_shows_approvals_runs_and_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_project(tmp_path)
    write_history(tmp_path / "state" / "ledger.sqlite3", ids)
    code, out, _ = status(capsys, "campaigns/cli-test.yaml")
    assert code == 0
    login = login_name()
    assert out.splitlines() == [
        "cli-test: messages 0 attempting, 2 sent, 1 failed, 1 deferred, 0 unknown",
        f"  approved 2026-11-20 10:30 by Kari Nordmann (login {login}), 4 recipients, "
        "content cdcdcdcdcdcd: sjekket",
        f"  run 2026-11-20 11:30 by {login}, finished: 2 recipients; 1 sent, 1 failed, "
        "0 deferred, 0 unknown; content abababababab",
        f"  run 2026-11-21 10:30 by {login}, finished: 2 recipients; 1 sent, 0 failed, "
        "1 deferred, 0 unknown; content abababababab",
    ]


def test_ledger_status_without_a_ledger_says_so_and_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path)
    ledger = tmp_path / "state" / "ledger.sqlite3"
    assert status(capsys) == (0, f"No ledger at {ledger} yet: nothing has been sent.\n", "")
    code, out, _ = status(capsys, "campaigns/cli-test.yaml", "--json")
    assert code == 0
    assert json.loads(out) == {
        "campaigns": [
            {
                "campaign": "cli-test",
                "approvals": [],
                "runs": [],
                "messages": {"attempting": 0, "sent": 0, "failed": 0, "deferred": 0, "unknown": 0},
            }
        ]
    }
    assert not ledger.parent.exists()


def test_ledger_status_reads_the_ledger_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_project(tmp_path)
    record(tmp_path / "other.sqlite3", "cli-test", ids[:1], ["sent"], WHEN)
    code, out, _ = status(capsys, "--ledger", "other.sqlite3", "--json")
    assert code == 0
    assert json.loads(out)["campaigns"][0]["messages"]["sent"] == 1


def test_ledger_status_warns_of_a_missing_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = write_project(tmp_path)
    ledger = tmp_path / "state" / "ledger.sqlite3"
    record(ledger, "cli-test", ids[:2], ["sent", "sent"], WHEN)
    (tmp_path / "state" / "ledger.sqlite3.key").unlink()
    code, out, err = status(capsys, "--json")
    assert code == 0
    assert json.loads(out)["campaigns"][0]["messages"]["sent"] == 2
    assert err == (
        f"warning: {ledger}.key: the ledger's key file is missing, and the ledger {ledger} "
        "records 2 messages (restore the key file from a backup; proaktive never makes a new "
        "key for a ledger in use: it would send every campaign again to everyone)\n"
    )
