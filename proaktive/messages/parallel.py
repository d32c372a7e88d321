"""Building many messages on every core: `MessageBuilder`s in worker processes.

Rendering is CPU work in pure Python (Jinja, markdown-it, quoted-printable), so
threads would share one core; processes use them all. Each worker compiles the
templates once per round, then turns chunks of (recipient, person key, round) into
RFC 5322 bytes, returned in the order given.

Only a few chunks are rendered ahead of the one being read: a send takes messages as
fast as the server does, and a campaign of half a million never sits in memory.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from proaktive.audience.model import Recipient
from proaktive.campaign.model import Campaign
from proaktive.messages.message import MessageBuilder

# A recipient, their person key (the ledger's pseudonym) and the round of the campaign.
Item = tuple[Recipient, str, int]

_campaign: tuple[Campaign, dt.date, dt.datetime] | None = None  # the worker's, set by _start
_builders: dict[int, MessageBuilder] = {}  # the worker's, by round


def _start(campaign: Campaign, as_of: dt.date, now: dt.datetime) -> None:
    global _campaign
    _campaign = (campaign, as_of, now)
    # Below the sending process: a send's messages are rendered ahead, so the workers
    # can wait for a core, while the connections waiting for one slow every message.
    os.nice(10)
    # Ctrl-C reaches the whole process group: the sending process decides what it means
    # (finish the messages in flight) and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _render(chunk: list[Item]) -> list[bytes]:
    assert _campaign is not None, "the worker was started without its campaign"
    campaign, as_of, now = _campaign
    rendered = []
    for recipient, key, round_ in chunk:
        builder = _builders.get(round_)
        if builder is None:
            builder = MessageBuilder.for_campaign(campaign, as_of=as_of, now=now, round_=round_)
            _builders[round_] = builder
        rendered.append(builder.build(recipient, key).as_bytes())
    return rendered


class ParallelRenderer:
    """Each item's message as bytes, in order, rendered by worker processes that begin
    at once: at most `ahead` chunks are rendered or being rendered beyond the one read.
    `progress` gets how many are done so far. `close` stops the workers and drops what
    they had not begun; a renderer is closed when it has been read to the end."""

    def __init__(
        self,
        campaign: Campaign,
        items: Iterable[Item],
        *,
        as_of: dt.date,
        now: dt.datetime,
        workers: int | None = None,
        chunk_size: int = 250,
        ahead: int = 8,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        # forkserver, not fork: the parent may hold DuckDB's threads, which fork would
        # copy in whatever state they are in.
        self._pool = ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_start,
            initargs=(campaign, as_of, now),
        )
        self._chunks = _chunks(items, chunk_size)
        self._pending: deque[Future[list[bytes]]] = deque(
            self._pool.submit(_render, chunk) for chunk in itertools.islice(self._chunks, ahead)
        )
        self._progress = progress

    def __iter__(self) -> Iterator[bytes]:
        done = 0
        try:
            while self._pending:
                rendered = self._pending.popleft().result()
                for chunk in itertools.islice(self._chunks, 1):
                    self._pending.append(self._pool.submit(_render, chunk))
                done += len(rendered)
                if self._progress is not None:
                    self._progress(done)
                yield from rendered
        finally:
            self.close()

    def close(self) -> None:
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParallelRenderer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
