"""`proaktive preview`: a project folder on disk, run end to end through the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import pid
from preview_project import campaign, masked, preview, write_project


@pytest.fixture
def ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return write_project(tmp_path)


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("not_in_krr", "not in KRR (not_in_krr)"),
        ("krr_deleted", "deleted in KRR (krr_deleted)"),
        ("reserved", "reserved against digital contact (reserved)"),
        ("opted_out", "on the opt-out list (opted_out)"),
        ("no_email", "no e-mail address (no_email)"),
        ("invalid_email", "invalid e-mail address (invalid_email)"),
        ("stale_contact", "contact information older than 18 months (stale_contact)"),
        ("duplicate_email", "e-mail address shared with an older recipient (duplicate_email)"),
    ],
)
def test_person_excluded_by_a_funnel_rule(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str], who: str, why: str
) -> None:
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--person", ids[who])
    assert (code, out) == (0, f"{masked(ids[who])}: gets no message: {why}\n")


@pytest.mark.parametrize(
    ("criterion", "who", "why"),
    [
        ("age: {min: 18}", "minor", "age: 16 years (wants at least 18 years)"),
        (
            "born: {from: 1950-01-01, to: 1959-12-31}",
            "recipient",
            "born: 1960-01-01 (wants 1950-01-01 to 1959-12-31)",
        ),
        (
            "district: [Sagene]",
            "recipient",
            "district: lives in Frogner (030105) (wants Sagene (030103))",
        ),
        ("postcode: ['0182']", "recipient", "postcode: 0262 (wants 0182)"),
        (
            "street: {name: Storgata}",
            "recipient",
            "street: lives at Bygdøy allé 12 (wants Storgata)",
        ),
        (
            "area: {file: square.geojson, buffer_m: 30}",
            "parent",
            "area: the home address lies outside the area (square.geojson, buffer 30 m)",
        ),
        (
            "child: {age_months: {min: 4, max: 4}}",
            "parent",
            "child: no child aged 4 months (youngest is 7 months)",
        ),
        (
            "child: {age: {min: 1}}",
            "recipient",
            "child: no child aged at least 1 years (no children in the registry)",
        ),
        (
            "moved_in: {within_days: 30}",
            "parent",
            "moved_in: moved on 2026-01-02, 332 days before 2026-11-30 (wants within 30 days)",
        ),
        ("moved_in: {within_days: 30}", "recipient", "moved_in: no moving date in the registry"),
        (
            "moved_in: {within_days: 365, from: another_municipality}",
            "parent",
            "moved_in: moved on 2026-01-02 from Gamle Oslo (030101) "
            "(wants from another municipality)",
        ),
        ("language: [en]", "recipient", "language: KRR language is nb (wants en)"),
        (
            "all: [{age: {min: 18}}, {not: {language: [nb]}}]",
            "recipient",
            "not: the person matches language: KRR language is nb (wants nb)",
        ),
        (
            "any: [{language: [en]}, {postcode: ['0182']}]",
            "recipient",
            "none of these matches: language: KRR language is nb (wants en); "
            "postcode: 0262 (wants 0182)",
        ),
    ],
)
def test_person_who_fails_a_criterion_hears_which_and_their_value(
    ids: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    criterion: str,
    who: str,
    why: str,
) -> None:
    code, out, err = preview(capsys, campaign(criterion), "--person", ids[who])
    assert (code, out) == (0, f"{masked(ids[who])}: {why}\n"), err


@pytest.mark.parametrize("who", ["protected", "protected_minor"])
@pytest.mark.parametrize(
    ("criterion", "category"),
    [
        ("age: {min: 18}", "information"),  # matched, then excluded by the funnel
        ("language: [en]", "information"),  # fails a criterion: which one is not said
        ("age: {min: 0}\ncontact: {include_protected_addresses: true}", "statutory"),
    ],
)
def test_a_protected_person_gets_one_line_and_nothing_about_them(
    ids: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    who: str,
    criterion: str,
    category: str,
) -> None:
    code, out, _ = preview(capsys, campaign(criterion, category=category), "--person", ids[who])
    assert (code, out) == (0, f"{masked(ids[who])}: protected address: gets no message\n")


def test_person_who_gets_the_message_sees_it(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--person", ids["english"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{masked(ids['english'])}: gets the message"
    assert lines[2] == f"The message to {masked(ids['english'])}"
    assert lines[3:6] == [
        "From: Oslo kommune <ikke-svar@oslo.kommune.no>",
        f"To: {ids['english']}@example.no",
        "Subject: Hi Eirik",
    ]
    assert lines[7:12] == [
        "Message-ID: <c.1.preview@oslo.kommune.no>",
        "Auto-Submitted: auto-generated",
        "Content-Language: en",
        "MIME-Version: 1.0",
        "",
    ]
    assert lines[12:] == ["Hi Eirik!"]


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("emigrated", "not in the population: status is utflyttet"),
        (
            "nobody",
            "not in the registry (no good row in personer.csv; proaktive registry check lists "
            "rows with data errors)",
        ),
    ],
)
def test_person_outside_the_population(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str], who: str, why: str
) -> None:
    identifier = ids.get(who) or pid("1955-05-05")
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--person", identifier)
    assert (code, out) == (0, f"{masked(identifier)}: {why}\n")


def test_person_must_be_an_identifier(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = preview(capsys, campaign("age: {min: 18}"), "--person", "Kari")
    assert code == 2
    assert "not a personal identifier" in err


def test_terminal_preview(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--sample", "2")
    assert code == 0
    assert "│ recipients" in out
    samples = out.split("Sample recipients", 1)[1].split("Recipients by message language")[0]
    shown = sorted(ids[n] for n in ("recipient", "english", "sami", "parent", "older_sharer"))
    assert [masked(i) in samples for i in shown] == [True, True, False, False, False]
    for identifier in ids.values():  # masked everywhere
        assert identifier not in out.replace(f"{identifier}@example.no", "")
    languages = out.split("Recipients by message language", 1)[1]
    assert "│ en       │          1 │                   0 │" in languages
    assert "│ nb       │          4 │                   1 │" in languages
    assert "1 recipients get the nb text because" in languages
    first = out.split("The first sample's message\n", 1)[1]
    assert "Subject: Hei" in first and "Content-Language: nb" in first
    assert first.rstrip().endswith("i Frogner!")


def test_terminal_preview_never_shows_a_protected_recipient(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    criterion = "age: {min: 0}\ncontact: {include_protected_addresses: true}"
    code, out, _ = preview(capsys, campaign(criterion, category="statutory"), "--sample", "50")
    assert code == 0
    assert "│ recipients" in out
    for name in ("protected", "protected_minor"):
        assert masked(ids[name]) not in out
    assert masked(ids["recipient"]) in out


def test_a_template_that_breaks_for_a_recipient_names_its_line(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # `barn` is empty without a child criterion: validate says so too, preview must not crash.
    Path("templates/t/en.md.j2").write_text(
        "---\nsubject: Hi\n---\nHi\n\n{{ barn[0].fornavn }}\n", encoding="utf-8"
    )
    code, out, err = preview(capsys, campaign("age: {min: 18}"))
    assert (code, out) == (1, "")
    assert err == "error: templates/t/en.md.j2:6: unknown variable: list object has no element 0\n"


def test_person_already_sent_the_campaign_per_the_ledger(
    ids: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Preview reads the same ledger as send: what it shows is what a send would do."""
    from proaktive.ledger import open_ledger

    path = campaign("age: {min: 18}")
    with open_ledger(tmp_path / ".proaktive" / "ledger.sqlite3") as ledger:
        run = ledger.start_run("c", "ab" * 32, dt.date(2026, 11, 1), 1)
        key = ledger.pseudonym(ids["recipient"])
        ledger.attempting(run.id, "c", key, 1, "<c@test>")
        ledger.record_outcome("c", key, 1, "sent", "250 2.0.0 Ok")
        ledger.finish_run(run.id)
    code, out, _ = preview(capsys, path, "--person", ids["recipient"])
    assert (code, out) == (
        0,
        f"{masked(ids['recipient'])}: gets no message: already got this campaign (already_sent)\n",
    )
