"""Campaign + snapshot → Audience: who matched, who is excluded and why, who gets it.

Plain SQL over the snapshot's typed tables, in the order of the funnel it computes:
the population (`bosatt`), the people the criteria match (`matched`; each person's
row in the snapshot carries their KRR contact columns), then for each of them the
first reachability rule that excludes them (`funnel`), in the spec's order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from proaktive.audience.criteria import SqlContext, child_age_sql, compile_criterion, leaves
from proaktive.audience.dates import eighteen_months_before, start_of_day_in_oslo
from proaktive.audience.model import (
    REASONS,
    UNREACHABLE_REASONS,
    Audience,
    Funnel,
    MatchedChild,
    Recipient,
    Unreachable,
)
from proaktive.audience.optouts import load_opt_outs
from proaktive.audience.sent import register_ledger
from proaktive.campaign.model import Area, Campaign, Child, Postcode, Street
from proaktive.registry.exports import ADRESSER, FAMILIERELASJONER, KRR, PERSONER, ExportFile
from proaktive.registry.snapshot import Registry
from proaktive.settings import FrequencyCap, Settings
from proaktive.sql import sql_instant

Progress = Callable[[str], None]

# What the funnel reads of a matched person; listing fetches the rest for recipients only.
_FUNNEL_COLUMNS = (
    "personidentifikator",
    "foedselsdato",
    "beskyttet",
    "bydelsnummer",
    "in_krr",
    "krr_status",
    "reservert",
    "varslingsstatus",
    "epostadresse",
    "epost_gyldig",
    "epost_sammenlignbar",
    "epost_fersk",
    "spraak",
)


@dataclass(frozen=True)
class ContactPolicy:
    """What the settings add to a campaign's own contact rules."""

    opt_outs: Path | None
    # The send ledger (rules 10 and 11). None: read no ledger, as if nothing had been sent.
    ledger: Path | None = None
    frequency_cap: FrequencyCap = field(default_factory=FrequencyCap)
    # `send --on-unknown resend`: rows left unknown or attempting are sent again.
    resend_unknown: bool = False

    @classmethod
    def of(cls, settings: Settings, ledger: Path) -> ContactPolicy:
        """The settings' opt-out list and frequency cap, and the ledger a command uses."""
        return cls(opt_outs=settings.opt_outs, ledger=ledger, frequency_cap=settings.frequency_cap)


