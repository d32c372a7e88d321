"""The send run against a real SMTP server (aiosmtpd on 127.0.0.1) and a real SQLite ledger.

Each test checks what the server received and what the ledger's rows say, not
only the report: every message is recorded `attempting` before it is handed over
and ends as exactly one outcome.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from smtp_server import ScriptedServer, listening_socket, running

from proaktive.delivery.run import Counts, Outgoing, RunReport, RunTarget, send_messages
from proaktive.ledger import open_ledger, writer_lock
from proaktive.settings import SmtpSettings

SENDER = "ikke-svar@oslo.kommune.no"
CAMPAIGN = "test"
FAST = (0.05, 0.05)  # retry delays: tests don't wait seconds


def outgoing(address: str) -> Outgoing:
    person = address.split("@")[0].replace(".", "-")
    message_id = f"<{CAMPAIGN}.1.{person}@oslo.kommune.no>"
    data = (
        f"From: {SENDER}\r\nTo: {address}\r\nSubject: Hei\r\nMessage-ID: {message_id}\r\n\r\n"
        "Hei!\r\n"
    ).encode()
    return Outgoing(person=person, round=1, address=address, message_id=message_id, data=data)


def rows(ledger: Path) -> dict[str, tuple[str, int, str | None]]:
    """Each person's row: state, attempts, the server's last reply (read with our own SQL)."""
    with sqlite3.connect(ledger) as con:
        found = con.execute("SELECT person, state, attempts, smtp_reply FROM deliveries")
        return {person: (state, attempts, reply) for person, state, attempts, reply in found}


@contextmanager
def held(ledger: Path) -> Iterator[Any]:
    with writer_lock(ledger) as lock, open_ledger(ledger) as opened:
        opened.recover_dead_runs(lock)
        yield lock, opened


def send(
    ledger: Path,
    port: int,
    addresses: list[str],
    *,
    stop: threading.Event | None = None,
    progress: Any = None,
    per_second: float = 0,  # no limit
    **smtp: Any,
) -> RunReport:
    settings = SmtpSettings(host="127.0.0.1", port=port, **{"connections": 2, **smtp})
    with held(ledger) as (lock, opened):
        run = opened.start_run(CAMPAIGN, "c0ffee", dt.date(2026, 11, 30), len(addresses))
        target = RunTarget(
            lock, run.id, CAMPAIGN, SENDER, settings, None, max_per_second=per_second
        )
        report = send_messages(
            [outgoing(a) for a in addresses],
            target,
            stop=stop,
            progress=progress,
            retry_delays=FAST,
        )
        opened.finish_run(run.id)
    return report


def people(n: int) -> list[str]:
    return [f"person{number:03d}@example.no" for number in range(n)]


def test_every_message_is_sent_once_and_recorded_with_the_reply(tmp_path: Path) -> None:
    handler = ScriptedServer()
    ledger = tmp_path / "ledger.sqlite3"
    seen: list[Counts] = []
    with running(handler) as port:
        report = send(ledger, port, people(12), progress=seen.append)
    assert sorted(handler.delivered_to()) == people(12)
    assert report.counts == Counts(sent=12)
    assert report.complete and report.not_attempted == 0 and report.left == ()
    assert set(rows(ledger).values()) == {("sent", 1, "250 2.0.0 Ok: queued")}
    assert [counts.handled for counts in seen] == list(range(1, 13))
    assert handler.connections == 2  # two connections, reused for every message


def test_no_message_data_goes_out_before_its_attempt_is_committed(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    open_ledger(ledger).close()
    at_data: dict[str, tuple[str, ...] | None] = {}

    class Watching(ScriptedServer):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            # What another connection to the ledger sees as the data arrives: committed rows.
            person = envelope.rcpt_tos[0].split("@")[0]
            with closing(sqlite3.connect(ledger)) as con:
                at_data[person] = con.execute(
                    "SELECT state FROM deliveries WHERE person = ?", [person]
                ).fetchone()
            return await super().handle_DATA(server, session, envelope)

    # Another writer takes the ledger's lock again and again, so that the run's commits
    # wait while the server is already reading the envelopes.
    done = threading.Event()

    def hold_the_ledger() -> None:
        with closing(sqlite3.connect(ledger, isolation_level=None, timeout=30)) as con:
            while not done.is_set():
                con.execute("BEGIN IMMEDIATE")
                time.sleep(0.03)
                con.execute("COMMIT")
                time.sleep(0.002)

    holder = threading.Thread(target=hold_the_ledger)
    holder.start()
    try:
        with running(Watching()) as port:
            report = send(ledger, port, people(12))
    finally:
        done.set()
        holder.join()
    assert report.counts == Counts(sent=12)
    assert at_data == {f"person{number:03d}": ("attempting",) for number in range(12)}


def test_a_550_fails_only_that_recipient_and_is_never_retried(tmp_path: Path) -> None:
    handler = ScriptedServer()
    ledger = tmp_path / "ledger.sqlite3"
    addresses = ["a@example.no", "reply-550@example.no", "b@example.no", "data-554@example.no"]
    with running(handler) as port:
        report = send(ledger, port, addresses)
        # A run asked to try them again:
        again = send(ledger, port, ["reply-550@example.no", "data-554@example.no"])
    assert sorted(handler.delivered_to()) == ["a@example.no", "b@example.no"]
    assert handler.rcpts["reply-550@example.no"] == 1 + 1  # the envelope, while it commits
    assert handler.datas["data-554@example.no"] == 1  # the message data: never again
    assert rows(ledger)["reply-550"] == ("failed", 1, "550 scripted refusal")
    assert rows(ledger)["data-554"] == ("failed", 1, "554 scripted refusal after the data")
    assert report.counts == Counts(sent=2, failed=2)
    assert [(left.person, left.state) for left in report.left] == [
        ("reply-550", "failed"),
        ("data-554", "failed"),
    ]
    # The ledger refuses a second attempt: the message is not handed over again, and
    # the rows are as they were.
    assert again.counts == Counts() and again.not_attempted == 2
    assert rows(ledger)["reply-550"] == ("failed", 1, "550 scripted refusal")
    assert rows(ledger)["data-554"] == ("failed", 1, "554 scripted refusal after the data")


@pytest.mark.parametrize("reply", ["421 closing", "451 try later", "452 full", "454 tls"])
def test_a_4xx_is_retried_then_left_deferred_and_the_next_run_sends_it(
    tmp_path: Path, reply: str
) -> None:
    busy = "busy@example.no"
    handler = ScriptedServer(script={busy: [reply] * 3})  # the first try and both retries
    ledger = tmp_path / "ledger.sqlite3"
    with running(handler) as port:
        first = send(ledger, port, ["a@example.no", busy])
        assert handler.delivered_to() == ["a@example.no"]
        assert rows(ledger)["busy"] == ("deferred", 3, reply)
        assert first.counts == Counts(sent=1, deferred=1)
        assert not first.complete
        second = send(ledger, port, [busy])
    assert handler.rcpts[busy] == 4
    assert handler.delivered_to() == ["a@example.no", busy]
    assert second.counts == Counts(sent=1)
    assert rows(ledger)["busy"] == ("sent", 4, "250 2.0.0 Ok: queued")


def test_a_4xx_that_clears_within_the_run_is_sent_by_it(tmp_path: Path) -> None:
    handler = ScriptedServer(script={"busy@example.no": ["451 try later"]})
    ledger = tmp_path / "ledger.sqlite3"
    with running(handler) as port:
        report = send(ledger, port, ["busy@example.no"])
    assert report.counts == Counts(sent=1)
    assert rows(ledger)["busy"] == ("sent", 2, "250 2.0.0 Ok: queued")


def test_connections_the_server_drops_lose_nothing_and_duplicate_nothing(
    tmp_path: Path,
) -> None:
    handler = ScriptedServer(close_every=3)  # each connection dropped after its 3rd message
    ledger = tmp_path / "ledger.sqlite3"
    with running(handler) as port:
        first = send(ledger, port, people(20))
        # A message unlucky on every try is left deferred, never lost: the next run sends it.
        deferred = [f"{p}@example.no" for p, (s, _, _) in rows(ledger).items() if s == "deferred"]
        assert first.counts == Counts(sent=20 - len(deferred), deferred=len(deferred))
        assert sorted(handler.delivered_to()) == sorted(set(people(20)) - set(deferred))
        for _ in range(10):  # further runs, until each is sent (it is, in one or two)
            left = [f"{p}@example.no" for p, (s, _, _) in rows(ledger).items() if s != "sent"]
            if not left:
                break
            again = send(ledger, port, left)
            assert again.counts.failed == again.counts.unknown == 0
    assert sorted(handler.delivered_to()) == people(20)  # each exactly once
    assert handler.connections >= 3  # re-opened (how often depends on timing)
    assert {state for state, _, _ in rows(ledger).values()} == {"sent"}
    assert len(rows(ledger)) == 20


def test_a_connection_lost_after_the_data_is_unknown_and_never_retried(tmp_path: Path) -> None:
    handler = ScriptedServer()
    ledger = tmp_path / "ledger.sqlite3"
    with running(handler) as port:
        addresses = ["drop-data@example.no", "drop-rcpt@example.no", "a@example.no"]
        report = send(ledger, port, addresses)
    assert rows(ledger)["drop-data"][:2] == ("unknown", 1)
    assert handler.rcpts["drop-data@example.no"] == 1
    # Lost before the data: deferred, and retried within the run each time.
    assert rows(ledger)["drop-rcpt"][:2] == ("deferred", 3)
    assert report.counts == Counts(sent=1, deferred=1, unknown=1)
    assert {left.state for left in report.left} == {"unknown", "deferred"}


def test_starttls_not_offered_stops_the_run_before_any_row_is_written(tmp_path: Path) -> None:
    handler = ScriptedServer()
    ledger = tmp_path / "ledger.sqlite3"
    with running(handler) as port:
        report = send(ledger, port, people(3), security="starttls")
    assert handler.inbox == [] and handler.rcpts == {}
    assert rows(ledger) == {}
    assert report.stopped is not None and "does not offer STARTTLS" in report.stopped
    assert report.not_attempted == 3


def test_a_server_that_is_not_there_stops_the_run_before_any_row_is_written(
    tmp_path: Path,
) -> None:
    with listening_socket() as (port, accepted):
        pass  # closed: nothing listens on the port any more
    report = send(tmp_path / "ledger.sqlite3", port, people(2))
    assert report.stopped is not None and report.stopped.startswith("cannot connect to")
    assert rows(tmp_path / "ledger.sqlite3") == {}
    assert accepted == []


def test_a_login_refused_mid_run_stops_it_and_marks_nobody_failed(tmp_path: Path) -> None:
    logins: list[str] = []

    def first_two(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append(mechanism)
        return AuthResult(success=len(logins) <= 2, handled=False)

    handler = ScriptedServer(close_every=2)  # each connection must log in again
    ledger = tmp_path / "ledger.sqlite3"
    with running(handler, authenticator=first_two, auth_require_tls=False) as port:
        report = send(ledger, port, people(10), username="proaktive", timeout_s=3)
    delivered = sorted(handler.delivered_to())
    assert report.stopped is not None and "refused the login" in report.stopped
    states = rows(ledger)
    assert "failed" not in {state for state, _, _ in states.values()}
    assert "attempting" not in {state for state, _, _ in states.values()}
    assert len(delivered) == report.counts.sent == 4
    assert [f"{p}@example.no" for p, (s, _, _) in states.items() if s == "sent"] == delivered
    # The messages whose connection could not log in again are deferred: the next run sends them.
    assert report.counts.deferred >= 1
    assert report.counts.handled + report.not_attempted == 10


def test_stop_lets_the_messages_in_flight_finish_and_sends_no_more(tmp_path: Path) -> None:
    handler = ScriptedServer()
    ledger = tmp_path / "ledger.sqlite3"
    stop = threading.Event()
    arrived_at_stop: list[int] = []

    def stop_after_three(counts: Counts) -> None:
        if counts.handled >= 3 and not stop.is_set():
            arrived_at_stop.append(len(handler.inbox))
            stop.set()

    with running(handler) as port:
        report = send(ledger, port, people(40), stop=stop, progress=stop_after_three)
    assert report.interrupted
    # After the stop, each connection finishes at most the one message it was sending.
    assert 3 <= report.counts.sent <= arrived_at_stop[0] + 2
    assert report.not_attempted == 40 - report.counts.sent
    assert len(handler.inbox) == report.counts.sent
    assert {state for state, _, _ in rows(ledger).values()} == {"sent"}  # none left attempting
    assert len(rows(ledger)) == report.counts.sent


def test_the_rate_limit_holds_across_connections(tmp_path: Path) -> None:
    handler = ScriptedServer()
    ledger = tmp_path / "ledger.sqlite3"
    settings = SmtpSettings(host="127.0.0.1", connections=3, max_per_second=25)
    with running(handler) as port, held(ledger) as (lock, opened):
        run = opened.start_run(CAMPAIGN, "c0ffee", dt.date(2026, 11, 30), 20)
        target = RunTarget(
            lock, run.id, CAMPAIGN, SENDER, settings.model_copy(update={"port": port}), None
        )
        started = time.monotonic()
        report = send_messages([outgoing(a) for a in people(20)], target)
        elapsed = time.monotonic() - started
    assert report.counts == Counts(sent=20)
    assert elapsed >= 19 / 25 - 0.05  # 20 messages at 25 a second, whatever the connections


def test_an_outcome_is_on_disk_soon_even_when_no_next_message_follows_it(
    tmp_path: Path,
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    at_mail: list[dict[str, str]] = []

    class Watching(ScriptedServer):
        async def handle_MAIL(
            self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
        ) -> str:
            with closing(sqlite3.connect(ledger)) as con:
                at_mail.append(dict(con.execute("SELECT person, state FROM deliveries")))
            return await super().handle_MAIL(server, session, envelope, address, options)

    # One connection, two messages a second: the second waits half a second for its turn.
    with running(Watching()) as port:
        report = send(ledger, port, people(2), connections=1, per_second=2)
    assert report.counts == Counts(sent=2)
    # Committed while the run waited, not only with the next message's attempt.
    assert at_mail[0] == {}
    assert at_mail[1]["person000"] == "sent"


def test_a_ledger_that_cannot_be_written_stops_the_run_before_another_message_goes(
    tmp_path: Path,
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    open_ledger(ledger).close()
    with closing(sqlite3.connect(ledger)) as con:  # the second outcome cannot be written
        con.execute(
            "CREATE TRIGGER full BEFORE UPDATE OF state ON deliveries "
            "WHEN NEW.person = 'person001' AND NEW.state = 'sent' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    handler = ScriptedServer()
    # One connection, five a second: the outcome is written on its own while the
    # connection waits for its next turn, and nobody waits for that commit.
    with running(handler) as port, pytest.raises(sqlite3.IntegrityError, match="disk full"):
        send(ledger, port, people(5), connections=1, per_second=5)
    assert handler.delivered_to() == people(2)  # the one whose outcome failed, no more
    assert {person: state for person, (state, _, _) in rows(ledger).items()} == {
        "person000": "sent",
        "person001": "attempting",  # at most one per connection: unknown for the next run
    }


def test_an_error_reading_the_messages_stops_the_run_with_the_queued_ones_unbegun(
    tmp_path: Path,
) -> None:
    class Broken:
        """Messages whose ninth cannot be made (a crash of the rendering, say)."""

        def __len__(self) -> int:
            return 40

        def __iter__(self) -> Iterator[Outgoing]:
            for number, address in enumerate(people(40)):
                if number == 8:
                    raise KeyboardInterrupt
                yield outgoing(address)

    ledger = tmp_path / "ledger.sqlite3"
    handler = ScriptedServer()
    settings = SmtpSettings(host="127.0.0.1", connections=2)
    with running(handler) as port, held(ledger) as (lock, opened):
        run = opened.start_run(CAMPAIGN, "c0ffee", dt.date(2026, 11, 30), 40)
        target = RunTarget(
            lock,
            run.id,
            CAMPAIGN,
            SENDER,
            settings.model_copy(update={"port": port}),
            None,
            max_per_second=5,
        )
        with pytest.raises(KeyboardInterrupt):
            send_messages(Broken(), target)
    # The jobs waiting in the queue were not begun: at most the messages in flight went.
    assert len(handler.delivered_to()) <= 2
    assert {state for state, _, _ in rows(ledger).values()} <= {"sent"}


def test_a_run_needs_the_writer_lock_held(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    with writer_lock(ledger) as lock:
        pass
    target = RunTarget(lock, 1, CAMPAIGN, SENDER, SmtpSettings(), None)
    with pytest.raises(ValueError, match="writer lock"):
        send_messages([outgoing("a@example.no")], target)
