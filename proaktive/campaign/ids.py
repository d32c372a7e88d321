"""Campaign ids that two files share: the send ledger knows a campaign by its id, so a
copied file that keeps the id would reach nobody who got the original."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from proaktive.errors import Location, Problem
from proaktive.files import CAMPAIGN_LIMIT
from proaktive.yamlfile import load_yaml

CAMPAIGN_SUFFIXES = (".yaml", ".yml")


def shared_ids(campaigns: Sequence[Path]) -> dict[Path, list[Problem]]:
    """For each of `campaigns` whose id another campaign file has too, the problem.

    The others are the files given and the other campaign files in their folders:
    a campaign copied to make a new one is checked against the original even when
    only the copy is validated.
    """
    given = _unique(campaigns)
    files = [*given, *_neighbours(given)]
    by_id: dict[str, list[tuple[Path, Location]]] = defaultdict(list)
    for path in files:
        found = _id_of(path)
        if found is not None:
            by_id[found[0]].append((path, found[1]))
    problems: dict[Path, list[Problem]] = {}
    for campaign_id, holders in by_id.items():
        for path, location in holders:
            others = [str(other) for other, _ in holders if other != path]
            if path in given and others:
                problems[path] = [
                    Problem(
                        location,
                        f"id '{campaign_id}' is also the id of {_join(others)}",
                        "the send ledger knows a campaign by its id: give each campaign its own",
                    )
                ]
    return problems


def _unique(paths: Sequence[Path]) -> list[Path]:
    seen: set[Path] = set()
    unique = []
    for path in paths:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique


def _neighbours(given: list[Path]) -> list[Path]:
    """The other campaign files in the folders of `given`, as paths under those folders."""
    known = {path.resolve() for path in given}
    found = []
    for folder in dict.fromkeys(path.parent for path in given):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in CAMPAIGN_SUFFIXES and path.is_file() and path.resolve() not in known:
                known.add(path.resolve())
                found.append(path)
    return found


def _id_of(path: Path) -> tuple[str, Location] | None:
    """The campaign id in the file, and where it is; None when it has none to read."""
    document = load_yaml(path, CAMPAIGN_LIMIT)
    if isinstance(document, list) or not isinstance(document.data, dict):
        return None
    campaign_id = document.data.get("id")
    if not isinstance(campaign_id, str):
        return None
    return campaign_id, document.location(("id",))


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
