"""Building messages on every core gives the same bytes, in the same order, as one process."""

from __future__ import annotations

from pathlib import Path

from helpers import AS_OF, NOW, builder, campaign_with, recipient

from proaktive.messages.parallel import render_in_parallel

TEMPLATE = "---\nsubject: 'Hei {{ person.fornavn }}'\n---\nHei {{ person.fornavn }}!\n"


def test_parallel_rendering_matches_one_process_in_order(tmp_path: Path) -> None:
    campaign = campaign_with(tmp_path, {"nb": TEMPLATE})
    items = [(recipient(fornavn=f"Åse {number}"), f"key-{number}") for number in range(23)]
    done: list[int] = []
    rendered = list(
        render_in_parallel(
            campaign, items, as_of=AS_OF, now=NOW, workers=2, chunk_size=5, progress=done.append
        )
    )
    one = builder(campaign)
    assert rendered == [one.build(person, key).as_bytes() for person, key in items]
    assert done == [5, 10, 15, 20, 23]
