"""Small registry folders for tests, written as real CSV files in the spec's formats."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path

from proaktive.registry.exports import ADRESSER, FAMILIERELASJONER, KRR, PERSONER, ExportFile
from proaktive.registry.identifiers import synthetic_identifier

_individuals = itertools.count(100, 7)


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
