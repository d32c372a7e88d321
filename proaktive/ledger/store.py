"""The send ledger: a SQLite file of runs, approvals and one row per message.

Written with WAL and `synchronous=FULL`, so that a row committed before a message
is handed to SMTP survives a crash or a power cut: the ledger is how proaktive
keeps its promise that a person gets a campaign once.

`open_ledger` (for writing) creates the ledger, its folder (0700) and its key on
first use; `read_ledger` never creates anything: no ledger means nothing was sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import pwd
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from proaktive.errors import LedgerError, Location
from proaktive.ledger.keys import create_or_read_key, key_path, pseudonym, read_key
from proaktive.ledger.model import (
    BLOCKING_STATES,
    FINAL_STATES,
    STATES,
    Approval,
    LedgerEntry,
    Run,
    RunStatus,
    State,
)
from proaktive.ledger.schema import SCHEMA, SCHEMA_VERSION

if TYPE_CHECKING:
    from proaktive.ledger.content import ContentHash
    from proaktive.ledger.lock import WriterLock

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def login_name() -> str:
    """The login name of the user running proaktive, from the system, not the environment
    (four-eyes compares it: `USER=someone-else` must not pass for another person)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a user id without an entry (some containers)
        return str(os.getuid())


def open_ledger(path: Path, *, clock: Clock = utc_now) -> Ledger:
    """The ledger at `path` for writing: created with its key when it does not exist yet."""
    _refuse_folder(path)
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    keyfile = key_path(path)
    if not path.exists():
        # The key first: a ledger file never exists without the key its rows need.
        if read_key(keyfile) is None:
            create_or_read_key(keyfile)
        with contextlib.suppress(FileExistsError):  # another command just made it
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    connection = _connect(path, read_only=False)
    try:
        _create_schema(connection, path)
        key = read_key(keyfile)
        if key is None:
            _refuse_without_key(connection, path)
            key = create_or_read_key(keyfile)
    except BaseException:
        connection.close()
        raise
    return Ledger(path, connection, key, writable=True, clock=clock)


def read_ledger(path: Path, *, clock: Clock = utc_now) -> Ledger | None:
    """The ledger at `path`, read-only; None when there is none (then nothing was sent).

    Creates no file. The key is read only when a pseudonym is needed (`Ledger.key`).
    """
    _refuse_folder(path)
    if not path.exists():
        return None
    connection = _connect(path, read_only=True)
    try:
        _schema_version(connection, path)
    except BaseException:
        connection.close()
        raise
    return Ledger(path, connection, None, writable=False, clock=clock)


