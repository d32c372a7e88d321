"""Every campaign that ships in `campaigns/` works on the sample registry, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import AS_OF

from proaktive.cli.main import run

REPO = Path(__file__).resolve().parent.parent
CAMPAIGNS = sorted((REPO / "campaigns").glob("*.yaml"))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's registry and templates; the snapshot and ledger in a test folder."""
    folder = tmp_path_factory.mktemp("shipped")
    path = folder / "proaktive.yaml"
    path.write_text(
        f"registry: {REPO / 'registry'}\ntemplates: {REPO / 'templates'}\n"
        f"snapshot: {folder / 'registry.duckdb'}\nledger: {folder / 'ledger.sqlite3'}\n",
        encoding="utf-8",
    )
    return path


def test_every_shipped_campaign_is_tested() -> None:
    assert len(CAMPAIGNS) >= 7


@pytest.mark.parametrize("campaign", CAMPAIGNS, ids=lambda path: path.stem)
def test_a_shipped_campaign_validates_and_has_recipients(
    campaign: Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # validate renders every template language of the campaign, too
    assert run(["validate", str(campaign), "--settings", str(settings)]) == 0
    capsys.readouterr()
    command = ["audience", "count", str(campaign), "--json", "--as-of", str(AS_OF)]
    assert run([*command, "--settings", str(settings)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["recipients"] > 0, campaign.name
