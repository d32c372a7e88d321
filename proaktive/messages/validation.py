"""Checking a campaign's templates before anything is sent: every language, rendered.

Each template file is rendered for a synthetic person with every field filled in
(and a child when the campaign has a `child` criterion, since `barn` is empty
otherwise), so an unknown variable or a Jinja error shows as `file:line: message`.
"""

from __future__ import annotations

import datetime as dt

from proaktive.audience.criteria import leaves
from proaktive.audience.model import MatchedChild, Recipient
from proaktive.campaign.model import Campaign, Child
from proaktive.errors import Problem
from proaktive.messages.message import MessageBuilder, compile_campaign


def template_problems(campaign: Campaign, as_of: dt.date) -> list[Problem]:
    compiled = compile_campaign(campaign)
    if isinstance(compiled, list):
        return compiled
    now = dt.datetime.combine(as_of, dt.time(9), dt.UTC)
    builder = MessageBuilder(campaign, compiled, as_of=as_of, now=now)
    problems = []
    for language in builder.languages:
        problem = builder.problem(synthetic_recipient(campaign, as_of, language))
        if problem is not None:
            problems.append(problem)
    return problems


def synthetic_recipient(campaign: Campaign, as_of: dt.date, language: str) -> Recipient:
    """A made-up person with every field a template can use filled in."""
    has_child = any(isinstance(criterion, Child) for criterion, _ in leaves(campaign.audience))
    child = MatchedChild(
        personidentifikator="00000000000",
        fornavn="Ola",
        mellomnavn="Test",
        etternavn="Nordmann",
        foedselsdato=as_of.replace(day=1) - dt.timedelta(days=120),
    )
    return Recipient(
        personidentifikator="00000000000",
        fornavn="Kari",
        mellomnavn="Test",
        etternavn="Nordmann",
        foedselsdato=dt.date(1980, 5, 17),
        epostadresse="kari.nordmann@example.no",
        spraak=language,
        kommunenummer="0301",
        bydelsnummer="030105",
        adressenavn="Storgata",
        husnummer=12,
        husbokstav="B",
        postnummer="0182",
        poststed="OSLO",
        flyttedato=as_of - dt.timedelta(days=10),
        forrige_kommunenummer="4601",
        forrige_bydelsnummer="030101",
        barn=(child,) if has_child else (),
    )
