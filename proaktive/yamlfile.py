"""YAML files with line numbers, and pydantic errors turned into `file:line:column` problems.

Settings and campaign files both go through here, so both report problems the
same way: every problem at once, each at the place where it is in the file, in
the order they appear in it.

Validators in the models raise `input_problem(...)` for a message of their own
(with a hint), and `number_not_text(...)` for a code that YAML read as a number;
the built-in pydantic errors are reworded here to name the key they are about.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from proaktive.errors import Location, Problem

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_INPUT_PROBLEM = "input_problem"
_NUMBER_NOT_TEXT = "number_not_text"


@dataclass(frozen=True)
class YamlDocument:
    """Plain Python data from a YAML file, and where each value and key starts."""

    path: Path
    data: Any
    value_marks: dict[PathKey, tuple[int, int]]
    key_marks: dict[PathKey, tuple[int, int]]
    texts: dict[PathKey, str]  # each scalar as written, before YAML turned it into a value
    problems: tuple[Problem, ...] = ()  # found while reading: duplicate keys

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


def input_problem(
    message: str, hint: str | None = None, *, at: str | None = None
) -> PydanticCustomError:
    """An error for a validator to raise: reported as it is, at the value it was raised for.

    `at` names a key inside that value to point at instead, for a validator that
    checks a whole mapping but whose problem is one key of it.
    """
    return PydanticCustomError(
        _INPUT_PROBLEM, "{message}", {"message": message, "hint": hint, "at": at}
    )


def number_not_text(what: str, digits: int) -> PydanticCustomError:
    """An error for a code that must be text (a postcode, a district number) but is a number.

    YAML reads `0150` as the octal number 104, so the message shows the value as it
    is written in the file, which only the document knows.
    """
    return PydanticCustomError(
        _NUMBER_NOT_TEXT, "{what} must be text", {"what": what, "digits": digits}
    )


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps the node tree, so we can read marks from it."""


@dataclass
class _Marks:
    """What `_walk` collects while it goes through the node tree."""

    path: Path
    values: dict[PathKey, tuple[int, int]]
    keys: dict[PathKey, tuple[int, int]]
    texts: dict[PathKey, str]
    problems: list[Problem]


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(node: yaml.Node, key: PathKey, document: _Marks) -> None:
    document.values[key] = _mark(node)
    if isinstance(node, yaml.ScalarNode):
        document.texts[key] = str(node.value)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*key, str(key_node.value))
            if child in document.keys:
                # PyYAML silently keeps the last one; a campaign must not lose a rule that way.
                line, _ = document.keys[child]
                document.problems.append(
                    Problem(
                        Location(document.path, *_mark(key_node)),
                        f"duplicate key '{key_node.value}' (first at line {line})",
                    )
                )
            document.keys[child] = _mark(key_node)
            _walk(value_node, child, document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*key, index), document)


