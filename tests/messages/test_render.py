"""Rendering a template for one recipient: variables, languages, hostile register values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import builder, campaign_with, recipient

from proaktive.errors import TemplateError

EVERY_VARIABLE = """\
---
subject: "Til {{ person.navn }}"
preheader: "Om {{ barn[0].fornavn }}"
---
{{ person.fornavn }}|{{ person.mellomnavn }}|{{ person.etternavn }}|{{ person.navn }}
{{ person.foedselsdato }}|{{ person.alder }}|{{ person.bydelsnummer }}|{{ person.bydelsnavn }}
{{ person.adresse }}|{{ person.postnummer }}|{{ person.poststed }}|{{ person.flyttedato }}
{{ person.forrige_kommunenummer }}|{{ person.forrige_bydelsnummer }}|{{ person.ny_i_kommunen }}
{{ barn[0].fornavn }}|{{ barn[0].navn }}|{{ barn[0].foedselsdato }}|{{ barn[0].alder_maaneder }}
{{ kampanje.id }}|{{ kampanje.title }}|{{ kampanje.owner }}|{{ dato }}|{{ dato | langdato }}
"""


def test_every_template_variable(tmp_path: Path) -> None:
    message = builder(campaign_with(tmp_path, {"nb": EVERY_VARIABLE})).build(recipient(), "k1")
    assert message.subject == "Til Kåre Øystein Ærlig"
    assert message.preheader == "Om Åse"
    assert message.text == (
        "Kåre|Øystein|Ærlig|Kåre Øystein Ærlig\n"
        "1985-03-14|41|030102|Grünerløkka\n"
        "Storgata 12 B|0182|OSLO|2026-11-02\n"
        "4601||True\n"
        "Åse|Åse Ærlig|2026-07-30|4\n"
        "test|Søk barnehageplass||2026-11-30|30. november 2026\n"
    )


@pytest.mark.parametrize(("previous", "new"), [("4601", True), (None, True), ("0301", False)])
def test_ny_i_kommunen_unless_the_previous_municipality_is_this_one(
    tmp_path: Path, previous: str | None, new: bool
) -> None:
    template = "---\nsubject: S\n---\n{% if person.ny_i_kommunen %}ny{% else %}flyttet{% endif %}\n"
    message = builder(campaign_with(tmp_path, {"nb": template})).build(
        recipient(forrige_kommunenummer=previous), "k"
    )
    assert message.text == ("ny\n" if new else "flyttet\n")


LANGUAGE_TEMPLATES = {
    "nb": "---\nsubject: Hei\n---\nBokmål {{ dato | langdato }}\n",
    "nn": "---\nsubject: Hei\n---\nNynorsk {{ dato | langdato }}\n",
    "en": "---\nsubject: Hi\n---\nEnglish {{ dato | langdato }}\n",
}


@pytest.mark.parametrize(
    ("spraak", "language", "fell_back", "text"),
    [
        ("nb", "nb", False, "Bokmål 30. november 2026\n"),
        ("nn", "nn", False, "Nynorsk 30. november 2026\n"),
        ("en", "en", False, "English 30 November 2026\n"),
        ("se", "nb", True, "Bokmål 30. november 2026\n"),
        (None, "nb", True, "Bokmål 30. november 2026\n"),
    ],
)
def test_language_from_krr_else_the_default(
    tmp_path: Path, spraak: str | None, language: str, fell_back: bool, text: str
) -> None:
    message = builder(campaign_with(tmp_path, LANGUAGE_TEMPLATES)).build(
        recipient(spraak=spraak), "k"
    )
    assert (message.language, message.fell_back, message.text) == (language, fell_back, text)
    assert ("Content-Language", language) in message.headers


def test_a_sami_template_writes_dates_in_bokmal_words(tmp_path: Path) -> None:
    template = "---\nsubject: Buorre\n---\n{{ dato | langdato }}\n"
    message = builder(campaign_with(tmp_path, {"nb": template, "se": template})).build(
        recipient(spraak="se"), "k"
    )
    assert (message.language, message.text) == ("se", "30. november 2026\n")


HOSTILE = "*Kari* [x](http://evil) <script>alert(1)</script> & `kode` # 1. \x1b[31m\nBcc: x@y"
SHOWN = "*Kari* [x](http://evil) <script>alert(1)</script> & `kode` # 1. [31m Bcc: x@y"


def test_register_values_are_text_in_both_parts_and_one_line_in_the_subject(
    tmp_path: Path,
) -> None:
    template = (
        "---\nsubject: 'Hei {{ person.fornavn }}'\n---\n"
        "Hei {{ person.fornavn }}\n\n{{ person.fornavn }}\n"
    )
    message = builder(campaign_with(tmp_path, {"nb": template})).build(
        recipient(fornavn=HOSTILE), "k"
    )
    assert message.subject == f"Hei {SHOWN}"
    assert message.text == f"Hei {SHOWN}\n\n{SHOWN}\n"
    escaped = (
        "*Kari* [x](http://evil) &lt;script&gt;alert(1)&lt;/script&gt; &amp; `kode` # 1. [31m "
        "Bcc: x@y"
    )
    assert f'<p style="margin:0 0 18px 0;">Hei {escaped}</p>' in message.html
    assert f'<p style="margin:0 0 18px 0;">{escaped}</p>' in message.html
    for markup in ("<script", "<em>", 'href="http://evil"', "<code>", "<h1", "<ol"):
        assert markup not in message.html


def test_raw_html_in_a_template_is_shown_not_passed_through(tmp_path: Path) -> None:
    template = '---\nsubject: S\n---\nHei <img src="https://tracker.example/p.gif">\n'
    message = builder(campaign_with(tmp_path, {"nb": template})).build(recipient(), "k")
    assert "<img" not in message.html
    assert "Hei &lt;img src=&quot;https://tracker.example/p.gif&quot;&gt;" in message.html


def test_the_template_s_own_markdown_becomes_html(tmp_path: Path) -> None:
    template = "---\nsubject: S\n---\n**Viktig**: [Søk](https://www.oslo.kommune.no/)\n"
    message = builder(campaign_with(tmp_path, {"nb": template})).build(recipient(), "k")
    assert message.text == "**Viktig**: [Søk](https://www.oslo.kommune.no/)\n"
    assert (
        '<strong>Viktig</strong>: <a href="https://www.oslo.kommune.no/" '
        'style="color:#1F42AA; text-decoration:underline;">Søk</a>'
    ) in message.html


def test_the_layout_frames_the_message(tmp_path: Path) -> None:
    template = "---\nsubject: Emne\npreheader: 'Kort om {{ person.fornavn }}'\n---\nHei\n"
    message = builder(campaign_with(tmp_path, {"nb": template})).build(recipient(), "k")
    html = message.html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="nb"' in html and "<title>Emne</title>" in html
    assert "Kort om Kåre" in html.split("<table", 1)[0]  # the hidden preheader comes first
    assert "Oslo kommune</span>" in html and "#2A2859" in html
    assert "Denne e-posten er fra Oslo kommune." in html
    assert "Folkeregisteret" in html and "reservere deg" in html


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"fornavn": "   "}, "templates/test/nb.md.j2:2: the subject is empty"),
        ({"etternavn": "\n"}, "templates/test/nb.md.j2:4: the body is empty"),
    ],
)
def test_an_empty_subject_or_body_is_an_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fields: dict[str, object],
    error: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    template = "---\nsubject: '{{ person.fornavn }}'\n---\n{{ person.etternavn }}\n"
    with pytest.raises(TemplateError) as raised:
        builder(campaign_with(tmp_path, {"nb": template})).build(recipient(**fields), "k")
    assert str(raised.value) == error


def test_no_personal_identifier_in_any_header(tmp_path: Path) -> None:
    person = recipient()
    message = builder(campaign_with(tmp_path, {"nb": EVERY_VARIABLE})).build(person, "a1b2")
    raw = message.as_bytes().split(b"\r\n\r\n", 1)[0].decode()
    assert person.personidentifikator not in raw
    assert person.foedselsdato.strftime("%d%m%y") not in raw
    assert "Message-ID: <test.1.a1b2@oslo.kommune.no>" in raw
    assert dt.date(2026, 11, 30).isoformat() not in raw


def test_langdato_of_a_missing_date_is_an_error_at_its_line_never_today(tmp_path: Path) -> None:
    """Babel writes today for an empty date: a person without a moving date would read
    that they moved today."""
    template = "---\nsubject: Hei\n---\nHei,\n\ndu flyttet {{ person.flyttedato | langdato }}.\n"
    campaign = campaign_with(tmp_path, {"nb": template})
    with pytest.raises(TemplateError) as raised:
        builder(campaign).build(recipient(flyttedato=None), "k1")
    assert str(raised.value).endswith(
        "nb.md.j2:6: langdato needs a date, and this value is empty (use {% if %})"
    )
