"""One SMTP connection that hands over one message at a time and says what became of it.

The outcome of a message decides whether it may ever be sent again
(`shared/spec/delivery.md`), so the reply is read step by step rather than
through `smtplib.sendmail`, which cannot tell where a lost connection struck:

- 2xx after the message data: `sent`;
- 5xx to any step: `failed` (never retried);
- 4xx to any step, or a connection lost before the data went out: `deferred`;
- a connection lost after the data went out, before the server's reply: `unknown`
  (it may have been delivered: for citizen mail one missing message is better than two).

A failed login (535) or TLS that cannot be had stops the whole run (`RunStopped`):
nothing is sent over a connection that did not get what the settings ask for.

`before_data` runs once the server has accepted the envelope and before the message
goes out: a send run waits there for its `attempting` row to be committed, so that
the commit and the envelope's round trips overlap (`after_mail`, once MAIL is
accepted, is where it asks for that commit). When `before_data` raises, the
transaction is reset (nothing was handed over) and the error goes to the caller.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from proaktive.errors import ProaktiveError
from proaktive.settings import SmtpSettings

State = Literal["sent", "failed", "deferred", "unknown"]


@dataclass(frozen=True)
class Outcome:
    state: State
    reply: str  # the server's reply, e.g. "250 2.0.0 Ok: queued", or what went wrong


class RunStopped(ProaktiveError):
    """The server cannot be used at all (login refused, no TLS): stop before anyone is marked."""


class SmtpConnection:
    """A connection to the settings' SMTP server, opened when first needed and after a loss."""

    def __init__(self, settings: SmtpSettings, password: str | None) -> None:
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def send(
        self,
        sender: str,
        recipient: str,
        data: bytes,
        *,
        after_mail: Callable[[], None] | None = None,
        before_data: Callable[[], None] | None = None,
    ) -> Outcome:
        """Hand over one message for one recipient (`data`: RFC 5322 bytes, CRLF lines)."""
        try:
            smtp = self._connection()
        except RunStopped:
            raise
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return Outcome("deferred", f"could not connect: {_describe(error)}")
        smtputf8 = not (sender.isascii() and recipient.isascii())
        try:
            options = ["SMTPUTF8"] if smtputf8 else []
            if smtputf8 and not smtp.has_extn("smtputf8"):
                return Outcome("failed", "the server does not take internationalised addresses")
            code, reply = smtp.mail(sender, options)
            if code >= 300:
                return self._refused(code, reply)
            if after_mail is not None:
                after_mail()
            code, reply = smtp.rcpt(recipient)
            if code >= 300:
                return self._refused(code, reply)
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return Outcome("deferred", f"connection lost before the message: {_describe(error)}")
        if before_data is not None:
            try:
                before_data()
            except BaseException:
                self._reset()
                raise
        try:
            code, reply = smtp.docmd("DATA")
            if code != 354:
                return self._refused(code, reply)
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return Outcome("deferred", f"connection lost before the message: {_describe(error)}")
        try:
            smtp.send(_dot_stuffed(data))
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return Outcome("unknown", f"connection lost after the message: {_describe(error)}")
        if 200 <= code < 300:
            return Outcome("sent", _reply(code, reply))
        return self._refused(code, reply)

    def open(self) -> None:
        """Connect (and log in) now; `RunStopped`, or OSError / SMTPException when the
        server cannot be reached. A run opens its connections before it records any
        attempt, so that a server it cannot use leaves nobody marked."""
        self._connection()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()

    def _refused(self, code: int, reply: bytes) -> Outcome:
        """A refusal of one step: the transaction is reset, so the connection serves on."""
        self._reset()
        if code == 421:  # the server closes the connection
            self._drop()
        return Outcome("failed" if code >= 500 else "deferred", _reply(code, reply))

    def _reset(self) -> None:
        """End the transaction begun (RSET); a connection that cannot is dropped."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        settings = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        try:
            if settings.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout_s, context=context
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
            smtp.ehlo()
            if settings.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise RunStopped(
                        f"{settings.host}:{settings.port} does not offer STARTTLS, and the "
                        "settings ask for it: nothing was sent",
                        hint="check smtp.security and smtp.port in the settings",
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
        except ssl.SSLError as error:
            raise RunStopped(
                f"TLS with {settings.host}:{settings.port} failed ({error.reason}): "
                "nothing was sent",
                hint="check smtp.security, smtp.port and the server's certificate",
            ) from None
        if settings.username:
            try:
                smtp.login(settings.username, self._password or "")
            except smtplib.SMTPAuthenticationError as error:
                smtp.close()
                raise RunStopped(
                    f"{settings.host} refused the login of {settings.username} "
                    f"({error.smtp_code}): nothing was sent",
                    hint=f"check smtp.username and the password in ${settings.password_env}",
                ) from None
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
        self._smtp = None


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA sends it: a leading dot doubled, ended by CRLF.CRLF."""
    stuffed = data.replace(b"\r\n.", b"\r\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def _reply(code: int, reply: bytes) -> str:
    return f"{code} {reply.decode('utf-8', errors='replace')}".strip()


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
