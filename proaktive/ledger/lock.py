"""One writer per ledger: a lock file beside it, `<ledger>.lock`.

The lock is an `flock` on that file, which the system releases when the process
holding it ends in any way (even SIGKILL or a power cut): a lock left by a dead
run is taken over without anyone deleting a file. The holder writes its process
id into the file, so that a refusal can say who holds it, and empties it on a
clean release: a process id found there when taking the lock belonged to a run
that died, whose `attempting` rows are now `unknown` (`Ledger.recover_dead_runs`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from proaktive.errors import LedgerError, Location


def lock_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".lock")


@dataclass
class WriterLock:
    ledger: Path
    taken_over_from: int | None  # the process id of a run that died holding it
    held: bool = True


@contextlib.contextmanager
def writer_lock(ledger: Path) -> Iterator[WriterLock]:
    """Hold the ledger's writer lock; LedgerError at once when another process holds it."""
    if not ledger.parent.is_dir():
        ledger.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = lock_path(ledger)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            who = f"process {holder}" if holder is not None else "another process"
            raise LedgerError(
                f"the ledger is in use by another send ({who})",
                Location(ledger),
                "wait until it has finished; one ledger has one writer at a time",
            ) from None
        previous = _holder(descriptor)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        os.fsync(descriptor)
        lock = WriterLock(ledger, taken_over_from=previous)
        try:
            yield lock
        finally:
            lock.held = False
            os.ftruncate(descriptor, 0)  # a clean end: nobody died holding it
    finally:
        os.close(descriptor)  # releases the flock


def _holder(descriptor: int) -> int | None:
    text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
