"""The ledger as a real SQLite file: created on first write, its modes, its key, its states."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import sqlite3
import stat
from pathlib import Path

import pytest
from builders import pid

from proaktive.errors import LedgerError
from proaktive.ledger import (
    BLOCKING_STATES,
    ContentHash,
    key_path,
    lock_path,
    open_ledger,
    read_ledger,
    writer_lock,
)
from proaktive.ledger.keys import create_key, create_or_read_key

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


class Clock:
    """A clock a test sets: the ledger stamps rows with what it says."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def rows(ledger: Path, query: str) -> list[tuple[object, ...]]:
    """Rows read with a connection of the test's own, not the ledger's code."""
    with sqlite3.connect(ledger) as con:
        return con.execute(query).fetchall()


def send_one(
    path: Path, identifier: str, campaign: str = "test", clock: Clock | None = None
) -> str:
    """A run that sends `campaign` to one person; the person's pseudonym."""
    with open_ledger(path, clock=clock or Clock()) as ledger:
        run = ledger.start_run(campaign, "c0ffee", dt.date(2026, 11, 30), recipients=1)
        person = ledger.pseudonym(identifier)
        ledger.attempting(run.id, campaign, person, 1, f"<{campaign}.1@proaktive>")
        ledger.record_outcome(campaign, person, 1, "sent", "250 2.0.0 Ok: queued")
        ledger.finish_run(run.id)
        return person


# --- creation, modes, the schema -------------------------------------------------------


def test_the_first_write_creates_folder_ledger_and_key_privately(tmp_path: Path) -> None:
    path = tmp_path / "state" / ".proaktive" / "ledger.sqlite3"
    with open_ledger(path) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=0)
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        wal = path.with_name(path.name + "-wal")
        assert wal.exists() and mode(wal) == 0o600  # the WAL holds rows too
    assert mode(key_path(path)) == 0o600
    assert len(key_path(path).read_bytes()) == 32
    assert rows(path, "PRAGMA journal_mode") == [("wal",)]
    assert rows(path, "SELECT version FROM schema_version") == [(1,)]
    assert rows(path, "SELECT id, campaign_id, status FROM runs") == [(run.id, "test", "running")]


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    with open_ledger(folder / "ledger.sqlite3"):
        pass
    assert mode(folder) == 0o750


def test_reading_a_ledger_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / ".proaktive" / "ledger.sqlite3"
    assert read_ledger(path) is None
    assert not path.parent.exists()


