"""`send --dry-run --out DIR`: each message as an `.eml` file any mail client opens.

The files hold names and addresses of real people: each is readable by its owner
only (0600), in a folder made 0700 when it has to be made.
"""

from __future__ import annotations

import os
from pathlib import Path

from proaktive.delivery.run import Messages
from proaktive.errors import FileError, Location


def write_eml(folder: Path, messages: Messages) -> list[Path]:
    """One file per message, numbered in the order given (never named by a person),
    each written as it is read."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise FileError(f"cannot make the folder ({error.strerror})", Location(folder)) from None
    if not folder.is_dir():
        raise FileError("not a folder", Location(folder))
    width = max(len(str(len(messages))), 4)
    written = []
    for number, message in enumerate(messages, start=1):
        path = folder / f"{number:0{width}d}.eml"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)  # also when the file was there before
            with os.fdopen(descriptor, "wb") as file:
                file.write(message.data)
        except OSError as error:
            raise FileError(f"cannot write ({error.strerror})", Location(path)) from None
        written.append(path)
    return written
