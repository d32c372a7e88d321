"""A street or postcode that nobody in the registry lives at is a typo until shown otherwise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builders import krr, make_campaign, open_small, person, write_registry

from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import AnyOf, Criterion, Postcode, Street


def _warnings(folder: Path, criterion: Criterion) -> tuple[str, ...]:
    registry = open_small(folder)
    try:
        audience = resolve(
            make_campaign(criterion),
            registry,
            as_of=dt.date(2026, 11, 30),
            policy=ContactPolicy(None),
        )
    finally:
        registry.close()
    return audience.warnings


def test_streets_and_postcodes_nobody_lives_at_are_named_with_the_nearest(tmp_path: Path) -> None:
    kari = person(adressenavn="Storgata", postnummer="0182")
    ola = person(adressenavn="Bygdøy allé", postnummer="0262")
    folder = write_registry(tmp_path / "r", [kari, ola], [krr(kari), krr(ola)])
    criterion = AnyOf(
        (
            Street("Storgt", None, None, "both", None),
            Street(" BYGDØY ALLÉ ", None, None, "both", None),  # lives there: no warning
            Postcode(("0182", "0183", "9999")),
        )
    )
    assert _warnings(folder, criterion) == (
        "/campaigns/test.yaml: street 'Storgt' occurs nowhere in the registry, so it matches "
        "nobody (did you mean Storgata?)",
        "/campaigns/test.yaml: postcode '0183' occurs nowhere in the registry, so it matches "
        "nobody (did you mean 0182?)",
        "/campaigns/test.yaml: postcode '9999' occurs nowhere in the registry, so it matches "
        "nobody",
    )
