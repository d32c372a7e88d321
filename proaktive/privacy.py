"""Keeping personal data out of text that people and logs see."""

from __future__ import annotations

import re

# What might be personal data in free text: identifiers and e-mail addresses.
_IDENTIFIER = re.compile(r"(?<!\d)(\d{6})\d{5}(?!\d)")
_EMAIL = re.compile(r"[^\s'\"<>@]+@[^\s'\"<>@]+")


def redact(text: str) -> str:
    """Mask 11-digit identifiers (`150765*****`) and replace e-mail addresses."""
    return _EMAIL.sub("<e-mail>", _IDENTIFIER.sub(r"\1*****", text))
