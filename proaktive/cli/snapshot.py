"""Opening the registry's snapshot for a command, with a status line while it is built."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proaktive.registry.snapshot import Registry
    from proaktive.settings import Paths


def open_snapshot(where: Paths) -> Registry:
    """The snapshot of the command's registry folder, built first when it is stale."""
    from proaktive.cli.output import plain, stderr
    from proaktive.registry.snapshot import forget_old_memo, open_registry

    folder = where.require_registry()
    forget_old_memo()
    with stderr.status("Opening the registry…") as status:
        return open_registry(
            folder,
            where.settings.snapshot,
            progress=lambda message: status.update(plain(message)),  # it may name files
        )
