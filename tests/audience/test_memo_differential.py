"""Reading with the checked-files memo gives what a full check gives, on messy registries.

Each seed builds a small registry with every kind of broken row (impossible
dates, empty identifiers and names, duplicates with other text, unknown values,
lines with the wrong number of columns, blank lines, KRR rows without a person,
repeated relations), then compares a full, ordered read with streamed reads
that learn and use the memo.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from builders import krr, make_campaign, person, write_registry

from proaktive.audience.resolve import ContactPolicy, needed_exports, resolve
from proaktive.campaign.model import Age, AllOf, AnyOf, Child, Criterion, Language, Not
from proaktive.registry.loading import open_registry
from proaktive.registry.memo import CheckedFiles

AS_OF = dt.date(2026, 11, 30)
CRITERIA: list[Criterion] = [
    Age(18, None),
    AllOf((Age(18, None), Child("months", 4, 4))),
    AnyOf((Language(("nn",)), Not(Age(30, None)))),
]
BIRTHS = ["1990-03-03", "1988-01-01", "2026-07-30", "1970-01-01", "2010-05-05"]


def _outcome(folder: Path, criterion: Criterion, memo: Path | None) -> tuple[object, ...]:
    campaign = make_campaign(criterion)
    registry = open_registry(
        folder,
        include=needed_exports(campaign),
        stream=memo is not None,
        checked_files=CheckedFiles(memo) if memo else None,
    )
    audience = resolve(campaign, registry, as_of=AS_OF, policy=ContactPolicy(None), fetch=None)
    recipients = sorted(
        (r.personidentifikator, r.fornavn, r.epostadresse) for r in audience.recipients
    )
    return audience.funnel, recipients, audience.skipped_rows


def _messy_registry(chance: random.Random, folder: Path) -> Path:
    people = [person(chance.choice(BIRTHS)) for _ in range(5)]
    rows: list[dict[str, object]] = []
    contacts: list[dict[str, object]] = []
    for someone in people:
        for _ in range(chance.choice([1, 1, 1, 2, 3])):  # a second row: a duplicate
            rows.append(
                chance.choice(
                    [
                        dict(someone),
                        dict(someone),
                        dict(someone, foedselsdato="1990-02-30"),
                        dict(someone, fornavn=f"Other{chance.randint(0, 3)}"),
                        dict(someone, personidentifikator=""),
                        dict(someone, etternavn=""),
                    ]
                )
            )
        for _ in range(chance.choice([0, 1, 1, 2])):
            contacts.append(
                chance.choice(
                    [
                        krr(someone),
                        krr(someone),
                        krr(someone, reservasjon="KANSKJE"),
                        krr(someone, epostadresse=f"shared{chance.randint(0, 2)}@example.no"),
                        krr(someone, spraak="nn"),
                    ]
                )
            )
    for _ in range(chance.choice([0, 1, 2])):  # in KRR, not in personer.csv
        contacts.append(krr(person("1960-01-01"), reservasjon=chance.choice(["NEI", "KANSKJE"])))
    chance.shuffle(rows)
    chance.shuffle(contacts)
    relations = [
        {
            "personidentifikator": parent["personidentifikator"],
            "relatert_personidentifikator": child["personidentifikator"],
            "relatert_persons_rolle": chance.choice(["barn", "barn", "onkel"]),
        }
        for parent in people
        for child in people
        if chance.random() < 0.2
    ]
    relations += relations[: chance.choice([0, 1])]
    write_registry(folder, rows, contacts, relations)
    for name in ("personer.csv", "krr.csv"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
        for _ in range(chance.choice([0, 0, 1])):
            broken = chance.choice(["too,few\n", "\n", lines[-1].rstrip("\n") + ",extra\n"])
            lines.insert(chance.randint(1, len(lines)), broken)
        (folder / name).write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.mark.parametrize("seed", range(8))
def test_the_memo_never_changes_the_outcome(tmp_path: Path, seed: int) -> None:
    chance = random.Random(seed)
    folder = _messy_registry(chance, tmp_path / "reg")
    memo = tmp_path / "memo.json"
    if chance.random() < 0.3:
        open_registry(folder, checked_files=CheckedFiles(memo))  # as `registry check` does
    for _ in range(3):
        criterion = chance.choice(CRITERIA)
        assert _outcome(folder, criterion, memo) == _outcome(folder, criterion, None)
