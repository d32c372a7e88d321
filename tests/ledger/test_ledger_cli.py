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
from proaktive.ledger import State, open_ledger

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
