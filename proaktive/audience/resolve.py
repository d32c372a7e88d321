"""Campaign + registry → Audience: who matched, who is excluded and why, who gets it.

Everything runs as set-based SQL in the registry's DuckDB connection. Each
export file is scanned once for what the campaign needs (`_scan`): the same
pass checks every row, counts the bad ones and keeps only the rows the
campaign can use, so an Oslo-sized registry is never copied whole. Then
`funnel` gives each matched person the first reachability rule that excludes
them, in the spec's order. Only the e-mail addresses that the SQL fast path
cannot judge go through email-validator in Python.
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
    child_age_sql,
    compile_criterion,
    leaves,
    sql_instant,
)
from proaktive.audience.dates import eighteen_months_before, start_of_day_in_oslo
from proaktive.audience.model import REASONS, Audience, Child, Funnel, Recipient
from proaktive.audience.optouts import load_opt_outs
from proaktive.campaign.model import Area, Campaign, Language
from proaktive.campaign.model import Child as ChildCriterion
from proaktive.registry.email import check_unusual_addresses, plain_address_sql
from proaktive.registry.exports import ADRESSER, FAMILIERELASJONER, KRR, PERSONER, ExportFile
from proaktive.registry.loading import Registry
from proaktive.registry.rules import TYPED_COLUMNS, quote, typed_name

Progress = Callable[[str], None]

# The person columns that the funnel and its counts read.
FUNNEL_PERSON_COLUMNS = (
    "personidentifikator",
    "foedselsdato",
    "adressegradering",
    "bydelsnummer",
)


@dataclass(frozen=True)
class ContactPolicy:
    """What the settings add to a campaign's own contact rules."""

    opt_outs: Path | None


