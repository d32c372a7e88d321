"""Which export files proaktive has already found clean, so it need not check them again.

Checking every rule on every row costs more than reading the file. An export
is written once by the integration job and then read by many commands, so the
first command that reads a file in full and finds no bad row, no unreadable
line and no duplicate identifier notes that here; later commands read the same,
unchanged file without checking its rows again.

"Unchanged" is the file's size, modification and change times (nanoseconds)
and inode: a rewrite changes them, and the change time cannot be set back by
any tool. A change to the rules themselves changes `RULES_FINGERPRINT`, which
forgets every entry. The memo holds no personal data: paths, stat numbers and
row counts only.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from proaktive.registry.rules import RULES, TYPED_COLUMNS

RULES_FINGERPRINT = hashlib.sha256(
    json.dumps([RULES, TYPED_COLUMNS], sort_keys=True).encode("utf-8")
).hexdigest()[:16]


def file_signature(path: Path) -> str:
    status = path.stat()
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


class CleanFiles:
    """A small JSON file: absolute export path → signature and row count when found clean."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, dict[str, object]] = {}
        if path is not None and path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = {}  # an unreadable memo only costs a check
            if isinstance(stored, dict) and stored.get("rules") == RULES_FINGERPRINT:
                entries = stored.get("files")
                self._entries = entries if isinstance(entries, dict) else {}

    def rows_if_clean(self, export: Path, signature: str) -> int | None:
        """The file's row count when it was found clean with this signature, else None."""
        entry = self._entries.get(str(export.resolve()))
        if not entry or entry.get("signature") != signature:
            return None
        rows = entry.get("rows")
        return rows if isinstance(rows, int) else None

    def remember_clean(self, export: Path, signature: str, rows: int) -> None:
        """Note that the file, as it was when `signature` was taken, was read and is clean.

        The signature must be taken before the read, and the file must be seen
        unchanged after it (`Registry.confirm_unchanged`): a file replaced while it
        was read is never remembered as clean.
        """
        if self.path is None:
            return
        self._entries[str(export.resolve())] = {"signature": signature, "rows": rows}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a reader never sees half a file, even with two writers.
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump({"rules": RULES_FINGERPRINT, "files": self._entries}, file, indent=1)
        temporary.replace(self.path)


def default_memo_path() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "proaktive" / "clean-exports.json"
