"""YAML files with line numbers, and pydantic errors turned into `file:line:column` problems.

Settings and campaign files both go through here, so both report problems the
same way: every problem at once, each at the place where it is in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from proaktive.errors import Location, Problem

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class YamlDocument:
    """Plain Python data from a YAML file, and where each value and key starts."""

    path: Path
    data: Any
    value_marks: dict[PathKey, tuple[int, int]]
    key_marks: dict[PathKey, tuple[int, int]]

    def location(self, key: PathKey, *, of_key: bool = False) -> Location:
        """The place of `key`; the nearest enclosing value when it is not there."""
        marks = self.key_marks if of_key else self.value_marks
        probe = key
        while probe not in marks and probe:
            if probe in self.key_marks:
                marks = self.key_marks
                break
            probe = probe[:-1]
        line, column = marks.get(probe, (1, 1))
        return Location(self.path, line, column)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps the node tree, so we can read marks from it."""


def _walk(
    node: yaml.Node,
    key: PathKey,
    value_marks: dict[PathKey, tuple[int, int]],
    key_marks: dict[PathKey, tuple[int, int]],
) -> None:
    value_marks[key] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*key, str(key_node.value))
            key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, child, value_marks, key_marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*key, index), value_marks, key_marks)


def load_yaml(path: Path) -> YamlDocument | Problem:
    """Read a YAML file; a problem (never an exception) when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Problem(Location(path), "file not found")
    except UnicodeDecodeError:
        return Problem(Location(path), "not UTF-8 text", "save the file as UTF-8")
    except OSError as error:
        return Problem(Location(path), f"cannot read the file: {error.strerror}")
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return Problem(Location(path, line, column), f"not valid YAML: {error.problem}")
    value_marks: dict[PathKey, tuple[int, int]] = {}
    key_marks: dict[PathKey, tuple[int, int]] = {}
    if node is not None:
        _walk(node, (), value_marks, key_marks)
    return YamlDocument(path, data, value_marks, key_marks)


def validation_problems(document: YamlDocument, error: ValidationError) -> list[Problem]:
    """One problem per pydantic error, placed at the key or value it is about."""
    problems = []
    for item in error.errors(include_url=False):
        key = tuple(part for part in item["loc"] if isinstance(part, str | int))
        kind = item["type"]
        if kind == "extra_forbidden":
            name = key[-1] if key else "?"
            problems.append(Problem(document.location(key, of_key=True), f"unknown key '{name}'"))
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in key)
        if kind == "missing":
            location = document.location(key[:-1])
            problems.append(Problem(location, f"missing required key '{where}'"))
            continue
        problems.append(
            Problem(document.location(key), f"{where}: {message}" if where else message)
        )
    return problems


def validate_document(
    document: YamlDocument, model: type[M], context: dict[str, Any] | None = None
) -> M | list[Problem]:
    """The validated model, or every problem in the document."""
    try:
        return model.model_validate(document.data, context=context)
    except ValidationError as error:
        return validation_problems(document, error)
