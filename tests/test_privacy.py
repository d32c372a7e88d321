"""`redact`: no identifier or e-mail address in text that people and logs see."""

from __future__ import annotations

import pytest

from proaktive.privacy import redact


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("01818810888", "018188*****"),
        ("KeyError: '01818810888'", "KeyError: '018188*****'"),
        ("1507651234", "150765****"),  # a spreadsheet dropped a leading zero
        ("150765123456", "150765******"),  # a digit too many
        ("150765 12345", "150765 *****"),
        ("150765\u00a012345", "150765\u00a0*****"),
        ("id=01818810888,01818810889.", "id=018188*****,018188*****."),
        ("kari@example.no wrote", "<e-mail> wrote"),
        ("150765 1234", "150765 ****"),
        (
            "2026-11-30, line 412, 123456789, 12345 67890",
            "2026-11-30, line 412, 123456789, 12345 67890",
        ),
    ],
)
def test_redact(text: str, redacted: str) -> None:
    assert redact(text) == redacted
