"""What the send ledger says about the matched people: funnel rules 10 and 11.

The ledger knows people by pseudonym only, so the pseudonyms of the matched people
are made here, in Python (HMAC with the ledger's key), and joined in DuckDB with
the pseudonyms the ledger names. Two TEMP tables result, of identifiers:
`ledger_already_sent` (rule 10) and `ledger_over_cap` (rule 11); both are empty
when there is no ledger, or it has recorded no message: then nothing was sent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from proaktive.campaign.model import Campaign
from proaktive.ledger import read_ledger, window_start
from proaktive.ledger.keys import pseudonym
from proaktive.settings import FrequencyCap


def register_ledger(
    con: duckdb.DuckDBPyConnection,
    campaign: Campaign,
    as_of: dt.date,
    ledger_path: Path | None,
    cap: FrequencyCap,
    *,
    resend_unknown: bool = False,
) -> None:
    """Fill `ledger_already_sent` and `ledger_over_cap` for the people in `matched`."""
    for table in ("ledger_already_sent", "ledger_over_cap"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (personidentifikator VARCHAR)")
    if ledger_path is None:
        return
    ledger = read_ledger(ledger_path)  # never creates one: no ledger, nothing sent
    if ledger is None:
        return
    with ledger:
        if not ledger.holds_messages():
            return
        key = ledger.key()  # refuses a ledger in use whose key is missing or unusable
        repeat = campaign.repeat_after_days
        already_sent = ledger.sent_to(
            campaign.id,
            None if repeat is None else window_start(as_of, repeat),
            resend_unknown=resend_unknown,
        )
        over_cap = (
            ledger.capped(window_start(as_of, cap.per_days), cap.max_messages)
            if campaign.frequency_cap
            else set()
        )
    if not already_sent and not over_cap:
        return
    ids = [pid for (pid,) in con.execute("SELECT personidentifikator FROM matched").fetchall()]
    if not ids:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE matched_pseudonyms AS "
        "SELECT unnest($1) AS personidentifikator, unnest($2) AS person",
        [ids, [pseudonym(key, pid) for pid in ids]],
    )
    for table, people in (("ledger_already_sent", already_sent), ("ledger_over_cap", over_cap)):
        if people:
            con.execute(
                f"""INSERT INTO {table} SELECT personidentifikator FROM matched_pseudonyms
                WHERE person IN (SELECT unnest($1))""",
                [sorted(people)],
            )
