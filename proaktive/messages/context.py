"""A recipient → the variables a template can use (shared/spec/templates.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta

from proaktive.audience.model import MatchedChild, Recipient
from proaktive.campaign.model import Campaign
from proaktive.districts import BY_NUMBER


def template_context(recipient: Recipient, campaign: Campaign, as_of: dt.date) -> dict[str, Any]:
    """`person`, `barn`, `kampanje` and `dato`, exactly the names the spec lists."""
    return {
        "person": _person(recipient, as_of),
        "barn": [_child(child, as_of) for child in recipient.barn],
        "kampanje": {"id": campaign.id, "title": campaign.title, "owner": campaign.owner},
        "dato": as_of,
    }


def full_name(fornavn: str, mellomnavn: str | None, etternavn: str) -> str:
    return " ".join(name for name in (fornavn, mellomnavn, etternavn) if name)


def _person(r: Recipient, as_of: dt.date) -> dict[str, Any]:
    district = BY_NUMBER.get(r.bydelsnummer or "")
    return {
        "fornavn": r.fornavn,
        "mellomnavn": r.mellomnavn,
        "etternavn": r.etternavn,
        "navn": full_name(r.fornavn, r.mellomnavn, r.etternavn),
        "foedselsdato": r.foedselsdato,
        "alder": relativedelta(as_of, r.foedselsdato).years,
        "bydelsnummer": r.bydelsnummer,
        "bydelsnavn": district.name if district else None,
        "adresse": _address(r),
        "postnummer": r.postnummer,
        "poststed": r.poststed,
        "flyttedato": r.flyttedato,
        "forrige_kommunenummer": r.forrige_kommunenummer,
        "forrige_bydelsnummer": r.forrige_bydelsnummer,
        # Unknown counts as new: the welcome for newcomers is the safe text to send.
        "ny_i_kommunen": r.forrige_kommunenummer is None
        or r.forrige_kommunenummer != r.kommunenummer,
    }


def _address(r: Recipient) -> str | None:
    """`Storgata 12 B`; None without a street name."""
    if not r.adressenavn:
        return None
    parts = [r.adressenavn.strip()]
    if r.husnummer is not None:
        parts.append(str(r.husnummer))
    if r.husbokstav:
        parts.append(r.husbokstav)
    return " ".join(parts)


def _child(child: MatchedChild, as_of: dt.date) -> dict[str, Any]:
    age = relativedelta(as_of, child.foedselsdato)
    return {
        "fornavn": child.fornavn,
        "navn": full_name(child.fornavn, child.mellomnavn, child.etternavn),
        "foedselsdato": child.foedselsdato,
        "alder_maaneder": age.years * 12 + age.months,
    }
