"""The snapshot: the exports checked once into a DuckDB file that every command queries.

Before any use, each export's signature and proaktive's rules version are
compared with what the snapshot was built from; any difference rebuilds it
first. A build writes a temporary file in the same folder and renames it over
the old snapshot only when it is complete, holding a lock file so that a second
command waits for it instead of building too. A command then opens the
snapshot read-only and checks, in the file it opened, that it stands for the
exports as they are: a snapshot is never older than the files it stands for.

The snapshot holds the same personal data as the exports: mode 0600, in a
folder of mode 0700 when proaktive creates it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from proaktive.errors import Location, RegistryError
from proaktive.registry.build import BuiltExport, build_tables, remove_quietly, signature
from proaktive.registry.csv_export import shown
from proaktive.registry.exports import EXPORT_FILES, ExportFile
from proaktive.sql import sql_text

OSLO = ZoneInfo("Europe/Oslo")


def _rules_version() -> str:
    """Changes with anything that decides what a snapshot holds: then it is built again.

    The source of the modules that check and type the rows, and DuckDB's version:
    any edit of a rule, a format or the build itself, never a forgotten number.
    """
    from proaktive.registry import build, csv_export, email, exports, identifiers, rules

    digest = hashlib.sha256(duckdb.__version__.encode("utf-8"))
    for module in (build, csv_export, email, exports, identifiers, rules):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


RULES_VERSION = _rules_version()

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DataError:
    """One row of an export that proaktive will not use, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class ExportState:
    """One export file as the snapshot knows it."""

    export: ExportFile
    shown_as: str
    present: bool
    rows: int  # data rows in the file, good and bad
    skipped: int  # rows not used because of a data error
    modified: dt.datetime | None  # the export's time (its modification time)


class Registry:
    """An open snapshot: the typed tables of one registry folder, read-only.

    Tables: `personer` (with `beskyttet`), `krr` (with `reservert`),
    `familierelasjoner` and `adresser` when those files are present, and
    `rejected`. Commands may add TEMP tables of their own.
    """

    def __init__(
        self,
        folder: Path,
        connection: duckdb.DuckDBPyConnection,
        files: dict[str, ExportState],
    ) -> None:
        self.folder = folder
        self.connection = connection
        self.files = files

    @property
    def errors(self) -> tuple[DataError, ...]:
        """Every row that is not used, in file order, file by file."""
        order = {export.name: number for number, export in enumerate(EXPORT_FILES)}
        rows = self.connection.execute("SELECT file, line, reason FROM rejected").fetchall()
        rows.sort(key=lambda row: (order[row[0]], row[1]))
        return tuple(
            DataError(self.files[file].shown_as, line, reason) for file, line, reason in rows
        )

    @property
    def skipped_rows(self) -> int:
        return sum(state.skipped for state in self.files.values())

    def has(self, export: ExportFile) -> bool:
        return self.files[export.name].present

    def require(self, export: ExportFile) -> None:
        if not self.has(export):
            raise RegistryError(
                f"{export.name} is missing, and {export.needed_for} needs it",
                Location(self.files[export.name].shown_as),
                hint=f"put the {export.register} export in the registry folder",
            )

    def old_exports(
        self, exports: tuple[ExportFile, ...], limits: dict[str, int], today: dt.date
    ) -> list[str]:
        """A warning for each of `exports` older than its limit in days, measured to `today`."""
        warnings = []
        for export in exports:
            state = self.files[export.name]
            limit = limits.get(export.name.removesuffix(".csv"))
            if state.modified is None or limit is None:
                continue
            age = (today - state.modified.astimezone(OSLO).date()).days
            if age > limit:
                warnings.append(
                    f"{state.shown_as} is {age} days old (exported "
                    f"{state.modified.astimezone(OSLO):%Y-%m-%d %H:%M}; the limit is {limit}): "
                    "it may miss deaths, moves and new reservations"
                )
        return warnings

    def close(self) -> None:
        self.connection.close()


