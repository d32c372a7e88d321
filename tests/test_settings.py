"""Where the settings file, the registry and the ledger come from: option > environment > file."""

from __future__ import annotations

from pathlib import Path

import pytest

from proaktive.errors import SettingsError
from proaktive.settings import find_settings_file, load_settings, resolve_paths


def _settings(
    folder: Path, text: str = "registry: data/reg\nledger: state/ledger.sqlite3\n"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "proaktive.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_in_the_settings_file_are_relative_to_the_file(tmp_path: Path) -> None:
    path = _settings(tmp_path / "project")
    settings = load_settings(path)
    assert settings.registry == tmp_path / "project" / "data" / "reg"
    assert settings.ledger == tmp_path / "project" / "state" / "ledger.sqlite3"
    assert settings.templates == tmp_path / "project" / "templates"
    assert settings.frequency_cap.max_messages == 3
    assert settings.smtp.port == 1025


def test_the_settings_file_is_found_here_or_in_the_nearest_folder_above(tmp_path: Path) -> None:
    path = _settings(tmp_path / "project")
    deep = tmp_path / "project" / "campaigns" / "2026"
    deep.mkdir(parents=True)
    assert find_settings_file(deep) == path
    assert find_settings_file(tmp_path) is None


@pytest.mark.parametrize(
    ("option", "environment", "expected"),
    [
        ("cli-reg", "env-reg", "cli-reg"),
        (None, "env-reg", "env-reg"),
        (None, None, "project/data/reg"),
    ],
)
def test_registry_option_beats_environment_beats_settings(
    tmp_path: Path, option: str | None, environment: str | None, expected: str
) -> None:
    _settings(tmp_path / "project")
    environ = {"PROAKTIVE_REGISTRY": environment} if environment else {}
    paths = resolve_paths(
        settings_option=None,
        registry_option=Path(option) if option else None,
        ledger_option=None,
        environ=environ,
        cwd=tmp_path / "project" if expected.startswith("project") else tmp_path,
    )
    assert paths.registry == (tmp_path / expected).resolve()


@pytest.mark.parametrize(
    ("option", "environment", "expected"),
    [
        ("cli.sqlite3", "env.sqlite3", "cli.sqlite3"),
        (None, "env.sqlite3", "env.sqlite3"),
        (None, None, "project/state/ledger.sqlite3"),
    ],
)
def test_ledger_option_beats_environment_beats_settings(
    tmp_path: Path, option: str | None, environment: str | None, expected: str
) -> None:
    _settings(tmp_path / "project")
    paths = resolve_paths(
        settings_option=tmp_path / "project" / "proaktive.yaml",
        registry_option=None,
        ledger_option=Path(option) if option else None,
        environ={"PROAKTIVE_LEDGER": environment} if environment else {},
        cwd=tmp_path,
    )
    assert paths.ledger == (tmp_path / expected).resolve()


def test_an_explicit_settings_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        resolve_paths(
            settings_option=tmp_path / "nope.yaml",
            registry_option=None,
            ledger_option=None,
            environ={},
            cwd=tmp_path,
        )
    assert (
        str(raised.value) == f"{tmp_path / 'nope.yaml'}: settings file not found (check --settings)"
    )


def test_without_any_registry_the_error_says_how_to_give_one(tmp_path: Path) -> None:
    paths = resolve_paths(
        settings_option=None, registry_option=None, ledger_option=None, environ={}, cwd=tmp_path
    )
    with pytest.raises(SettingsError) as raised:
        paths.require_registry()
    assert str(raised.value) == (
        "no registry folder given (use --registry DIR, set PROAKTIVE_REGISTRY, "
        "or add 'registry:' to proaktive.yaml)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("registy: x\n", "proaktive.yaml:1:1: unknown key 'registy'"),
        (
            "smtp:\n  security: ssl\n",
            "proaktive.yaml:2:13: 'security' should be 'none', 'starttls' or 'tls', not 'ssl'",
        ),
        (
            "municipality: 301\n",
            "proaktive.yaml:1:15: 'municipality' should be a valid string, not 301",
        ),
        (
            "send_window: {start: '8'}\n",
            "proaktive.yaml:1:22: 'start': '8' is not a time of day like 08:00",
        ),
        ("registry: [\n", "proaktive.yaml:2:1: not valid YAML"),
    ],
)
def test_settings_problems_name_file_line_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _settings(tmp_path, text)
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value).replace(str(tmp_path) + "/", "").startswith(message)


def test_a_settings_file_of_one_value_is_never_quoted(tmp_path: Path) -> None:
    """`--settings .env` by mistake: one line of text to YAML, with a password in it."""
    path = _settings(tmp_path, "PROAKTIVE_SMTP_PASSWORD=synthetic-secret\nHOME=/home/kari\n")
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value) == (
        f"{path}:1:1: the file should be a mapping of keys to values, not a single value"
    )
