"""The review page: everything an approver needs about a campaign, in one HTML file.

Self-contained: inline CSS, an inline SVG map, and each sample message in a
sandboxed `srcdoc` frame (no scripts, no network; a Content-Security-Policy says so
to the browser too, so even an image URL in a template is not fetched). Identifiers
are masked; the caller passes no one with a protected address.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

import jinja2
from markupsafe import Markup

from proaktive.audience.model import REASON_LABELS, Audience
from proaktive.campaign.model import Campaign
from proaktive.messages.message import Message


@dataclass(frozen=True)
class Sample:
    identifier: str  # masked
    message: Message


def review_page(
    campaign: Campaign,
    audience: Audience,
    samples: list[Sample],
    *,
    languages: tuple[str, ...],
    by_language: dict[str, tuple[int, int]],  # message language → (recipients, by fallback)
    map_svg: str | None,
) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    source = files("proaktive.review").joinpath("page.html.j2").read_text(encoding="utf-8")
    contact = campaign.contact
    return environment.from_string(source).render(
        campaign=campaign,
        audience=audience,
        samples=samples,
        languages=languages,
        by_language=by_language,
        reason_labels=REASON_LABELS,
        contact_rules=[
            ("ignore reservation", contact.ignore_reservation),
            ("allow stale contact", contact.allow_stale_contact),
            ("include protected addresses", contact.include_protected_addresses),
        ],
        map_svg=Markup(map_svg) if map_svg else None,
    )
