"""Building many messages on every core: one `MessageBuilder` per worker process.

Rendering is CPU work in pure Python (Jinja, markdown-it, quoted-printable), so
threads would share one core; processes use them all. Each worker compiles the
templates once, then turns chunks of (recipient, person key) into RFC 5322 bytes,
returned in the order given.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from proaktive.audience.model import Recipient
from proaktive.campaign.model import Campaign
from proaktive.messages.message import MessageBuilder

Item = tuple[Recipient, str]  # a recipient and their person key (the ledger's pseudonym)

_builder: MessageBuilder | None = None  # the worker's own, made by _start


def _start(campaign: Campaign, as_of: dt.date, now: dt.datetime, round_: int) -> None:
    global _builder
    _builder = MessageBuilder.for_campaign(campaign, as_of=as_of, now=now, round_=round_)


def _render(chunk: list[Item]) -> list[bytes]:
    assert _builder is not None, "the worker was started without its builder"
    return [_builder.build(recipient, key).as_bytes() for recipient, key in chunk]


def render_in_parallel(
    campaign: Campaign,
    items: Iterable[Item],
    *,
    as_of: dt.date,
    now: dt.datetime,
    round_: int = 1,
    workers: int | None = None,
    chunk_size: int = 250,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """Each item's message as bytes, in order; `progress` gets how many are done so far."""
    # forkserver, not fork: the parent may hold DuckDB's threads, which fork would copy
    # in whatever state they are in.
    context = multiprocessing.get_context("forkserver")
    done = 0
    with ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        mp_context=context,
        initializer=_start,
        initargs=(campaign, as_of, now, round_),
    ) as pool:
        for rendered in pool.map(_render, _chunks(items, chunk_size)):
            yield from rendered
            done += len(rendered)
            if progress is not None:
                progress(done)


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
