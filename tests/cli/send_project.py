"""A project folder for `proaktive send`: settings pointing at a test SMTP server, a
campaign in two languages, and a registry of adults whose addresses script the server.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from builders import krr, person, pid, write_layout, write_registry

from proaktive.cli.main import run

AS_OF = "2026-11-30"
CAMPAIGN = "campaigns/hei.yaml"
IGNORE = ["--ignore-window"]  # the tests run at any hour; the window has tests of its own
LEDGER = Path(".proaktive/ledger.sqlite3")
TEMPLATES = {
    "nb": '---\nsubject: "Hei {{ person.fornavn }}"\n---\nHei {{ person.fornavn }}!\n',
    "en": '---\nsubject: "Hi {{ person.fornavn }}"\n---\nHi {{ person.fornavn }}!\n',
}


def write_project(
    folder: Path,
    port: int,
    addresses: Sequence[str],
    *,
    smtp: str = "",
    settings: str = "",
    per_second: float = 1000,
) -> dict[str, str]:
    """The project in `folder`; each address's personidentifikator. `smtp`: more keys of
    the settings' smtp mapping, `settings`: more settings lines."""
    (folder / "templates" / "hei").mkdir(parents=True)
    write_layout(folder / "templates")
    for language, text in TEMPLATES.items():
        (folder / "templates" / "hei" / f"{language}.md.j2").write_text(text, encoding="utf-8")
    (folder / "campaigns").mkdir()
    (folder / CAMPAIGN).write_text(
        "id: hei\ntitle: Hei\ntemplate: hei\naudience:\n  age: {min: 18}\n", encoding="utf-8"
    )
    (folder / "proaktive.yaml").write_text(
        "registry: registry/\ntemplates: templates/\napproval: off\n"
        f"smtp: {{host: 127.0.0.1, port: {port}, connections: 2, max_per_second: {per_second}, "
        f"retry_after_s: [0.05, 0.05]{smtp}}}\n{settings}",
        encoding="utf-8",
    )
    ids, personer, krr_rows = {}, [], []
    for number, address in enumerate(addresses):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=number)  # one identifier each
        row = person(born.isoformat(), personidentifikator=pid(born, 100))
        row["fornavn"] = f"Person{number}"
        personer.append(row)
        krr_rows.append(krr(row, epostadresse=address, spraak="en" if number % 3 == 2 else "nb"))
        ids[address] = str(row["personidentifikator"])
    write_registry(folder / "registry", personer, krr_rows)
    return ids


def addresses(n: int) -> list[str]:
    return [f"person{number:03d}@example.no" for number in range(n)]


def send(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`proaktive send` in this process."""
    code = run(["send", CAMPAIGN, "--as-of", AS_OF, *IGNORE, *args])
    out, err = capsys.readouterr()
    return code, out, err


def send_process(*args: str, session: bool = False) -> subprocess.Popen[str]:
    """`proaktive send` in a process of its own (in the current folder); with `session`,
    in a session of its own, as at a terminal: Ctrl-C goes to every process of it."""
    return subprocess.Popen(
        [sys.executable, "-m", "proaktive", "send", CAMPAIGN, "--as-of", AS_OF, *IGNORE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=session,
    )


def send_at_a_terminal(answers: str) -> tuple[int, str, str]:
    """`proaktive send` in a process of its own whose input is a terminal (it may ask),
    given `answers` as typed; its exit code, output and errors."""
    import os
    import pty

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "proaktive", "send", CAMPAIGN, "--as-of", AS_OF, *IGNORE],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(leader, answers.encode())
        out, err = process.communicate(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    return process.returncode, out, err


def ledger_rows(query: str) -> list[tuple[object, ...]]:
    """Rows of the ledger, read with the test's own SQL."""
    with sqlite3.connect(LEDGER) as con:
        return con.execute(query).fetchall()


def states() -> dict[str, int]:
    return dict(ledger_rows("SELECT state, count(*) FROM deliveries GROUP BY state"))  # type: ignore[arg-type]