def load_yaml(path: Path) -> YamlDocument | Problem:
    """Read a YAML file; a problem (never an exception) when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Problem(Location(path), "file not found")
    except IsADirectoryError:
        return Problem(Location(path), "is a folder, not a file")
    except UnicodeDecodeError:
        return Problem(Location(path), "not UTF-8 text", "save the file as UTF-8")
    except OSError as error:
        return Problem(Location(path), f"cannot read the file: {error.strerror}")
    loader = _Loader(text)
    try:
        # One parse: the node tree for the marks, then the data constructed from it.
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return Problem(Location(path, line, column), f"not valid YAML: {error.problem}")
    except yaml.YAMLError as error:  # e.g. a control character the reader refuses
        return Problem(Location(path), f"not valid YAML: {error}")
    finally:
        loader.dispose()
    marks = _Marks(path, {}, {}, {}, [])
    if node is not None:
        _walk(node, (), marks)
    return YamlDocument(path, data, marks.values, marks.keys, marks.texts, tuple(marks.problems))


def validation_problems(
    document: YamlDocument, error: ValidationError, model: type[BaseModel] | None = None
) -> list[Problem]:
    """One problem per pydantic error, placed at the key or value it is about, in file order.

    With `model`, an unknown key comes with the nearest key the model knows there.
    """
    problems = [_problem(document, item, model) for item in error.errors(include_url=False)]
    return sorted(problems, key=_file_order)


def _file_order(problem: Problem) -> tuple[int, int]:
    return problem.location.line or 0, problem.location.column or 0


def _problem(document: YamlDocument, item: ErrorDetails, model: type[BaseModel] | None) -> Problem:
    key = tuple(part for part in item["loc"] if isinstance(part, str | int))
    name = next((part for part in reversed(key) if isinstance(part, str)), None)
    kind = item["type"]
    context = item.get("ctx", {})
    if kind == _INPUT_PROBLEM:
        at = (context["at"],) if context["at"] else ()
        return Problem(document.location((*key, *at)), context["message"], context["hint"])
    if kind == _NUMBER_NOT_TEXT:
        written = document.texts.get(key, str(item["input"]))
        quoted = written.zfill(context["digits"]) if written.isdigit() else written
        return Problem(
            document.location(key),
            f"{context['what']} {written} is a number, not text",
            f'quote it: "{quoted}"',
        )
    if kind == "extra_forbidden":
        return _unknown_key(document, key, model)
    if kind == "missing":
        return Problem(document.location(key[:-1]), f"missing required key '{name}'")
    return Problem(document.location(key), _reworded(item, f"'{name}'" if name else "the file"))


def _reworded(item: ErrorDetails, subject: str) -> str:
    """A built-in pydantic message that names the key, and the wrong value when it is short."""
    kind, value = item["type"], item["input"]
    if value is None and kind.endswith("_type"):
        return f"{subject} needs a value"
    if kind == "string_too_short" and value == "":
        return f"{subject} is empty"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"{subject} should be a mapping of keys to values"
    elif kind == "value_error":  # a validator's own ValueError: its message says it all
        return f"{subject}: " + str(item["msg"]).removeprefix("Value error, ")
    else:
        message = str(item["msg"])
        if message.startswith("Input should"):
            message = subject + message.removeprefix("Input")
        else:
            message = f"{subject}: {message}"
    shown = _shown(value)
    return f"{message}, not {shown}" if shown is not None else message


def _shown(value: object) -> str | None:
    """A short rendering of a wrong scalar, the way it looks in YAML; None for the rest."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | dt.date):
        return str(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list):
        return "a list"
    return None


def _unknown_key(document: YamlDocument, key: PathKey, model: type[BaseModel] | None) -> Problem:
    name = str(key[-1]) if key else "?"
    where = _model_at(model, key[:-1]) if model else None
    noun = str(getattr(where, "key_noun", "key"))
    hint = None
    if where is not None:
        known = [field.alias or field_name for field_name, field in where.model_fields.items()]
        nearest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean '{nearest[0]}'?" if nearest else "known: " + ", ".join(known)
    return Problem(document.location(key, of_key=True), f"unknown {noun} '{name}'", hint)


def _model_at(model: type[BaseModel], key: PathKey) -> type[BaseModel] | None:
    """The model that validates the mapping at `key` (list indices pass through)."""
    current: type[BaseModel] | None = model
    for part in key:
        if isinstance(part, int):
            continue
        if current is None:
            return None
        fields = {field.alias or name: field for name, field in current.model_fields.items()}
        field = fields.get(part)
        current = _model_in(field.annotation) if field else None
    return current


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model inside `X | None`, `list[X]`, `tuple[X, ...]` or `Annotated[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, tuple, Annotated):
        for argument in get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None


def validate_document(
    document: YamlDocument, model: type[M], context: object = None
) -> M | list[Problem]:
    """The validated model, or every problem in the document."""
    try:
        result = model.model_validate(document.data, context=context)
    except ValidationError as error:
        return sorted(
            [*document.problems, *validation_problems(document, error, model)], key=_file_order
        )
    return list(document.problems) if document.problems else result
