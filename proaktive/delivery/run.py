"""The send run: rendered messages → SMTP, each one recorded in the ledger before and after.

`connections` threads each own one `SmtpConnection` (reused, re-opened after a loss).
For every message a thread waits for its turn under the total rate limit, asks for
`attempting` to be recorded, sends the envelope (MAIL, RCPT) while that is committed,
hands the message data over only once it is, and has the outcome recorded.
One more thread owns the ledger and commits those rows in batches (`_Recorder`). A
thread holds one message at a time, so a run killed at any moment leaves at most
`connections` rows `attempting` (`unknown` after recovery), and no message data ever
leaves without its committed row.

- `deferred` (4xx, or the connection lost before the data) is retried within the
  run after each of the settings' `retry_after_s`, then left `deferred` for the next run;
- `failed` (5xx) is never retried; `unknown` (lost after the data) is never retried;
- `RunStopped` (535, no TLS) stops the run: in-flight messages finish, nothing more
  is handed over, and nobody is marked failed. The one message whose `attempting`
  row was written but which never reached the server is recorded `deferred` with
  the reason, so the next run sends it;
- `stop` (Ctrl-C) likewise lets the messages in flight finish and be recorded.

Every connection is opened before any attempt is recorded: a server that cannot be
reached, or refuses the login, stops the run with no row written.
"""

from __future__ import annotations

import collections
import contextlib
import heapq
import queue
import smtplib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from proaktive.delivery.smtp import RunStopped, SmtpConnection
from proaktive.errors import LedgerError
from proaktive.ledger import Ledger, State, WriterLock, open_ledger
from proaktive.settings import SmtpSettings


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one person and round."""

    person: str  # the ledger's pseudonym
    round: int
    address: str  # the envelope recipient (the message's To)
    message_id: str
    data: bytes  # RFC 5322, CRLF lines


@dataclass(frozen=True)
class Counts:
    """Messages by their latest outcome in this run (a deferred one may still be retried)."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    unknown: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.deferred + self.unknown


@dataclass(frozen=True)
class Left:
    """What became of a message in this run (in a report: one it did not deliver), and
    the server's reply."""

    person: str
    message_id: str
    state: str  # sent, failed, deferred, unknown (or skipped: recorded meanwhile by another run)
    reply: str


@dataclass(frozen=True)
class RunReport:
    recipients: int
    counts: Counts
    not_attempted: int
    left: tuple[Left, ...]  # every failed, deferred and unknown message, in order of handling
    stopped: str | None = None  # why the server could not be used (RunStopped), if so
    interrupted: bool = False  # the stop event was set (Ctrl-C)

    def __post_init__(self) -> None:
        # Nobody disappears from the report: it must add up before anyone reads it.
        if self.counts.handled + self.not_attempted != self.recipients:
            raise ArithmeticError(
                f"the send report does not add up: {self.recipients} recipients, "
                f"{self.counts.handled} handled, {self.not_attempted} not attempted"
            )

    @property
    def complete(self) -> bool:
        """Every recipient sent: nothing left failed, deferred, unknown or unattempted."""
        return self.counts.sent == self.recipients


@dataclass(frozen=True)
class RunTarget:
    """Where a run records and sends: the ledger (held by `lock`), the run and the server."""

    lock: WriterLock
    run_id: int
    campaign_id: str
    sender: str  # the envelope sender
    smtp: SmtpSettings
    password: str | None
    resend_unknown: bool = False
    max_per_second: float | None = None  # None: the settings' limit; 0: no limit


Progress = Callable[[Counts], None]

# The run's main thread collects results every POLL_S; JOBS_AHEAD jobs per connection
# wait in the queue meanwhile, more than a connection sends in that time.
POLL_S = 0.002
JOBS_AHEAD = 4