def needed_exports(campaign: Campaign) -> tuple[ExportFile, ...]:
    """The export files that this campaign reads."""
    kinds = {type(criterion) for criterion, _ in leaves(campaign.audience)}
    needed = [PERSONER, KRR]
    if Child in kinds:
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
    fetch_unreachable: bool = False,
    only: str | None = None,
    progress: Progress | None = None,
) -> Audience:
    """Resolve `campaign` on `as_of`. `fetch`: how many recipients to return (None: all);
    `fetch_unreachable`: also the matched people whom e-mail cannot reach, for letters;
    `only`: return only this person, when they are a recipient."""
    con = registry.connection
    say = progress or (lambda _: None)
    criteria = [criterion for criterion, _ in leaves(campaign.audience)]
    for export in needed_exports(campaign):
        registry.require(export)

    children = list(dict.fromkeys(c for c in criteria if isinstance(c, Child)))
    child_tables = _register_children(con, children, as_of)
    areas = list(dict.fromkeys(c for c in criteria if isinstance(c, Area)))
    if areas:
        say("Placing addresses in the areas…")
    area_tables, warnings = _register_areas(con, areas)
    warnings.extend(_places_nobody_lives(con, campaign))
    load_opt_outs(con, policy.opt_outs)

    say("Matching the criteria…")
    predicate = compile_criterion(campaign.audience, SqlContext(as_of, area_tables, child_tables))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE matched AS
        SELECT {", ".join(_FUNNEL_COLUMNS)} FROM personer p
        WHERE p.status = 'bosatt' AND {predicate}"""
    )
    say("Checking contact information…")
    register_ledger(
        con,
        campaign,
        as_of,
        policy.ledger,
        policy.frequency_cap,
        resend_unknown=policy.resend_unknown,
    )
    con.execute(_funnel_sql(campaign, as_of))

    by_reason = dict(
        con.execute("SELECT coalesce(reason, ''), count(*) FROM funnel GROUP BY ALL").fetchall()
    )
    (population,) = con.execute(
        "SELECT count(*) FROM personer WHERE status = 'bosatt'"
    ).fetchone() or (0,)
    funnel = Funnel(
        population=int(population),
        matched=sum(int(n) for n in by_reason.values()),
        excluded={reason: int(by_reason.get(reason, 0)) for reason in REASONS},
        recipients=int(by_reason.get("", 0)),
    )
    return Audience(
        campaign_id=campaign.id,
        as_of=as_of,
        funnel=funnel,
        skipped_rows=sum(registry.files[e.name].skipped for e in needed_exports(campaign)),
        without_coordinates=_without_coordinates(con) if areas else None,
        by_district=_recipients_by(con, "bydelsnummer"),
        by_language=_recipients_by(con, "spraak"),
        recipients=_fetch_recipients(con, child_tables, fetch, only),
        warnings=tuple(warnings),
        unreachable=_fetch_unreachable(con, campaign) if fetch_unreachable else (),
    )


def _register_children(
    con: duckdb.DuckDBPyConnection, children: list[Child], as_of: dt.date
) -> dict[Child, str]:
    """For each child criterion, a table of (parent, child) for children of the right age.

    Only `barn` relations count, and only to a child with its own good `bosatt`
    row in personer.csv and no protected address: never `doedfoedtBarn`, never a
    dead child, never a child whose parent could learn where it lives.
    """
    tables = {}
    for number, child in enumerate(children):
        table = f"children_{number}"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT DISTINCT r.personidentifikator AS parent, kid.personidentifikator AS child
            FROM familierelasjoner r JOIN personer kid
                ON kid.personidentifikator = r.relatert_personidentifikator
            WHERE r.relatert_persons_rolle = 'barn' AND kid.status = 'bosatt'
                AND NOT kid.beskyttet AND {child_age_sql(child, as_of, "kid.foedselsdato")}"""
        )
        tables[child] = table
    return tables


def _register_areas(
    con: duckdb.DuckDBPyConnection, areas: list[Area]
) -> tuple[dict[Area, str], list[str]]:
    """For each area criterion, a table of the adresse_ids whose coordinates lie inside."""
    if not areas:
        return {}, []
    from proaktive import geo

    columns = con.execute(
        "SELECT adresse_id, epsg, nord, ost FROM adresser "
        "WHERE nord IS NOT NULL AND ost IS NOT NULL"
    ).fetchnumpy()
    x, y = geo.to_utm33(columns["epsg"], columns["nord"], columns["ost"])
    ids = columns["adresse_id"]
    tables: dict[Area, str] = {}
    warnings: list[str] = []
    for number, criterion in enumerate(areas):
        area = geo.load_area(criterion.file, criterion.buffer_m, shown_as=_shown(criterion.file))
        warnings.extend(area.warnings)
        table = f"area_{number}"
        inside_ids = ids[geo.inside(area, x, y)].tolist()
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (adresse_id VARCHAR PRIMARY KEY)")
        if inside_ids:
            con.execute(f"INSERT INTO {table} SELECT unnest($1)", [inside_ids])
        tables[criterion] = table
    return tables, warnings


def _places_nobody_lives(con: duckdb.DuckDBPyConnection, campaign: Campaign) -> list[str]:
    """A warning for each street or postcode of the criteria that no one in the registry
    lives at: a typo there silently matches nobody. Names the nearest that do occur."""
    asked: list[tuple[str, str, str]] = []  # what, column, value
    for criterion, _ in leaves(campaign.audience):
        if isinstance(criterion, Street):
            asked.append(("street", "trim(adressenavn)", criterion.name.strip()))
        elif isinstance(criterion, Postcode):
            asked.extend(("postcode", "postnummer", code) for code in criterion.codes)
    warnings = []
    for what, column, value in dict.fromkeys(asked):
        found = con.execute(
            f"SELECT count(*) FROM personer WHERE lower({column}) = lower($1)", [value]
        ).fetchone()
        if found and found[0]:
            continue
        known = con.execute(f"SELECT DISTINCT {column} FROM personer WHERE {column} IS NOT NULL")
        near = _nearest(value, [name for (name,) in known.fetchall()])
        warnings.append(
            f"{_shown(campaign.source)}: {what} '{value}' occurs nowhere in the registry, "
            f"so it matches nobody{near}"
        )
    return warnings


