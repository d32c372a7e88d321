"""The shared HTML frame (`templates/_layout.html.j2`) around every message's HTML."""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from proaktive.campaign.fields import shown_path
from proaktive.errors import Location, ProaktiveError, Problem
from proaktive.files import TEMPLATE_LIMIT, read_text
from proaktive.messages.render import TemplateProblem
from proaktive.messages.templates import LAYOUT_NAME


class Layout:
    """The compiled layout. Everything it is given is escaped but `content`, which is
    markdown-it's HTML (register values in it are escaped by markdown-it)."""

    def __init__(self, templates: Path) -> None:
        self.path = templates / LAYOUT_NAME
        try:
            source = read_text(self.path, TEMPLATE_LIMIT, shown_as=shown_path(self.path))
        except ProaktiveError as error:
            where = error.location or Location(shown_path(self.path))
            raise TemplateProblem(Problem(where, error.message, error.hint)) from None
        environment = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)
        try:
            self._template = environment.from_string(source)
        except jinja2.TemplateSyntaxError as error:
            where = Location(shown_path(self.path), error.lineno)
            raise TemplateProblem(
                Problem(where, f"template syntax error: {error.message}")
            ) from None

    def render(self, *, language: str, subject: str, preheader: str, content: str) -> str:
        try:
            return self._template.render(
                language=language, subject=subject, preheader=preheader, content=Markup(content)
            )
        except jinja2.TemplateError as error:
            raise TemplateProblem(Problem(Location(shown_path(self.path)), str(error))) from None
