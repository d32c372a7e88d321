"""A send that dies or is stopped midway, and the run that resumes it: a real `proaktive send`
process, killed with SIGKILL (or sent SIGINT, Ctrl-C) after some messages arrived at a
real SMTP server; then `send` again. Every recipient gets the campaign exactly once,
except at most `connections` (2 here) whose outcome is unknown, and those never twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from send_project import LEDGER, addresses, ledger_rows, send, send_process, states, write_project
from smtp_server import ScriptedServer, running

from proaktive.ledger import key_path, pseudonym
from proaktive.ledger.keys import read_key

PEOPLE = 30
CONNECTIONS = 2


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the send ended first: {process.communicate()}")
        if time.monotonic() > deadline:
            pytest.fail("the send did not get that far")
        time.sleep(0.002)


def by_address(ids: dict[str, str]) -> dict[str, str]:
    """Each ledger row's state, by the address of its person."""
    key = read_key(key_path(LEDGER))
    assert key is not None
    person_state = dict(ledger_rows("SELECT person, state FROM deliveries"))
    return {
        address: str(person_state[pseudonym(key, identifier)])
        for address, identifier in ids.items()
        if pseudonym(key, identifier) in person_state
    }


@pytest.mark.parametrize(
    ("people", "per_second", "arrived"),
    [
        (PEOPLE, 40, 1),
        (PEOPLE, 40, 9),
        (PEOPLE, 40, 24),
        # As fast as it goes: the ledger commits the rows of several messages at once.
        (400, 100_000, 100),
        (400, 100_000, 300),
    ],
)
def test_a_send_killed_midway_and_run_again_delivers_everyone_once(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    people: int,
    per_second: float,
    arrived: int,
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        ids = write_project(tmp_path, port, addresses(people), per_second=per_second)
        process = send_process("--yes")
        try:
            wait_for(lambda: len(handler.inbox) >= arrived, process)
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate()
        assert process.returncode == -signal.SIGKILL
        killed_at = len(handler.inbox)
        assert killed_at < people  # killed midway, not after the end
        code, _, err = send(capsys, "--yes")
    delivered = Counter(handler.delivered_to())
    assert max(delivered.values()) == 1  # nobody twice
    rows = by_address(ids)
    unknown = [address for address, state in rows.items() if state == "unknown"]
    assert len(unknown) <= CONNECTIONS
    # Everyone else got it, from one run or the other, and the ledger says sent.
    assert set(delivered) | set(unknown) == set(addresses(people))
    assert {rows[address] for address in addresses(people) if address not in unknown} == {"sent"}
    assert code == 0
    if unknown:
        assert f"left {len(unknown)} message" in err and "unknown outcome" in err
    statuses = [status for (status,) in ledger_rows("SELECT status FROM runs ORDER BY id")]
    assert statuses == ["died", "finished"]


# From 2,000 on, worker processes render the messages: Ctrl-C reaches them too.
@pytest.mark.parametrize(("people", "per_second"), [(PEOPLE, 40), (2100, 500)])
def test_ctrl_c_records_the_messages_in_flight_exits_130_and_says_how_to_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], people: int, per_second: float
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(people), per_second=per_second)
        # Ctrl-C at a terminal reaches every process of the command, the workers too.
        process = send_process("--yes", session=True)
        wait_for(lambda: len(handler.inbox) >= 5, process)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "Traceback" not in err
        stopped_at = len(handler.inbox)
        assert stopped_at < people
        # Every message handed over was recorded: none is left attempting or unknown.
        assert states() == {"sent": stopped_at}
        assert ledger_rows("SELECT status FROM runs") == [("interrupted",)]
        assert "resume with: proaktive send campaigns/hei.yaml --as-of 2026-11-30" in " ".join(
            err.split()
        )
        code, _, _ = send(capsys, "--yes")
    assert code == 0
    assert sorted(handler.delivered_to()) == sorted(addresses(people))  # the rest, each once
    assert states() == {"sent": people}
