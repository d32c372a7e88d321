"""A campaign's content hash: everything that decides what a citizen reads or who is chosen.

The bytes of the campaign file, of every file in its template folder (every
language), of the layout `_layout.html.j2` beside the template folders when there
is one, of its area files, and the sender as resolved. Each file has a hash of its
own, so that a refusal can name the file that changed; the content hash is the hash
of those (name, hash) pairs. Names do not depend on where the project lies, so that
moving it or running from another folder keeps the hash.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from proaktive.campaign.model import AllOf, AnyOf, Area, Campaign, Criterion, Not

LAYOUT = "_layout.html.j2"
SENDER = "sender"  # the name of the resolved sender among the files


@dataclass(frozen=True)
class ContentHash:
    digest: str  # SHA-256, hex
    files: dict[str, str]  # name → SHA-256 of its bytes, hex

    @property
    def short(self) -> str:
        return self.digest[:12]

    def changed_since(self, earlier: dict[str, str]) -> tuple[str, ...]:
        """The names whose content differs from `earlier`'s, or that one of them lacks."""
        names = sorted(set(self.files) | set(earlier))
        return tuple(name for name in names if self.files.get(name) != earlier.get(name))


def content_hash(campaign: Campaign) -> ContentHash:
    """The content hash of `campaign` as its files are now."""
    files = {campaign.source.name: _file_hash(campaign.source)}
    templates = campaign.template_folder.parent
    for path in sorted(_files_under(campaign.template_folder)):
        name = path.relative_to(templates).as_posix()
        files[f"templates/{name}"] = _file_hash(path)
    layout = templates / LAYOUT
    if layout.is_file():
        files[f"templates/{LAYOUT}"] = _file_hash(layout)
    for area in sorted({criterion.file for criterion in _areas(campaign.audience)}):
        files[Path(os.path.relpath(area, campaign.source.parent)).as_posix()] = _file_hash(area)
    sender = f"From: {campaign.sender.from_}\nReply-To: {campaign.sender.reply_to or ''}\n"
    files[SENDER] = hashlib.sha256(sender.encode("utf-8")).hexdigest()
    return ContentHash(_digest(files), files)


def _digest(files: dict[str, str]) -> str:
    whole = hashlib.sha256()
    for name in sorted(files):
        whole.update(f"{name}\0{files[name]}\n".encode())
    return whole.hexdigest()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_under(folder: Path) -> Iterator[Path]:
    # Every file, hidden ones too: what is in the folder is what a template may include.
    for root, _, names in os.walk(folder):
        for name in names:
            yield Path(root) / name


def _areas(criterion: Criterion) -> Iterator[Area]:
    match criterion:
        case AllOf(items) | AnyOf(items):
            for item in items:
                yield from _areas(item)
        case Not(item):
            yield from _areas(item)
        case Area():
            yield criterion
