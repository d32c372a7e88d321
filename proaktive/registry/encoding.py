"""Guess what encoding a file that is not UTF-8 is in, to tell the operator."""

from __future__ import annotations

from pathlib import Path

_SAMPLE_BYTES = 1 << 20


def describe_encoding(path: Path) -> str:
    """A short guess, e.g. 'Windows-1252 (or ISO-8859-1)' for a typical Excel export."""
    with path.open("rb") as file:
        sample = file.read(_SAMPLE_BYTES)
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in sample[:1000]:
        return "UTF-16"
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return "an unknown encoding"
    # Excel on Windows saves 'CSV' as Windows-1252; æøå are then single bytes.
    if any(byte in sample for byte in (0xE6, 0xF8, 0xE5, 0xC6, 0xD8, 0xC5)):
        return "Windows-1252 (or ISO-8859-1)"
    return "Windows-1252 (or another one-byte encoding)"