def test_reading_an_empty_ledger_finds_nothing_and_needs_no_key(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    open_ledger(path).close()
    key_path(path).unlink()  # a ledger without messages has nothing to lose
    ledger = read_ledger(path)
    assert ledger is not None
    with ledger:
        assert not ledger.holds_messages()
        assert ledger.sent_to("test", None) == set()
    assert not key_path(path).exists()
    with open_ledger(path):  # and writing makes a new key
        pass
    assert len(key_path(path).read_bytes()) == 32


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_text("registry: registry/\n", encoding="utf-8")
    with pytest.raises(LedgerError) as raised:
        read_ledger(path)
    assert str(raised.value) == (
        f"{path}: this file is not a proaktive ledger "
        "(check --ledger, PROAKTIVE_LEDGER or 'ledger:' in the settings)"
    )


def test_a_ledger_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    open_ledger(path).close()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE schema_version SET version = 7")
    con.close()
    with pytest.raises(LedgerError) as raised:
        open_ledger(path)
    assert str(raised.value) == (
        f"{path}: the ledger was written by a newer version of proaktive (schema 7; this "
        "version knows 1) (upgrade proaktive)"
    )


# --- the key ---------------------------------------------------------------------------


def test_pseudonyms_are_keyed_hashes_and_no_identifier_is_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    identifiers = [pid("1980-05-17"), pid("1990-01-01"), pid("2001-12-31")]
    people = [send_one(path, identifier) for identifier in identifiers]
    key = key_path(path).read_bytes()
    for identifier, person in zip(identifiers, people, strict=True):
        assert person != identifier
        assert person == hmac.new(key, identifier.encode(), hashlib.sha256).hexdigest()
    stored = {person for (person,) in rows(path, "SELECT person FROM deliveries")}
    assert stored == set(people)
    files = [path, path.with_name(path.name + "-wal")]
    data = b"".join(file.read_bytes() for file in files if file.exists())
    assert data  # the rows are in there...
    for identifier in identifiers:
        assert identifier.encode() not in data  # ...but no identifier
        assert identifier.encode("utf-16-le") not in data


def test_the_same_person_has_the_same_pseudonym_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    identifier = pid("1980-05-17")
    first = send_one(path, identifier, "one")
    second = send_one(path, identifier, "two")
    assert first == second


def test_a_ledger_with_messages_but_no_key_is_refused_and_no_key_is_made(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    send_one(path, pid("1980-05-17"))
    send_one(path, pid("1981-05-17"))
    key_path(path).unlink()
    expected = (
        f"{key_path(path)}: the ledger's key file is missing, and the ledger {path} records "
        "2 messages (restore the key file from a backup; proaktive never makes a new key "
        "for a ledger in use: it would send every campaign again to everyone)"
    )
    with pytest.raises(LedgerError) as raised:
        open_ledger(path)
    assert str(raised.value) == expected
    ledger = read_ledger(path)
    assert ledger is not None
    with ledger, pytest.raises(LedgerError) as raised:
        ledger.key()
    assert str(raised.value) == expected
    assert not key_path(path).exists()


@pytest.mark.parametrize("size", [0, 16, 33])
def test_a_key_of_the_wrong_size_is_refused(tmp_path: Path, size: int) -> None:
    path = tmp_path / "ledger.sqlite3"
    send_one(path, pid("1980-05-17"))
    key_path(path).write_bytes(b"k" * size)
    with pytest.raises(LedgerError) as raised:
        open_ledger(path)
    assert str(raised.value) == (
        f"{key_path(path)}: the ledger's key is {size} bytes; a ledger key is 32 bytes "
        "(restore the key file from a backup; a new key would make the ledger forget "
        "everyone it has sent to)"
    )
    assert key_path(path).read_bytes() == b"k" * size  # left as it was


@pytest.mark.parametrize("key_mode", [0o644, 0o640, 0o604])
def test_a_key_that_others_can_read_is_refused_with_the_fix(tmp_path: Path, key_mode: int) -> None:
    path = tmp_path / "ledger.sqlite3"
    send_one(path, pid("1980-05-17"))
    key_path(path).chmod(key_mode)
    ledger = read_ledger(path)
    assert ledger is not None
    with ledger, pytest.raises(LedgerError) as raised:
        ledger.key()
    assert str(raised.value) == (
        f"{key_path(path)}: the ledger's key can be read by others (mode {key_mode:04o}) "
        f"(make it private with: chmod 600 {key_path(path)})"
    )


def test_a_key_another_command_just_made_is_used(tmp_path: Path) -> None:
    keyfile = tmp_path / "ledger.sqlite3.key"
    made = create_key(keyfile)
    assert create_or_read_key(keyfile) == made
    assert keyfile.read_bytes() == made


def test_a_key_kept_from_before_is_used_for_a_new_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    identifier = pid("1980-05-17")
    first = send_one(path, identifier)
    path.unlink()
    path.with_name(path.name + "-wal").unlink(missing_ok=True)
    path.with_name(path.name + "-shm").unlink(missing_ok=True)
    assert send_one(path, identifier) == first


# --- states ----------------------------------------------------------------------------


def test_attempting_is_committed_before_the_outcome(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with open_ledger(path, clock=Clock()) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=1)
        person = ledger.pseudonym(pid("1980-05-17"))
        ledger.attempting(run.id, "test", person, 1, "<m1@proaktive>")
        # Another connection sees it at once: a crash now leaves the row behind.
        assert rows(path, "SELECT state, attempts, message_id FROM deliveries") == [
            ("attempting", 1, "<m1@proaktive>")
        ]
        entry = ledger.latest_rounds("test")[person]
        assert entry.state == "attempting" and entry.sent_at is None
        ledger.record_outcome("test", person, 1, "sent", "250 2.0.0 Ok")
        sent = ledger.latest_rounds("test")[person]
    assert sent.state == "sent"
    assert sent.smtp_reply == "250 2.0.0 Ok"
    assert sent.sent_at == T0
    assert sent.first_attempt_at == T0


def test_a_deferred_message_is_attempted_again_in_the_same_round(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    clock = Clock()
    with open_ledger(path, clock=clock) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=1)
        person = ledger.pseudonym(pid("1980-05-17"))
        ledger.attempting(run.id, "test", person, 1, "<m1@proaktive>")
        ledger.record_outcome("test", person, 1, "deferred", "451 4.3.0 try again later")
        clock.now = T0 + dt.timedelta(hours=1)
        ledger.attempting(run.id, "test", person, 1, "<m1@proaktive>")
        again = ledger.latest_rounds("test")[person]
        assert again.attempts == 2
        assert again.first_attempt_at == T0  # the round began at the first attempt
        ledger.record_outcome("test", person, 1, "sent", "250 Ok")
        done = ledger.latest_rounds("test")[person]
        assert done.sent_at == T0 + dt.timedelta(hours=1)
        assert ledger.latest_rounds("test") == {person: done}


@pytest.mark.parametrize("state", ["sent", "failed", "unknown"])
def test_a_round_that_went_or_may_have_gone_is_never_attempted_again(
    tmp_path: Path, state: str
) -> None:
    path = tmp_path / "ledger.sqlite3"
    with open_ledger(path) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=1)
        person = ledger.pseudonym(pid("1980-05-17"))
        ledger.attempting(run.id, "test", person, 1, "<m1@proaktive>")
        ledger.record_outcome("test", person, 1, state, None)  # type: ignore[arg-type]
        with pytest.raises(LedgerError) as raised:
            ledger.attempting(run.id, "test", person, 1, "<m1@proaktive>")
    assert str(raised.value) == (
        f"{path}: campaign test round 1 is already recorded as {state} for this person: "
        "it is not sent again"
    )
    assert rows(path, "SELECT state, attempts FROM deliveries") == [(state, 1)]


def test_an_unknown_message_is_attempted_again_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with open_ledger(path) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=1)
        person = ledger.pseudonym(pid("1980-05-17"))
        ledger.attempting(run.id, "test", person, 1, "<m1@proaktive>")
        ledger.record_outcome("test", person, 1, "unknown", None)
        ledger.attempting(run.id, "test", person, 1, "<m1@proaktive>", resend_unknown=True)
        again = ledger.latest_rounds("test")[person]
    assert again.state == "attempting" and again.attempts == 2


