"""The content hash: every byte that decides what a citizen reads or who is chosen, per file."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from builders import make_campaign

from proaktive.campaign.model import AllOf, Area, Campaign, Not, Postcode, Sender
from proaktive.ledger import content_hash


def project(folder: Path) -> Campaign:
    """A campaign file, a template in two languages, a layout and an area, on disk."""
    (folder / "campaigns" / "areas").mkdir(parents=True)
    (folder / "templates" / "test").mkdir(parents=True)
    (folder / "templates" / "other").mkdir()
    source = folder / "campaigns" / "test.yaml"
    source.write_text("id: test\n", encoding="utf-8")
    (folder / "templates" / "test" / "nb.md.j2").write_text("Hei!\n", encoding="utf-8")
    (folder / "templates" / "test" / "en.md.j2").write_text("Hello!\n", encoding="utf-8")
    (folder / "templates" / "_layout.html.j2").write_text("<p>{{ body }}</p>\n", encoding="utf-8")
    (folder / "templates" / "other" / "nb.md.j2").write_text("Annet\n", encoding="utf-8")
    area = folder / "campaigns" / "areas" / "trench.geojson"
    area.write_text('{"type": "Point"}\n', encoding="utf-8")
    return dataclasses.replace(
        make_campaign(AllOf((Postcode(("0150",)), Not(Area(area, 30.0))))),
        source=source,
        template_folder=folder / "templates" / "test",
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_every_file_has_its_own_hash(tmp_path: Path) -> None:
    content = content_hash(project(tmp_path))
    assert content.files == {
        "test.yaml": sha256(b"id: test\n"),
        "templates/test/en.md.j2": sha256(b"Hello!\n"),
        "templates/test/nb.md.j2": sha256(b"Hei!\n"),
        "templates/_layout.html.j2": sha256(b"<p>{{ body }}</p>\n"),
        "areas/trench.geojson": sha256(b'{"type": "Point"}\n'),
        "sender": sha256(b"From: Oslo kommune <ikke-svar@oslo.kommune.no>\nReply-To: \n"),
    }
    assert len(content.digest) == 64 and content.short == content.digest[:12]


@pytest.mark.parametrize(
    ("changed", "name"),
    [
        ("campaigns/test.yaml", "test.yaml"),
        ("templates/test/nb.md.j2", "templates/test/nb.md.j2"),
        ("templates/test/en.md.j2", "templates/test/en.md.j2"),
        ("templates/_layout.html.j2", "templates/_layout.html.j2"),
        ("campaigns/areas/trench.geojson", "areas/trench.geojson"),
    ],
)
def test_one_character_changed_changes_the_hash_and_names_the_file(
    tmp_path: Path, changed: str, name: str
) -> None:
    campaign = project(tmp_path)
    before = content_hash(campaign)
    path = tmp_path / changed
    path.write_bytes(path.read_bytes().replace(b"\n", b".\n", 1))
    after = content_hash(campaign)
    assert after.digest != before.digest
    assert after.changed_since(before.files) == (name,)


def test_a_new_template_file_and_a_new_sender_change_the_hash(tmp_path: Path) -> None:
    campaign = project(tmp_path)
    before = content_hash(campaign)
    (tmp_path / "templates" / "test" / "se.md.j2").write_text("Bures!\n", encoding="utf-8")
    with_sami = content_hash(campaign)
    assert with_sami.changed_since(before.files) == ("templates/test/se.md.j2",)
    other_sender = dataclasses.replace(
        campaign, sender=Sender("Oslo kommune <ikke-svar@oslo.kommune.no>", "post@oslo.no")
    )
    assert content_hash(other_sender).changed_since(with_sami.files) == ("sender",)


def test_another_templates_folder_and_the_project_place_do_not_count(tmp_path: Path) -> None:
    campaign = project(tmp_path / "here")
    before = content_hash(campaign)
    (tmp_path / "here" / "templates" / "other" / "nb.md.j2").write_text("Nytt\n", encoding="utf-8")
    assert content_hash(campaign) == before
    (tmp_path / "here").rename(tmp_path / "there")
    moved = project_at(tmp_path / "there", campaign)
    assert content_hash(moved) == before


def project_at(folder: Path, campaign: Campaign) -> Campaign:
    area = folder / "campaigns" / "areas" / "trench.geojson"
    return dataclasses.replace(
        campaign,
        source=folder / "campaigns" / "test.yaml",
        template_folder=folder / "templates" / "test",
        audience=AllOf((Postcode(("0150",)), Not(Area(area, 30.0)))),
    )


def test_without_a_layout_there_is_none_in_the_hash(tmp_path: Path) -> None:
    campaign = project(tmp_path)
    (tmp_path / "templates" / "_layout.html.j2").unlink()
    assert "templates/_layout.html.j2" not in content_hash(campaign).files
