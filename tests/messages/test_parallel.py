"""Building messages on every core gives the same bytes, in the same order, as one process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from helpers import AS_OF, NOW, builder, campaign_with, recipient

from proaktive.messages.parallel import Item, render_in_parallel

TEMPLATE = "---\nsubject: 'Hei {{ person.fornavn }}'\n---\nHei {{ person.fornavn }}!\n"


def test_parallel_rendering_matches_one_process_in_order(tmp_path: Path) -> None:
    campaign = campaign_with(tmp_path, {"nb": TEMPLATE})
    # Rounds mixed, as a send of a campaign with repeat_after_days has them.
    items = [
        (recipient(fornavn=f"Åse {number}"), f"key-{number}", 1 + number % 2)
        for number in range(23)
    ]
    done: list[int] = []
    rendered = list(
        render_in_parallel(
            campaign,
            items,
            as_of=AS_OF,
            now=NOW,
            workers=2,
            chunk_size=5,
            ahead=2,
            progress=done.append,
        )
    )
    one = {round_: builder(campaign, round_=round_) for round_ in (1, 2)}
    assert rendered == [one[r].build(person, key).as_bytes() for person, key, r in items]
    assert done == [5, 10, 15, 20, 23]


def test_only_a_few_chunks_are_rendered_ahead_and_closing_stops_the_rest(
    tmp_path: Path,
) -> None:
    campaign = campaign_with(tmp_path, {"nb": TEMPLATE})
    taken = 0

    def million() -> Iterator[Item]:
        nonlocal taken
        for number in range(10**6):
            taken += 1
            yield recipient(fornavn=f"Åse {number}"), f"key-{number}", 1

    rendered = render_in_parallel(
        campaign, million(), as_of=AS_OF, now=NOW, workers=2, chunk_size=5, ahead=2
    )
    first = next(rendered)
    assert first == builder(campaign).build(recipient(fornavn="Åse 0"), "key-0").as_bytes()
    assert taken <= 3 * 5  # the chunk read and two ahead, not a million
    rendered.close()  # returns once the workers are stopped
    assert taken <= 3 * 5
