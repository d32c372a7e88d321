"""Building messages on every core gives the same bytes, in the same order, as one process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from helpers import AS_OF, NOW, builder, campaign_with, recipient

from proaktive.messages.parallel import Item, ParallelRenderer

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
        ParallelRenderer(
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

    rendering = ParallelRenderer(
        campaign, million(), as_of=AS_OF, now=NOW, workers=2, chunk_size=5, ahead=2
    )
    first = next(iter(rendering))
    assert first == builder(campaign).build(recipient(fornavn="Åse 0"), "key-0").as_bytes()
    assert taken <= 3 * 5  # the chunk read and two ahead, not a million
    rendering.close()  # returns once the workers are stopped
    assert taken <= 3 * 5


CTRL_C_AT_A_TERMINAL = """
import os, signal, sys, threading
from pathlib import Path
sys.path[:0] = [sys.argv[2], sys.argv[3]]
from helpers import AS_OF, NOW, campaign_with, recipient
from proaktive.messages.parallel import ParallelRenderer

# As `proaktive send` does: Ctrl-C only asks the run to stop after the messages in flight.
asked = threading.Event()
signal.signal(signal.SIGINT, lambda *_: asked.set())
# A long text, so that the workers are rendering when Ctrl-C comes.
head = "---\\nsubject: 'Hei {{ person.fornavn }}'\\n---\\n"
template = head + "Hei **{{ person.fornavn }}**!\\n\\n" * 300
campaign = campaign_with(Path(sys.argv[1]), {"nb": template})
items = ((recipient(fornavn=f"Åse {n}"), f"key-{n}", 1) for n in range(400))
rendering = ParallelRenderer(
    campaign, items, as_of=AS_OF, now=NOW, workers=2, chunk_size=20, ahead=4
)
with rendering as r:
    read = 0
    for message in r:
        read += 1
        if read == 1:
            os.killpg(os.getpgrp(), signal.SIGINT)  # Ctrl-C reaches every process of it
print(read, asked.is_set())
"""


def test_ctrl_c_at_a_terminal_leaves_the_rendering_to_the_sending_process(
    tmp_path: Path,
) -> None:
    tests = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CTRL_C_AT_A_TERMINAL,
            str(tmp_path),
            str(tests),
            str(tests / "messages"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # its own process group, as a command at a terminal
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["400", "True"]  # every message, and the request heard