def needed_exports(campaign: Campaign) -> tuple[ExportFile, ...]:
    """The optional export files that this campaign's criteria read."""
    kinds = {type(criterion) for criterion, _ in leaves(campaign.audience)}
    needed: list[ExportFile] = []
    if ChildCriterion in kinds:
        needed.append(FAMILIERELASJONER)
    if Area in kinds:
        needed.append(ADRESSER)
    return tuple(needed)


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
    criteria = [criterion for criterion, _ in leaves(campaign.audience)]
    warnings: list[str] = []

    child_tables: dict[ChildCriterion, str] = {}
    children = list(dict.fromkeys(c for c in criteria if isinstance(c, ChildCriterion)))
    if children:
        registry.require(FAMILIERELASJONER)
        _say(progress, "Finding the children…")
        child_tables = _register_children(registry, children, as_of)

    area_tables: dict[Area, str] = {}
    areas = list(dict.fromkeys(c for c in criteria if isinstance(c, Area)))
    if areas:
        registry.require(ADRESSER)
        _say(progress, "Placing addresses in the areas…")
        area_tables, area_warnings = _register_areas(registry, areas)
        warnings.extend(area_warnings)
    load_opt_outs(con, policy.opt_outs)

    # A language criterion reads KRR while matching: then KRR is read first, whole.
    krr_first = any(isinstance(c, Language) for c in criteria)
    if krr_first:
        _say(progress, "Reading KRR…")
        _scan(registry, KRR, "k", keep="true", into="krr_rows")

    _say(progress, "Matching the criteria…")
    predicate = compile_criterion(campaign.audience, SqlContext(as_of, area_tables, child_tables))
    no_coordinates = (
        "count(*) FILTER (WHERE p._ok AND p.status = 'bosatt' AND (p.adresse_id IS NULL"
        " OR p.adresse_id NOT IN (SELECT adresse_id FROM address_points)))"
        if areas
        else "NULL"
    )
    counts = _scan(
        registry,
        PERSONER,
        "p",
        keep=f"p.status = 'bosatt' AND {predicate}",
        into="matched_persons",
        join="LEFT JOIN krr_rows k ON k.personidentifikator = p.personidentifikator"
        if krr_first
        else "",
        extra={
            "population": "count(*) FILTER (WHERE p._ok AND p.status = 'bosatt')",
            "without_coordinates": no_coordinates,
        },
        # Counting needs only what the funnel reads; listing needs every column.
        columns=None if fetch != 0 else FUNNEL_PERSON_COLUMNS,
    )
    if not krr_first:
        _say(progress, "Reading KRR…")
        _scan(
            registry,
            KRR,
            "k",
            keep="k.personidentifikator IN (SELECT personidentifikator FROM matched_persons)",
            into="krr_rows",
        )

    _say(progress, "Checking contact information…")
    con.execute(
        """CREATE OR REPLACE TEMP VIEW matched AS
        SELECT p.*, k.status AS krr_status, k.reservasjon, k.varslingsstatus, k.epostadresse,
            greatest(TRY_CAST(k.epostadresse_oppdatert AS TIMESTAMPTZ),
                TRY_CAST(k.epostadresse_sist_verifisert AS TIMESTAMPTZ)) AS epost_fersk,
            k.spraak, k.personidentifikator IS NOT NULL AS in_krr
        FROM matched_persons p
        LEFT JOIN krr_rows k ON k.personidentifikator = p.personidentifikator"""
    )
    check_unusual_addresses(con, "SELECT epostadresse FROM matched")
    con.execute(_funnel_sql(campaign, as_of))

    by_reason = dict(
        con.execute("SELECT coalesce(reason, ''), count(*) FROM funnel GROUP BY ALL").fetchall()
    )
    funnel = Funnel(
        population=counts["population"],
        matched=sum(int(n) for n in by_reason.values()),
        excluded={reason: int(by_reason.get(reason, 0)) for reason in REASONS},
        recipients=int(by_reason.get("", 0)),
    )
    return Audience(
        campaign_id=campaign.id,
        as_of=as_of,
        funnel=funnel,
        skipped_rows=registry.skipped_rows,
        without_coordinates=counts["without_coordinates"] if areas else None,
        by_district=_recipients_by(con, "bydelsnummer"),
        by_language=_recipients_by(con, "spraak"),
        recipients=_fetch_recipients(con, child_tables, fetch),
        warnings=tuple(warnings),
    )


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _scan(
    registry: Registry,
    export: ExportFile,
    alias: str,
    *,
    keep: str,
    into: str,
    join: str = "",
    extra: dict[str, str] | None = None,
    columns: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """One pass over an export: count its bad rows, keep the good rows where `keep` holds.

    The kept rows (typed `columns`, all when None) become the table `into`; `extra` names more
    counts to take in the same pass. An identifier that occurs twice in a
    streamed file needs the file's order to settle (the first row wins), so
    then the file is materialized and the pass runs again. A file checked
    before is not checked again: its known bad rows are skipped by their hashes,
    and when their count is not what was remembered, the pass runs again too.
    """
    wanted = columns or tuple(name for name, _ in TYPED_COLUMNS[export.name])
    while True:
        if registry.is_trusted(export) and not extra:
            counts = _filter_checked(registry, export, alias, keep, into, join, wanted)
        else:
            counts = _count_and_keep(registry, export, alias, keep, into, join, extra, wanted)
        if counts is not None:
            return counts


def _filter_checked(
    registry: Registry,
    export: ExportFile,
    alias: str,
    keep: str,
    into: str,
    join: str,
    columns: tuple[str, ...],
) -> dict[str, int] | None:
    """`_scan` of a file checked before: no counts, but for its known bad rows.

    They are kept too (they are few), to confirm that exactly those were
    skipped. None: they were not, and the pass must run again.
    """
    con = registry.connection
    selected = ", ".join(f"{alias}.{quote(c)}" for c in columns)
    bad_too = registry.knows_bad_rows(export)
    wanted = f"{alias}._ok AND {keep}"
    with registry.reading(export):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE scan_{into} AS "
            f"SELECT {selected}, {alias}._ok FROM {registry.rows_sql(export)} {alias} {join} "
            f"WHERE {f'({wanted}) OR NOT {alias}._ok' if bad_too else wanted}"
        )
    registry.confirm_unchanged(export)
    if bad_too:
        found = con.execute(f"SELECT count(*) FILTER (WHERE NOT _ok) FROM scan_{into}")
        (bad,) = found.fetchone() or (0,)
        if not registry.confirm_bad_count(export, int(bad)):
            return None
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {into} AS SELECT * EXCLUDE (_ok) FROM scan_{into} WHERE _ok"
    )
    report = registry.files[export.name]
    return {"rows": report.rows, "bad": report.skipped, "duplicates": 0}


