"""Small registry folders for tests, written as real CSV files in the spec's formats."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from proaktive.campaign.model import Campaign, Category, ContactRules, Criterion, Sender
from proaktive.registry.exports import ADRESSER, FAMILIERELASJONER, KRR, PERSONER, ExportFile
from proaktive.registry.identifiers import synthetic_identifier
from proaktive.registry.snapshot import Registry, open_registry

# The date the tests evaluate campaigns for: the sample registry's own as_of.
AS_OF = dt.date(2026, 11, 30)

_individuals = itertools.count(100, 7)

LAYOUT = Path(__file__).resolve().parent.parent / "templates" / "_layout.html.j2"


def write_layout(templates: Path) -> Path:
    """The repository's message layout, copied into a test's templates folder."""
    templates.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(LAYOUT, templates / LAYOUT.name))


def pid(born: str | dt.date, individual: int | None = None) -> str:
    """A fresh valid synthetic identifier for a birth date."""
    birth = dt.date.fromisoformat(born) if isinstance(born, str) else born
    return synthetic_identifier(
        birth, individual if individual is not None else next(_individuals) % 900
    )


def person(born: str = "1980-05-17", **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "personidentifikator": pid(born),
        "fornavn": "Kari",
        "etternavn": "Nordmann",
        "foedselsdato": born,
        "status": "bosatt",
        "kommunenummer": "0301",
        "bydelsnummer": "030105",
        "adressenavn": "Bygdøy allé",
        "husnummer": "12",
        "postnummer": "0262",
        "poststed": "OSLO",
    }
    row.update(fields)
    return row


def krr(of: Mapping[str, object], **fields: object) -> dict[str, object]:
    """A usable KRR row for a person: active, not reserved, fresh e-mail address."""
    row: dict[str, object] = {
        "personidentifikator": of["personidentifikator"],
        "reservasjon": "NEI",
        "status": "AKTIV",
        "varslingsstatus": "KAN_VARSLES",
        "epostadresse": f"{of['personidentifikator']}@example.no",
        "epostadresse_oppdatert": "2026-01-10T10:00:00+01:00",
        "epostadresse_sist_verifisert": "",
        "spraak": "nb",
    }
    row.update(fields)
    return row


def write_csv(path: Path, export: ExportFile, rows: Iterable[Mapping[str, object]]) -> Path:
    columns = list(export.columns)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(
            file, columns, delimiter=export.separator, extrasaction="raise", lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})
    return path


def write_registry(
    folder: Path,
    personer: Iterable[Mapping[str, object]],
    krr_rows: Iterable[Mapping[str, object]] = (),
    relasjoner: Iterable[Mapping[str, object]] | None = None,
    adresser: Iterable[Mapping[str, object]] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / PERSONER.name, PERSONER, personer)
    write_csv(folder / KRR.name, KRR, krr_rows)
    if relasjoner is not None:
        write_csv(folder / FAMILIERELASJONER.name, FAMILIERELASJONER, relasjoner)
    if adresser is not None:
        write_csv(folder / ADRESSER.name, ADRESSER, adresser)
    return folder


# The reasons of the funnel, in the spec's order (shared/spec/campaigns.md): written out
# here, not imported, so that a change to the code's list fails the tests.
SPEC_REASONS = (
    "protected_address",
    "not_in_krr",
    "krr_deleted",
    "reserved",
    "opted_out",
    "no_email",
    "invalid_email",
    "stale_contact",
    "duplicate_email",
    "already_sent",
    "frequency_cap",
)


def snapshot_of(folder: Path) -> Path:
    """Where tests keep the snapshot of a registry folder: beside it (a test's own folder)."""
    return folder.parent / f".{folder.name}.duckdb"


def open_small(folder: Path, snapshot: Path | None = None) -> Registry:
    """A tiny registry: one DuckDB thread is quicker than several for a handful of rows.

    A registry outside the test's folders (the sample in the repository) needs a
    `snapshot` path in one: a test never writes into the repository.
    """
    return open_registry(folder, snapshot or snapshot_of(folder), threads=1)


def make_campaign(
    audience: Criterion,
    *,
    category: Category = "information",
    ignore_reservation: bool = False,
    allow_stale_contact: bool = False,
    include_protected_addresses: bool = False,
) -> Campaign:
    """A valid campaign for `audience`, with the schema's defaults unless told otherwise."""
    return Campaign(
        source=Path("/campaigns/test.yaml"),
        id="test",
        title="Test",
        owner=None,
        category=category,
        template="test",
        template_folder=Path("/templates/test"),
        default_language="nb",
        sender=Sender(from_="Oslo kommune <ikke-svar@oslo.kommune.no>", reply_to=None),
        audience=audience,
        contact=ContactRules(
            ignore_reservation=ignore_reservation,
            allow_stale_contact=allow_stale_contact,
            include_protected_addresses=include_protected_addresses,
        ),
        repeat_after_days=None,
        frequency_cap=True,
    )
