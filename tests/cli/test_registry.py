"""`proaktive registry generate` at the calendar's edges: a registry, or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from proaktive.cli.main import run


@pytest.mark.parametrize("as_of", ["0001-01-01", "0050-06-30", "0199-12-31"])
def test_generate_too_early_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: str
) -> None:
    assert run(["registry", "generate", "g", "--people", "50", "--as-of", as_of]) == 1
    assert capsys.readouterr().err == (
        f"error: --as-of {as_of} is too early for a synthetic registry "
        "(its people are up to 100 years old: use 0200-01-01 or later)\n"
    )
    assert not (tmp_path / "g").exists()


@pytest.mark.parametrize("as_of", ["0200-01-01", "9999-12-31"])
def test_generate_at_the_calendars_edges(tmp_path: Path, as_of: str) -> None:
    assert run(["registry", "generate", "g", "--people", "300", "--as-of", as_of]) == 0
    assert (tmp_path / "g" / "personer.csv").is_file()
    assert run(["registry", "check", "--registry", "g"]) == 0
