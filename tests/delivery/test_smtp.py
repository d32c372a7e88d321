"""One SMTP connection against a real server (aiosmtpd on 127.0.0.1) that replies as scripted.

A recipient's local part tells the server what to do (tests/smtp_server.py):
`reply-550@…` refuses it at RCPT, `data-451@…` refuses the message after its data,
`drop-rcpt@…` closes the connection at RCPT (before the data), `drop-data@…` closes it
after the data arrived (before the reply). Anyone else gets 250 and lands in the inbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from smtp_server import ScriptedServer, running

from proaktive.delivery.smtp import Outcome, RunStopped, SmtpConnection
from proaktive.settings import SmtpSettings

SENDER = "ikke-svar@oslo.kommune.no"


@pytest.fixture
def server() -> Iterator[tuple[ScriptedServer, int]]:
    handler = ScriptedServer()
    with running(handler) as port:
        yield handler, port


def message(to: str, body: str = "Hei!") -> bytes:
    text = f"From: {SENDER}\r\nTo: {to}\r\nSubject: Test\r\n\r\n{body}\r\n"
    return text.encode("utf-8")


def connect(port: int, **settings: Any) -> SmtpConnection:
    return SmtpConnection(SmtpSettings(host="127.0.0.1", port=port, **settings), password=None)


def test_replies_decide_each_outcome_and_one_failure_never_stops_the_others(
    server: tuple[ScriptedServer, int],
) -> None:
    handler, port = server
    connection = connect(port)
    outcomes = {
        to: connection.send(SENDER, to, message(to))
        for to in (
            "kari@example.no",
            "reply-550@example.no",
            "reply-451@example.no",
            "data-552@example.no",
            "data-421@example.no",
            "ola@example.no",
        )
    }
    connection.close()
    assert {to: outcome.state for to, outcome in outcomes.items()} == {
        "kari@example.no": "sent",
        "reply-550@example.no": "failed",
        "reply-451@example.no": "deferred",
        "data-552@example.no": "failed",
        "data-421@example.no": "deferred",
        "ola@example.no": "sent",
    }
    assert outcomes["kari@example.no"] == Outcome("sent", "250 2.0.0 Ok: queued")
    assert outcomes["reply-550@example.no"].reply == "550 scripted refusal"
    assert [m["To"] for m in handler.inbox] == ["kari@example.no", "ola@example.no"]
    assert handler.connections == 2  # one connection, re-opened after the 421 closed it


def test_a_connection_lost_before_the_data_is_deferred_and_after_it_unknown(
    server: tuple[ScriptedServer, int],
) -> None:
    handler, port = server
    connection = connect(port)
    before = connection.send(SENDER, "drop-rcpt@example.no", message("drop-rcpt@example.no"))
    after = connection.send(SENDER, "drop-data@example.no", message("drop-data@example.no"))
    again = connection.send(SENDER, "kari@example.no", message("kari@example.no"))
    connection.close()
    assert before.state == "deferred"
    assert before.reply.startswith("connection lost before the message")
    assert after.state == "unknown"  # it may have been delivered: never sent twice by itself
    assert after.reply.startswith("connection lost after the message")
    assert again.state == "sent"  # the connection is opened again
    assert [m["To"] for m in handler.inbox] == ["kari@example.no"]


def test_the_message_arrives_as_it_was_handed_over(server: tuple[ScriptedServer, int]) -> None:
    handler, port = server
    body = "Første linje\r\n.en linje som begynner med punktum\r\n..og to\r\nSiste"
    connection = connect(port)
    assert connection.send(SENDER, "åse@eksempel.no", message("åse@eksempel.no", body)).state == (
        "sent"
    )
    connection.close()
    (received,) = handler.inbox
    assert received.get_payload(decode=True).decode("utf-8") == body + "\r\n"


def test_starttls_asked_for_but_not_offered_stops_the_run_before_anything_is_sent(
    server: tuple[ScriptedServer, int],
) -> None:
    handler, port = server
    connection = connect(port, security="starttls")
    with pytest.raises(RunStopped) as raised:
        connection.send(SENDER, "kari@example.no", message("kari@example.no"))
    assert str(raised.value) == (
        f"127.0.0.1:{port} does not offer STARTTLS, and the settings ask for it: nothing was "
        "sent (check smtp.security and smtp.port in the settings)"
    )
    assert handler.inbox == []


def test_tls_on_a_plain_port_stops_the_run(server: tuple[ScriptedServer, int]) -> None:
    handler, port = server
    with pytest.raises(RunStopped, match=r"^TLS with 127\.0\.0\.1"):
        connect(port, security="tls").send(SENDER, "kari@example.no", message("kari@example.no"))
    assert handler.inbox == []


def test_a_refused_login_stops_the_run() -> None:
    handler = ScriptedServer()

    def refuse(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        return AuthResult(success=False, handled=False)

    with running(handler, authenticator=refuse, auth_require_tls=False) as port:
        connection = connect(port, username="proaktive")
        with pytest.raises(RunStopped) as raised:
            connection.send(SENDER, "kari@example.no", message("kari@example.no"))
    assert str(raised.value) == (
        "127.0.0.1 refused the login of proaktive (535): nothing was sent "
        "(check smtp.username and the password in $PROAKTIVE_SMTP_PASSWORD)"
    )
    assert handler.inbox == []
