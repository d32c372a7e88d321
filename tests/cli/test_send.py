"""`proaktive send` end to end: a project folder, a real SMTP server (aiosmtpd on 127.0.0.1)
scripted per recipient, the real SQLite ledger, and for crashes a real process killed.

Each test checks what arrived at the server and what the ledger's rows say.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from builders import krr, person, pid, write_registry
from send_project import (
    AS_OF,
    CAMPAIGN,
    LEDGER,
    addresses,
    ledger_rows,
    send,
    send_at_a_terminal,
    states,
    write_project,
)
from smtp_server import ScriptedServer, listening_socket, running

from proaktive.cli.main import run
from proaktive.ledger import key_path, lock_path


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_send_reaches_everyone_once_and_a_rerun_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(7))
        code, out, _ = send(capsys, "--yes")
        assert code == 0
        assert sorted(handler.delivered_to()) == addresses(7)
        assert states() == {"sent": 7}
        connections = handler.connections
        again, out_again, _ = send(capsys, "--yes")
    assert again == 0
    assert len(handler.inbox) == 7  # nothing more arrived
    assert handler.connections == connections  # and no connection was opened for nothing
    assert re.search(r"recipients\s+│\s+7", out) and re.search(r"sent\s+│\s+7", out)
    assert re.search(r"recipients\s+│\s+0", out_again)
    runs = ledger_rows("SELECT status, recipients, sent FROM runs ORDER BY id")
    assert runs == [("finished", 7, 7), ("finished", 0, 0)]


def test_every_message_parses_back_with_the_headers_the_spec_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(3))
        assert send(capsys, "--yes")[0] == 0
    recorded = dict(ledger_rows("SELECT message_id, state FROM deliveries"))
    for raw in handler.raw:
        message = parsed(raw)
        assert message["From"] == "Oslo kommune <ikke-svar@oslo.kommune.no>"
        assert len(message.get_all("To") or []) == 1
        assert len(message["To"].addresses) == 1
        assert message["Subject"].startswith(("Hei Person", "Hi Person"))
        assert message["Date"]
        assert recorded[message["Message-ID"]] == "sent"  # the ledger's, stable per round
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Content-Language"] in ("nb", "en")
        assert message["MIME-Version"] == "1.0"
        assert message.get_content_type() == "multipart/alternative"
        parts = [part.get_content_type() for part in message.iter_parts()]
        assert parts == ["text/plain", "text/html"]  # text first
    languages = sorted(parsed(raw)["Content-Language"] for raw in handler.raw)
    assert languages == ["en", "nb", "nb"]


def test_a_template_that_breaks_on_one_persons_data_sends_nothing_to_anyone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(7))
        # The fifth person's message cannot be rendered (langdato of a name): found before
        # the first message goes, although the messages are rendered while the send goes on.
        broken = (
            '---\nsubject: "Hei {{ person.fornavn }}"\n---\nHei {{ person.fornavn }}!\n'
            "{% if person.fornavn == 'Person4' %}{{ person.etternavn | langdato }}{% endif %}\n"
        )
        (tmp_path / "templates" / "hei" / "nb.md.j2").write_text(broken, encoding="utf-8")
        code, _, err = send(capsys, "--yes")
    assert code == 1
    assert "nb.md.j2:5: langdato needs a date" in err
    assert handler.connections == 0 and handler.inbox == []
    assert ledger_rows("SELECT count(*) FROM deliveries") == [(0,)]
    assert ledger_rows("SELECT count(*) FROM runs") == [(0,)]


def test_a_send_of_thousands_renders_them_on_every_core_while_it_sends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    many = addresses(2100)  # from 2,000 on, worker processes render them
    with running(handler) as port:
        write_project(tmp_path, port, many, per_second=100_000)
        code, _, err = send(capsys, "--yes")
    assert code == 0, err
    assert sorted(handler.delivered_to()) == sorted(many)  # each once
    assert states() == {"sent": 2100}
    # Each message is its own person's: the To and the greeting belong together.
    greeted = {str(m["To"]): m.get_payload(0).get_payload(decode=True) for m in handler.inbox}
    assert greeted["person1234@example.no"].startswith(b"H")
    assert b"Person1234!" in greeted["person1234@example.no"]


def test_a_550_fails_one_recipient_only_never_retried_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    people = [*addresses(3), "reply-550@example.no"]
    with running(handler) as port:
        ids = write_project(tmp_path, port, people)
        code, out, _ = send(capsys, "--yes")
        again, _, _ = send(capsys, "--yes")
    assert code == 3
    assert again == 0
    assert sorted(handler.delivered_to()) == addresses(3)
    assert handler.rcpts["reply-550@example.no"] == 1
    assert states() == {"sent": 3, "failed": 1}
    masked = ids["reply-550@example.no"][:6] + "*****"
    assert re.search(rf"{re.escape(masked)}\s+│ failed\s+│ 550 scripted refusal", out)
    assert ids["reply-550@example.no"] not in out  # never the identifier in full


def test_a_4xx_is_retried_left_deferred_and_sent_by_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    busy = "busy@example.no"
    handler = ScriptedServer(script={busy: ["421 closing"] * 3})  # a try and two retries
    with running(handler) as port:
        write_project(tmp_path, port, [*addresses(2), busy])
        first, out, _ = send(capsys, "--yes")
        assert first == 3
        assert re.search(r"deferred \(the next run tries again\)\s+│\s+1", out)
        assert states() == {"sent": 2, "deferred": 1}
        second, _, _ = send(capsys, "--yes")
    assert second == 0
    assert handler.rcpts[busy] == 4
    assert sorted(handler.delivered_to()) == sorted([*addresses(2), busy])
    assert states() == {"sent": 3}
    assert ledger_rows(
        "SELECT attempts FROM deliveries WHERE smtp_reply LIKE '250%' AND attempts > 1"
    ) == [(4,)]


def test_a_lost_reply_is_unknown_exit_3_and_not_sent_again_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, [*addresses(2), "drop-data@example.no"])
        code, out, _ = send(capsys, "--yes")
        assert code == 3
        assert re.search(r"unknown \(may have been delivered\)\s+│\s+1", out)
        assert send(capsys, "--yes")[0] == 0
        assert handler.rcpts["drop-data@example.no"] == 1  # skipped: one missing beats two
        assert send(capsys, "--yes", "--on-unknown", "resend")[0] == 3  # asked: sent again
    assert handler.rcpts["drop-data@example.no"] == 2
    assert states() == {"sent": 2, "unknown": 1}


def test_starttls_required_but_not_offered_sends_nothing_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(3), smtp=", security: starttls")
        code, _, err = send(capsys, "--yes")
    assert code == 1
    assert "does not offer STARTTLS" in err
    assert handler.inbox == [] and not handler.rcpts
    assert states() == {}  # nobody marked


def test_outside_the_send_window_a_send_is_refused_before_connecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = dt.datetime.now(ZoneInfo("Europe/Oslo")).strftime("%a").lower()
    other = next(day for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if day != today)
    with listening_socket() as (port, connections):
        write_project(
            tmp_path,
            port,
            addresses(2),
            settings=f"send_window: {{days: [{other}], start: '08:00', end: '20:00'}}\n",
        )
        code = run(["send", CAMPAIGN, "--as-of", AS_OF, "--yes"])
        err = capsys.readouterr().err
    assert code == 1
    assert "outside the send window" in err or f"the send window is {other}" in err
    assert "--ignore-window" in err
    assert connections == []
    assert not LEDGER.exists()


def test_old_exports_are_refused_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(2))
        ten_days_ago = time.time() - 10 * 86400
        os.utime(tmp_path / "registry" / "krr.csv", (ten_days_ago, ten_days_ago))
        code, _, err = send(capsys, "--yes")
        assert code == 1
        assert "krr.csv is 10 days old" in err and "--allow-old-exports" in err
        assert handler.connections == 0
        assert not LEDGER.exists()
        allowed, _, _ = send(capsys, "--yes", "--allow-old-exports")
    assert allowed == 0
    assert sorted(handler.delivered_to()) == addresses(2)


def test_without_a_terminal_and_without_yes_it_is_wrong_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with listening_socket() as (port, connections):
        write_project(tmp_path, port, addresses(2))
        code, _, err = send(capsys)
    assert code == 2
    assert "add --yes" in err
    assert connections == [] and not LEDGER.exists()


def test_a_dry_run_opens_no_socket_and_writes_no_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with listening_socket() as (port, connections):
        write_project(tmp_path, port, addresses(4))
        code, out, _ = send(capsys, "--dry-run", "--out", "eml")
    assert code == 0
    assert connections == []  # not one connection to the SMTP port
    assert not LEDGER.exists() and not key_path(LEDGER).exists()
    assert not lock_path(LEDGER).exists()
    assert "4 messages rendered" in out
    folder = tmp_path / "eml"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert [path.name for path in files] == ["0001.eml", "0002.eml", "0003.eml", "0004.eml"]
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o600}
    assert sorted(parsed(path.read_bytes())["To"] for path in files) == addresses(4)


def test_a_dry_run_warns_of_the_window_and_old_exports_but_refuses_neither(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = dt.datetime.now(ZoneInfo("Europe/Oslo")).strftime("%a").lower()
    other = next(day for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if day != today)
    with listening_socket() as (port, connections):
        write_project(tmp_path, port, addresses(1), settings=f"send_window: {{days: [{other}]}}\n")
        old = time.time() - 10 * 86400
        os.utime(tmp_path / "registry" / "krr.csv", (old, old))
        code = run(["send", CAMPAIGN, "--as-of", AS_OF, "--dry-run"])
        err = capsys.readouterr().err
    assert code == 0
    assert "warning: it is" in err and "warning: registry/krr.csv is 10 days old" in err
    assert connections == []


def test_to_sends_each_language_for_a_made_up_person_and_records_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(3))
        code = run(["send", CAMPAIGN, "--as-of", AS_OF, "--to", "kollega@example.no"])
        out = capsys.readouterr().out
    assert code == 0
    assert handler.delivered_to() == ["kollega@example.no"] * 2
    subjects = sorted(str(message["Subject"]) for message in handler.inbox)
    assert subjects == ["[TEST] Hei Kari", "[TEST] Hi Kari"]  # the synthetic person
    assert not any("Person" in raw.decode() for raw in handler.raw)  # no citizen's data
    ids = [str(message["Message-ID"]) for message in handler.inbox]
    assert len(set(ids)) == 2
    assert "nothing was recorded in the ledger" in " ".join(out.split())
    assert not LEDGER.exists()


def test_two_sends_at_once_the_second_refuses_without_connecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from send_project import send_process

    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(30), per_second=10)
        first = send_process("--yes")
        try:
            _wait_for(lambda: len(handler.inbox) >= 2, first)
            connections = handler.connections
            code, _, err = send(capsys, "--yes")
            assert handler.connections == connections  # the second opened none
        finally:
            first.kill()
            first.communicate()
    assert code == 1
    assert f"the ledger is in use by another send (process {first.pid})" in err


def _wait_for(condition: object, process: object, timeout: float = 60) -> None:
    import subprocess

    assert callable(condition) and isinstance(process, subprocess.Popen)
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the send ended first: {process.communicate()}")
        if time.monotonic() > deadline:
            pytest.fail("the send did not get that far")
        time.sleep(0.005)


def test_changed_content_after_a_run_that_left_messages_deferred_is_refused_with_yes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from proaktive.campaign import load_campaign
    from proaktive.ledger import content_hash, open_ledger
    from proaktive.settings import load_settings

    busy = "busy@example.no"
    handler = ScriptedServer(script={busy: ["451 later"] * 3})
    with running(handler) as port:
        write_project(tmp_path, port, [*addresses(2), busy])
        assert send(capsys, "--yes")[0] == 3  # busy is left deferred
        before = load_campaign(tmp_path / CAMPAIGN, load_settings(tmp_path / "proaktive.yaml"))
        with open_ledger(LEDGER) as ledger:  # an approval keeps each file's hash
            ledger.record_approval("hei", content_hash(before), approved_by="kari", recipients=3)
        template = tmp_path / "templates" / "hei" / "nb.md.j2"
        template.write_text(template.read_text(encoding="utf-8") + "Ny linje.\n", "utf-8")
        code, _, err = send(capsys, "--yes")
    assert code == 1
    shown = " ".join(err.split())
    assert "the campaign's content has changed since its last run" in shown
    assert "(templates/hei/nb.md.j2 changed)" in shown
    assert "an unattended run never mixes two versions of a text" in shown
    assert handler.rcpts[busy] == 3  # not tried again
    assert ledger_rows("SELECT count(*) FROM runs") == [(1,)]


@pytest.mark.parametrize(("answers", "code"), [("n\n", 1), ("y\ny\n", 0)])
def test_changed_content_after_a_run_that_left_messages_deferred_is_asked_at_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: str, code: int
) -> None:
    busy = "busy@example.no"
    handler = ScriptedServer(script={busy: ["451 later"] * 3})
    with running(handler) as port:
        write_project(tmp_path, port, [*addresses(2), busy])
        assert send(capsys, "--yes")[0] == 3  # busy is left deferred
        template = tmp_path / "templates" / "hei" / "en.md.j2"  # busy's language
        template.write_text(template.read_text(encoding="utf-8") + "A new line.\n", "utf-8")
        returncode, out, err = send_at_a_terminal(answers)
    shown = " ".join(out.split())
    assert "the campaign's content has changed since its last run" in shown
    assert "Send the new content to the rest? [y/N]" in shown
    assert returncode == code, err
    if code == 1:  # no: nothing more is sent, and no run is recorded
        assert "not sent: the question was answered no" in err
        assert handler.rcpts[busy] == 3
        assert ledger_rows("SELECT count(*) FROM runs") == [(1,)]
    else:  # yes, twice: the deferred one gets the new text
        assert "Send it now? [y/N]" in shown
        assert states() == {"sent": 3}
        last = handler.inbox[-1]
        assert str(last["To"]) == busy
        assert b"A new line." in last.get_payload(0).get_payload(decode=True)


def test_changed_content_after_a_complete_run_goes_out_to_new_recipients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(2))
        assert send(capsys, "--yes")[0] == 0
        template = tmp_path / "templates" / "hei" / "nb.md.j2"
        template.write_text(template.read_text(encoding="utf-8") + "Ny linje.\n", "utf-8")
        (tmp_path / "registry").rename(tmp_path / "old-registry")
        # The same two people and one who moved in since: only the newcomer is due.
        rows = []
        for number, address in enumerate(addresses(3)):
            born = dt.date(1960, 1, 1) + dt.timedelta(days=number)
            row = person(born.isoformat(), personidentifikator=pid(born, 100))
            rows.append((row, krr(row, epostadresse=address)))
        write_registry(tmp_path / "registry", [r for r, _ in rows], [k for _, k in rows])
        code, _, _ = send(capsys, "--yes")
    assert code == 0
    assert sorted(handler.delivered_to()) == addresses(3)


def test_limit_sends_at_most_n_and_the_next_run_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(5))
        assert send(capsys, "--yes", "--limit", "2")[0] == 0
        assert sorted(handler.delivered_to()) == addresses(2)
        assert send(capsys, "--yes")[0] == 0
    assert sorted(handler.delivered_to()) == addresses(5)


def test_the_password_comes_from_the_environment_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(
        server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        return AuthResult(success=data.password == b"hemmelig", handled=False)

    handler = ScriptedServer()
    monkeypatch.delenv("SMTP_PASS", raising=False)
    with running(handler, authenticator=check, auth_require_tls=False) as port:
        smtp = ", username: proaktive, password_env: SMTP_PASS"
        write_project(tmp_path, port, addresses(2), smtp=smtp)
        code, _, err = send(capsys, "--yes")
        assert code == 1
        assert "$SMTP_PASS holds no password" in err
        assert handler.connections == 0 and not LEDGER.exists()
        monkeypatch.setenv("SMTP_PASS", "hemmelig")
        assert send(capsys, "--yes")[0] == 0
    assert sorted(handler.delivered_to()) == addresses(2)


@pytest.mark.parametrize(("answer", "code"), [("n\n", 1), ("y\n", 0)])
def test_at_a_terminal_send_shows_what_it_will_do_and_asks(
    tmp_path: Path, answer: str, code: int
) -> None:
    handler = ScriptedServer()
    with running(handler) as port:
        write_project(tmp_path, port, addresses(3))
        returncode, out, err = send_at_a_terminal(answer)
    shown = " ".join(out.split())
    assert (
        f"Campaign hei (Hei): 3 recipients, over 127.0.0.1:{port} (security none, "
        "2 connections, at most 1000 a second). Send it now? [y/N]"
    ) in shown
    assert returncode == code
    if code == 1:
        assert "not sent: the question was answered no" in err
        assert handler.connections == 0
    else:
        assert sorted(handler.delivered_to()) == addresses(3)
