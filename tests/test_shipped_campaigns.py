"""Every campaign that ships in `campaigns/` works on the sample registry, end to end."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.message import EmailMessage
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


@pytest.mark.parametrize("campaign", CAMPAIGNS, ids=lambda path: path.stem)
def test_a_shipped_campaign_renders_every_recipient_in_a_dry_run(
    campaign: Path, settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `send` would hand over: one .eml per recipient, each a message a client opens."""
    command = ["audience", "count", str(campaign), "--json", "--as-of", str(AS_OF)]
    assert run([*command, "--settings", str(settings)]) == 0
    recipients = json.loads(capsys.readouterr().out)["recipients"]
    out = tmp_path / "out"
    dry_run = ["send", str(campaign), "--dry-run", "--out", str(out), "--as-of", str(AS_OF)]
    assert run([*dry_run, "--settings", str(settings)]) == 0
    files = sorted(out.glob("*.eml"))
    assert len(files) == recipients
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        assert message["Subject"] and message.get_body(("plain",)) is not None
        assert message.get_body(("html",)) is not None