def test_an_outcome_needs_an_attempt(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with open_ledger(path) as ledger, pytest.raises(LedgerError) as raised:
        ledger.record_outcome("test", ledger.pseudonym(pid("1980-05-17")), 1, "sent", "250")
    assert str(raised.value) == (
        f"{path}: campaign test round 1 has no attempt recorded for this person: "
        "an outcome needs one"
    )


def test_a_dead_runs_attempts_become_unknown_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    clock = Clock()
    with open_ledger(path, clock=clock) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=3)
        people = [ledger.pseudonym(pid("1980-05-17")) for _ in range(3)]
        for number, person in enumerate(people):
            ledger.attempting(run.id, "test", person, 1, f"<m{number}@proaktive>")
        ledger.record_outcome("test", people[0], 1, "sent", "250 Ok")
        # ...and the run is killed here, with two messages in flight.
    clock.now = T0 + dt.timedelta(minutes=5)
    with writer_lock(path) as lock, open_ledger(path, clock=clock) as ledger:
        assert ledger.recover_dead_runs(lock) == 2
        died = ledger.run(run.id)
    assert rows(path, "SELECT state, count(*) FROM deliveries GROUP BY state ORDER BY 1") == [
        ("sent", 1),
        ("unknown", 2),
    ]
    assert died.status == "died"
    assert died.ended_at == clock.now
    assert died.counts == {"sent": 1, "failed": 0, "deferred": 0, "unknown": 2}