def _nearest(value: str, known: list[str]) -> str:
    """` (did you mean A or B?)` with the closest of `known`, or nothing when none is close."""
    by_folded = {name.casefold(): name for name in known}
    near = difflib.get_close_matches(value.casefold(), list(by_folded), n=3, cutoff=0.6)
    if not near:
        return ""
    names = [by_folded[name] for name in near]
    shown = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f" (did you mean {shown}?)"


def _without_coordinates(con: duckdb.DuckDBPyConnection) -> int:
    """People of the population whose address has no coordinates: no area can hold them."""
    (count,) = con.execute(
        """SELECT count(*) FROM personer p
        WHERE p.status = 'bosatt' AND NOT EXISTS (
            SELECT 1 FROM adresser a
            WHERE a.adresse_id = p.adresse_id AND a.nord IS NOT NULL AND a.ost IS NOT NULL)"""
    ).fetchone() or (0,)
    return int(count)


def _funnel_sql(campaign: Campaign, as_of: dt.date) -> str:
    """One row per matched person: `reason` is the first rule that excludes them, or NULL."""
    contact = campaign.contact
    fresh_since = sql_instant(start_of_day_in_oslo(eighteen_months_before(as_of)))

    def unless(override: bool, condition: str) -> str:
        return "false" if override else condition

    rules = [
        (
            "protected_address",
            unless(
                contact.include_protected_addresses,
                "m.beskyttet",
            ),
        ),
        ("not_in_krr", "NOT m.in_krr OR m.krr_status = 'IKKE_REGISTRERT'"),
        ("krr_deleted", "m.krr_status = 'SLETTET'"),
        ("reserved", unless(contact.ignore_reservation, "m.reservert")),
        (
            "opted_out",
            unless(
                campaign.category == "statutory",
                "m.personidentifikator IN (SELECT personidentifikator FROM opt_out_ids)"
                " OR m.epost_sammenlignbar IN (SELECT email FROM opt_out_emails)",
            ),
        ),
        ("no_email", "m.epostadresse IS NULL OR m.epostadresse = ''"),
        ("invalid_email", "NOT m.epost_gyldig"),
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
    over_cap = "personidentifikator IN (SELECT personidentifikator FROM ledger_over_cap)"
    # Rule 9: of the people left with the same address, the oldest keeps it
    # (then the lower identifier). Rules 10-11: what the send ledger says
    # (`register_ledger`); the cap is the settings', unless the campaign is exempt.
    return f"""CREATE OR REPLACE TEMP TABLE funnel AS
    WITH ruled AS (
        SELECT m.*, CASE {branches} END AS first_reason FROM matched m
    ), keeps_address AS (
        SELECT epost_sammenlignbar,
            arg_min(personidentifikator, (foedselsdato, personidentifikator)) AS keeper
        FROM ruled WHERE first_reason IS NULL GROUP BY epost_sammenlignbar
    )
    SELECT personidentifikator, bydelsnummer, spraak, CASE
        WHEN first_reason IS NOT NULL THEN first_reason
        WHEN personidentifikator <> keeper THEN 'duplicate_email'
        WHEN personidentifikator IN (SELECT personidentifikator FROM ledger_already_sent)
            THEN 'already_sent'
        WHEN {unless(not campaign.frequency_cap, over_cap)} THEN 'frequency_cap'
        END AS reason
    FROM ruled LEFT JOIN keeps_address USING (epost_sammenlignbar)"""


def _recipients_by(con: duckdb.DuckDBPyConnection, column: str) -> dict[str, int]:
    rows = con.execute(
        f"SELECT coalesce({column}, ''), count(*) FROM funnel WHERE reason IS NULL "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return {str(value): int(count) for value, count in rows}


def _fetch_recipients(
    con: duckdb.DuckDBPyConnection,
    child_tables: dict[Child, str],
    fetch: int | None,
    only: str | None = None,
) -> tuple[Recipient, ...]:
    if fetch == 0:
        return ()
    limit = "" if fetch is None else f"LIMIT {int(fetch)}"
    fields = [f.name for f in dataclasses.fields(Recipient) if f.name != "barn"]
    rows = con.execute(
        f"""SELECT {", ".join(f"p.{field}" for field in fields)}
        FROM funnel f JOIN personer p ON p.personidentifikator = f.personidentifikator
        WHERE f.reason IS NULL AND ($1 IS NULL OR p.personidentifikator = $1)
        ORDER BY p.personidentifikator {limit}""",
        [only],
    ).fetchall()
    children = _matched_children(con, child_tables, [row[0] for row in rows])
    return tuple(
        Recipient(**dict(zip(fields, row, strict=True)), barn=children.get(row[0], ()))
        for row in rows
    )


def _fetch_unreachable(
    con: duckdb.DuckDBPyConnection, campaign: Campaign
) -> tuple[Unreachable, ...]:
    """The matched people whom e-mail cannot reach, for a letter: never anyone with a
    protected address (whatever the campaign allows), never anyone who opted out of
    proactive messages (unless the campaign is statutory), whatever their first reason.
    Sorted by postcode, then address as a postman reads it (house 2 before house 11)."""
    reasons = ", ".join(f"'{reason}'" for reason in UNREACHABLE_REASONS)
    opted_out = (
        "false"
        if campaign.category == "statutory"
        else "(p.personidentifikator IN (SELECT personidentifikator FROM opt_out_ids)"
        " OR m.epost_sammenlignbar IN (SELECT email FROM opt_out_emails))"
    )
    rows = con.execute(
        f"""SELECT p.personidentifikator,
            concat_ws(' ', p.fornavn, p.mellomnavn, p.etternavn) AS navn,
            concat_ws(' ', p.adressenavn, CAST(p.husnummer AS VARCHAR), p.husbokstav,
                p.bruksenhetsnummer) AS adresse,
            p.postnummer, p.poststed, f.reason
        FROM funnel f
            JOIN matched m ON m.personidentifikator = f.personidentifikator
            JOIN personer p ON p.personidentifikator = f.personidentifikator
        WHERE f.reason IN ({reasons}) AND NOT p.beskyttet AND NOT {opted_out}
        ORDER BY p.postnummer NULLS LAST, p.adressenavn, p.husnummer, p.husbokstav,
            p.bruksenhetsnummer, navn, p.personidentifikator"""
    ).fetchall()
    return tuple(Unreachable(*row) for row in rows)


def _matched_children(
    con: duckdb.DuckDBPyConnection, child_tables: dict[Child, str], parents: list[str]
) -> dict[str, tuple[MatchedChild, ...]]:
    """For each parent, the children that made a child criterion match, oldest first."""
    if not child_tables or not parents:
        return {}
    pairs = " UNION ".join(f"SELECT parent, child FROM {table}" for table in child_tables.values())
    rows = con.execute(
        f"""SELECT pairs.parent, kid.personidentifikator, kid.fornavn, kid.mellomnavn,
            kid.etternavn, kid.foedselsdato
        FROM ({pairs}) pairs JOIN personer kid ON kid.personidentifikator = pairs.child
        WHERE pairs.parent IN (SELECT unnest($1))
        ORDER BY pairs.parent, kid.foedselsdato, kid.personidentifikator""",
        [parents],
    ).fetchall()
    children: dict[str, list[MatchedChild]] = defaultdict(list)
    for parent, *child in rows:
        children[parent].append(MatchedChild(*child))
    return {parent: tuple(kids) for parent, kids in children.items()}


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