def open_registry(
    folder: Path,
    snapshot: Path,
    *,
    progress: Progress | None = None,
    threads: int | None = None,
) -> Registry:
    """The snapshot of `folder` at `snapshot`, rebuilt first if it is stale or missing.

    Raises RegistryError when an export cannot be read at all (missing, not
    UTF-8, required columns missing); bad rows never raise.
    """
    folder = folder.resolve()
    say = progress or (lambda _: None)
    registry = _open_if_current(folder, snapshot, threads)
    if registry is not None:
        return registry
    try:
        _make_folder(snapshot.parent)
        with _build_lock(snapshot):
            # Another command may have built it while this one waited for the lock.
            registry = _open_if_current(folder, snapshot, threads)
            if registry is None:
                _build(folder, snapshot, say)
                registry = _open_if_current(folder, snapshot, threads)
    except (OSError, duckdb.IOException) as error:
        reason = getattr(error, "strerror", None) or "DuckDB could not write it"
        raise RegistryError(
            f"cannot write the snapshot of the registry here ({reason})",
            Location(shown(snapshot)),
            hint="check the settings' 'snapshot' path and that you may write in its folder",
        ) from None
    if registry is None:
        raise RegistryError(
            "the exports changed while proaktive checked them",
            Location(shown(folder)),
            hint="run the command again when the new export is complete",
        )
    return registry


def drop_snapshot(snapshot: Path) -> bool:
    """Delete the snapshot (the exports are the source of truth). False: there was none."""
    if not snapshot.exists():
        return False
    with _build_lock(snapshot):
        remove_quietly(snapshot)
        remove_quietly(snapshot.with_name(snapshot.name + ".wal"))
    return True


def _open_if_current(folder: Path, snapshot: Path, threads: int | None) -> Registry | None:
    """The snapshot opened read-only, if it stands for the exports as they are now."""
    if not snapshot.is_file():
        return None
    con = duckdb.connect(config={"threads": threads} if threads else {})
    try:
        con.execute(f"ATTACH {sql_text(str(snapshot))} AS snapshot (READ_ONLY)")
        con.execute("USE snapshot")
        info = con.execute("SELECT rules_version, registry FROM snapshot_info").fetchone()
        rows = con.execute(
            "SELECT name, signature, modified_ns, rows, skipped FROM exports"
        ).fetchall()
    except duckdb.Error:
        con.close()  # unreadable, or from another version of proaktive: built again
        return None
    built = {
        name: BuiltExport(name, sig, modified, rows, skipped)
        for name, sig, modified, rows, skipped in rows
    }
    current = info == (RULES_VERSION, str(folder)) and set(built) == {
        export.name for export in EXPORT_FILES
    }
    current = current and all(
        built[export.name].signature == signature(folder / export.name) for export in EXPORT_FILES
    )
    if not current:
        con.close()
        return None
    files = {}
    for export in EXPORT_FILES:
        entry = built[export.name]
        files[export.name] = ExportState(
            export,
            shown(folder / export.name),
            entry.signature is not None,
            entry.rows,
            entry.skipped,
            dt.datetime.fromtimestamp(entry.modified_ns / 1e9, dt.UTC) if entry.signature else None,
        )
    return Registry(folder, con, files)


def _build(folder: Path, snapshot: Path, progress: Progress) -> None:
    """Write a new snapshot beside the old one, and rename it into place when complete."""
    for leftover in snapshot.parent.glob(f".{snapshot.name}.*.building*"):
        remove_quietly(leftover)  # from a build that was killed: we hold the lock
    building = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.building")
    previous_mask = os.umask(0o077)  # the file, its WAL and DuckDB's spill files: 0600
    try:
        con = duckdb.connect(str(building))
        try:
            exports = build_tables(con, folder, shown, progress)
            con.execute("CREATE TABLE snapshot_info (rules_version VARCHAR, registry VARCHAR)")
            con.execute("INSERT INTO snapshot_info VALUES (?, ?)", [RULES_VERSION, str(folder)])
            con.execute(
                "CREATE TABLE exports (name VARCHAR, signature VARCHAR, modified_ns BIGINT, "
                "rows BIGINT, skipped BIGINT)"
            )
            con.executemany(
                "INSERT INTO exports VALUES (?, ?, ?, ?, ?)",
                [[e.name, e.signature, e.modified_ns, e.rows, e.skipped] for e in exports],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.chmod(building, 0o600)
        os.replace(building, snapshot)
    finally:
        os.umask(previous_mask)
        remove_quietly(building)
        remove_quietly(building.with_name(building.name + ".wal"))


def _make_folder(folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)


@contextlib.contextmanager
def _build_lock(snapshot: Path) -> Iterator[None]:
    """Held while the snapshot is built or dropped; the system frees it when a process dies."""
    path = snapshot.with_name(snapshot.name + ".lock")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def forget_old_memo() -> None:
    """Delete the checked-exports memo that earlier versions kept (the snapshot replaces it)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    remove_quietly(Path(cache) / "proaktive" / "checked-exports.json")
