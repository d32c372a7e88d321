"""Which export files proaktive has already checked, so it need not check them again.

Checking every rule on every row costs more than reading the file. An export
is written once by the integration job and then read by many commands, so the
first command that reads a file in full notes here what it found: the row
counts, and which rows broke a rule, each by a hash of its text and one of its
key (the identifier), both keyed with a secret from the file itself
(`row_hashes`). Later commands read the same, unchanged file without checking
its rows again: a row whose key hashes to one of the bad rows' is skipped, every
other row is good. That needs only the key column, so it costs little; every
such query counts the rows it skipped, and when a good row shares its key with a
bad one, the count shows it and the whole rows' hashes decide instead. When the
count is wrong even so, the entry is forgotten and the file checked in full; so
is an entry that does not add up. (An entry edited to be wrong and yet add up,
say one that lists no bad rows for a file that has some, is believed: the memo
is the user's own file, mode 0600, like the exports it describes.) A
rule decides from a row's text alone, so rows with equal text get the same
verdict; a file in which a good and a bad row have the same text (a repeated
row, where the first wins) is not remembered.

"Unchanged" is the file's size, modification and change times (nanoseconds)
and inode, taken before the file is first read: a rewrite changes them, and the
change time cannot be set back by any tool. A change to the rules, the export
formats, the memo's own format or DuckDB changes `RULES_FINGERPRINT`, which
forgets every entry. The memo holds no personal data: paths, stat numbers, row
counts, and keyed hashes that cannot be traced back, or checked against a
guess, without the export itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from proaktive.registry.exports import EXPORT_FILES
from proaktive.registry.row_hashes import BUCKET_BITS, BadRow
from proaktive.registry.rules import RULES, TYPED_COLUMNS

# Raise it when what a check finds, or how rows are read or hashed, changes in a
# way that RULES and TYPED_COLUMNS do not show.
MEMO_FORMAT = 5
_FORMATS = [(e.name, e.separator, e.columns, e.key) for e in EXPORT_FILES]
RULES_FINGERPRINT = hashlib.sha256(
    json.dumps(
        [MEMO_FORMAT, RULES, TYPED_COLUMNS, _FORMATS, duckdb.__version__], sort_keys=True
    ).encode("utf-8")
).hexdigest()[:16]

# A file with more bad rows than this is checked on every read: it is broken
# enough that somebody should fix the export, and the memo stays small.
MOST_BAD_ROWS_REMEMBERED = 10_000


@dataclass(frozen=True)
class CheckedFile:
    """What a full read of an export file found."""

    rows: int  # data rows, good and bad, unreadable lines included
    skipped: int  # rows not used: the bad rows and the unreadable lines
    bad: int  # the rows that broke a rule (the others of `skipped` were unreadable)
    bad_rows: frozenset[BadRow]  # the hashes of each (`row_hashes.bad_row_sql`)
    # Whether the bad rows may be told by their keys' hashes: not when a good row
    # has the key of a bad one, or the file has no key.
    by_key: bool


def file_signature(path: Path) -> str:
    status = path.stat()
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


class CheckedFiles:
    """A small JSON file: absolute export path → signature and what its check found."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, dict[str, object]] = {}
        if path is not None and path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                stored = {}  # an unreadable memo only costs a check
            if isinstance(stored, dict) and stored.get("rules") == RULES_FINGERPRINT:
                entries = stored.get("files")
                self._entries = entries if isinstance(entries, dict) else {}

    def known(self, export: Path, signature: str) -> CheckedFile | None:
        """What the file's check found when it had this signature, else None."""
        entry = self._entries.get(str(export.resolve()))
        if not isinstance(entry, dict) or entry.get("signature") != signature:
            return None
        rows, skipped, bad = (_count(entry.get(name)) for name in ("rows", "skipped", "bad"))
        bad_rows, by_key = _bad_rows(entry.get("bad_rows")), entry.get("by_key")
        # An entry that does not add up (edited by hand, say) only costs a check.
        if rows is None or skipped is None or bad is None or bad_rows is None:
            return None
        if not bad <= skipped <= rows or not isinstance(by_key, bool):
            return None
        # Hashes exactly when there are bad rows, and no more of them than bad rows.
        if (bad == 0) != (not bad_rows) or len(bad_rows) > bad:
            return None
        if by_key and any(key is None for _, key, _ in bad_rows):
            return None
        return CheckedFile(rows, skipped, bad, bad_rows, by_key)

    def forget(self, export: Path) -> None:
        """Drop what the memo says of the file: it will be checked in full."""
        if self._entries.pop(str(export.resolve()), None) is not None:
            self._write()

    def remember(self, export: Path, signature: str, checked: CheckedFile) -> None:
        """Note what a full read of the file, as it was when `signature` was taken, found.

        The signature must be taken before the read, and the file must be seen
        unchanged after it (`Registry.confirm_unchanged`): a file replaced while it
        was read is never remembered.
        """
        if self.path is None or len(checked.bad_rows) > MOST_BAD_ROWS_REMEMBERED:
            return
        self._entries[str(export.resolve())] = {
            "signature": signature,
            "rows": checked.rows,
            "skipped": checked.skipped,
            "bad": checked.bad,
            "bad_rows": [list(row) for row in sorted(checked.bad_rows, key=str)],
            "by_key": checked.by_key,
        }
        self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a reader never sees half a file, even with two writers.
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"rules": RULES_FINGERPRINT, "files": self._entries}, file, indent=1)
        temporary.replace(self.path)


def _count(value: object) -> int | None:
    """A count from the memo, or None when it is not one (bool is an int in Python)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _hash(value: object, bits: int) -> int | None:
    count = _count(value)
    return count if count is not None and count < 1 << bits else None


def _bad_rows(values: object) -> frozenset[BadRow] | None:
    """The bad rows' hashes from the memo, or None when the value is not a list of them."""
    if not isinstance(values, list):
        return None
    bad_rows: set[BadRow] = set()
    for value in values:
        if not isinstance(value, list) or len(value) != 3:
            return None
        row, key, bucket = _hash(value[0], 64), _hash(value[1], 64), _hash(value[2], BUCKET_BITS)
        if row is None or bucket is None or (key is None and value[1] is not None):
            return None
        bad_rows.add((row, key, bucket))
    return frozenset(bad_rows)


def default_memo_path() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "proaktive" / "checked-exports.json"
