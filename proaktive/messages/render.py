"""Jinja2 for templates: sandboxed, strict, and register values kept as data.

Each template part is compiled twice, once per output:

- for the text part and the headers, a value is plain text (control characters and
  line breaks become spaces: a name can never start a new line or header);
- for the Markdown that becomes the HTML part, a value is also Markdown-escaped
  before it enters the source, so `*Kari*` or `[x](http://evil)` in a register stays
  those characters, never emphasis or a link. markdown-it renders with `html=False`:
  raw HTML, in a value or in the template, is shown as text, never passed through.

Errors name the template file's own line: each part is compiled with as many blank
lines before it as the file has above it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from babel.dates import format_date
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markdown_it import MarkdownIt

from proaktive.errors import Location, Problem
from proaktive.messages.templates import Part, TemplateFile

# Babel's locale for each message language; `se` (Northern Sami) uses Bokmål's words.
BABEL_LOCALES = {"nb": "nb", "nn": "nn", "en": "en_GB", "se": "nb"}

# C0 and C1 controls and the Unicode line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# CommonMark lets a backslash escape any ASCII punctuation, and then shows it as itself.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def as_text(value: object) -> str:
    """A value as one line of text: None is empty, a date is ISO, whitespace is one space."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(_CONTROLS.sub(" ", str(value)).split())


def as_markdown_text(value: object) -> str:
    """A value as Markdown that shows exactly its text."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", as_text(value))


_markdown = MarkdownIt("commonmark", {"html": False})

# Inline styles for what Markdown makes: e-mail clients (Gmail, Outlook) drop or ignore
# much of a <style> block, so every element carries its own.
_INLINE_STYLES = {
    "paragraph_open": "margin:0 0 18px 0;",
    "heading_open": "margin:0 0 16px 0; color:#2A2859; font-size:22px; line-height:28px;",
    "bullet_list_open": "margin:0 0 18px 0; padding-left:24px;",
    "ordered_list_open": "margin:0 0 18px 0; padding-left:24px;",
    "list_item_open": "margin:0 0 6px 0;",
    "link_open": "color:#1F42AA; text-decoration:underline;",
    "blockquote_open": "margin:0 0 18px 0; padding-left:16px; border-left:4px solid #2A2859;",
}


# Markdown to HTML is most of a message's work, and a function of the source alone:
# the same rendered source (the same first name in the same district, say) is made once.
@functools.lru_cache(maxsize=4096)
def markdown_to_html(source: str) -> str:
    tokens = _markdown.parse(source)
    for token in tokens:
        for child in [token, *(token.children or ())]:
            style = _INLINE_STYLES.get(child.type)
            if style:
                child.attrSet("style", style)
    return _markdown.renderer.render(tokens, _markdown.options, {})


class TemplateProblem(Exception):
    """A template that cannot be compiled or rendered, at a line of its file."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _environment(language: str, finalize: Callable[[object], str]) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
        autoescape=False,
        keep_trailing_newline=True,
    )
    locale = BABEL_LOCALES.get(language, "nb")

    def langdato(day: object) -> str:
        # Babel writes today's date for None: a missing date must never become today.
        if not isinstance(day, dt.date):
            raise ValueError("langdato needs a date, and this value is empty (use {% if %})")
        return str(format_date(day, "long", locale=locale))

    environment.filters["langdato"] = langdato
    return environment


@dataclass(frozen=True)
class CompiledPart:
    template: jinja2.Template
    file: TemplateFile

    def render(self, context: Mapping[str, Any]) -> str:
        try:
            return self.template.render(context)
        except (jinja2.TemplateError, SecurityError, TypeError, ValueError) as error:
            raise TemplateProblem(_runtime_problem(self.file, error)) from None


@dataclass(frozen=True)
class CompiledTemplate:
    """One language's template, ready to render: text and Markdown forms of every part."""

    file: TemplateFile
    subject: CompiledPart
    preheader: CompiledPart | None
    text_body: CompiledPart
    markdown_body: CompiledPart


def compile_template(file: TemplateFile) -> CompiledTemplate:
    """Compile every part; `TemplateProblem` at the file's line for a syntax error."""
    text = _environment(file.language, as_text)
    markdown = _environment(file.language, as_markdown_text)
    return CompiledTemplate(
        file=file,
        subject=_compile(text, file, file.subject),
        preheader=_compile(text, file, file.preheader) if file.preheader else None,
        text_body=_compile(text, file, file.body),
        markdown_body=_compile(markdown, file, file.body),
    )


def _compile(environment: SandboxedEnvironment, file: TemplateFile, part: Part) -> CompiledPart:
    padded = "\n" * (part.line - 1) + part.source
    try:
        code = environment.compile(padded, name=file.path.name, filename=str(file.path))
    except jinja2.TemplateSyntaxError as error:
        where = Location(file.shown, error.lineno)
        raise TemplateProblem(Problem(where, f"template syntax error: {error.message}")) from None
    template = environment.template_class.from_code(
        environment, code, environment.make_globals(None)
    )
    return CompiledPart(template, file)


_NO_ATTRIBUTE = re.compile(r"^'(?:dict|list) object' has no attribute '([^']*)'$")


def _runtime_problem(file: TemplateFile, error: Exception) -> Problem:
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(file.path):
            line = frame.lineno
    message = str(error)
    missing = _NO_ATTRIBUTE.match(message)
    if missing:
        message = f"unknown variable: no '{missing.group(1)}' here"
    elif isinstance(error, jinja2.UndefinedError):
        message = f"unknown variable: {message}"
    elif isinstance(error, SecurityError):
        message = f"not allowed in a template: {message}"
    return Problem(Location(file.shown, line), message)
