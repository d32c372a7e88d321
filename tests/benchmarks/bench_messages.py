"""How many complete messages a second proaktive renders (not run by CI).

    .venv/bin/python tests/benchmarks/bench_messages.py [COUNT]

A complete message: the template (Jinja), Markdown to HTML, the layout, the headers,
and the RFC 5322 bytes that go to SMTP, for the barnehageopptak campaign. The
recipients are made up in memory (non-ASCII names, one child each), so the figure is
rendering alone: no registry, no SMTP. Reported: one process, then every core
(`ParallelRenderer`, worker start-up included), and for scale the standard
library's `EmailMessage` builder on the same rendered content.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from proaktive.audience.model import MatchedChild, Recipient
from proaktive.campaign import load_campaign
from proaktive.messages.message import MessageBuilder
from proaktive.messages.parallel import ParallelRenderer
from proaktive.messages.render import markdown_to_html
from proaktive.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
NAMES = ("Kåre", "Åse", "Øystein", "Ingrid", "Ánde", "Mohammed", "Zofia", "Ŋanna")


def recipients(count: int) -> list[tuple[Recipient, str]]:
    items = []
    for number in range(count):
        # A name of its own: every message's Markdown differs (the worst case for the
        # cache of Markdown turned into HTML, which a real registry's names repeat in).
        name = f"{NAMES[number % len(NAMES)]} {number}"
        child = MatchedChild(
            "0", NAMES[(number + 3) % len(NAMES)], None, "Berg", dt.date(2026, 7, 30)
        )
        recipient = Recipient(
            personidentifikator=f"{number:011d}",
            fornavn=name,
            mellomnavn=None,
            etternavn="Ærlig",
            foedselsdato=dt.date(1985, 3, 14),
            epostadresse=f"person{number}@example.no",
            spraak="nb",
            kommunenummer="0301",
            bydelsnummer="030105",
            adressenavn="Bygdøy allé",
            husnummer=number % 200 + 1,
            husbokstav=None,
            postnummer="0262",
            poststed="OSLO",
            flyttedato=None,
            forrige_kommunenummer=None,
            forrige_bydelsnummer=None,
            barn=(child,),
        )
        items.append((recipient, f"k{number:08x}"))
    return items


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    os.chdir(REPO)
    campaign = load_campaign(REPO / "campaigns" / "barnehageopptak.yaml", load_settings(None))
    items = recipients(count)
    builder = MessageBuilder.for_campaign(campaign, as_of=AS_OF, now=NOW)

    single = []
    sample = items[:5000]
    for _ in range(3):
        markdown_to_html.cache_clear()  # every run from scratch, as the workers start
        start = time.perf_counter()
        for recipient, key in sample:
            builder.build(recipient, key).as_bytes()
        single.append(len(sample) / (time.perf_counter() - start))
    rate = statistics.median(single)
    print(f"one process:   {rate:7,.0f} messages/s (median of 3 runs of {len(sample):,})")

    parallel = []
    for _ in range(3):
        start = time.perf_counter()
        rounds = ((recipient, key, 1) for recipient, key in items)
        total = sum(len(raw) for raw in ParallelRenderer(campaign, rounds, as_of=AS_OF, now=NOW))
        parallel.append(count / (time.perf_counter() - start))
    cores = os.cpu_count()
    print(
        f"{cores} processes:   {statistics.median(parallel):7,.0f} messages/s "
        f"(median of 3 runs of {count:,}, start-up included; {total / count:,.0f} bytes each)"
    )

    messages = [builder.build(r, k) for r, k in items[:2000]]
    start = time.perf_counter()
    for message in messages:
        email = EmailMessage(policy=SMTP)
        for name, value in message.headers:
            if name != "MIME-Version":
                email[name] = value
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        email.as_bytes()
    rate = len(messages) / (time.perf_counter() - start)
    print(f"for scale: the EmailMessage builder alone, one process: {rate:7,.0f} messages/s")


if __name__ == "__main__":
    main()
