"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) that replies as a test scripts it.

Per recipient address, `script[address]` is a list of replies given to its next
RCPT commands, one each, then 250 ("451 busy" twice, then accepted). The local
part also says what to do, always: `reply-550@…` refuses it at RCPT,
`data-451@…` refuses the message after its data, `drop-rcpt@…` closes the
connection at RCPT, `drop-data@…` closes it after the data arrived, before the
reply. `close_every=N` closes each connection when a message begins after its Nth
accepted one (the client had every 250, then loses the connection). Every
RCPT is counted by address; every accepted message lands in `inbox`.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class ScriptedServer:
    script: dict[str, list[str]] = field(default_factory=dict)
    close_every: int | None = None
    inbox: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    rcpts: Counter[str] = field(default_factory=Counter)
    datas: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered_to(self) -> list[str]:
        with self.lock:
            return [str(message["To"]) for message in self.inbox]

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        session.accepted = 0
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.close_every and session.accepted >= self.close_every:
            server.transport.close()  # the client had its 250s, then loses the connection
            return "250 never heard"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.rcpts[address] += 1
        scripted = self.script.get(address)
        if scripted:
            return scripted.pop(0)
        local = address.split("@")[0]
        if local.startswith("reply-"):
            return f"{local[6:9]} scripted refusal"
        if local == "drop-rcpt":
            server.transport.close()
            return "250 never heard"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.datas[envelope.rcpt_tos[0]] += 1
        local = envelope.rcpt_tos[0].split("@")[0]
        if local.startswith("data-"):
            return f"{local[5:8]} scripted refusal after the data"
        if local == "drop-data":
            server.transport.close()
            return "250 never heard"
        with self.lock:
            self.raw.append(envelope.original_content)
            self.inbox.append(message_from_bytes(envelope.original_content))
        session.accepted += 1
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(handler: ScriptedServer, **options: Any) -> Iterator[int]:
    """The server on 127.0.0.1 while the block runs; its port."""
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True, **options
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def listening_socket() -> Iterator[tuple[int, list[object]]]:
    """A TCP port on 127.0.0.1 that records every connection made to it (and says nothing)."""
    accepted: list[object] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                connection, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(peer)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1]), accepted
    finally:
        done.set()
        thread.join()
        listener.close()
