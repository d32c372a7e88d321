"""The ledger's key, and the pseudonyms it makes of personal identifiers.

The ledger knows a person only by HMAC-SHA256(key, personidentifikator): a copy of
the ledger alone tells nobody who got what. The key is a file beside the ledger,
`<ledger>.key`, 32 random bytes, mode 0600. Losing it loses the ledger's memory
(every pseudonym changes), so a missing key is never quietly replaced while the
ledger records messages: a new key would send every campaign again to everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from proaktive.errors import LedgerError, Location

KEY_BYTES = 32


def key_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".key")


def pseudonym(key: bytes, personidentifikator: str) -> str:
    """The person's key in the ledger: the same for the same key, useless without it."""
    return hmac.new(key, personidentifikator.encode("ascii"), hashlib.sha256).hexdigest()


def create_key(path: Path) -> bytes:
    """A new random key, written with mode 0600; refuses to replace an existing file."""
    key = secrets.token_bytes(KEY_BYTES)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, key)
        os.fsync(descriptor)  # a ledger row must never outlive the key that made it
    finally:
        os.close(descriptor)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # nor the key's name in its folder
    finally:
        os.close(folder)
    return key


def create_or_read_key(path: Path) -> bytes:
    """A new key, or the one another command made a moment ago (then checked as any)."""
    try:
        return create_key(path)
    except FileExistsError:
        key = read_key(path)
        if key is None:  # made and deleted again in between: nothing to trust
            raise
        return key


def read_key(path: Path) -> bytes | None:
    """The key in `path`, or None when there is no such file. LedgerError when it is
    not a usable key: not a regular file, readable by others, or of the wrong size."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    where = Location(path)
    if not stat.S_ISREG(status.st_mode):
        raise LedgerError(
            "the ledger's key is not a regular file",
            where,
            "restore the key file from a backup",
        )
    if status.st_mode & 0o077:
        raise LedgerError(
            f"the ledger's key can be read by others (mode {stat.S_IMODE(status.st_mode):04o})",
            where,
            f"make it private with: chmod 600 {path}",
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise LedgerError(
            f"the ledger's key is {len(key)} bytes; a ledger key is {KEY_BYTES} bytes",
            where,
            "restore the key file from a backup; a new key would make the ledger "
            "forget everyone it has sent to",
        )
    return key
