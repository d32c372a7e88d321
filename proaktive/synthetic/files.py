"""Writing the synthetic registry: CSV files as the registers export them.

Kept apart from the generation so that the formats of registry-exports.md are in
one place: exact column names, `,` or `;`, UTF-8, and mode 0600 (the files hold
personal data, if made-up).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from proaktive.synthetic import krr
from proaktive.synthetic.people import ROLES, Relations
from proaktive.synthetic.places import Addresses, address_coordinates

FILES = ("personer.csv", "familierelasjoner.csv", "krr.csv", "adresser.csv")
PERSON_COLUMNS = (
    "personidentifikator", "fornavn", "mellomnavn", "etternavn", "foedselsdato", "status",
    "adressegradering", "kommunenummer", "bydelsnummer", "adressenavn", "husnummer",
    "husbokstav", "bruksenhetsnummer", "postnummer", "poststed", "adresse_id", "flyttedato",
    "forrige_kommunenummer", "forrige_bydelsnummer",
)  # fmt: skip
RELATION_COLUMNS = ("personidentifikator", "relatert_personidentifikator", "relatert_persons_rolle")
# Kartverket's own column names: proaktive reads the first ten, the rest is realism.
ADDRESS_COLUMNS = (
    "adresseId", "EPSG-kode", "Nord", "Øst", "adressenavn", "nummer", "bokstav", "postnummer",
    "poststed", "kommunenummer", "kommunenavn", "adressetype", "adressekode", "adresseTekst",
)  # fmt: skip


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ","
) -> None:
    """UTF-8 CSV, readable by its owner only: these files hold (synthetic) personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file was already there
    with open(descriptor, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_people(
    path: Path, ids: list[str], columns: dict[str, np.ndarray], order: np.ndarray
) -> None:
    values = [np.asarray(ids, dtype=object)[order].tolist()]
    for name in PERSON_COLUMNS[1:]:
        column = columns[name]
        if column.dtype.kind == "M":
            column = np.datetime_as_string(column)
        values.append(column[order].tolist())
    write_csv(path, PERSON_COLUMNS, zip(*values, strict=True))


def write_relations(path: Path, ids: list[str], relations: Relations, rank: np.ndarray) -> None:
    """Rows grouped by person, in the order of personer.csv, as Freg lists them."""
    order = np.argsort(rank[relations.person], kind="stable")
    id_array = np.asarray(ids, dtype=object)
    rows = zip(
        id_array[relations.person[order]].tolist(),
        id_array[relations.related[order]].tolist(),
        np.asarray(ROLES, dtype=object)[relations.role[order]].tolist(),
        strict=True,
    )
    write_csv(path, RELATION_COLUMNS, rows)


def write_krr(
    path: Path,
    ids: list[str],
    index: np.ndarray,
    columns: dict[str, list[str]],
    rank: np.ndarray,
) -> None:
    order = np.argsort(rank[index], kind="stable")
    values = [np.asarray(ids, dtype=object)[index[order]].tolist()]
    for name in krr.COLUMNS[1:]:
        values.append(np.asarray(columns[name], dtype=object)[order].tolist())
    write_csv(path, krr.COLUMNS, zip(*values, strict=True))


def write_addresses(path: Path, rng: np.random.Generator, addresses: Addresses) -> None:
    epsg, north, east = address_coordinates(rng, addresses)
    names = np.asarray(addresses.street_names, dtype=object)[addresses.street].tolist()
    numbers = addresses.number.tolist()
    letters = addresses.letter.tolist()
    count = len(numbers)
    rows = zip(
        addresses.address_id.tolist(),
        epsg.tolist(),
        north,
        east,
        names,
        numbers,
        letters,
        addresses.postcode.tolist(),
        ["OSLO"] * count,
        ["0301"] * count,
        ["OSLO"] * count,
        ["vegadresse"] * count,
        addresses.street_code.tolist(),
        [f"{n} {h}{b}" for n, h, b in zip(names, numbers, letters, strict=True)],
        strict=True,
    )
    write_csv(path, ADDRESS_COLUMNS, rows, delimiter=";")
