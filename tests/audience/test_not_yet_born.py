"""A campaign evaluated for a past date never counts the people born since."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builders import krr, make_campaign, open_small, person, write_registry

from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import Age, AllOf, Child, Criterion


def _names(folder: Path, criterion: Criterion, as_of: dt.date) -> list[str]:
    registry = open_small(folder)
    try:
        audience = resolve(
            make_campaign(criterion), registry, as_of=as_of, policy=ContactPolicy(None), fetch=None
        )
    finally:
        registry.close()
    return sorted(r.fornavn for r in audience.recipients)


def test_age_and_child_bounds_count_only_the_born(tmp_path: Path) -> None:
    parent = person("1990-01-01", fornavn="Parent")
    born = person("2026-10-01", fornavn="Born")
    later = person("2026-12-15", fornavn="Later")  # born after the date evaluated
    later_parent = person("1991-01-01", fornavn="LaterParent")
    relations = [
        {"personidentifikator": parent["personidentifikator"],
         "relatert_personidentifikator": born["personidentifikator"],
         "relatert_persons_rolle": "barn"},
        {"personidentifikator": later_parent["personidentifikator"],
         "relatert_personidentifikator": later["personidentifikator"],
         "relatert_persons_rolle": "barn"},
    ]  # fmt: skip
    people = [parent, born, later, later_parent]
    folder = write_registry(tmp_path / "r", people, [krr(p) for p in people], relations)
    as_of = dt.date(2026, 11, 30)
    assert _names(folder, Age(None, 66), as_of) == ["Born", "LaterParent", "Parent"]
    assert _names(folder, AllOf((Age(18, None), Child("days", None, 90))), as_of) == ["Parent"]
