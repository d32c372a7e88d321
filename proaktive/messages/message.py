"""Campaign + recipient → `Message`: the subject, both parts and the headers, ready for SMTP.

`MessageBuilder` loads and compiles a campaign's templates and the layout once; then
`build` makes one recipient's message. The headers follow shared/spec/delivery.md
("SMTP") and never hold a personal identifier: the Message-ID is made from a person
*key* the caller supplies (the ledger's pseudonym), never from the identifier.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass
from email.utils import format_datetime, parseaddr
from typing import NamedTuple

from proaktive.audience.model import Recipient
from proaktive.campaign.model import Campaign
from proaktive.errors import Problem, TemplateError
from proaktive.messages.context import template_context
from proaktive.messages.layout import Layout
from proaktive.messages.mime import encode_message
from proaktive.messages.render import (
    CompiledTemplate,
    TemplateProblem,
    as_text,
    compile_template,
    markdown_to_html,
)
from proaktive.messages.templates import load_template_file, template_languages, template_path


@dataclass(frozen=True)
class Message:
    language: str
    fell_back: bool  # the person's KRR language has no template file
    subject: str
    preheader: str
    text: str  # the text/plain part: the rendered Markdown
    html: str  # the text/html part: the Markdown's HTML inside the layout
    headers: tuple[tuple[str, str], ...]  # in order; the MIME headers are added on encoding
    boundary: str

    def as_bytes(self) -> bytes:
        """The RFC 5322 message: CRLF line ends, quoted-printable UTF-8 bodies."""
        return encode_message(self.headers, self.text, self.html, self.boundary)


class _Parts(NamedTuple):
    language: str
    fell_back: bool
    subject: str
    preheader: str
    text: str
    markdown: str


@dataclass(frozen=True)
class CompiledCampaign:
    templates: dict[str, CompiledTemplate]  # by language
    layout: Layout


def compile_campaign(campaign: Campaign) -> CompiledCampaign | list[Problem]:
    """Every template language of the campaign and the layout, compiled; or every problem."""
    problems: list[Problem] = []
    templates: dict[str, CompiledTemplate] = {}
    for language in template_languages(campaign.template_folder):
        loaded = load_template_file(template_path(campaign.template_folder, language), language)
        if isinstance(loaded, list):
            problems.extend(loaded)
            continue
        try:
            templates[language] = compile_template(loaded)
        except TemplateProblem as problem:
            problems.append(problem.problem)
    try:
        layout = Layout(campaign.template_folder.parent)
    except TemplateProblem as problem:
        return [*problems, problem.problem]
    return problems or CompiledCampaign(templates, layout)


class MessageBuilder:
    """Every template language of a campaign and the layout, compiled once."""

    def __init__(
        self,
        campaign: Campaign,
        compiled: CompiledCampaign,
        *,
        as_of: dt.date,
        now: dt.datetime,
        round_: int = 1,
    ) -> None:
        self.campaign = campaign
        self.as_of = as_of
        self.round = round_
        self.templates = compiled.templates
        self.layout = compiled.layout
        self.languages = tuple(compiled.templates)
        self._date = format_datetime(now)

    @classmethod
    def for_campaign(
        cls, campaign: Campaign, *, as_of: dt.date, now: dt.datetime, round_: int = 1
    ) -> MessageBuilder:
        """`TemplateError` with every problem when a template or the layout is broken."""
        compiled = compile_campaign(campaign)
        if isinstance(compiled, list):
            raise TemplateError.from_problems(compiled)
        return cls(campaign, compiled, as_of=as_of, now=now, round_=round_)

    def language_for(self, spraak: str | None) -> tuple[str, bool]:
        """The message's language for a KRR `spraak`, and whether it is a fallback."""
        if spraak in self.templates:
            return spraak, False
        return self.campaign.default_language, True

    def by_language(self, by_spraak: dict[str, int]) -> dict[str, tuple[int, int]]:
        """Recipients per KRR `spraak` ("" for none) → per message language: how many, and
        how many of them get it as a fallback."""
        totals: dict[str, tuple[int, int]] = {}
        for spraak, count in by_spraak.items():
            language, fell_back = self.language_for(spraak or None)
            total, fallback = totals.get(language, (0, 0))
            totals[language] = (total + count, fallback + (count if fell_back else 0))
        return dict(sorted(totals.items()))

    def build(self, recipient: Recipient, person_key: str) -> Message:
        """The recipient's message; `TemplateError` when their data breaks the template."""
        try:
            return self._build(recipient, person_key)
        except TemplateProblem as problem:
            raise TemplateError.from_problems([problem.problem]) from None

    def problem(self, recipient: Recipient) -> Problem | None:
        """What goes wrong rendering the recipient's message, at its template line."""
        try:
            self._build(recipient, "check")
        except TemplateProblem as problem:
            return problem.problem
        return None

    def check(self, recipient: Recipient) -> None:
        """`TemplateError` when the recipient's data breaks the template: the template
        parts only, a tenth of a whole message's work. What follows them (Markdown, the
        layout, the encoding) takes any text, so it cannot fail for one person alone."""
        try:
            self._parts(recipient)
        except TemplateProblem as problem:
            raise TemplateError.from_problems([problem.problem]) from None

    def _parts(self, recipient: Recipient) -> _Parts:
        """The recipient's template parts rendered: the only step a person's data can
        break (Markdown, the layout and the encoding take any text)."""
        language, fell_back = self.language_for(recipient.spraak)
        template = self.templates[language]
        context = template_context(recipient, self.campaign, self.as_of)
        subject = as_text(template.subject.render(context))  # one line, whatever the values
        preheader = as_text(template.preheader.render(context)) if template.preheader else ""
        text = template.text_body.render(context).strip("\n").rstrip() + "\n"
        markdown = template.markdown_body.render(context)
        if not subject:
            raise TemplateProblem(Problem(template.file.subject_location, "the subject is empty"))
        if not text.strip():
            raise TemplateProblem(Problem(template.file.body_location, "the body is empty"))
        return _Parts(language, fell_back, subject, preheader, text, markdown)

    def _build(self, recipient: Recipient, person_key: str) -> Message:
        language, fell_back, subject, preheader, text, markdown = self._parts(recipient)
        html = (
            self.layout.render(
                language=language,
                subject=subject,
                preheader=preheader,
                content=markdown_to_html(markdown),
            ).rstrip("\n")
            + "\n"
        )  # both parts end with a line end, as they are sent
        key = _safe_key(person_key)
        headers = [
            ("From", self.campaign.sender.from_),
            ("To", recipient.epostadresse),
            ("Subject", subject),
            ("Date", self._date),
            ("Message-ID", message_id(self.campaign, self.round, person_key)),
            ("Auto-Submitted", "auto-generated"),
            ("Content-Language", language),
            ("MIME-Version", "1.0"),
        ]
        if self.campaign.sender.reply_to:
            headers.insert(1, ("Reply-To", self.campaign.sender.reply_to))
        return Message(
            language=language,
            fell_back=fell_back,
            subject=subject,
            preheader=preheader,
            text=text,
            html=html,
            headers=tuple(headers),
            # At most 70 characters (RFC 2046): 40 of the key keep it unique enough, and
            # quoted-printable bodies can never hold its `=_`.
            boundary=f"=_proaktive_{key[:40]}_{self.round}",
        )


def message_id(campaign: Campaign, round_: int, person_key: str) -> str:
    """The Message-ID of a person's message of a campaign's round: the same on every retry
    and every rerun, so that a receiving server can tell a copy from a new message."""
    return f"<{campaign.id}.{round_}.{_safe_key(person_key)}@{_domain(campaign.sender.from_)}>"


@functools.lru_cache(maxsize=16)
def _domain(from_: str) -> str:
    """The sender's domain (parsing an address costs more than the rest of a Message-ID)."""
    return parseaddr(from_)[1].rpartition("@")[2] or "localhost"


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _safe_key(person_key: str) -> str:
    """The key as it may stand in a Message-ID and a boundary; a hash if it cannot."""
    if person_key and not _UNSAFE.search(person_key) and len(person_key) <= 64:
        return person_key
    return hashlib.sha256(person_key.encode("utf-8")).hexdigest()[:32]
