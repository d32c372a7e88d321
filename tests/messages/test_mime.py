"""Every message parses back, with the standard library, into exactly what was rendered."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import builder, campaign_with, recipient

LONG_LINE = "Lang linje med æøå " * 80  # one Markdown paragraph far beyond 998 octets

TEMPLATES = {
    "nb": f"---\nsubject: 'Søk barnehageplass for {{{{ barn[0].fornavn }}}}'\n---\n"
    f"Hei {{{{ person.fornavn }}}},\n\n{LONG_LINE}\n\nSlutt. \n",
    "nn": "---\nsubject: 'Søk barnehageplass til {{ barn[0].fornavn }}, ho er no fire månader'\n"
    "---\nHei {{ person.fornavn }}, ho er fire månader.\n",
    "en": "---\nsubject: 'Apply for kindergarten for {{ barn[0].fornavn }}'\n---\n"
    "Hi {{ person.fornavn }},\n\n- one\n- two\n",
}


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize("spraak", ["nb", "nn", "en", "se"])
@pytest.mark.parametrize(
    ("fornavn", "epostadresse"),
    [
        ("Kåre Øystein", "kare@example.no"),
        ("Ŋanna-Sárá 李", "åse.ærlig@eksempel.no"),
        ('=?utf-8?q?x?= "Kari" <kari@evil>', "kari@example.no"),
    ],
)
def test_a_message_parses_back_into_what_was_rendered(
    tmp_path: Path, spraak: str, fornavn: str, epostadresse: str
) -> None:
    person = recipient(fornavn=fornavn, epostadresse=epostadresse, spraak=spraak)
    message = builder(campaign_with(tmp_path, TEMPLATES)).build(person, "key-1")
    raw = message.as_bytes()

    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends with CRLF
    back = parsed(raw)
    assert back.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in back.iter_parts()] == ["text/plain", "text/html"]
    assert back["Subject"] == message.subject
    assert back["To"] == epostadresse
    assert back["From"] == "Oslo kommune <ikke-svar@oslo.kommune.no>"
    assert back["Message-ID"] == "<test.1.key-1@oslo.kommune.no>"
    assert back["Auto-Submitted"] == "auto-generated"
    assert back["Content-Language"] == message.language
    assert back["MIME-Version"] == "1.0"
    assert back["Date"] == "Mon, 30 Nov 2026 09:00:00 +0000"
    text, html = (part.get_content() for part in back.iter_parts())
    # Lines end in CRLF on the wire, as RFC 5322 wants; the content is otherwise identical.
    assert text.replace("\r\n", "\n") == message.text
    assert html.replace("\r\n", "\n") == message.html
    assert fornavn in message.text


def test_the_long_paragraph_stays_one_line_in_the_html(tmp_path: Path) -> None:
    message = builder(campaign_with(tmp_path, TEMPLATES)).build(recipient(), "k")
    assert LONG_LINE.strip() in message.html
    assert len(max(message.html.split("\n"), key=len).encode()) > 998


@pytest.mark.parametrize(
    "subject",
    ["=?utf-8?q?Svindel?= Kari", "Kari " + "x" * 90, "Kari\tNordmann", "  Kari  "],
)
def test_an_ascii_subject_parses_back_as_written(tmp_path: Path, subject: str) -> None:
    template = "---\nsubject: '{{ person.fornavn }}'\n---\nHei\n"
    message = builder(campaign_with(tmp_path, {"nb": template})).build(
        recipient(fornavn=subject), "k"
    )
    assert parsed(message.as_bytes())["Subject"] == message.subject == " ".join(subject.split())


def test_a_ledger_pseudonym_as_key_keeps_message_id_and_parts_intact(tmp_path: Path) -> None:
    # The ledger's pseudonyms are 64 hex digits: the Message-ID is longer than a folded
    # line, and must still be one msg-id, never an encoded word; the boundary at most 70.
    key = "9ea074afb602e7a484b4d134c71473eecfd03091e841db8e1dc6552aa104b27a"
    message = builder(campaign_with(tmp_path, TEMPLATES)).build(recipient(), key)
    back = parsed(message.as_bytes())
    assert back["Message-ID"] == f"<test.1.{key}@oslo.kommune.no>"
    head = message.as_bytes().split(b"\r\n\r\n")[0]
    assert f"\r\nMessage-ID: <test.1.{key}@oslo.kommune.no>\r\n".encode() in head
    assert back.get_content_type() == "multipart/alternative"
    assert len(back.get_boundary() or "") <= 70
    assert [part.get_content_type() for part in back.iter_parts()] == ["text/plain", "text/html"]
