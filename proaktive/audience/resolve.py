"""Campaign + registry → Audience: who matched, who is excluded and why, who gets it.

Everything runs as set-based SQL in the registry's DuckDB connection:
`matched` (criteria), then `funnel` (the first reachability rule that excludes
each matched person, in the spec's order), then counts. Only the addresses that
the SQL fast path cannot judge go through email-validator in Python.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from proaktive.audience.criteria import (
    SqlContext,
    children_sql,
    compile_criterion,
    leaves,
    sql_date,
)
from proaktive.audience.dates import eighteen_months_before
from proaktive.audience.model import REASONS, Audience, Child, Funnel, Recipient
from proaktive.audience.optouts import load_opt_outs
from proaktive.campaign.model import Area, Campaign
from proaktive.campaign.model import Child as ChildCriterion
from proaktive.registry.email import check_unusual_addresses, plain_address_sql
from proaktive.registry.exports import ADRESSER, FAMILIERELASJONER, ExportFile
from proaktive.registry.loading import Registry

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ContactPolicy:
    """What the settings add to a campaign's own contact rules."""

    opt_outs: Path | None


def resolve(
    campaign: Campaign,
    registry: Registry,
    *,
    as_of: dt.date,
    policy: ContactPolicy,
    fetch: int | None = 0,
    progress: Progress | None = None,
) -> Audience:
    """Resolve `campaign` on `as_of`. `fetch`: how many recipients to return (None: all)."""
    con = registry.connection
    criteria = list(leaves(campaign.audience))
    if any(isinstance(c, ChildCriterion) for c, _ in criteria):
        registry.require(FAMILIERELASJONER)
    areas = [c for c, _ in criteria if isinstance(c, Area)]
    warnings: list[str] = []
    area_tables: dict[Area, str] = {}
    without_coordinates: int | None = None
    if areas:
        registry.require(ADRESSER)
        _say(progress, "Placing addresses in the areas…")
        area_tables, area_warnings = _register_areas(registry, areas)
        warnings.extend(area_warnings)
        without_coordinates = _count_without_coordinates(registry)
    warnings.extend(load_opt_outs(con, policy.opt_outs))

    _say(progress, "Matching the criteria…")
    predicate = compile_criterion(campaign.audience, SqlContext(as_of, area_tables))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE matched AS
        SELECT p.*, k.status AS krr_status, k.reservasjon, k.varslingsstatus, k.epostadresse,
            k.epost_fersk_dato, k.spraak, k.personidentifikator IS NOT NULL AS in_krr
        FROM personer p LEFT JOIN krr k ON k.personidentifikator = p.personidentifikator
        WHERE p.status = 'bosatt' AND {predicate}"""
    )
    _say(progress, "Checking contact information…")
    check_unusual_addresses(con, "SELECT epostadresse FROM matched")
    con.execute(_funnel_sql(campaign, as_of))

    (population,) = con.execute(
        "SELECT count(*) FROM personer WHERE status = 'bosatt'"
    ).fetchone() or (0,)
    counts = dict(
        con.execute("SELECT coalesce(reason, ''), count(*) FROM funnel GROUP BY ALL").fetchall()
    )
    excluded = {reason: int(counts.get(reason, 0)) for reason in REASONS}
    recipients_count = int(counts.get("", 0))
    funnel = Funnel(
        population=int(population),
        matched=sum(int(n) for n in counts.values()),
        excluded=excluded,
        recipients=recipients_count,
    )
    return Audience(
        campaign_id=campaign.id,
        as_of=as_of,
        funnel=funnel,
        skipped_rows=registry.skipped_rows,
        without_coordinates=without_coordinates,
        by_district=_recipients_by(con, "bydelsnummer"),
        by_language=_recipients_by(con, "spraak"),
        recipients=_fetch_recipients(registry, campaign, as_of, fetch),
        warnings=tuple(warnings),
    )


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _funnel_sql(campaign: Campaign, as_of: dt.date) -> str:
    """One row per matched person: `reason` is the first rule that excludes them, or NULL."""
    contact = campaign.contact
    fresh_since = sql_date(eighteen_months_before(as_of))
    plain = plain_address_sql("m.epostadresse")
    rules = [
        (
            "protected_address",
            "NOT "
            + str(contact.include_protected_addresses).lower()
            + " AND m.adressegradering IN ('fortrolig', 'strengtFortrolig')",
        ),
        ("not_in_krr", "NOT m.in_krr OR m.krr_status = 'IKKE_REGISTRERT'"),
        ("krr_deleted", "m.krr_status = 'SLETTET'"),
        (
            "reserved",
            f"NOT {str(contact.ignore_reservation).lower()} AND m.reservasjon = 'JA'",
        ),
        (
            "opted_out",
            f"{str(campaign.category != 'statutory').lower()} AND ("
            "m.personidentifikator IN (SELECT personidentifikator FROM opt_out_ids)"
            " OR lower(m.epostadresse) IN (SELECT email FROM opt_out_emails))",
        ),
        ("no_email", "m.epostadresse IS NULL OR m.epostadresse = ''"),
        ("invalid_email", f"NOT ({plain} OR coalesce(u.valid, false))"),
        (
            "stale_contact",
            f"NOT {str(contact.allow_stale_contact).lower()} AND NOT coalesce("
            f"m.epost_fersk_dato >= {fresh_since}"
            " OR (m.epost_fersk_dato IS NULL AND m.varslingsstatus = 'KAN_VARSLES'), false)",
        ),
    ]
    branches = "\n".join(f"WHEN {condition} THEN '{reason}'" for reason, condition in rules)
    # Rule 9: of the people left with the same address, the oldest keeps it
    # (then the lower identifier); rules 10-11 read the send ledger, which the
    # delivery step writes: until a campaign has been sent they exclude nobody.
    return f"""CREATE OR REPLACE TEMP TABLE funnel AS
    WITH ruled AS (
        SELECT m.*, CASE {branches} END AS first_reason,
            CASE WHEN {plain} THEN lower(m.epostadresse) ELSE u.comparable END AS comparable
        FROM matched m LEFT JOIN unusual_addresses u ON u.epostadresse = m.epostadresse
    )
    SELECT *, CASE
        WHEN first_reason IS NOT NULL THEN first_reason
        WHEN row_number() OVER (
            PARTITION BY first_reason IS NULL, comparable
            ORDER BY foedselsdato, personidentifikator) > 1 THEN 'duplicate_email'
        END AS reason
    FROM ruled"""


def _recipients_by(con: duckdb.DuckDBPyConnection, column: str) -> dict[str, int]:
    rows = con.execute(
        f"SELECT coalesce({column}, ''), count(*) FROM funnel WHERE reason IS NULL "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return {str(value): int(count) for value, count in rows}


def _fetch_recipients(
    registry: Registry, campaign: Campaign, as_of: dt.date, fetch: int | None
) -> tuple[Recipient, ...]:
    if fetch == 0:
        return ()
    con = registry.connection
    limit = "" if fetch is None else f"LIMIT {int(fetch)}"
    fields = [f.name for f in dataclasses.fields(Recipient) if f.name != "barn"]
    rows = con.execute(
        f"""SELECT {", ".join(fields)} FROM funnel
        WHERE reason IS NULL ORDER BY personidentifikator {limit}"""
    ).fetchall()
    children = _matched_children(registry, campaign, as_of, [row[0] for row in rows])
    return tuple(
        Recipient(**dict(zip(fields, row, strict=True)), barn=children.get(row[0], ()))
        for row in rows
    )


def _matched_children(
    registry: Registry, campaign: Campaign, as_of: dt.date, parents: list[str]
) -> dict[str, tuple[Child, ...]]:
    """For each parent, the children that made a (not negated) child criterion match."""
    child_criteria = [
        c
        for c, negated in leaves(campaign.audience)
        if isinstance(c, ChildCriterion) and not negated
    ]
    if not child_criteria or not parents:
        return {}
    pairs = " UNION ".join(children_sql(c, as_of) for c in child_criteria)
    rows = registry.connection.execute(
        f"""SELECT pairs.parent, kid.personidentifikator, kid.fornavn, kid.mellomnavn,
            kid.etternavn, kid.foedselsdato
        FROM ({pairs}) pairs JOIN personer kid ON kid.personidentifikator = pairs.child
        WHERE pairs.parent IN (SELECT unnest($1))
        ORDER BY pairs.parent, kid.foedselsdato, kid.personidentifikator""",
        [parents],
    ).fetchall()
    children: dict[str, list[Child]] = defaultdict(list)
    for parent, *child in rows:
        children[parent].append(Child(*child))
    return {parent: tuple(kids) for parent, kids in children.items()}


def _register_areas(registry: Registry, areas: list[Area]) -> tuple[dict[Area, str], list[str]]:
    """For each area criterion, a table of the adresse_ids whose coordinates lie inside."""
    import numpy as np

    from proaktive.audience import areas as geometry

    con = registry.connection
    columns = con.execute(
        "SELECT adresse_id, epsg, nord, ost FROM adresser "
        "WHERE nord IS NOT NULL AND ost IS NOT NULL"
    ).fetchnumpy()
    x, y = geometry.to_utm33(columns["epsg"], columns["nord"], columns["ost"])
    ids = np.asarray(columns["adresse_id"], dtype=object)
    tables: dict[Area, str] = {}
    warnings: list[str] = []
    for number, criterion in enumerate(dict.fromkeys(areas)):
        area = geometry.load_area(
            criterion.file, criterion.buffer_m, shown_as=_shown(criterion.file)
        )
        warnings.extend(area.warnings)
        table = f"area_{number}"
        inside_ids = ids[geometry.inside(area, x, y)].tolist()
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (adresse_id VARCHAR PRIMARY KEY)")
        if inside_ids:
            con.execute(f"INSERT INTO {table} SELECT unnest($1)", [inside_ids])
        tables[criterion] = table
    return tables, warnings


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _count_without_coordinates(registry: Registry) -> int:
    (count,) = registry.connection.execute(
        """SELECT count(*) FROM personer p
        LEFT JOIN adresser a ON a.adresse_id = p.adresse_id
        WHERE p.status = 'bosatt' AND (a.nord IS NULL OR a.ost IS NULL)"""
    ).fetchone() or (0,)
    return int(count)


def needed_exports(campaign: Campaign) -> tuple[ExportFile, ...]:
    """The optional export files that this campaign's criteria read."""
    kinds = {type(criterion) for criterion, _ in leaves(campaign.audience)}
    needed: list[ExportFile] = []
    if ChildCriterion in kinds:
        needed.append(FAMILIERELASJONER)
    if Area in kinds:
        needed.append(ADRESSER)
    return tuple(needed)
