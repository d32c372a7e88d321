"""Sender addresses (`from`, `reply_to`) in a campaign or the settings file.

Both are checked the same way, when the file is read: an address that email-validator
refuses would otherwise only show when the first message is sent.
"""

from __future__ import annotations

from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

from proaktive.schema_problems import input_problem


def checked_sender(value: str | None) -> str | None:
    """`value` ("Name <address>" or an address) when its address is valid; else a problem."""
    if value is None:
        return value
    _, address = parseaddr(value)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        raise input_problem(
            f"{value!r} is not an e-mail address", reason[:1].lower() + reason[1:]
        ) from None
    return value
