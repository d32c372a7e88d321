"""The approval check of a real send: a project on disk, approvals in a real ledger.

Each test writes settings, a campaign with an area, a template, the layout, and
records approvals and runs through the ledger's API at fixed times.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from builders import write_layout

from proaktive.campaign import load_campaign
from proaktive.campaign.model import Campaign
from proaktive.delivery.approval import ApprovalMode, SendRefused, check_send_approval
from proaktive.ledger import Ledger, content_hash, login_name, open_ledger
from proaktive.settings import load_settings

APPROVED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)  # 10:30 in Oslo
LATER = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
SETTINGS = "templates: templates/\nledger: state/ledger.sqlite3\n"
CAMPAIGN = """\
id: graving
title: Graving i gata
template: t
audience:
  area: {file: areas/trench.geojson, buffer_m: 30}
"""
AREA = {
    "type": "Polygon",
    "coordinates": [
        [[10.73, 59.91], [10.74, 59.91], [10.74, 59.92], [10.73, 59.92], [10.73, 59.91]]
    ],
}
NEVER = (
    "campaign graving has never been approved, and the settings say 'approval: {mode}' "
    "(a person reviews it and approves it with: proaktive approve campaigns/graving.yaml)"
)


def write_project(folder: Path, settings: str = SETTINGS) -> None:
    (folder / "proaktive.yaml").write_text(settings, encoding="utf-8")
    (folder / "campaigns" / "areas").mkdir(parents=True)
    (folder / "campaigns" / "graving.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (folder / "campaigns" / "areas" / "trench.geojson").write_text(
        json.dumps(AREA) + "\n", encoding="utf-8"
    )
    (folder / "templates" / "t").mkdir(parents=True)
    write_layout(folder / "templates")
    (folder / "templates" / "t" / "nb.md.j2").write_text(
        "---\nsubject: Graving\n---\nVi graver i gata di.\n", encoding="utf-8"
    )


def load(folder: Path) -> Campaign:
    return load_campaign(
        folder / "campaigns" / "graving.yaml", load_settings(folder / "proaktive.yaml")
    )


def ledger_at(folder: Path, when: dt.datetime = APPROVED) -> Ledger:
    return open_ledger(folder / "state" / "ledger.sqlite3", clock=lambda: when)


def approve(folder: Path, recipients: int = 100, *, by: str | None = None) -> None:
    campaign = load(folder)
    with ledger_at(folder) as ledger:
        ledger.record_approval(
            campaign.id, content_hash(campaign), approved_by=by, recipients=recipients
        )


def check(
    folder: Path,
    mode: ApprovalMode = "required",
    *,
    login: str | None = None,
    recipients: int = 100,
    ask: list[tuple[str, bool]] | None = None,
    answer: bool = True,
) -> None:
    """The check as a send would call it; `ask` collects each question and the answer given."""

    def answering(question: str) -> bool:
        assert ask is not None
        ask.append((question, answer))
        return answer

    campaign = load(folder)
    with ledger_at(folder, LATER) as ledger:
        check_send_approval(
            campaign,
            content_hash(campaign),
            ledger,
            mode,
            login if login is not None else login_name(),
            recipients,
            ask=answering if ask is not None else None,
        )


def refusal(folder: Path, **options: object) -> str:
    with pytest.raises(SendRefused) as refused:
        check(folder, **options)  # type: ignore[arg-type]
    return str(refused.value)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path)
    return tmp_path


# --- required -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["required", "four-eyes"])
def test_never_approved_refuses_and_says_how_to_approve(project: Path, mode: str) -> None:
    assert refusal(project, mode=mode) == NEVER.format(mode=mode)


def test_no_ledger_file_is_never_approved(project: Path) -> None:
    campaign = load(project)
    with pytest.raises(SendRefused) as refused:
        check_send_approval(campaign, content_hash(campaign), None, "required", "kari", 5, ask=None)
    assert str(refused.value) == NEVER.format(mode="required")


def test_the_approved_content_passes(project: Path) -> None:
    approve(project)
    check(project)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("templates/t/nb.md.j2", "templates/t/nb.md.j2"),
        ("templates/_layout.html.j2", "templates/_layout.html.j2"),
        ("campaigns/areas/trench.geojson", "areas/trench.geojson"),
        ("campaigns/graving.yaml", "graving.yaml"),
    ],
)
def test_a_file_changed_after_approval_is_named(project: Path, path: str, name: str) -> None:
    approve(project)
    changed = project / path
    changed.write_bytes(changed.read_bytes().replace(b"\n", b" \n", 1))
    assert refusal(project) == (
        f"campaign graving has changed since its last approval (2026-11-20 10:30 by "
        f"{login_name()}, 100 recipients): {name} (a person reviews it again and approves it "
        "with: proaktive approve campaigns/graving.yaml)"
    )


def test_a_new_sender_in_the_settings_is_named(project: Path) -> None:
    approve(project, by="Kari Nordmann")
    (project / "proaktive.yaml").write_text(
        SETTINGS + 'sender: {from: "Bymiljøetaten <ikke-svar@bym.oslo.kommune.no>"}\n',
        encoding="utf-8",
    )
    assert refusal(project) == (
        "campaign graving has changed since its last approval (2026-11-20 10:30 by Kari "
        f"Nordmann (login {login_name()}), 100 recipients): the sender (From or Reply-To) "
        "(a person reviews it again and approves it with: proaktive approve "
        "campaigns/graving.yaml)"
    )


def test_new_and_removed_files_are_named_as_such(project: Path) -> None:
    approve(project)
    (project / "templates" / "t" / "en.md.j2").write_text("---\nsubject: Digging\n---\nHi\n")
    (project / "templates" / "_layout.html.j2").unlink()
    assert ": templates/_layout.html.j2 (removed), templates/t/en.md.j2 (new) (" in refusal(project)


def test_changing_back_to_approved_content_passes_again(project: Path) -> None:
    template = project / "templates" / "t" / "nb.md.j2"
    approved = template.read_bytes()
    approve(project)
    template.write_bytes(approved + b"Mer tekst.\n")
    refusal(project)
    template.write_bytes(approved)
    check(project)


# --- four-eyes and off ----------------------------------------------------------------


def test_four_eyes_refuses_the_login_that_approved(project: Path) -> None:
    approve(project, by="Kari Nordmann")
    assert refusal(project, mode="four-eyes", login=login_name()) == (
        f"campaign graving was approved by login {login_name()}, which is the login running "
        "this send, and the settings say 'approval: four-eyes' (send it from another login "
        "(such as the cron job's service account), or have another person approve it: "
        "proaktive approve campaigns/graving.yaml)"
    )


def test_four_eyes_accepts_another_login(project: Path) -> None:
    approve(project)
    check(project, mode="four-eyes", login="svc-proaktive")


def test_required_accepts_the_approvers_own_login(project: Path) -> None:
    approve(project)
    check(project, mode="required", login=login_name())


def test_off_checks_nothing(project: Path) -> None:
    check(project, mode="off", recipients=10_000)  # never approved, and a huge audience


# --- the audience-growth guard --------------------------------------------------------


@pytest.mark.parametrize(
    ("approved", "recipients", "stops"),
    [
        (100, 300, False),  # three times: not more
        (100, 301, True),  # more than three times, and 201 more
        (10, 60, False),  # six times, but only 50 more
        (10, 61, True),  # both
        (0, 50, False),
        (0, 51, True),
    ],
)
def test_growth_needs_three_times_and_fifty_more(
    project: Path, approved: int, recipients: int, stops: bool
) -> None:
    approve(project, approved)
    if stops:
        assert "more than three times" in refusal(project, recipients=recipients)
    else:
        check(project, recipients=recipients)


def test_growth_under_yes_refuses(project: Path) -> None:
    approve(project, 100)
    assert refusal(project, recipients=301) == (
        "campaign graving now has 301 recipients, more than three times the 100 seen at its "
        f"approval (2026-11-20 10:30 by {login_name()}, 100 recipients) or in a run since: "
        "with --yes, proaktive does not send to an audience that grew this much (check the "
        "exports and the criteria (proaktive preview shows the funnel); if the audience is "
        "right, send without --yes and answer the question, or approve it again: proaktive "
        "approve campaigns/graving.yaml)"
    )


def test_growth_asks_and_a_yes_sends(project: Path) -> None:
    approve(project, 1_000)
    asked: list[tuple[str, bool]] = []
    check(project, recipients=3_001, ask=asked, answer=True)
    assert asked == [
        (
            "campaign graving now has 3,001 recipients, more than three times the 1,000 seen "
            f"at its approval (2026-11-20 10:30 by {login_name()}, 1,000 recipients) or in a "
            "run since. Send to all 3,001 anyway?",
            True,
        )
    ]


def test_growth_asks_and_a_no_refuses(project: Path) -> None:
    approve(project, 100)
    asked: list[tuple[str, bool]] = []
    assert refusal(project, recipients=301, ask=asked, answer=False) == (
        "campaign graving now has 301 recipients, more than three times the 100 seen at its "
        f"approval (2026-11-20 10:30 by {login_name()}, 100 recipients) or in a run since: "
        "not sent, as answered"
    )
    assert len(asked) == 1


def test_no_question_when_the_audience_has_not_grown(project: Path) -> None:
    approve(project, 100)
    asked: list[tuple[str, bool]] = []
    check(project, recipients=120, ask=asked)
    assert asked == []


def run_of(folder: Path, when: dt.datetime, recipients: int) -> None:
    campaign = load(folder)
    with ledger_at(folder, when) as ledger:
        run = ledger.start_run(
            campaign.id, content_hash(campaign).digest, dt.date(2026, 11, 20), recipients
        )
        ledger.finish_run(run.id)


def test_a_run_since_the_approval_raises_the_size_seen(project: Path) -> None:
    approve(project, 10)
    run_of(project, LATER, 40)
    check(project, recipients=120)  # 3 x 40
    assert "more than three times the 40 seen" in refusal(project, recipients=121)


def test_a_run_before_the_approval_does_not_count(project: Path) -> None:
    run_of(project, APPROVED - dt.timedelta(days=1), 5_000)
    approve(project, 10)
    assert "more than three times the 10 seen" in refusal(project, recipients=61)


def test_the_latest_approval_sets_the_size(project: Path) -> None:
    approve(project, 10)
    approve(project, 500)  # approved again, having seen the audience grow
    check(project, recipients=1_500)


def test_four_eyes_measures_against_the_other_persons_approval(project: Path) -> None:
    approve(project, 10)
    # That approval was another person's: the ledger API records only this login's.
    with sqlite3.connect(project / "state" / "ledger.sqlite3") as con:
        con.execute("UPDATE approvals SET login = 'ola'")
    approve(project, 500)  # this login approves it again, at its new size
    check(project, mode="required", recipients=1_500)  # this login's approval holds
    # Under four-eyes only ola's approval holds, and ola saw 10.
    message = refusal(project, mode="four-eyes", recipients=1_500)
    assert message.startswith(
        "campaign graving now has 1,500 recipients, more than three times the 10 seen at its "
        f"approval (2026-11-20 10:30 by {login_name()} (login ola), 10 recipients)"
    )
