"""`registry check`: what is in a registry folder, and every row that cannot be used."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proaktive.registry.exports import ADRESSER, FAMILIERELASJONER, KRR, PERSONER
from proaktive.registry.snapshot import DataError, Registry


@dataclass(frozen=True)
class FileSummary:
    name: str
    shown_as: str
    present: bool
    rows: int
    skipped: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistryCheck:
    folder: Path
    files: tuple[FileSummary, ...]
    errors: tuple[DataError, ...]
    warnings: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "registry": str(self.folder),
            "files": {
                summary.name: {
                    "present": summary.present,
                    "rows": summary.rows,
                    "skipped": summary.skipped,
                    **summary.counts,
                }
                for summary in self.files
            },
            "data_errors": [
                {"file": error.file, "line": error.line, "reason": error.reason}
                for error in self.errors
            ],
            "warnings": list(self.warnings),
        }


def check_registry(registry: Registry) -> RegistryCheck:
    """What each export of the snapshot holds, and every row that is not used."""
    summaries = []
    warnings: list[str] = []
    for report in registry.files.values():
        counts = _counts(registry, report.export.name) if report.present else {}
        summaries.append(
            FileSummary(
                report.export.name,
                report.shown_as,
                report.present,
                report.rows,
                report.skipped,
                counts,
            )
        )
        if not report.present:
            warnings.append(f"{report.shown_as} is missing: {report.export.needed_for} needs it")
    krr = next(summary for summary in summaries if summary.name == KRR.name)
    invalid_emails = krr.counts["invalid_email"]
    if invalid_emails:
        warnings.append(
            f"{krr.shown_as}: {invalid_emails} e-mail address"
            f"{'es are' if invalid_emails != 1 else ' is'} not valid "
            "(campaigns exclude them as invalid_email)"
        )
    return RegistryCheck(registry.folder, tuple(summaries), registry.errors, tuple(warnings))


def _grouped(registry: Registry, table: str, column: str, prefix: str) -> dict[str, int]:
    rows = registry.connection.execute(
        f"SELECT coalesce({column}, '(empty)'), count(*) FROM {table} GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return {f"{prefix}{value}": int(count) for value, count in rows}


def _counts(registry: Registry, name: str) -> dict[str, int]:
    con = registry.connection
    if name == PERSONER.name:
        counts = _grouped(registry, "personer", "status", "status_")
        (protected,) = con.execute("SELECT count(*) FROM personer WHERE beskyttet").fetchone() or (
            0,
        )
        counts["protected_address"] = int(protected)
        return counts
    if name == KRR.name:
        counts = _grouped(registry, "krr", "status", "status_")
        (reserved, no_email, invalid, unknown_language) = con.execute(
            """SELECT count(*) FILTER (WHERE reservert),
                count(*) FILTER (WHERE epostadresse IS NULL),
                count(*) FILTER (WHERE epostadresse IS NOT NULL AND NOT epost_gyldig),
                count(*) FILTER (WHERE spraak IS NULL)
            FROM krr"""
        ).fetchone() or (0, 0, 0, 0)
        counts.update(
            reserved=int(reserved),
            no_email=int(no_email),
            invalid_email=int(invalid),
            unknown_language=int(unknown_language),
        )
        return counts
    if name == FAMILIERELASJONER.name:
        return _grouped(registry, "familierelasjoner", "relatert_persons_rolle", "role_")
    if name == ADRESSER.name:
        counts = _grouped(registry, "adresser", "CAST(epsg AS VARCHAR)", "epsg_")
        (with_coordinates,) = con.execute(
            "SELECT count(*) FROM adresser WHERE nord IS NOT NULL AND ost IS NOT NULL"
        ).fetchone() or (0,)
        counts["with_coordinates"] = int(with_coordinates)
        return counts
    return {}
