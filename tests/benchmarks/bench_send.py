"""How fast `proaktive send` hands messages to SMTP, against a bare smtplib loop (not run by CI).

    .venv/bin/python tests/benchmarks/bench_send.py [RECIPIENTS] [REGISTRY]

A local aiosmtpd in its own process accepts and discards every message. proaktive
sends a campaign to RECIPIENTS people (default 50,000) of a generated registry
(`proaktive registry generate`, made first when REGISTRY does not exist) over 4
connections with no rate limit, end to end: the command as an operator runs it
(start-up, the audience, the check of every message, rendering, the ledger's rows
before and after each message, SMTP). The reference is a bare smtplib loop over 4
connections (threads) sending the same pre-rendered messages (written by
`send --dry-run --out`) with no ledger at all. Printed: both rates, their ratio,
proaktive's send phase alone (from the run's start and end in the ledger), and how
many of the messages' texts differ: Markdown is turned into HTML once per distinct
text, and a generated registry has fewer distinct first names than a real one.
"""

from __future__ import annotations

import datetime as dt
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PEOPLE_PER_RECIPIENT = 1.9  # a generated registry has about one adult recipient in 1.9 people
CONNECTIONS = 4
SENDER = "ikke-svar@oslo.kommune.no"
TEMPLATE = """\
---
subject: "Velkommen til Oslo, {{ person.fornavn }}"
preheader: "Det meste du trenger å vite som ny i byen"
---
Hei {{ person.fornavn }}!

Vi ser at du har flyttet til {{ person.bydelsnavn }}. Her er noen tjenester som kan
være nyttige for deg som er ny i Oslo:

- **Fastlege**: du kan velge fastlege på helsenorge.no.
- **Avfall**: hentedager for søppel finner du på oslo.kommune.no/avfall.
- **Parkering**: beboerparkering søker du om på nett.
- **Bibliotek**: Deichman har filialer i hele byen, og lånekortet er gratis.

Har du spørsmål, kan du svare på denne e-posten eller ringe Oslo kommunes
servicesenter på 21 80 21 80, hverdager 08.00-15.30.

Med vennlig hilsen
Oslo kommune
"""
SERVER = """
import sys, time
from aiosmtpd.controller import Controller

class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: discarded"

controller = Controller(Discard(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()  # until the benchmark closes it
controller.stop()
"""


DAY = ("--as-of", "2026-11-30")


def main() -> None:
    recipients = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    registry = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory(prefix="bench-send-") as folder:
        project = Path(folder)
        port = free_port()
        registry = registry or project / "registry"
        if not (registry / "personer.csv").exists():
            people = int(recipients * PEOPLE_PER_RECIPIENT) + 1000
            print(f"Generating a registry of {people:,} people in {registry}…", flush=True)
            generate = ["registry", "generate", str(registry), "--people", str(people)]
            proaktive(project, *generate, "--seed", "1", *DAY)
        write_project(project, registry, port)
        campaign = ["campaigns/bench.yaml", *DAY, "--limit", str(recipients)]
        # The same messages for the reference, before the ledger records anyone as sent.
        proaktive(project, "send", *campaign, "--dry-run", "--out", "eml")
        messages = [path.read_bytes() for path in sorted((project / "eml").iterdir())]
        parsed = [message_from_bytes(data) for data in messages]
        addressed = [(str(m["To"]), data) for m, data in zip(parsed, messages, strict=True)]
        texts = len({str(m.get_payload(0)) for m in parsed})
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None and server.stdout.readline() == "ready\n"
            started = time.perf_counter()
            real = ["--yes", "--ignore-window", "--allow-old-exports"]
            proaktive(project, "send", *campaign, *real)
            end_to_end = time.perf_counter() - started
            sent, send_phase = ledger_figures(project / "ledger.sqlite3")
            started = time.perf_counter()
            bare(port, addressed)
            reference = time.perf_counter() - started
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait()
    proaktive_rate = sent / end_to_end
    bare_rate = len(messages) / reference
    print(f"messages: {sent:,} sent by proaktive, {len(messages):,} by the bare loop")
    print(f"distinct texts: {texts:,} of {len(messages):,}")
    print(f"proaktive send, end to end: {proaktive_rate:,.0f} messages/s ({end_to_end:.1f} s)")
    print(f"  of which the send phase:  {sent / send_phase:,.0f} messages/s ({send_phase:.1f} s)")
    print(f"bare smtplib, 4 connections: {bare_rate:,.0f} messages/s ({reference:.1f} s)")
    print(
        f"ratio end to end: {proaktive_rate / bare_rate:.2f}x; "
        f"send phase: {sent / send_phase / bare_rate:.2f}x (target >= 0.6x)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def proaktive(project: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "proaktive", *args],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"proaktive {' '.join(args)}: exit {result.returncode}\n{result.stderr}")


def write_project(project: Path, registry: Path, port: int) -> None:
    (project / "templates" / "bench").mkdir(parents=True)
    shutil.copyfile(
        REPO / "templates" / "_layout.html.j2", project / "templates" / "_layout.html.j2"
    )
    (project / "templates" / "bench" / "nb.md.j2").write_text(TEMPLATE, encoding="utf-8")
    (project / "campaigns").mkdir()
    (project / "campaigns" / "bench.yaml").write_text(
        "id: bench\ntitle: Benchmark\ntemplate: bench\naudience:\n  age: {min: 18}\n",
        encoding="utf-8",
    )
    (project / "proaktive.yaml").write_text(
        f"registry: {registry.resolve()}\ntemplates: templates/\nledger: ledger.sqlite3\n"
        "approval: off\n"
        f"smtp: {{host: 127.0.0.1, port: {port}, connections: {CONNECTIONS}, "
        "max_per_second: 1000000000}\n",
        encoding="utf-8",
    )


def ledger_figures(ledger: Path) -> tuple[int, float]:
    """Messages sent, and the seconds from the run's start to its end."""
    with sqlite3.connect(ledger) as con:
        sent, started, ended = con.execute("SELECT sent, started_at, ended_at FROM runs").fetchone()
    seconds = (
        dt.datetime.fromisoformat(ended) - dt.datetime.fromisoformat(started)
    ).total_seconds()
    return int(sent), seconds


def bare(port: int, messages: list[tuple[str, bytes]]) -> None:
    """The reference: smtplib's sendmail over 4 connections, nothing recorded."""

    def send(share: list[tuple[str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for to, data in share:
                smtp.sendmail(SENDER, [to], data, [] if to.isascii() else ["SMTPUTF8"])

    threads = [
        threading.Thread(target=send, args=(messages[n::CONNECTIONS],)) for n in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
