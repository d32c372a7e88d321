"""One writer per ledger: the lock refused while a live process holds it, taken over from a
dead one. The other process is real: a Python started here, killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from proaktive.errors import LedgerError
from proaktive.ledger import lock_path, writer_lock

HOLDER = """
import sys, time
from pathlib import Path
from proaktive.ledger import writer_lock

with writer_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the ledger's writer lock until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "ledger.sqlite3")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "held\n"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()
    process.stdout.close()


def test_the_lock_is_refused_while_a_live_process_holds_it(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    with pytest.raises(LedgerError) as raised, writer_lock(ledger):
        pytest.fail("two writers")
    assert str(raised.value) == (
        f"{ledger}: the ledger is in use by another send (process {holder.pid}) "
        "(wait until it has finished; one ledger has one writer at a time)"
    )
    assert holder.poll() is None  # refusing did not disturb the holder
    assert lock_path(ledger).read_text(encoding="ascii") == f"{holder.pid}\n"


def test_the_lock_of_a_killed_process_is_taken_over(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    os.kill(holder.pid, signal.SIGKILL)
    assert holder.wait() == -signal.SIGKILL
    with writer_lock(ledger) as lock:
        assert lock.held
        assert lock.taken_over_from == holder.pid  # so the sender knows a run died
        assert lock_path(ledger).read_text(encoding="ascii") == f"{os.getpid()}\n"