def _count_and_keep(
    registry: Registry,
    export: ExportFile,
    alias: str,
    keep: str,
    into: str,
    join: str,
    extra: dict[str, str] | None,
    columns: tuple[str, ...],
) -> dict[str, int] | None:
    """`_scan` with counts. None: the file had to be materialized or checked again first."""
    con = registry.connection
    row = "{" + ", ".join(f"'{c}': {alias}.{quote(c)}" for c in columns) + "}"
    key = f"{alias}.{quote(typed_name(export.name, export.key))}" if export.key else None
    # Unchecked rows of a streamed file are counted and recorded: the first such
    # pass makes the file checked (`Registry.record_scan`).
    unchecked = registry.is_streamed(export) and not registry.is_trusted(export)
    duplicates = (
        f"count(*) FILTER (WHERE {alias}._ok) - count(DISTINCT {key}) FILTER (WHERE {alias}._ok)"
        if key and unchecked
        else "0"
    )
    counts_sql = ", ".join(f"{sql} AS {name}" for name, sql in (extra or {}).items())
    with registry.reading(export):
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE scan_{into} AS
            SELECT count(*) AS rows, count(*) FILTER (WHERE NOT {alias}._ok) AS bad,
                {duplicates} AS duplicates, {counts_sql + "," if counts_sql else ""}
                list({alias}._bad) FILTER (WHERE NOT {alias}._ok) AS bad_hashes,
                list({row}) FILTER (WHERE {alias}._ok AND {keep}) AS kept
            FROM {registry.rows_sql(export)} {alias} {join}"""
        )
    if registry.is_streamed(export):
        registry.confirm_unchanged(export)
    counted = con.execute(f"SELECT * EXCLUDE (kept, bad_hashes) FROM scan_{into}")
    names = [d[0] for d in counted.description]
    values = counted.fetchone() or ()
    counts = {name: int(value or 0) for name, value in zip(names, values, strict=True)}
    if counts["duplicates"]:
        registry.materialize(export)
        return None
    if registry.is_trusted(export) and not registry.confirm_bad_count(export, counts["bad"]):
        return None
    if unchecked:
        (bad_hashes,) = con.execute(f"SELECT bad_hashes FROM scan_{into}").fetchone() or ([],)
        registry.record_scan(export, rows=counts["rows"], bad_hashes=bad_hashes or [])
    # A view: unnesting the kept rows again is cheaper than copying them into a table.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {into} AS "
        f"SELECT unnest(kept, recursive := true) FROM scan_{into}"
    )
    return counts


def _register_children(
    registry: Registry, children: list[ChildCriterion], as_of: dt.date
) -> dict[ChildCriterion, str]:
    """For each child criterion, a table of (parent, child) for children of the right age.

    Only `barn` relations count, and only to a child with its own good `bosatt`
    row in personer.csv: never `doedfoedtBarn`, never a dead child.
    """
    ages = " OR ".join(child_age_sql(c, as_of, "p.foedselsdato") for c in children)
    _scan(
        registry,
        PERSONER,
        "p",
        keep=f"p.status = 'bosatt' AND ({ages})",
        into="kids",
    )
    _scan(
        registry,
        FAMILIERELASJONER,
        "r",
        keep="r.relatert_persons_rolle = 'barn' AND r.relatert_personidentifikator IN "
        "(SELECT personidentifikator FROM kids)",
        into="barn_relations",
    )
    tables = {}
    for number, child in enumerate(children):
        table = f"children_{number}"
        registry.connection.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT DISTINCT r.personidentifikator AS parent, kid.personidentifikator AS child
            FROM barn_relations r JOIN kids kid
                ON kid.personidentifikator = r.relatert_personidentifikator
            WHERE {child_age_sql(child, as_of, "kid.foedselsdato")}"""
        )
        tables[child] = table
    return tables


