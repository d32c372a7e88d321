"""`proaktive validate` renders every template language: errors at the template's own line."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_layout

from proaktive.cli.main import run

CHILD_CAMPAIGN = """\
id: t
title: T
template: t
audience:
  child: {age_months: {min: 4, max: 4}}
"""
ADULT_CAMPAIGN = CHILD_CAMPAIGN.replace("child: {age_months: {min: 4, max: 4}}", "age: {min: 18}")


def project(folder: Path, campaign: str, templates: dict[str, str]) -> None:
    (folder / "proaktive.yaml").write_text("templates: templates/\n", encoding="utf-8")
    (folder / "templates" / "t").mkdir(parents=True)
    write_layout(folder / "templates")
    for language, text in templates.items():
        (folder / "templates" / "t" / f"{language}.md.j2").write_text(text, encoding="utf-8")
    (folder / "c.yaml").write_text(campaign, encoding="utf-8")


GOOD = "---\nsubject: 'Hei {{ barn[0].fornavn }}'\n---\nHei {{ person.navn }}\n"


@pytest.mark.parametrize(
    ("campaign", "templates", "errors"),
    [
        pytest.param(CHILD_CAMPAIGN, {"nb": GOOD, "en": GOOD}, [], id="every-field-and-a-child"),
        pytest.param(
            CHILD_CAMPAIGN,
            {"nb": GOOD, "en": "---\nsubject: Hi\n---\nHi,\n\nyou live at\n{{ person.adress }}\n"},
            ["templates/t/en.md.j2:7: unknown variable: no 'adress' here"],
            id="unknown-variable-at-its-line",
        ),
        pytest.param(
            CHILD_CAMPAIGN,
            {"nb": "---\nsubject: Hei\npreheader: '{{ kampanje.eier }}'\n---\nHei\n"},
            ["templates/t/nb.md.j2:3: unknown variable: no 'eier' here"],
            id="unknown-variable-in-the-preheader",
        ),
        pytest.param(
            ADULT_CAMPAIGN,
            {"nb": GOOD},
            ["templates/t/nb.md.j2:2: unknown variable: list object has no element 0"],
            id="barn-without-a-child-criterion",
        ),
        pytest.param(
            CHILD_CAMPAIGN,
            {"nb": "---\nsubject: Hei\n---\nHei\n\n{% if person.alder > 18 %}\nvoksen\n"},
            [
                "templates/t/nb.md.j2:6: template syntax error: Unexpected end of template. "
                "Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
                "The innermost block that needs to be closed is 'if'."
            ],
            id="syntax-error",
        ),
        pytest.param(
            CHILD_CAMPAIGN,
            {"nb": "---\nsubject: ''\n---\n\n"},
            [
                "templates/t/nb.md.j2:1: the subject is missing or empty (start the file with "
                "'---', a line 'subject: ...', and '---')",
                "templates/t/nb.md.j2:4: the message body is empty",
            ],
            id="empty-subject-and-body",
        ),
        pytest.param(
            CHILD_CAMPAIGN,
            {"nb": "Hei {{ person.fornavn }}\n"},
            [
                "templates/t/nb.md.j2:1: the file does not start with front matter (start the "
                "file with '---', a line 'subject: ...', and '---')"
            ],
            id="no-front-matter",
        ),
        pytest.param(
            CHILD_CAMPAIGN,
            {"nb": "---\nsubject: Hei\nemne: Hei\n---\nHei\n"},
            [
                "templates/t/nb.md.j2:3: unknown key in the front matter: 'emne' "
                "(only subject and preheader)"
            ],
            id="unknown-front-matter-key",
        ),
        pytest.param(
            CHILD_CAMPAIGN,
            {"nb": "---\nsubject: Hei\n---\n{{ ''.__class__.__mro__ }}\n"},
            [
                "templates/t/nb.md.j2:4: not allowed in a template: access to attribute "
                "'__class__' of 'str' object is unsafe."
            ],
            id="sandboxed",
        ),
    ],
)
def test_validate_renders_every_template_language(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    campaign: str,
    templates: dict[str, str],
    errors: list[str],
) -> None:
    project(tmp_path, campaign, templates)
    code = run(["validate", "c.yaml"])
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"error: {error}" for error in errors]
    assert (code, out) == ((1, "") if errors else (0, "c.yaml: ok\n"))


def test_validate_needs_the_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, CHILD_CAMPAIGN, {"nb": GOOD})
    (tmp_path / "templates" / "_layout.html.j2").unlink()
    assert run(["validate", "c.yaml"]) == 1
    assert capsys.readouterr().err == "error: templates/_layout.html.j2: file not found\n"


def test_the_shipped_campaigns_and_templates_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parents[2]
    campaigns = sorted(str(path) for path in (repo / "campaigns").glob("*.yaml"))
    assert run(["validate", "--settings", str(repo / "proaktive.yaml"), *campaigns]) == 0
    assert capsys.readouterr().err == ""
