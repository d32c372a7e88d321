"""Reading the files an operator points proaktive at: regular files of a bounded size only.

A path in a campaign or the settings may name anything: `/dev/zero` would fill the
memory, a FIFO would hang the command for ever, a log file by mistake would take
minutes. So a file is read only when it is a regular file no larger than the limit
for its kind, and the error says which it was, naming the file:
`campaigns/x.yaml: not a regular file`, `...: too large (3.2 MiB; at most 1 MiB)`.

Use `read_text` (or `read_bytes`) with the kind's limit; `check_file` is for code
that must hand the path to a reader of its own (and still checks before it opens).
A new kind of file (a template) adds its limit below and calls `read_text` with it;
`FileError` is a `ProaktiveError`, so it may simply be let through to the command line.
"""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

from proaktive.errors import FileError, Location

MiB = 1024 * 1024

# The most each kind of file may hold: far above any real one, far below harm.
CAMPAIGN_LIMIT = 1 * MiB
SETTINGS_LIMIT = 1 * MiB
AREA_LIMIT = 50 * MiB
OPT_OUT_LIST_LIMIT = 50 * MiB
TEMPLATE_LIMIT = 1 * MiB  # a message template or the layout

_CHUNK = 1 * MiB


def check_file(path: Path, limit: int, *, shown_as: Path | str | None = None) -> None:
    """Raise `FileError` unless `path` is a regular file of at most `limit` bytes.

    Only looks (`stat`), never opens: opening a FIFO waits for a writer.
    """
    where = Location(shown_as if shown_as is not None else path)
    try:
        status = path.stat()
    except FileNotFoundError:
        raise FileError("file not found", where) from None
    except OSError as error:
        raise FileError(f"cannot read the file ({error.strerror})", where) from None
    _check_status(status, limit, where)


def read_bytes(path: Path, limit: int, *, shown_as: Path | str | None = None) -> bytes:
    """The whole file, when it is a regular file of at most `limit` bytes; else `FileError`."""
    where = Location(shown_as if shown_as is not None else path)
    check_file(path, limit, shown_as=shown_as)
    try:
        # Non-blocking, should the path have become a FIFO since it was checked.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise FileError(f"cannot read the file ({error.strerror})", where) from None
    with os.fdopen(descriptor, "rb") as file:
        _check_status(os.fstat(descriptor), limit, where)
        chunks: list[bytes] = []
        size = 0
        # Read no more than the limit allows: files in /proc say they are empty.
        try:
            while chunk := file.read(min(_CHUNK, limit + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise FileError(f"too large (at most {_mib(limit)})", where)
        except OSError as error:
            raise FileError(f"cannot read the file ({error.strerror})", where) from None
    return b"".join(chunks)


def read_text(path: Path, limit: int, *, shown_as: Path | str | None = None) -> str:
    """The whole file as UTF-8 text (a byte order mark is dropped); else `FileError`."""
    data = read_bytes(path, limit, shown_as=shown_as)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        where = Location(shown_as if shown_as is not None else path)
        raise FileError("not UTF-8 text", where, "save the file as UTF-8") from None


def _check_status(status: os.stat_result, limit: int, where: Location) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise FileError("is a folder, not a file", where)
    if not stat.S_ISREG(status.st_mode):
        raise FileError("not a regular file", where)
    if status.st_size > limit:
        raise FileError(f"too large ({_mib(status.st_size)}; at most {_mib(limit)})", where)


def _mib(size: int) -> str:
    """Rounded up to a tenth, so that a file just over the limit never shows as on it."""
    tenths = math.ceil(size * 10 / MiB)
    return f"{tenths // 10} MiB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MiB"