def _funnel_sql(campaign: Campaign, as_of: dt.date) -> str:
    """One row per matched person: `reason` is the first rule that excludes them, or NULL."""
    contact = campaign.contact
    fresh_since = sql_instant(start_of_day_in_oslo(eighteen_months_before(as_of)))
    plain = plain_address_sql("m.epostadresse")

    def unless(override: bool, condition: str) -> str:
        return "false" if override else condition

    rules = [
        (
            "protected_address",
            unless(
                contact.include_protected_addresses,
                "m.adressegradering IN ('fortrolig', 'strengtFortrolig')",
            ),
        ),
        ("not_in_krr", "NOT m.in_krr OR m.krr_status = 'IKKE_REGISTRERT'"),
        ("krr_deleted", "m.krr_status = 'SLETTET'"),
        ("reserved", unless(contact.ignore_reservation, "m.reservasjon = 'JA'")),
        (
            "opted_out",
            unless(
                campaign.category == "statutory",
                "m.personidentifikator IN (SELECT personidentifikator FROM opt_out_ids)"
                " OR m.comparable IN (SELECT email FROM opt_out_emails)",
            ),
        ),
        ("no_email", "m.epostadresse IS NULL OR m.epostadresse = ''"),
        ("invalid_email", "NOT m.valid_email"),
        (
            "stale_contact",
            unless(
                contact.allow_stale_contact,
                f"NOT coalesce(m.epost_fersk >= {fresh_since} OR (m.epost_fersk IS NULL"
                " AND m.varslingsstatus = 'KAN_VARSLES'), false)",
            ),
        ),
    ]
    branches = "\n".join(f"WHEN {condition} THEN '{reason}'" for reason, condition in rules)
    # Rule 9: of the people left with the same address, the oldest keeps it
    # (then the lower identifier). Rules 10-11 read the send ledger, which the
    # delivery step writes; until a campaign has been sent they exclude nobody.
    return f"""CREATE OR REPLACE TEMP TABLE funnel AS
    WITH addressed AS (
        SELECT m.*, {plain} OR coalesce(u.valid, false) AS valid_email,
            CASE WHEN {plain} THEN lower(m.epostadresse) ELSE u.comparable END AS comparable
        FROM matched m LEFT JOIN unusual_addresses u ON u.epostadresse = m.epostadresse
    ), ruled AS (
        SELECT m.*, CASE {branches} END AS first_reason FROM addressed m
    ), keeps_address AS (
        SELECT comparable, arg_min(personidentifikator, (foedselsdato, personidentifikator))
            AS keeper
        FROM ruled WHERE first_reason IS NULL GROUP BY comparable
    )
    SELECT personidentifikator, bydelsnummer, spraak, CASE
        WHEN first_reason IS NOT NULL THEN first_reason
        WHEN personidentifikator <> keeper THEN 'duplicate_email'
        END AS reason
    FROM ruled LEFT JOIN keeps_address USING (comparable)"""


def _recipients_by(con: duckdb.DuckDBPyConnection, column: str) -> dict[str, int]:
    rows = con.execute(
        f"SELECT coalesce({column}, ''), count(*) FROM funnel WHERE reason IS NULL "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return {str(value): int(count) for value, count in rows}


def _fetch_recipients(
    con: duckdb.DuckDBPyConnection, child_tables: dict[ChildCriterion, str], fetch: int | None
) -> tuple[Recipient, ...]:
    if fetch == 0:
        return ()
    limit = "" if fetch is None else f"LIMIT {int(fetch)}"
    fields = [f.name for f in dataclasses.fields(Recipient) if f.name != "barn"]
    rows = con.execute(
        f"""SELECT {", ".join(f"m.{field}" for field in fields)}
        FROM funnel f JOIN matched m ON m.personidentifikator = f.personidentifikator
        WHERE f.reason IS NULL ORDER BY m.personidentifikator {limit}"""
    ).fetchall()
    children = _matched_children(con, child_tables, [row[0] for row in rows])
    return tuple(
        Recipient(**dict(zip(fields, row, strict=True)), barn=children.get(row[0], ()))
        for row in rows
    )


def _matched_children(
    con: duckdb.DuckDBPyConnection, child_tables: dict[ChildCriterion, str], parents: list[str]
) -> dict[str, tuple[Child, ...]]:
    """For each parent, the children that made a child criterion match, oldest first."""
    if not child_tables or not parents:
        return {}
    pairs = " UNION ".join(f"SELECT parent, child FROM {table}" for table in child_tables.values())
    rows = con.execute(
        f"""SELECT pairs.parent, kid.personidentifikator, kid.fornavn, kid.mellomnavn,
            kid.etternavn, kid.foedselsdato
        FROM ({pairs}) pairs JOIN kids kid ON kid.personidentifikator = pairs.child
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
    from proaktive import geo as geometry

    _scan(
        registry,
        ADRESSER,
        "a",
        keep="a.nord IS NOT NULL AND a.ost IS NOT NULL",
        into="address_points",
    )
    con = registry.connection
    columns = con.execute("SELECT adresse_id, epsg, nord, ost FROM address_points").fetchnumpy()
    x, y = geometry.to_utm33(columns["epsg"], columns["nord"], columns["ost"])
    ids = columns["adresse_id"]
    tables: dict[Area, str] = {}
    warnings: list[str] = []
    for number, criterion in enumerate(areas):
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