class Ledger:
    """An open ledger. Every write is committed before the method returns."""

    def __init__(
        self,
        path: Path,
        connection: sqlite3.Connection,
        key: bytes | None,
        *,
        writable: bool,
        clock: Clock,
    ) -> None:
        self.path = path
        self._connection = connection
        self._key = key
        self._writable = writable
        self._clock = clock
        self._has_schema = _schema_version(connection, path) is not None
        self._in_batch = False

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._connection.close()

    # --- pseudonyms ------------------------------------------------------------------

    def key(self) -> bytes:
        """The key of this ledger's pseudonyms. LedgerError when the key file is missing
        while the ledger records messages, or is not a usable key."""
        if self._key is None:
            key = read_key(key_path(self.path))
            if key is None:
                _refuse_without_key(self._connection, self.path)
                raise LedgerError(  # no messages, and no key: no pseudonym means anything
                    "the ledger has no key yet", Location(key_path(self.path))
                )
            self._key = key
        return self._key

    def pseudonym(self, personidentifikator: str) -> str:
        return pseudonym(self.key(), personidentifikator)

    def holds_messages(self) -> bool:
        """Whether any message has been recorded (then every pseudonym needs the key)."""
        return self._has_schema and _holds_messages(self._connection)

    # --- runs ------------------------------------------------------------------------

    def start_run(
        self, campaign_id: str, content_hash: str, as_of: dt.date, recipients: int
    ) -> Run:
        """Record that a send of this campaign begins now, run by the current login."""
        with self._write() as con:
            cursor = con.execute(
                "INSERT INTO runs (campaign_id, content_hash, as_of, operator, started_at, "
                "status, recipients) VALUES (?, ?, ?, ?, ?, 'running', ?)",
                [
                    campaign_id,
                    content_hash,
                    as_of.isoformat(),
                    login_name(),
                    _stamp(self._clock()),
                    recipients,
                ],
            )
        return self.run(cast(int, cursor.lastrowid))

    def finish_run(self, run_id: int, status: RunStatus = "finished") -> Run:
        """Record the end of a run, with the count of the rows it wrote last, per state."""
        if status == "running":
            raise ValueError("a run ends as finished, interrupted or died")
        with self._write() as con:
            running = con.execute("SELECT status FROM runs WHERE id = ?", [run_id]).fetchone()
            if running != ("running",):
                # An ended run's counts are history: never rewritten by a late call.
                raise ValueError(f"run {run_id} is not running")
            _close_run(con, run_id, status, _stamp(self._clock()))
        return self.run(run_id)

    def run(self, run_id: int) -> Run:
        row = self._connection.execute(f"{_RUNS} WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise KeyError(run_id)
        return self._run(row)

    def runs(self, campaign_id: str) -> tuple[Run, ...]:
        """The runs of a campaign, oldest first."""
        if not self._has_schema:
            return ()
        rows = self._connection.execute(
            f"{_RUNS} WHERE campaign_id = ? ORDER BY started_at, id", [campaign_id]
        ).fetchall()
        return tuple(self._run(row) for row in rows)

    # --- messages --------------------------------------------------------------------

    def attempting(
        self,
        run_id: int,
        campaign_id: str,
        person: str,
        round: int,
        message_id: str,
        *,
        resend_unknown: bool = False,
    ) -> None:
        """Record that this message is about to be handed to SMTP (committed on return,
        or with the batch it is part of).

        A new round gets a row; a `deferred` one (or, with `resend_unknown`, an
        `unknown` one) is attempted again. Any other row of the round refuses: the
        person has got it, or may have. One statement, and the row is not read back:
        a send run writes two rows a message.
        """
        retry = _RETRY_UNKNOWN if resend_unknown else _RETRY
        now = _stamp(self._clock())
        with self._write() as con:
            # A new round is inserted; an existing one changes only when it may be retried.
            changed = con.execute(
                "INSERT INTO deliveries (campaign_id, person, round, state, attempts, "
                "message_id, run_id, first_attempt_at, updated_at) "
                "VALUES (?, ?, ?, 'attempting', 1, ?, ?, ?, ?) "
                "ON CONFLICT (campaign_id, person, round) DO UPDATE SET "
                "state = 'attempting', attempts = attempts + 1, message_id = excluded.message_id, "
                f"run_id = excluded.run_id, updated_at = excluded.updated_at WHERE {retry}",
                [campaign_id, person, round, message_id, run_id, now, now],
            ).rowcount
            if changed != 1:
                (state,) = con.execute(
                    "SELECT state FROM deliveries "
                    "WHERE campaign_id = ? AND person = ? AND round = ?",
                    [campaign_id, person, round],
                ).fetchone()
                raise LedgerError(
                    f"campaign {campaign_id} round {round} is already recorded as "
                    f"{state} for this person: it is not sent again",
                    Location(self.path),
                )

    def record_outcome(
        self, campaign_id: str, person: str, round: int, state: State, smtp_reply: str | None
    ) -> None:
        """Record how an attempted message ended (`sent`, `failed`, `deferred`, `unknown`)."""
        if state not in FINAL_STATES:
            raise ValueError(f"{state} is not an outcome")
        now = _stamp(self._clock())
        with self._write() as con:
            changed = con.execute(
                "UPDATE deliveries SET state = ?, smtp_reply = ?, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? END "
                "WHERE campaign_id = ? AND person = ? AND round = ? AND state = 'attempting'",
                [state, smtp_reply, now, state, now, campaign_id, person, round],
            ).rowcount
            if changed != 1:
                raise LedgerError(
                    f"campaign {campaign_id} round {round} has no attempt recorded for this "
                    "person: an outcome needs one",
                    Location(self.path),
                )

    def recover_dead_runs(self, lock: WriterLock) -> int:
        """Mark the rows a dead run left `attempting` as `unknown` (the message may have
        gone), and its run as died. Only the holder of the writer lock may: then no
        live run is attempting anything. Returns how many rows became `unknown`."""
        if lock.ledger != self.path or not lock.held:
            raise ValueError("recovering runs needs this ledger's writer lock, held")
        now = _stamp(self._clock())
        with self._write() as con:
            dead = [
                run_id for (run_id,) in con.execute("SELECT id FROM runs WHERE status = 'running'")
            ]
            marked = con.execute(
                "UPDATE deliveries SET state = 'unknown', updated_at = ? "
                "WHERE state = 'attempting'",
                [now],
            ).rowcount
            for run_id in dead:
                _close_run(con, run_id, "died", now)
        return marked

    def entries(self, campaign_id: str) -> tuple[LedgerEntry, ...]:
        """Every row of a campaign, by person and round."""
        if not self._has_schema:
            return ()
        rows = self._connection.execute(
            f"{_DELIVERIES} WHERE campaign_id = ? ORDER BY person, round", [campaign_id]
        ).fetchall()
        return tuple(_entry(row) for row in rows)

    def latest_rounds(self, campaign_id: str) -> dict[str, LedgerEntry]:
        """Each person's latest round of a campaign, by pseudonym."""
        return {entry.person: entry for entry in self.entries(campaign_id)}

    def message_counts(self, campaign_id: str) -> dict[State, int]:
        """The rows of a campaign per state; every state is present."""
        counts = dict.fromkeys(STATES, 0)
        if self._has_schema:
            rows = self._connection.execute(
                "SELECT state, count(*) FROM deliveries WHERE campaign_id = ? GROUP BY state",
                [campaign_id],
            )
            counts.update({cast(State, state): int(count) for state, count in rows})
        return counts

    # --- what the funnel reads -------------------------------------------------------

    def sent_to(
        self, campaign_id: str, since: dt.datetime | None, *, resend_unknown: bool = False
    ) -> set[str]:
        """The people (pseudonyms) a rerun of the campaign does not send to: a row in
        state sent, failed, attempting or unknown (only sent or failed with
        `resend_unknown`), of a round begun at or after `since` (any round when None)."""
        if not self._has_schema:
            return set()
        blocking = ("sent", "failed") if resend_unknown else BLOCKING_STATES
        states = ", ".join(f"'{state}'" for state in blocking)
        query = f"SELECT person FROM deliveries WHERE campaign_id = ? AND state IN ({states})"
        parameters = [campaign_id]
        if since is not None:
            query += " AND first_attempt_at >= ?"
            parameters.append(_stamp(since))
        return {person for (person,) in self._connection.execute(query, parameters)}

    def capped(self, since: dt.datetime, max_messages: int) -> set[str]:
        """The people who were sent at least `max_messages` messages, of any campaign,
        at or after `since`."""
        if not self._has_schema:
            return set()
        rows = self._connection.execute(
            "SELECT person FROM deliveries WHERE state = 'sent' AND sent_at >= ? "
            "GROUP BY person HAVING count(*) >= ?",
            [_stamp(since), max_messages],
        )
        return {person for (person,) in rows}

    # --- approvals -------------------------------------------------------------------

    def record_approval(
        self,
        campaign_id: str,
        content: ContentHash,
        *,
        approved_by: str | None,
        recipients: int,
        note: str | None = None,
    ) -> Approval:
        """Record that a person approved this content (`approved_by`: `--by`, else the login)."""
        login = login_name()
        with self._write() as con:
            cursor = con.execute(
                "INSERT INTO approvals (campaign_id, content_hash, files, approved_by, login, "
                "approved_at, note, recipients) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    campaign_id,
                    content.digest,
                    json.dumps(content.files, sort_keys=True),
                    approved_by or login,
                    login,
                    _stamp(self._clock()),
                    note,
                    recipients,
                ],
            )
        row = self._connection.execute(f"{_APPROVALS} WHERE id = ?", [cursor.lastrowid]).fetchone()
        return _approval(row)

    def approvals(self, campaign_id: str) -> tuple[Approval, ...]:
        """The approvals of a campaign, oldest first."""
        if not self._has_schema:
            return ()
        rows = self._connection.execute(
            f"{_APPROVALS} WHERE campaign_id = ? ORDER BY approved_at, id", [campaign_id]
        ).fetchall()
        return tuple(_approval(row) for row in rows)

    def campaign_ids(self) -> tuple[str, ...]:
        """Every campaign id the ledger knows, sorted."""
        if not self._has_schema:
            return ()
        rows = self._connection.execute(
            "SELECT campaign_id FROM runs UNION SELECT campaign_id FROM approvals "
            "UNION SELECT campaign_id FROM deliveries ORDER BY 1"
        )
        return tuple(campaign_id for (campaign_id,) in rows)

    # --- helpers ---------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """The writes made within, in one transaction committed at the end: one sync to
        disk for many rows (a send run records its messages so). A write that refuses
        (`LedgerError`) has written nothing, so the others still commit; any other
        error rolls them all back."""
        if not self._writable:
            raise ValueError("this ledger was opened for reading")
        if self._in_batch:
            raise ValueError("batches do not nest")
        with _transaction(self._connection):
            self._in_batch = True
            try:
                yield
            finally:
                self._in_batch = False

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if not self._writable:
            raise ValueError("this ledger was opened for reading")
        if self._in_batch:  # part of the batch's transaction, committed with it
            yield self._connection
            return
        with _transaction(self._connection):
            yield self._connection

    def _run(self, row: tuple[Any, ...]) -> Run:
        run_id, campaign_id, content_hash, as_of, operator, started, ended, status = row[:8]
        recipients, *stored = row[8:]
        if status == "running":  # not yet counted: what it has written so far
            counts = _counts(self._connection, run_id)
        else:
            counts = dict(zip(FINAL_STATES, (int(n) for n in stored), strict=True))
        return Run(
            id=run_id,
            campaign_id=campaign_id,
            content_hash=content_hash,
            as_of=dt.date.fromisoformat(as_of),
            operator=operator,
            started_at=_instant(started),
            ended_at=_instant(ended) if ended else None,
            status=status,
            recipients=recipients,
            counts=counts,
        )


# Which existing row of a round `attempting` may attempt again.
_RETRY = "deliveries.state = 'deferred'"
_RETRY_UNKNOWN = "deliveries.state IN ('deferred', 'unknown')"

_RUNS = (
    "SELECT id, campaign_id, content_hash, as_of, operator, started_at, ended_at, status, "
    "recipients, sent, failed, deferred, unknown FROM runs"
)
_DELIVERIES = (
    "SELECT campaign_id, person, round, state, attempts, smtp_reply, message_id, run_id, "
    "first_attempt_at, updated_at, sent_at FROM deliveries"
)
_APPROVALS = (
    "SELECT campaign_id, content_hash, files, approved_by, login, approved_at, note, "
    "recipients FROM approvals"
)


def _entry(row: tuple[Any, ...]) -> LedgerEntry:
    campaign_id, person, round, state, attempts, reply, message_id, run_id = row[:8]
    first, updated, sent = row[8:]
    return LedgerEntry(
        campaign_id=campaign_id,
        person=person,
        round=round,
        state=state,
        attempts=attempts,
        smtp_reply=reply,
        message_id=message_id,
        run_id=run_id,
        first_attempt_at=_instant(first),
        updated_at=_instant(updated),
        sent_at=_instant(sent) if sent else None,
    )


def _approval(row: tuple[Any, ...]) -> Approval:
    campaign_id, content_hash, files, approved_by, login, approved_at, note, recipients = row
    return Approval(
        campaign_id=campaign_id,
        content_hash=content_hash,
        files=json.loads(files),
        approved_by=approved_by,
        login=login,
        approved_at=_instant(approved_at),
        note=note,
        recipients=recipients,
    )


def _counts(con: sqlite3.Connection, run_id: int) -> dict[State, int]:
    counts = dict.fromkeys(FINAL_STATES, 0)
    rows = con.execute(
        "SELECT state, count(*) FROM deliveries WHERE run_id = ? GROUP BY state", [run_id]
    )
    for state, count in rows:
        if state in counts:  # `attempting` is no outcome
            counts[state] = int(count)
    return counts


def _close_run(con: sqlite3.Connection, run_id: int, status: RunStatus, now: str) -> None:
    counts = _counts(con, run_id)
    con.execute(
        "UPDATE runs SET status = ?, ended_at = ?, sent = ?, failed = ?, deferred = ?, "
        "unknown = ? WHERE id = ?",
        [status, now, *(counts[state] for state in FINAL_STATES), run_id],
    )


# Instants are stored as UTC text of one fixed width, so that text order is time order.
def _stamp(instant: dt.datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError("a ledger time needs a time zone")
    return instant.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@contextlib.contextmanager
def _transaction(con: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE: take the write lock at the start, not halfway through.
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    # `mode=rw` and `ro` never create a file; the writer created it, with mode 0600, and
    # SQLite gives the -wal and -shm files the database's own mode.
    uri = f"file:{quote(str(path))}?mode={'ro' if read_only else 'rw'}"
    try:
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
        if not read_only:
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as error:
        raise _unusable(path, error) from None
    return connection


def _schema_version(con: sqlite3.Connection, path: Path) -> int | None:
    """The ledger's schema version; None when it has no tables yet."""
    try:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return None
        if "schema_version" not in tables:
            raise _not_a_ledger(path)
        (version,) = con.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.Error as error:
        raise _unusable(path, error) from None
    if version is None or version > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger was written by a newer version of proaktive (schema {version}; "
            f"this version knows {SCHEMA_VERSION})",
            Location(path),
            "upgrade proaktive",
        )
    return int(version)


