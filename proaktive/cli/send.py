"""`proaktive send`: send a campaign over SMTP, once per person, with the ledger.

The order is the promise: every refusal (window, old exports, a busy ledger, changed
content, the question answered no) comes before any SMTP connection is opened, and
the writer lock is held from before the ledger is asked who is due until the run
has recorded its last outcome.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
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
    one_of,
    paths,
    today_in_oslo,
    whole_number,
)
from proaktive.errors import SendRefused

if TYPE_CHECKING:
    from proaktive.audience.model import Audience, Recipient
    from proaktive.campaign.model import Campaign
    from proaktive.delivery.plan import Planned, RenderedMessages
    from proaktive.delivery.run import Messages, RunReport, RunTarget
    from proaktive.ledger import Ledger
    from proaktive.settings import Paths, Settings

SHOWN_LEFT = 20  # failed, deferred and unknown messages listed at the end; the ledger has all


class OnUnknown(StrEnum):
    skip = "skip"
    resend = "resend"


def send(
    campaign: CampaignArgument,
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Resolve and render every message, but send nothing and record nothing.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="With --dry-run: write each message as an .eml file here.", metavar="DIR"
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Don't ask for confirmation (for cron); refuse instead.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", help="Send at most N messages.", parser=whole_number(0), metavar="N"
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Send the message in each language, for a made-up person, to this address "
            "only (a test: nothing is recorded).",
            metavar="ADDRESS",
        ),
    ] = None,
    ignore_window: Annotated[
        bool, typer.Option("--ignore-window", help="Send outside the settings' send_window.")
    ] = False,
    on_unknown: Annotated[
        OnUnknown,
        typer.Option(
            "--on-unknown",
            help="Messages whose outcome is unknown (a run died): skip them, or resend them.",
            metavar="skip|resend",
            parser=one_of(OnUnknown),
        ),
    ] = OnUnknown.skip,
    allow_old_exports: Annotated[
        bool,
        typer.Option(
            "--allow-old-exports", help="Send even when an export is older than its limit."
        ),
    ] = False,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> int:
    """Send the campaign over SMTP (or --dry-run), recording every message in the ledger."""
    from proaktive.campaign import load_campaign
    from proaktive.cli.output import print_error, print_warning
    from proaktive.delivery.window import outside_window

    if out is not None and not dry_run:
        raise typer.BadParameter("--out goes with --dry-run", param_hint="--out")
    if to is not None and dry_run:
        raise typer.BadParameter(
            "--to sends test messages and --dry-run sends nothing: use one of them",
            param_hint="--to",
        )
    real = not dry_run and to is None
    if real and not yes and not sys.stdin.isatty():
        print_error("there is no terminal to ask for confirmation: add --yes to send unattended")
        return 2
    where = paths(settings, registry, ledger)
    loaded = load_campaign(campaign, where.settings)
    day = as_of or today_in_oslo()
    now = dt.datetime.now(OSLO)
    closed = outside_window(where.settings.send_window, now)
    if closed is not None:
        if real and not ignore_window:
            raise SendRefused(closed, hint="send within the window, or add --ignore-window")
        print_warning(closed)
    if to is not None:
        return _test_send(loaded, to, where.settings, day, now)
    password = _password(where.settings) if real else None
    audience = _audience(loaded, where, day, real and not allow_old_exports, on_unknown)
    if real:  # dry runs and --to test sends never need an approval
        _check_approval(loaded, where, audience.funnel.recipients, yes)
    if dry_run:
        return _dry_run(loaded, audience.recipients, where, day, now, out, limit)
    resume = _resume_command(campaign, day, settings, registry, ledger, on_unknown)
    return _send(
        loaded, audience.recipients, where, day, now, password, yes, limit, on_unknown, resume
    )


def _check_approval(campaign: Campaign, where: Paths, recipients: int, yes: bool) -> None:
    """Refuse, before the lock and any connection, content that no person approved as it
    is now, or an audience that grew far beyond what was approved (asked; --yes refuses)."""
    from proaktive.cli.ask import ask
    from proaktive.delivery.approval import check_send_approval
    from proaktive.ledger import content_hash, login_name, read_ledger

    ledger = read_ledger(where.ledger)
    try:
        check_send_approval(
            campaign,
            content_hash(campaign),
            ledger,
            where.settings.approval,
            login_name(),
            recipients,
            ask=None if yes else ask,
        )
    finally:
        if ledger is not None:
            ledger.close()


def _password(settings: Settings) -> str | None:
    """The SMTP password, only ever from the environment variable the settings name."""
    smtp = settings.smtp
    password = os.environ.get(smtp.password_env)
    if smtp.username and not password:
        raise SendRefused(
            f"smtp.username is {smtp.username}, and ${smtp.password_env} holds no password",
            hint=f"set {smtp.password_env} in the environment; the settings never hold it",
        )
    return password


def _audience(
    campaign: Campaign, where: Paths, day: dt.date, refuse_old: bool, on_unknown: OnUnknown
) -> Audience:
    import dataclasses

    from proaktive.audience.resolve import ContactPolicy, needed_exports, resolve
    from proaktive.cli.output import print_warning, stderr
    from proaktive.cli.snapshot import open_snapshot

    opened = open_snapshot(where)
    old = opened.old_exports(
        needed_exports(campaign), where.settings.max_export_age_days.model_dump(), today_in_oslo()
    )
    if old and refuse_old:
        raise SendRefused(
            "the exports are too old to send from:\n" + "\n".join(old),
            hint="export them again, or add --allow-old-exports",
        )
    for warning in old:
        print_warning(warning)
    policy = dataclasses.replace(
        ContactPolicy.of(where.settings, where.ledger),
        resend_unknown=on_unknown is OnUnknown.resend,
    )
    with stderr.status("Resolving the audience…") as status:
        audience = resolve(
            campaign, opened, as_of=day, policy=policy, fetch=None, progress=status.update
        )
    for warning in audience.warnings:
        print_warning(warning)
    return audience


def _dry_run(
    campaign: Campaign,
    recipients: tuple[Recipient, ...],
    where: Paths,
    day: dt.date,
    now: dt.datetime,
    out: Path | None,
    limit: int | None,
) -> int:
    """Everything but SMTP and the ledger: no ledger file, no lock, no connection."""
    import secrets

    from proaktive.cli.output import plain, stderr, stdout
    from proaktive.delivery.eml import write_eml
    from proaktive.delivery.plan import RenderedMessages, plan
    from proaktive.ledger import key_path, read_ledger
    from proaktive.ledger.keys import read_key

    # The ledger's key, when there is one, gives the Message-IDs a real send would;
    # without a ledger a key for this dry run only (a dry run creates no file).
    key = read_key(key_path(where.ledger)) or secrets.token_bytes(32)
    existing = read_ledger(where.ledger)
    try:
        planned = plan(recipients, key, existing, campaign, as_of=day)
    finally:
        if existing is not None:
            existing.close()
    planned = planned[:limit] if limit is not None else planned
    # The rendering begins (on other cores) while this process checks every message.
    with RenderedMessages(campaign, planned, as_of=day, now=now) as messages:
        _check(campaign, planned, day, now)
        with stderr.status("Rendering the messages…"):
            if out is not None:
                written = write_eml(out, messages)
            else:
                for _ in messages:  # rendered, as a send would, and let go
                    pass
    stdout.print(
        plain(
            f"Dry run of {campaign.id}: {len(messages):,} message"
            f"{'' if len(messages) == 1 else 's'} rendered; nothing was sent and the ledger "
            "was not touched."
        ),
        soft_wrap=True,
    )
    if out is not None:
        stdout.print(plain(f"{len(written):,} .eml files written to {out}"), soft_wrap=True)
    return 0


def _check(campaign: Campaign, planned: list[Planned], day: dt.date, now: dt.datetime) -> None:
    """Every message's template parts, before anything is sent (`check_messages`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from proaktive.cli.output import stderr
    from proaktive.delivery.plan import check_messages

    with Progress(
        TextColumn("Checking the messages"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        task = bar.add_task("check", total=len(planned))
        check_messages(
            campaign,
            planned,
            as_of=day,
            now=now,
            progress=lambda done: bar.update(task, completed=done),
        )


def _send(
    campaign: Campaign,
    recipients: tuple[Recipient, ...],
    where: Paths,
    day: dt.date,
    now: dt.datetime,
    password: str | None,
    yes: bool,
    limit: int | None,
    on_unknown: OnUnknown,
    resume: str,
) -> int:
    from proaktive.cli.output import print_warning
    from proaktive.delivery.plan import RenderedMessages, content_change, envelope_sender, plan
    from proaktive.delivery.run import RunTarget
    from proaktive.ledger import content_hash, open_ledger, writer_lock

    resend_unknown = on_unknown is OnUnknown.resend
    # The lock before anything else touches the ledger or the server: one writer.
    with writer_lock(where.ledger) as lock, open_ledger(where.ledger) as ledger:
        recovered = ledger.recover_dead_runs(lock)
        if recovered:
            died = f" (process {lock.taken_over_from})" if lock.taken_over_from else ""
            print_warning(
                f"a send that died{died} left {recovered:,} message"
                f"{'' if recovered == 1 else 's'} with an unknown outcome: they may have been "
                "delivered, so they are not sent again (--on-unknown resend sends them)"
            )
        content = content_hash(campaign)
        changed = content_change(ledger, campaign.id, content)
        if changed is not None:
            if yes:
                raise SendRefused(
                    changed,
                    hint="an unattended run never mixes two versions of a text: run it by hand "
                    "to confirm",
                )
            _ask(f"{changed}. Send the new content to the rest?")
        planned = plan(
            recipients, ledger.key(), ledger, campaign, as_of=day, resend_unknown=resend_unknown
        )
        if limit is not None:
            planned = planned[:limit]
        # The rendering begins (on other cores) while this process checks every message;
        # nothing is sent before the check and the question are through.
        with RenderedMessages(campaign, planned, as_of=day, now=now) as messages:
            _check(campaign, planned, day, now)
            _summary(campaign, len(planned), len(recipients), where.settings)
            if not yes and planned:
                _ask("Send it now?")
            report = _run(
                messages,
                ledger,
                campaign,
                content.digest,
                day,
                lambda run_id: RunTarget(
                    lock,
                    run_id,
                    campaign.id,
                    envelope_sender(campaign),
                    where.settings.smtp,
                    password,
                    resend_unknown=resend_unknown,
                ),
            )
    return _end(campaign, report, planned, resume)


def _run(
    messages: RenderedMessages,
    ledger: Ledger,
    campaign: Campaign,
    content: str,
    day: dt.date,
    target_of: Callable[[int], RunTarget],
) -> RunReport:
    """The run itself (`target_of` its id: where it records and sends), recorded in the
    ledger from its start to its end."""
    run = ledger.start_run(campaign.id, content, day, len(messages))
    target = target_of(run.id)
    stop = threading.Event()
    report: RunReport | None = None
    # What exists now (the audience, every recipient) lives until the command ends:
    # out of the collector's reach, so that its collections during the run don't
    # walk hundreds of thousands of objects again and again.
    gc.freeze()
    try:
        with _ctrl_c_sets(stop):
            report = _run_with_progress(messages, target, stop)
    finally:
        gc.unfreeze()
        # Ended either way: a run that raised is no longer running, and says so.
        complete = report is not None and not (report.stopped or report.interrupted)
        ledger.finish_run(run.id, "finished" if complete else "interrupted")
    return report


def _summary(campaign: Campaign, count: int, audience: int, settings: Settings) -> None:
    """What is about to happen: asked about without --yes, and in a cron job's log with it."""
    from proaktive.cli.output import plain, stdout

    smtp = settings.smtp
    of = f" (of {audience:,} in the audience)" if count != audience else ""
    stdout.print(
        plain(
            f"Campaign {campaign.id} ({campaign.title}): {count:,} recipient"
            f"{'' if count == 1 else 's'}{of}, over {smtp.host}:{smtp.port} "
            f"(security {smtp.security}, {smtp.connections} connections, at most "
            f"{smtp.max_per_second:g} a second)."
        ),
        soft_wrap=True,
    )


def _ask(question: str) -> None:
    if not typer.confirm(question, default=False):
        raise SendRefused("not sent: the question was answered no")


@contextmanager
def _ctrl_c_sets(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C stops the run after the messages in flight instead of raising mid-message."""
    from proaktive.cli.output import stderr

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop_soon(*_: object) -> None:
        if not stop.is_set():
            stderr.print("Stopping after the messages in flight…", markup=False)
        stop.set()

    previous = signal.signal(signal.SIGINT, stop_soon)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_with_progress(messages: Messages, target: RunTarget, stop: threading.Event) -> RunReport:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from proaktive.cli.output import stderr
    from proaktive.delivery.run import Counts, send_messages

    started = time.monotonic()
    with Progress(
        TextColumn("Sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "sent {task.fields[sent]:,} · failed {task.fields[failed]:,} · "
            "deferred {task.fields[deferred]:,} · {task.fields[rate]:.1f}/s"
        ),
        TimeRemainingColumn(),
        console=stderr,
    ) as bar:
        task = bar.add_task(
            "send", total=len(messages), sent=0, failed=0, deferred=0, unknown=0, rate=0.0
        )

        shown = [0.0]

        def show(counts: Counts) -> None:
            now = time.monotonic()
            if now - shown[0] < 0.1 and counts.handled < len(messages):
                return  # ten times a second is enough for a person, and costs the run little
            shown[0] = now
            elapsed = max(now - started, 1e-6)
            bar.update(
                task,
                completed=counts.handled,
                sent=counts.sent,
                failed=counts.failed,
                deferred=counts.deferred,
                rate=counts.handled / elapsed,
            )

        return send_messages(messages, target, stop=stop, progress=show)


def _end(campaign: Campaign, report: RunReport, planned: list[Planned], resume: str) -> int:
    from rich.table import Table

    from proaktive.cli.output import plain, print_error, stdout
    from proaktive.registry.identifiers import mask

    counts = report.counts
    table = Table(title=f"Sending {plain(campaign.id)}", title_justify="left", show_header=False)
    table.add_column("outcome")
    table.add_column("messages", justify="right")
    table.add_row("recipients", f"{report.recipients:,}", end_section=True)
    for label, value in (
        ("sent", counts.sent),
        ("failed (the server refused them)", counts.failed),
        ("deferred (the next run tries again)", counts.deferred),
        ("unknown (may have been delivered)", counts.unknown),
        ("not attempted", report.not_attempted),
    ):
        table.add_row(f"  {label}", f"{value:,}", style="dim" if not value else None)
    stdout.print(table)
    if report.left:
        who = {p.person: mask(p.recipient.personidentifikator) for p in planned}
        left = Table(title="Not delivered by this run", title_justify="left")
        for column in ("identifier", "outcome", "server's reply"):
            left.add_column(column)
        for message in report.left[:SHOWN_LEFT]:
            left.add_row(plain(who[message.person]), message.state, plain(message.reply))
        stdout.print(left)
        if len(report.left) > SHOWN_LEFT:
            stdout.print(
                f"… and {len(report.left) - SHOWN_LEFT:,} more (proaktive ledger status counts "
                "them)."
            )
    if report.stopped is not None:
        print_error(report.stopped)
        print_error(f"the send stopped; nobody was marked failed; resume with: {resume}")
        return 1
    if report.interrupted:
        print_error(f"interrupted: the messages in flight were recorded; resume with: {resume}")
        return 130
    return 0 if report.complete else 3


def _resume_command(
    campaign: Path,
    day: dt.date,
    settings: Path | None,
    registry: Path | None,
    ledger: Path | None,
    on_unknown: OnUnknown,
) -> str:
    words = ["proaktive", "send", str(campaign), "--as-of", day.isoformat()]
    for option, value in (("--settings", settings), ("--registry", registry), ("--ledger", ledger)):
        if value is not None:
            words += [option, str(value)]
    if on_unknown is OnUnknown.resend:
        words += ["--on-unknown", "resend"]
    return shlex.join(words)


def _test_send(
    campaign: Campaign, address: str, settings: Settings, day: dt.date, now: dt.datetime
) -> int:
    """`--to`: each language to one address, for a made-up person; nothing recorded."""
    from proaktive.cli.output import plain, stdout
    from proaktive.delivery.plan import envelope_sender
    from proaktive.delivery.samples import sample_messages
    from proaktive.delivery.smtp import SmtpConnection
    from proaktive.registry.email import check_address

    if not check_address(address.strip()).valid:
        raise typer.BadParameter("not an e-mail address", param_hint="--to")
    address = address.strip()
    messages = sample_messages(campaign, address, as_of=day, now=now)
    connection = SmtpConnection(settings.smtp, _password(settings))
    outcomes = []
    try:
        for message in messages:
            outcome = connection.send(envelope_sender(campaign), address, message.as_bytes())
            outcomes.append(outcome)
            stdout.print(
                plain(f"{message.language}: {outcome.state} ({outcome.reply})"), soft_wrap=True
            )
    finally:
        connection.close()
    sent = sum(outcome.state == "sent" for outcome in outcomes)
    stdout.print(
        plain(
            f"Test messages of {campaign.id} to {address}: {sent} of {len(messages)} sent, for "
            "a made-up person; nothing was recorded in the ledger."
        ),
        soft_wrap=True,
    )
    return 0 if sent == len(messages) else 3
