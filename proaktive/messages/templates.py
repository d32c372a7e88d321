"""Template files → their parts (subject, preheader, body), each with its line in the file.

A template file is YAML front matter between two `---` lines, then the Markdown body;
every part is Jinja2. The parts keep the line they start on, so that an error found
later, while compiling or rendering, can name the template file's own line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from yamlcore import CoreLoader

from proaktive.campaign.fields import shown_path
from proaktive.campaign.model import LANGUAGE_CODES
from proaktive.errors import Location, ProaktiveError, Problem
from proaktive.files import TEMPLATE_LIMIT, read_text

LAYOUT_NAME = "_layout.html.j2"
_FRONT_MATTER_KEYS = ("subject", "preheader")


@dataclass(frozen=True)
class Part:
    """One Jinja source of a template file, and the line of the file it starts on."""

    source: str
    line: int


@dataclass(frozen=True)
class TemplateFile:
    language: str
    path: Path
    subject: Part
    preheader: Part | None
    body: Part

    @property
    def shown(self) -> Path:
        return shown_path(self.path)

    @property
    def subject_location(self) -> Location:
        return Location(self.shown, self.subject.line)

    @property
    def body_location(self) -> Location:
        return Location(self.shown, self.body.line)


def template_path(folder: Path, language: str) -> Path:
    return folder / f"{language}.md.j2"


def template_languages(folder: Path) -> tuple[str, ...]:
    """The languages a template folder has a file for, in KRR's order (nb, nn, en, se)."""
    return tuple(code for code in LANGUAGE_CODES if template_path(folder, code).is_file())


def load_template_file(path: Path, language: str) -> TemplateFile | list[Problem]:
    """The parts of one template file, or its problems (each `file:line: message`)."""
    shown = shown_path(path)
    try:
        text = read_text(path, TEMPLATE_LIMIT, shown_as=shown)
    except ProaktiveError as error:
        return [Problem(error.location or Location(shown), error.message, error.hint)]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    hint = "start the file with '---', a line 'subject: ...', and '---'"
    if not lines or lines[0].strip() != "---":
        return [Problem(Location(shown, 1), "the file does not start with front matter", hint)]
    try:
        closing = next(n for n in range(1, len(lines)) if lines[n].strip() == "---")
    except StopIteration:
        return [Problem(Location(shown, 1), "the front matter is never closed with '---'", hint)]
    parts = _front_matter(shown, "\n".join(lines[1:closing]))
    if isinstance(parts, list):
        return parts
    problems = []
    subject = parts.get("subject")
    if subject is None or not subject.source.strip():
        problems.append(Problem(Location(shown, 1), "the subject is missing or empty", hint))
    body = Part("\n".join(lines[closing + 1 :]), closing + 2)
    if not body.source.strip():
        problems.append(Problem(Location(shown, closing + 2), "the message body is empty"))
    if problems or subject is None:
        return problems
    return TemplateFile(language, path, subject, parts.get("preheader"), body)


def _front_matter(shown: Path, text: str) -> dict[str, Part] | list[Problem]:
    """`subject` and `preheader` as text, each with its line (the front matter starts on 2)."""
    try:
        node = yaml.compose(text, Loader=CoreLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        return [Problem(Location(shown, line), "the front matter is not valid YAML")]
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return [Problem(Location(shown, 2), "the front matter holds 'key: value' lines")]
    parts: dict[str, Part] = {}
    problems = []
    for key, value in node.value:
        line = key.start_mark.line + 2
        name = key.value if isinstance(key, yaml.ScalarNode) else ""
        if name not in _FRONT_MATTER_KEYS:
            problems.append(
                Problem(
                    Location(shown, line),
                    f"unknown key in the front matter: {str(name)[:40]!r}",
                    "only subject and preheader",
                )
            )
        elif not isinstance(value, yaml.ScalarNode) or value.tag.endswith(":null"):
            problems.append(Problem(Location(shown, line), f"{name} must be text"))
        else:
            parts[name] = Part(str(value.value), value.start_mark.line + 2)
    return problems or parts
