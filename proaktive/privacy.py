"""Keeping personal data out of text that people and logs see."""

from __future__ import annotations

import re

# What might be personal data in free text: identifiers and e-mail addresses. An
# identifier may have lost a leading zero (10 digits), gained a digit, or have a space
# (or a no-break space) after the date (`150765 12345`): every run of ten or more
# digits is masked, keeping the first six, as `mask()` in registry/identifiers.py does.
_IDENTIFIER = re.compile(r"(?<!\d)(\d{6})([ \u00a0]?)(\d{4,})(?!\d)")
_EMAIL = re.compile(r"[^\s'\"<>@]+@[^\s'\"<>@]+")


def _masked(found: re.Match[str]) -> str:
    date, space, rest = found.groups()
    return date + space + "*" * len(rest)


def redact(text: str) -> str:
    """Mask identifiers (`150765*****`) and replace e-mail addresses."""
    return _EMAIL.sub("<e-mail>", _IDENTIFIER.sub(_masked, text))