class Messages(Protocol):
    """What a run sends: how many, and each in order (a list, or messages rendered as
    they are read). An error raised while reading stops the run like a crash."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Outgoing]: ...


def send_messages(
    messages: Messages,
    target: RunTarget,
    *,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    retry_delays: Sequence[float] | None = None,
) -> RunReport:
    """Hand every message over once, recording each in the ledger; see the module's text."""
    if not target.lock.held:
        raise ValueError("a send run needs the ledger's writer lock, held")
    if not messages:  # nobody is due: no connection is opened for nothing
        return RunReport(0, Counts(), 0, ())
    stop = stop or threading.Event()
    say = progress or (lambda _: None)
    workers = min(target.smtp.connections, len(messages))
    rate = target.smtp.max_per_second if target.max_per_second is None else target.max_per_second
    pace = _Pace(rate or None)
    recorder = _Recorder(target)  # the ledger first: before any SMTP connection
    halt = threading.Event()  # set by the loop when it ends: queued jobs are not begun
    work: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
    results: queue.SimpleQueue[_Result] = queue.SimpleQueue()
    ready: queue.SimpleQueue[str | BaseException | None] = queue.SimpleQueue()
    threads = [
        threading.Thread(
            target=_worker,
            args=(target, pace, recorder, (stop, halt), work, results, ready),
            name=f"proaktive-smtp-{number}",
            daemon=True,
        )
        for number in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        problems = [ready.get() for _ in threads]
        for problem in problems:
            if isinstance(problem, BaseException):
                raise problem
        stopped = next((problem for problem in problems if isinstance(problem, str)), None)
        if stopped is not None:
            return RunReport(len(messages), Counts(), len(messages), (), stopped=stopped)
        delays = tuple(target.smtp.retry_after_s if retry_delays is None else retry_delays)
        return _Loop(messages, workers, stop, say, delays).run(work, results, halt)
    finally:
        halt.set()  # however the loop ended, the jobs still queued are not begun
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
        recorder.close()  # every outcome committed before the run is counted and ended


@dataclass(order=True)
class _Job:
    ready_at: float
    order: int
    message: Outgoing = field(compare=False)
    tries: int = field(default=0, compare=False)


@dataclass(frozen=True)
class _Result:
    job: _Job
    # sent, failed, deferred, unknown; skipped (recorded meanwhile by another run), or
    # unbegun (queued when the run was ending: never recorded attempting)
    state: str
    reply: str
    stopped: str | None = None
    crash: BaseException | None = None


class _Loop:
    """The run's main thread: hands out jobs, at most one per connection, and counts."""

    def __init__(
        self,
        messages: Messages,
        workers: int,
        stop: threading.Event,
        say: Progress,
        retry_delays: tuple[float, ...],
    ) -> None:
        self.total = len(messages)
        self.source = iter(messages)
        self.taken = 0  # messages taken from the source: the next one's order
        self.retries: list[_Job] = []
        self.workers = workers
        self.stop = stop
        self.say = say
        self.retry_delays = retry_delays
        # By job order, each message's latest outcome: without the message itself, so that
        # a run never holds what it has sent.
        self.latest: dict[int, Left] = {}
        self.tally: Counter[str] = Counter()  # the latest outcomes by state, kept as they come
        self.stopped: str | None = None
        self.crash: BaseException | None = None

    def run(
        self,
        work: queue.SimpleQueue[_Job | None],
        results: queue.SimpleQueue[_Result],
        halt: threading.Event,
    ) -> RunReport:
        in_flight = 0  # jobs handed to the threads: being sent, or waiting in the queue
        while True:
            ending = self.stop.is_set() or self.stopped is not None or self.crash is not None
            if ending:
                halt.set()
            # Jobs wait in the queue, so that a thread goes on at once; each is recorded
            # `attempting` only when a thread begins it.
            while not ending and in_flight < JOBS_AHEAD * self.workers:
                job = self._next_job()
                if job is None:
                    break
                work.put(job)
                in_flight += 1
            if in_flight == 0 and (ending or not (self._more_fresh() or self.retries)):
                break
            # The results are collected every few milliseconds, not waited for one by one:
            # a thread that finishes a message never has to wake this one.
            collected = 0
            while True:
                try:
                    result = results.get_nowait()
                except queue.Empty:
                    break
                collected += 1
                self._record(result)
            in_flight -= collected
            if not collected:
                time.sleep(POLL_S if in_flight else self._wait())
        if self.crash is not None:
            raise self.crash
        return self._report()

    def _next_job(self) -> _Job | None:
        if self.retries and self.retries[0].ready_at <= time.monotonic():
            return heapq.heappop(self.retries)
        if not self._more_fresh():
            return None
        try:
            message = next(self.source)
        except StopIteration:
            message = None
        except Exception as error:  # a message that could not be made: stop as for a crash
            self.crash = error
            return None
        if message is None:
            if self.taken != self.total:
                self.crash = ArithmeticError(
                    f"the run was given {self.taken} of {self.total} messages"
                )
            self.taken = self.total
            return None
        self.taken += 1
        return _Job(0.0, self.taken - 1, message)

    def _more_fresh(self) -> bool:
        return self.taken < self.total and self.crash is None

    def _wait(self) -> float:
        """How long to wait for a result: until the next retry is due, and never long, so
        that a stop request is seen at once even when nothing is in flight."""
        if self.retries and not self._more_fresh():
            return min(max(self.retries[0].ready_at - time.monotonic(), 0.01), 0.2)
        return 0.2

    def _record(self, result: _Result) -> None:
        if result.crash is not None:
            self.crash = result.crash
            return
        if result.state == "unbegun":  # the run was ending: it stays as it was
            return
        if result.stopped is not None:
            self.stopped = result.stopped
        job = result.job
        previous = self.latest.get(job.order)
        if previous is not None:  # a retry: the message's earlier outcome no longer counts
            self.tally[previous.state] -= 1
        message = job.message
        self.latest[job.order] = Left(
            message.person, message.message_id, result.state, result.reply
        )
        self.tally[result.state] += 1
        retry = result.state == "deferred" and result.stopped is None
        if retry and job.tries < len(self.retry_delays):
            ready_at = time.monotonic() + self.retry_delays[job.tries]
            heapq.heappush(self.retries, _Job(ready_at, job.order, job.message, job.tries + 1))
        self.say(self._counts())

    def _counts(self) -> Counts:
        return Counts(
            sent=self.tally["sent"],
            failed=self.tally["failed"],
            deferred=self.tally["deferred"],
            unknown=self.tally["unknown"],
        )

    def _report(self) -> RunReport:
        handled = {order: r for order, r in self.latest.items() if r.state != "skipped"}
        left = tuple(r for _, r in sorted(handled.items()) if r.state != "sent")
        return RunReport(
            recipients=self.total,
            counts=self._counts(),
            not_attempted=self.total - len(handled),
            left=left,
            stopped=self.stopped,
            interrupted=self.stop.is_set(),
        )


class _Pace:
    """The total rate limit of all connections: one message every 1/rate seconds."""

    def __init__(self, per_second: float | None) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


def _worker(
    target: RunTarget,
    pace: _Pace,
    recorder: _Recorder,
    ending: tuple[threading.Event, threading.Event],
    work: queue.SimpleQueue[_Job | None],
    results: queue.SimpleQueue[_Result],
    ready: queue.SimpleQueue[str | BaseException | None],
) -> None:
    """One connection's thread: says whether it is ready, then delivers jobs until None."""
    connection = SmtpConnection(target.smtp, target.password)
    try:
        problem = _open(connection)
        ready.put(problem)
        if problem is not None:
            _drain(work)
            return
        while (job := work.get()) is not None:
            # The turn under the rate limit first: a run stopped (or killed) while a
            # connection waits for it has not marked the message.
            pace.wait()
            if any(event.is_set() for event in ending):
                results.put(_Result(job, "unbegun", ""))
                continue
            try:
                results.put(_deliver(job, target, connection, recorder))
            except BaseException as error:  # the run must hear of it, never wait forever
                results.put(_Result(job, "failed", "", crash=error))
    finally:
        connection.close()


def _open(connection: SmtpConnection) -> str | None:
    """Open the connection; why the server cannot be used, or None."""
    smtp = connection.settings
    try:
        connection.open()
    except RunStopped as stop:
        return str(stop)
    except (OSError, smtplib.SMTPException) as error:
        return f"cannot connect to {smtp.host}:{smtp.port} ({error}): nothing was sent"
    return None


def _drain(work: queue.SimpleQueue[_Job | None]) -> None:
    while work.get() is not None:
        pass


def _deliver(
    job: _Job,
    target: RunTarget,
    connection: SmtpConnection,
    recorder: _Recorder,
) -> _Result:
    message = job.message
    # The row is committed while the server reads the envelope; the data goes out only
    # once it is (`before_data`), and the outcome is recorded only after it.
    attempt = recorder.attempting(message)
    try:
        outcome = connection.send(
            target.sender,
            message.address,
            message.data,
            after_mail=lambda: recorder.commit_soon(attempt),
            before_data=lambda: recorder.committed(attempt),
        )
    except _Refused as refused:  # recorded meanwhile by another run: never sent twice
        return _Result(job, "skipped", refused.reason)
    except RunStopped as stop:
        # Nothing reached the server: deferred, so that the next run sends it.
        if (refused_reason := recorder.refused(attempt)) is not None:
            return _Result(job, "skipped", refused_reason)
        reply = f"not sent: {stop.message}"
        recorder.outcome(message, "deferred", reply)
        return _Result(job, "deferred", reply, stopped=str(stop))
    # Refused by the server before the data, or never connected: the row is committed
    # (or refused) before its outcome is recorded.
    if (refused_reason := recorder.refused(attempt)) is not None:
        return _Result(job, "skipped", refused_reason)
    recorder.outcome(message, outcome.state, outcome.reply)
    return _Result(job, outcome.state, outcome.reply)


class _Refused(Exception):
    """The ledger would not record the attempt: the message must not go."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Request:
    message: Outgoing
    outcome: State | None = None  # None: record `attempting`
    reply: str = ""
    done: threading.Event | None = None  # set when committed (attempts only)
    refusal: str | None = None
    error: BaseException | None = None


class _CommitNow:
    """Asked for by a connection that needs its attempt on disk."""


_COMMIT_NOW = _CommitNow()

# What waits is committed at least this often, so that an outcome never waits long for
# the next attempt (a slow rate limit, a run's end).
IDLE_COMMIT_S = 0.02


class _Recorder:
    """The run's one connection to the ledger, in a thread of its own.

    A group commit: the connections add their rows to a list, which the thread writes
    in one transaction and commits when a connection asks for its attempt on disk
    (once the server has accepted MAIL: the sync is done by the time DATA is due, and
    waited for there), at least every `IDLE_COMMIT_S`, and at the end. One sync to
    disk then holds every row added meanwhile, the other connections' attempts
    included, the thread wakes once per commit, not once per row, and no two SQLite
    connections ever wait for each other's lock. The list keeps each connection's rows
    in order, so a message's outcome is committed at the latest with the same
    connection's next attempt: a run killed at any moment leaves at most one row per
    connection without its outcome.
    """

    def __init__(self, target: RunTarget) -> None:
        self._target = target
        self._rows: collections.deque[_Request] = collections.deque()
        self._asked: queue.SimpleQueue[_CommitNow | None] = queue.SimpleQueue()
        # A commit is asked for and not yet begun: every row added before it begins is in
        # it, so the connections do not ask again (each ask wakes the thread).
        self._commit_asked = False
        self._error: BaseException | None = None
        opened: queue.SimpleQueue[Ledger | BaseException] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._run, args=(opened,), name="proaktive-ledger", daemon=True
        )
        self._thread.start()
        first = opened.get()
        if isinstance(first, BaseException):
            self._thread.join()
            raise first

    def attempting(self, message: Outgoing) -> _Request:
        """Have `attempting` recorded: have it committed with `commit_soon`, and wait
        for that with `committed` or `refused`."""
        if self._error is not None:  # the ledger cannot be written: nothing more goes
            raise self._error
        request = _Request(message, done=threading.Event())
        self._rows.append(request)
        return request

    def commit_soon(self, attempt: _Request) -> None:
        """Have the attempt committed now, without waiting for it: by the time the
        message data is due, the sync to disk is done."""
        assert attempt.done is not None, "only an attempt is committed"
        if not attempt.done.is_set():
            self._ask()

    def refused(self, attempt: _Request) -> str | None:
        """Once the attempt is committed (now, if it is not yet): None, or why the ledger
        refused it. Raises what went wrong writing it."""
        assert attempt.done is not None, "only an attempt is waited for"
        if not attempt.done.is_set():
            self._ask()
            attempt.done.wait()
        if attempt.error is not None:
            raise attempt.error
        return attempt.refusal

    def _ask(self) -> None:
        if not self._commit_asked:
            self._commit_asked = True
            self._asked.put(_COMMIT_NOW)

    def committed(self, attempt: _Request) -> None:
        """Return once the attempt is committed; `_Refused` when the ledger refused it."""
        if (reason := self.refused(attempt)) is not None:
            raise _Refused(reason)

    def outcome(self, message: Outgoing, state: State, reply: str) -> None:
        if self._error is not None:
            raise self._error
        self._rows.append(_Request(message, outcome=state, reply=reply))

    def close(self) -> None:
        """Commit what was added, and end. Raises what went wrong writing, if anything."""
        self._asked.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self, opened: queue.SimpleQueue[Ledger | BaseException]) -> None:
        try:
            ledger = open_ledger(self._target.lock.ledger)  # used in this thread only
        except BaseException as error:
            opened.put(error)
            return
        opened.put(ledger)
        with ledger:
            ending = False
            while not ending:
                with contextlib.suppress(queue.Empty):  # nothing asked: commit what waits
                    ending = self._asked.get(timeout=IDLE_COMMIT_S) is None
                self._commit(ledger)

    def _commit(self, ledger: Ledger) -> None:
        """Every row added so far, in one transaction."""
        self._commit_asked = False  # before the rows are taken: a row added later asks again
        rows: list[_Request] = []
        while self._rows:
            rows.append(self._rows.popleft())
        if not rows:
            return
        if self._error is not None:
            # A write failed before: nothing more is written, so no attempt after it is
            # committed and no message after it goes (each connection stops at its next).
            for request in rows:
                request.error = self._error
                if request.done is not None:
                    request.done.set()
            return
        try:
            with ledger.batch():
                for request in rows:
                    self._write(ledger, request)
        except BaseException as error:  # rolled back: none of them is written
            self._error = error
            for request in rows:
                request.error = error
        for request in rows:
            if request.done is not None:
                request.done.set()

    def _write(self, ledger: Ledger, request: _Request) -> None:
        target = self._target
        message = request.message
        if request.outcome is not None:
            ledger.record_outcome(
                target.campaign_id, message.person, message.round, request.outcome, request.reply
            )
            return
        try:
            ledger.attempting(
                target.run_id,
                target.campaign_id,
                message.person,
                message.round,
                message.message_id,
                resend_unknown=target.resend_unknown,
            )
        except LedgerError as refusal:  # wrote nothing: the transaction goes on
            request.refusal = refusal.message
