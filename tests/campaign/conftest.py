"""Campaign files written into tmp_path, and settings whose templates folder is there too."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import write_layout

from proaktive.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A templates folder with one template, `t`, in Bokmål."""
    folder = tmp_path / "templates"
    (folder / "t").mkdir(parents=True)
    (folder / "t" / "nb.md.j2").write_text("---\nsubject: Hei\n---\nHei\n", encoding="utf-8")
    write_layout(folder)
    return folder


@pytest.fixture
def settings(templates: Path) -> Settings:
    return dataclasses.replace(load_settings(None), templates=templates)


@pytest.fixture
def write_campaign(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML to campaigns/NAME in the current folder (tmp_path); return the path as given."""

    def write(text: str, name: str = "c.yaml") -> Path:
        path = Path("campaigns") / name
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
