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
    _settings(tmp_path, "templates: templates/\n")
    paths = resolve_paths(
        settings_option=None, registry_option=None, ledger_option=None, environ={}, cwd=tmp_path
    )
    with pytest.raises(SettingsError) as raised:
        paths.require_registry()
    assert str(raised.value) == (
        "no registry folder given (use --registry DIR, set PROAKTIVE_REGISTRY, "
        "or add 'registry:' to proaktive.yaml)"
    )


def test_outside_a_project_the_error_says_where_no_settings_file_was_found(
    tmp_path: Path,
) -> None:
    paths = resolve_paths(
        settings_option=None, registry_option=None, ledger_option=None, environ={}, cwd=tmp_path
    )
    with pytest.raises(SettingsError) as raised:
        paths.require_registry()
    assert str(raised.value) == (
        f"no registry folder given, and no proaktive.yaml was found in {tmp_path} or any "
        "folder above it (run proaktive in the project folder, use --registry DIR, "
        "or set PROAKTIVE_REGISTRY)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("registy: x\n", "proaktive.yaml:1:1: unknown key 'registy'"),
        (
            "smtp:\n  security: plain\n",
            "proaktive.yaml:2:13: 'security' should be 'none', 'starttls' or 'tls', not 'plain'",
        ),
        (
            "municipality: 0301\n",
            'proaktive.yaml:1:15: municipality 0301 is a number, not text (quote it: "0301")',
        ),
        (
            "send_window: {start: '8'}\n",
            "proaktive.yaml:1:22: start '8' is not a time of day like 08:00",
        ),
        ("registry: [\n", "proaktive.yaml:1:11: this '[' is never closed (end it with ']')"),
    ],
)
def test_settings_problems_name_file_line_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _settings(tmp_path, text)
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value).replace(str(tmp_path) + "/", "").startswith(message)


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        (
            "- registry: registry/\n",
            [
                "1:1: a settings file holds 'key: value' lines, not a list "
                "(like 'registry: registry/')"
            ],
        ),
        (
            "smtp: {port: '25', security: TLS, timeout_s: 0}\n",
            [
                "1:14: 'port' should be a whole number, not '25' (write it without quotes)",
                "1:30: 'security' should be 'none', 'starttls' or 'tls', not 'TLS' "
                "(did you mean 'tls'?)",
                "1:46: 'timeout_s' should be more than 0, not 0",
            ],
        ),
        (
            "smtp:\nhost: smtp.oslo.kommune.no\n",
            ["2:1: 'host' belongs under 'smtp' (indent it further than 'smtp:' on line 1)"],
        ),
        (
            "smtp: smtp.oslo.kommune.no\n",
            [
                "1:7: 'smtp' should be keys with values, not 'smtp.oslo.kommune.no' "
                "(like 'smtp: {host: localhost, port: 1025, security: none}')"
            ],
        ),
        (
            "send_window: {days: mon, end: 20.00}\n",
            [
                "1:21: 'days' should be a list, like [a, b], not 'mon'",
                "1:31: 'end' should be text, not 20.00 (quote it: \"20.00\")",
            ],
        ),
        (
            "frequency_cap: {max_messages: 0, per_day: 30}\n",
            [
                "1:31: 'max_messages' should be 1 or more, not 0",
                "1:34: unknown key 'per_day' (did you mean 'per_days'?)",
            ],
        ),
        (
            "smtp: {security: ssl}\n",
            [
                "1:18: security 'ssl' is called 'tls' here ('tls' connects with TLS from the "
                "start, usually on port 465; 'starttls' upgrades a plain connection, usually on "
                "port 587)"
            ],
        ),
        (
            "smtp:\n  host: smtp.oslo.kommune.no\n  password: hemmelig\n",
            [
                "3:13: the SMTP password is never written in the settings file "
                "(set password_env to the name of an environment variable that holds it)"
            ],
        ),
        (
            "sender: {from: ikke-svar}\n",
            ["1:16: 'ikke-svar' is not an e-mail address (an email address must have an @-sign)"],
        ),
        (
            "id: barnehageopptak\ntitle: T\naudience: {age: {min: 18}}\n",
            [
                "1:1: this is a campaign file, not a settings file "
                "(--settings names proaktive.yaml; the campaign file comes after the command)"
            ],
        ),
        (
            "registry: &here data/\nledger: *here\n",
            [
                "1:11: '&here' names a value for repeating (a YAML anchor), which is not "
                "allowed here (remove it)",
                "2:9: '*here' repeats a value from elsewhere in the file (a YAML alias), which "
                "is not allowed here (write the value out in full)",
            ],
        ),
    ],
)
def test_a_settings_file_gets_the_same_clear_messages(
    tmp_path: Path, text: str, messages: list[str]
) -> None:
    path = _settings(tmp_path, text)
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value).splitlines() == [f"{path}:{message}" for message in messages]


def test_an_empty_settings_file_means_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(_settings(tmp_path, "# nothing yet\n"))
    assert settings.templates == tmp_path / "templates"
    assert settings.send_window.start == "08:00"


def test_clock_times_need_no_quotes(tmp_path: Path) -> None:
    # YAML 1.1 read 08:00 as the number 480 (base 60).
    settings = load_settings(_settings(tmp_path, "send_window: {start: 08:00, days: [mon]}\n"))
    assert (settings.send_window.start, settings.send_window.days) == ("08:00", ("mon",))


def test_a_settings_file_of_one_value_is_never_quoted(tmp_path: Path) -> None:
    """`--settings .env` by mistake: one line of text to YAML, with a password in it."""
    path = _settings(tmp_path, "PROAKTIVE_SMTP_PASSWORD=synthetic-secret\nHOME=/home/kari\n")
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value) == (
        f"{path}:1:1: a settings file holds 'key: value' lines, not a single value "
        "(like 'registry: registry/')"
    )
