"""`proaktive preview`: the funnel, sample recipients and the message, or one person's case."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proaktive.cli.options import (
    OSLO,
    AsOfOption,
    CampaignArgument,
    LedgerOption,
    RegistryOption,
    SettingsOption,
    paths,
    today_in_oslo,
    whole_number,
)
from proaktive.errors import FileError, Location

if TYPE_CHECKING:
    from proaktive.audience.model import Audience, Recipient
    from proaktive.audience.resolve import ContactPolicy
    from proaktive.campaign.model import Campaign
    from proaktive.messages.message import Message, MessageBuilder
    from proaktive.registry.snapshot import Registry
    from proaktive.settings import Paths

# Preview messages are never sent: their Message-ID says so instead of a ledger pseudonym.
PREVIEW_KEY = "preview"


def preview(
    campaign: CampaignArgument,
    as_of: AsOfOption = None,
    person: Annotated[
        str | None,
        typer.Option(help="This person's message, or exactly why they get none.", metavar="ID"),
    ] = None,
    sample: Annotated[
        int, typer.Option(help="How many sample recipients.", parser=whole_number(1), metavar="N")
    ] = 3,
    html: Annotated[
        Path | None,
        typer.Option(help="Write a review page (one self-contained HTML file).", metavar="FILE"),
    ] = None,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Show the funnel, sample recipients and the rendered e-mail, or one person's case."""
    from proaktive.campaign import load_campaign

    if person is not None and html is not None:
        raise typer.BadParameter(
            "the review page shows samples, not one person: use --html or --person",
            param_hint="--html",
        )
    where = paths(settings, registry, ledger)
    loaded = load_campaign(campaign, where.settings)
    day = as_of or today_in_oslo()
    if person is not None:
        builder, opened, policy = _open(loaded, where, day)
        _preview_person(person, builder, opened, day, policy)
        return
    shown = show_in_terminal(loaded, where, day, sample)
    if html is not None:
        _write_review_page(html, loaded, shown)


@dataclass(frozen=True)
class Shown:
    """What `show_in_terminal` showed, for what comes after (a review page, an approval)."""

    audience: Audience
    recipients: list[Recipient]  # the samples shown: never one with a protected address
    messages: list[Message]  # each sample's message
    builder: MessageBuilder
    registry: Registry


def show_in_terminal(campaign: Campaign, where: Paths, day: dt.date, sample: int) -> Shown:
    """The funnel, `sample` sample recipients, recipients per language and the first
    sample's message: what `preview` shows, and `approve` shows before it asks."""
    from proaktive.audience.explain import protected_identifiers
    from proaktive.audience.resolve import resolve
    from proaktive.cli.output import print_funnel, print_warning, stderr

    builder, opened, policy = _open(campaign, where, day)
    with stderr.status("Resolving the audience…") as status:
        audience = resolve(
            campaign, opened, as_of=day, policy=policy, fetch=sample, progress=status.update
        )
    for warning in audience.warnings:
        print_warning(warning)
    # A statutory campaign may reach people with a protected address; no preview shows them.
    hidden = protected_identifiers(opened, [r.personidentifikator for r in audience.recipients])
    recipients = [r for r in audience.recipients if r.personidentifikator not in hidden]
    messages = [builder.build(recipient, PREVIEW_KEY) for recipient in recipients]
    print_funnel(audience)
    _print_samples(recipients, messages)
    _print_languages(builder.by_language(audience.by_language), builder)
    if messages:
        _print_message(messages[0], "The first sample's message")
    return Shown(audience, recipients, messages, builder, opened)


def _open(
    campaign: Campaign, where: Paths, day: dt.date
) -> tuple[MessageBuilder, Registry, ContactPolicy]:
    """The message builder, the registry (warning about old exports) and the contact rules."""
    from proaktive.audience.resolve import ContactPolicy, needed_exports
    from proaktive.cli.output import print_warning
    from proaktive.cli.snapshot import open_snapshot
    from proaktive.messages.message import MessageBuilder

    builder = MessageBuilder.for_campaign(campaign, as_of=day, now=dt.datetime.now(OSLO))
    opened = open_snapshot(where)
    for warning in opened.old_exports(
        needed_exports(campaign), where.settings.max_export_age_days.model_dump(), today_in_oslo()
    ):
        print_warning(warning)
    return builder, opened, ContactPolicy.of(where.settings, where.ledger)


