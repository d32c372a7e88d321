"""What resolving a campaign gives: the funnel, and the people who get the message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# The reachability rules, in the order they are applied (shared/spec/campaigns.md).
REASONS = (
    "protected_address",
    "not_in_krr",
    "krr_deleted",
    "reserved",
    "opted_out",
    "no_email",
    "invalid_email",
    "stale_contact",
    "duplicate_email",
    "already_sent",
    "frequency_cap",
)

# Each reason in words, for people (the command line, the review page).
REASON_LABELS = {
    "protected_address": "protected address (fortrolig / strengt fortrolig)",
    "not_in_krr": "not in KRR",
    "krr_deleted": "deleted in KRR",
    "reserved": "reserved against digital contact",
    "opted_out": "on the opt-out list",
    "no_email": "no e-mail address",
    "invalid_email": "invalid e-mail address",
    "stale_contact": "contact information older than 18 months",
    "duplicate_email": "e-mail address shared with an older recipient",
    "already_sent": "already got this campaign",
    "frequency_cap": "frequency cap reached",
}


# The reasons that mean e-mail cannot reach a person, who may get a letter instead.
UNREACHABLE_REASONS = (
    "not_in_krr",
    "krr_deleted",
    "reserved",
    "no_email",
    "invalid_email",
    "stale_contact",
)


@dataclass(frozen=True)
class Funnel:
    population: int
    matched: int
    excluded: dict[str, int]  # every reason of REASONS, in that order
    recipients: int

    def __post_init__(self) -> None:
        # Nobody disappears without a reason: a funnel that does not add up is a bug,
        # and must stop the command before anything is shown or sent.
        if self.matched - sum(self.excluded.values()) != self.recipients:
            raise ArithmeticError(
                f"the funnel does not add up: {self.matched} matched, "
                f"{sum(self.excluded.values())} excluded, {self.recipients} recipients"
            )


@dataclass(frozen=True)
class MatchedChild:
    """A recipient's child that made a `child` criterion match."""

    personidentifikator: str
    fornavn: str
    mellomnavn: str | None
    etternavn: str
    foedselsdato: dt.date


@dataclass(frozen=True)
class Recipient:
    personidentifikator: str
    fornavn: str
    mellomnavn: str | None
    etternavn: str
    foedselsdato: dt.date
    epostadresse: str
    spraak: str | None
    kommunenummer: str
    bydelsnummer: str | None
    adressenavn: str | None
    husnummer: int | None
    husbokstav: str | None
    postnummer: str | None
    poststed: str | None
    flyttedato: dt.date | None
    forrige_kommunenummer: str | None
    forrige_bydelsnummer: str | None
    barn: tuple[MatchedChild, ...]  # the children that made a child criterion match, oldest first


@dataclass(frozen=True)
class Unreachable:
    """A matched person whom e-mail cannot reach: the name and postal address for a letter."""

    personidentifikator: str
    navn: str
    adresse: str  # `Storgata 12 B H0101`; empty when the register has no street address
    postnummer: str | None
    poststed: str | None
    grunn: str  # the first funnel rule that excluded them, one of UNREACHABLE_REASONS


@dataclass(frozen=True)
class Audience:
    campaign_id: str
    as_of: dt.date
    funnel: Funnel
    skipped_rows: int  # registry rows with data errors: in no population
    without_coordinates: int | None  # population without coordinates, when an area is used
    by_district: dict[str, int]  # recipients per bydelsnummer ("" for none)
    by_language: dict[str, int]  # recipients per KRR spraak ("" for unknown)
    recipients: tuple[Recipient, ...]  # sorted by personidentifikator
    warnings: tuple[str, ...]
    # Filled on request only (`audience list --unreachable`), sorted by postcode and address.
    unreachable: tuple[Unreachable, ...] = ()