def _create_schema(con: sqlite3.Connection, path: Path) -> None:
    """The tables, in one transaction, unless another command made them first."""
    with _transaction(con):
        if _schema_version(con, path) is not None:
            return
        for statement in SCHEMA.split(";"):
            if statement.strip():
                con.execute(statement)
        con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])


def _holds_messages(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT 1 FROM deliveries LIMIT 1").fetchone() is not None


def _refuse_without_key(con: sqlite3.Connection, path: Path) -> None:
    """A ledger that records messages is useless without its key, and dangerous with a new one."""
    if _schema_version(con, path) is None or not _holds_messages(con):
        return
    (count,) = con.execute("SELECT count(*) FROM deliveries").fetchone()
    raise LedgerError(
        f"the ledger's key file is missing, and the ledger {path} records {count:,} "
        f"message{'' if count == 1 else 's'}",
        Location(key_path(path)),
        "restore the key file from a backup; proaktive never makes a new key for a ledger "
        "in use: it would send every campaign again to everyone",
    )


def _refuse_folder(path: Path) -> None:
    if path.is_dir():
        raise LedgerError(
            "the ledger is a folder, not a file",
            Location(path),
            "check --ledger, PROAKTIVE_LEDGER or 'ledger:' in the settings",
        )


def _not_a_ledger(path: Path) -> LedgerError:
    return LedgerError(
        "this file is not a proaktive ledger",
        Location(path),
        "check --ledger, PROAKTIVE_LEDGER or 'ledger:' in the settings",
    )


def _unusable(path: Path, error: sqlite3.Error) -> LedgerError:
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in str(error):
        return _not_a_ledger(path)
    return LedgerError(f"the ledger cannot be used: {error}", Location(path))