def _write_review_page(path: Path, campaign: Campaign, shown: Shown) -> None:
    from proaktive.cli.output import plain, stderr, stdout
    from proaktive.registry.identifiers import mask
    from proaktive.review.page import Sample, review_page

    with stderr.status("Drawing the review page…"):
        map_svg = None
        if shown.audience.without_coordinates is not None:  # an area campaign
            from proaktive.review.area_data import area_layers, matched_points
            from proaktive.review.area_map import area_svg

            title = f"The area of {campaign.id} and the matched addresses"
            map_svg = area_svg(area_layers(campaign), matched_points(shown.registry), title=title)
        page = review_page(
            campaign,
            shown.audience,
            [
                Sample(mask(r.personidentifikator), m)
                for r, m in zip(shown.recipients, shown.messages, strict=True)
            ],
            languages=shown.builder.languages,
            by_language=shown.builder.by_language(shown.audience.by_language),
            map_svg=map_svg,
        )
    try:
        # It holds names and addresses of real people: readable by its owner only.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when the file was there before
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(page)
    except OSError as error:
        raise FileError(f"cannot write the page ({error.strerror})", Location(path)) from None
    stdout.print(plain(f"Review page written to {path}"), soft_wrap=True)


def _preview_person(
    identifier: str,
    builder: MessageBuilder,
    registry: Registry,
    day: dt.date,
    policy: ContactPolicy,
) -> None:
    from proaktive.audience.explain import explain_person
    from proaktive.cli.output import REASON_LABELS, plain, stdout
    from proaktive.registry.identifiers import identifier_problem, mask

    problem = identifier_problem(identifier.strip())
    if problem is not None:
        raise typer.BadParameter(f"not a personal identifier: {problem}", param_hint="--person")
    with_mask = mask(identifier.strip())
    verdict = explain_person(
        builder.campaign, registry, identifier.strip(), as_of=day, policy=policy
    )
    why = verdict.why
    if verdict.reason is not None:
        why = f"gets no message: {REASON_LABELS[verdict.reason]} ({verdict.reason})"
    stdout.print(plain(f"{with_mask}: {why}"), soft_wrap=True)
    if verdict.recipient is not None:
        _print_message(builder.build(verdict.recipient, PREVIEW_KEY), f"The message to {with_mask}")


def _print_samples(recipients: list[Recipient], messages: list[Message]) -> None:
    from rich.table import Table

    from proaktive.cli.output import plain, stdout
    from proaktive.districts import district_name
    from proaktive.registry.identifiers import mask

    table = Table(title="Sample recipients", title_justify="left")
    for column in ("identifier", "language", "district", "subject"):
        table.add_column(column)
    for recipient, message in zip(recipients, messages, strict=True):
        language = message.language + (" (fallback)" if message.fell_back else "")
        district = district_name(recipient.bydelsnummer) or recipient.bydelsnummer or ""
        table.add_row(
            plain(mask(recipient.personidentifikator)),
            plain(language),
            plain(district),
            plain(message.subject),
        )
    stdout.print(table)


def _print_languages(by_language: dict[str, tuple[int, int]], builder: MessageBuilder) -> None:
    from rich.table import Table

    from proaktive.cli.output import plain, stdout

    table = Table(title="Recipients by message language", title_justify="left")
    table.add_column("language")
    table.add_column("recipients", justify="right")
    table.add_column("of them by fallback", justify="right")
    for language, (total, fallback) in by_language.items():
        table.add_row(plain(language), f"{total:,}", f"{fallback:,}")
    stdout.print(table)
    fallbacks = sum(fallback for _, fallback in by_language.values())
    stdout.print(
        f"{fallbacks:,} recipients get the {plain(builder.campaign.default_language)} text "
        "because the template has no file in their KRR language (or KRR has none)."
    )


def _print_message(message: Message, title: str) -> None:
    from proaktive.cli.output import plain, stdout

    stdout.print(f"\n[bold]{plain(title)}[/bold]")
    for name, value in message.headers:
        stdout.print(plain(f"{name}: {value}"), soft_wrap=True)
    stdout.print()
    for line in message.text.rstrip("\n").split("\n"):
        stdout.print(plain(line), soft_wrap=True)
