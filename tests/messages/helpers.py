"""A campaign with templates written into a test's folder, and recipients to render."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from builders import make_campaign, pid, write_layout

from proaktive.audience.model import MatchedChild, Recipient
from proaktive.campaign.model import Age, AllOf, Campaign, Child, Criterion
from proaktive.messages.message import MessageBuilder

AS_OF = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
CHILD_CRITERION: Criterion = AllOf((Age(18, None), Child("months", 4, 4)))


def campaign_with(
    tmp_path: Path, templates: dict[str, str], audience: Criterion = CHILD_CRITERION
) -> Campaign:
    folder = tmp_path / "templates" / "test"
    folder.mkdir(parents=True, exist_ok=True)
    write_layout(tmp_path / "templates")
    for language, text in templates.items():
        (folder / f"{language}.md.j2").write_text(text, encoding="utf-8")
    return dataclasses.replace(
        make_campaign(audience), template_folder=folder, title="Søk barnehageplass"
    )


def builder(campaign: Campaign, round_: int = 1) -> MessageBuilder:
    return MessageBuilder.for_campaign(campaign, as_of=AS_OF, now=NOW, round_=round_)


def recipient(**fields: object) -> Recipient:
    born = dt.date(1985, 3, 14)
    values: dict[str, object] = {
        "personidentifikator": pid(born),
        "fornavn": "Kåre",
        "mellomnavn": "Øystein",
        "etternavn": "Ærlig",
        "foedselsdato": born,
        "epostadresse": "kare@example.no",
        "spraak": "nb",
        "kommunenummer": "0301",
        "bydelsnummer": "030102",
        "adressenavn": "Storgata",
        "husnummer": 12,
        "husbokstav": "B",
        "postnummer": "0182",
        "poststed": "OSLO",
        "flyttedato": dt.date(2026, 11, 2),
        "forrige_kommunenummer": "4601",
        "forrige_bydelsnummer": None,
        "barn": (MatchedChild(pid("2026-07-30"), "Åse", None, "Ærlig", dt.date(2026, 7, 30)),),
    }
    values.update(fields)
    return Recipient(**values)  # type: ignore[arg-type]