def test_recovering_needs_the_held_writer_lock(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with writer_lock(path) as lock:
        pass
    with open_ledger(path) as ledger, pytest.raises(ValueError):
        ledger.recover_dead_runs(lock)


def test_a_finished_run_keeps_its_counts(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with open_ledger(path, clock=Clock()) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=4)
        for outcome in ("sent", "sent", "failed", "deferred"):
            person = ledger.pseudonym(pid("1980-05-17"))
            ledger.attempting(run.id, "test", person, 1, "<m@proaktive>")
            ledger.record_outcome("test", person, 1, outcome, None)  # type: ignore[arg-type]
        assert ledger.run(run.id).counts == {"sent": 2, "failed": 1, "deferred": 1, "unknown": 0}
        finished = ledger.finish_run(run.id)
        assert ledger.message_counts("test") == {
            "attempting": 0,
            "sent": 2,
            "failed": 1,
            "deferred": 1,
            "unknown": 0,
        }
    assert finished.status == "finished" and finished.ended_at == T0
    assert rows(path, "SELECT sent, failed, deferred, unknown FROM runs") == [(2, 1, 1, 0)]
    with open_ledger(path) as ledger, pytest.raises(ValueError, match="is not running"):
        ledger.finish_run(run.id, "died")
    assert rows(path, "SELECT status, ended_at FROM runs") == [
        ("finished", T0.isoformat(timespec="microseconds"))
    ]


def test_the_blocking_states_are_the_specs() -> None:
    assert set(BLOCKING_STATES) == {"sent", "failed", "attempting", "unknown"}


# --- approvals -------------------------------------------------------------------------


def test_an_approval_is_recorded_with_its_file_hashes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    content = ContentHash("ab" * 32, {"test.yaml": "01" * 32, "sender": "02" * 32})
    with open_ledger(path, clock=Clock()) as ledger:
        approval = ledger.record_approval(
            "test", content, approved_by="Kari Nordmann", recipients=412, note="sjekket"
        )
        assert ledger.approvals("test") == (approval,)
        assert ledger.approvals("other") == ()
    assert approval.content_hash == "ab" * 32
    assert approval.files == content.files
    assert approval.approved_by == "Kari Nordmann"
    assert approval.login  # the login name, whatever --by says
    assert approval.approved_at == T0
    assert (approval.note, approval.recipients) == ("sjekket", 412)


def test_an_approval_without_by_is_the_login_names(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "ledger.sqlite3") as ledger:
        approval = ledger.record_approval(
            "test", ContentHash("ab" * 32, {}), approved_by=None, recipients=1
        )
    assert approval.approved_by == approval.login


# --- the lock file is beside the ledger ------------------------------------------------


def test_the_lock_file_is_private_and_empty_after_a_clean_end(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ledger.sqlite3"
    with writer_lock(path) as lock:
        assert lock.taken_over_from is None
        assert mode(lock_path(path)) == 0o600
        assert mode(path.parent) == 0o700
        assert lock_path(path).read_text(encoding="ascii").strip().isdigit()
    assert lock_path(path).read_bytes() == b""
    with writer_lock(path) as lock:
        assert lock.taken_over_from is None  # nobody died holding it


def test_a_batch_commits_its_writes_together_and_a_refusal_in_it_writes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite3"
    first = send_one(path, pid("1980-01-01"))  # already sent: a new attempt is refused
    with open_ledger(path, clock=Clock()) as ledger:
        run = ledger.start_run("test", "c0ffee", dt.date(2026, 11, 30), recipients=3)
        other = ledger.pseudonym(pid("1981-01-01"))
        with ledger.batch():
            ledger.attempting(run.id, "test", other, 1, "<test.1.b@proaktive>")
            with pytest.raises(LedgerError, match="already recorded as sent"):
                ledger.attempting(run.id, "test", first, 1, "<test.1.a@proaktive>")
            # Not committed yet: another connection does not see the row.
            assert rows(path, "SELECT count(*) FROM deliveries") == [(1,)]
            ledger.record_outcome("test", other, 1, "sent", "250 ok")
            with pytest.raises(ValueError, match="do not nest"), ledger.batch():
                pass
        assert rows(path, "SELECT person, state FROM deliveries ORDER BY person") == sorted(
            [(first, "sent"), (other, "sent")]
        )
