"""Pydantic errors turned into `file:line:column` problems, in the operator's words.

Settings and campaign files both go through here, so both report problems the
same way: every problem at once, each at the place where it is in the file, in
the order they appear in it, and none in pydantic's words ("Input should be...",
"Value error, ...").

Validators in the models raise `input_problem(...)` for a message of their own
(with a hint), and `number_not_text(...)` for a code that YAML read as a number;
the built-in pydantic errors are reworded here to name the key they are about and
to show the wrong value as it was typed.
"""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from proaktive.errors import Problem
from proaktive.yamlfile import PathKey, YamlDocument

M = TypeVar("M", bound=BaseModel)

_INPUT_PROBLEM = "input_problem"
_NUMBER_NOT_TEXT = "number_not_text"
_MISPLACED_KEY = "misplaced_key"


def input_problem(
    message: str, hint: str | None = None, *, at: str | None = None, in_list: str | None = None
) -> PydanticCustomError:
    """An error for a validator to raise: reported as it is, at the value it was raised for.

    `at` names a key inside that value to point at instead, for a validator that
    checks a whole mapping but whose problem is one key of it. `in_list` is the hint
    instead of `hint` when the value is an item of a list.
    """
    return PydanticCustomError(
        _INPUT_PROBLEM,
        "{message}",
        {"message": message, "hint": hint, "at": at, "in_list": in_list},
    )


def number_not_text(what: str, digits: int) -> PydanticCustomError:
    """An error for a code that must be text (a postcode, a district number) but is a number.

    `postcode: 0182` is the number 182 to YAML, so the message shows the value as it
    is written in the file, which only the document knows.
    """
    return PydanticCustomError(
        _NUMBER_NOT_TEXT, "{what} must be text", {"what": what, "digits": digits}
    )


def misplaced_key(key: str, *, under: str) -> PydanticCustomError:
    """An error for a validator that sees `key` beside the key `under` that has no value,
    where it belongs under it: an indentation mistake."""
    return PydanticCustomError(
        _MISPLACED_KEY, "{key} belongs under {under}", {"key": key, "under": under}
    )


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


def validation_problems(
    document: YamlDocument, error: ValidationError, model: type[BaseModel] | None = None
) -> list[Problem]:
    """One problem per pydantic error, placed at the key or value it is about, in file order.

    With `model`, an unknown key comes with the nearest key the model knows there, or,
    when it belongs under a key above it that has no value, with the advice to indent it.
    """
    items = [
        item
        for item in error.errors(include_url=False)
        if item["type"] != "invalid_key"  # a key that is no name: the reader reported it
    ]
    keys = [_key(item) for item in items]
    misplaced = {
        key: _belongs_under(document, key, model)
        for key, item in zip(keys, items, strict=True)
        if item["type"] == "extra_forbidden" and model is not None
    }
    # A key left without value because what belongs under it is not indented: its
    # own "needs a value" would only repeat what the misplaced keys say.
    emptied = {(*key[:-1], under) for key, under in misplaced.items() if under is not None}
    problems = [
        misplaced_problem(document, key, under)
        if (under := misplaced.get(key)) is not None
        else _problem(document, item, model)
        for key, item in zip(keys, items, strict=True)
        if key not in emptied
    ]
    return sorted(problems, key=_file_order)


def misplaced_problem(document: YamlDocument, key: PathKey, under: str) -> Problem:
    """`key` belongs under its sibling `under`, which it is not indented under."""
    line = document.location((*key[:-1], under), of_key=True).line
    return Problem(
        document.location(key, of_key=True),
        f"'{key[-1]}' belongs under '{under}'",
        f"indent it further than '{under}:' on line {line}",
    )


def _file_order(problem: Problem) -> tuple[int, int]:
    return problem.location.line or 0, problem.location.column or 0


def _key(item: ErrorDetails) -> PathKey:
    return tuple(part for part in item["loc"] if isinstance(part, str | int))


def _problem(document: YamlDocument, item: ErrorDetails, model: type[BaseModel] | None) -> Problem:
    key = _key(item)
    name = next((part for part in reversed(key) if isinstance(part, str)), None)
    kind = item["type"]
    context = item.get("ctx", {})
    if kind == _INPUT_PROBLEM:
        at = (context["at"],) if context["at"] else ()
        hint = context["in_list"] if key and isinstance(key[-1], int) else None
        return Problem(document.location((*key, *at)), context["message"], hint or context["hint"])
    if kind == _MISPLACED_KEY:
        return misplaced_problem(document, (*key, context["key"]), context["under"])
    if kind == _NUMBER_NOT_TEXT:
        written = _written(document, key) or str(item["input"])
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
    subject = f"'{name}'" if name else "the file"
    message, hint = _reworded(item, subject, _shown(document, key, item["input"]))
    example = getattr(model_at(model, key), "example", None)
    if item["type"] in _MAPPING_TYPES and example and item["input"] is not None:
        hint = f"like '{name}: {example}'"
    return Problem(document.location(key), message, hint)


def _reworded(item: ErrorDetails, subject: str, shown: str) -> tuple[str, str | None]:
    """A built-in pydantic error as a message that names the key and the wrong value."""
    kind, value, context = item["type"], item["input"], item.get("ctx", {})
    if value is None and (kind.endswith("_type") or kind == "finite_number"):
        return f"{subject} needs a value", None
    if kind == "string_too_short" and value == "":
        return f"{subject} is empty", None
    expected = _EXPECTED.get(kind)
    if expected is not None:
        hint = None
        if kind == "string_type" and isinstance(value, int | float) and shown:
            hint = f'quote it: "{shown}"'
        elif kind in ("int_type", "float_type") and isinstance(value, str) and _number(value):
            hint = "write it without quotes"
        elif kind == "bool_type" and isinstance(value, str):
            # YAML 1.1 read yes/no/on/off as true and false; YAML 1.2 does not.
            meant = _YAML11_BOOLEANS.get(value.strip().lower())
            hint = f"did you mean {meant}?" if meant else None
        return f"{subject} should be {expected}, not {shown}", hint
    if kind in _BOUNDS:
        words, name = _BOUNDS[kind]
        bound = context[name]
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # `buffer_m` 0 or more, not 0.0
        return f"{subject} should be {words.format(bound)}, not {shown}", None
    if kind == "literal_error":
        return _not_one_of(subject, str(context.get("expected", "")), value, shown)
    if kind in ("value_error", "assertion_error"):  # a validator's own message
        message = str(item["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return f"{subject}: {message}", None
    if kind in ("recursion_loop", "recursion_depth_exceeded"):
        return f"{subject} is nested too deeply", None
    message = str(item["msg"])
    message = message.removeprefix("Input ").removeprefix("input ")
    return f"{subject} {message[:1].lower()}{message[1:]}, not {shown}", None


_MAPPING = "keys with values"
_EXPECTED = {
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list, like [a, b]",
    "tuple_type": "a list, like [a, b]",
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "dict_type": _MAPPING,
}
_YAML11_BOOLEANS = {
    word: meaning
    for meaning, words in (("true", ("yes", "y", "on", "ja")), ("false", ("no", "n", "off", "nei")))
    for word in words
}
_MAPPING_TYPES = ("model_type", "model_attributes_type", "dict_type")
_BOUNDS = {
    "greater_than_equal": ("{} or more", "ge"),
    "greater_than": ("more than {}", "gt"),
    "less_than_equal": ("{} or less", "le"),
    "less_than": ("less than {}", "lt"),
}


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _not_one_of(subject: str, expected: str, value: object, shown: str) -> tuple[str, str | None]:
    """`'side' should be 'odd', 'even' or 'both', not 'left'`, with the nearest if any."""
    choices = re.findall(r"'([^']*)'", expected)
    hint = None
    if isinstance(value, str):
        nearest = [choice for choice in choices if choice == value.strip().lower()]
        nearest = nearest or difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
        hint = f"did you mean '{nearest[0]}'?" if nearest else None
    return f"{subject} should be {expected}, not {shown}", hint


def _written(document: YamlDocument, key: PathKey) -> str | None:
    """The text of the scalar at `key`; for `postcode: 0182`, which validation
    reads as a list of one, `key` ends with the index 0 that is not in the file."""
    if key in document.texts:
        return document.texts[key]
    if key and key[-1] == 0:
        return document.texts.get(key[:-1])
    return None


def _shown(document: YamlDocument, key: PathKey, value: object) -> str:
    """A wrong value the way it looks in the file: numbers and words as typed, text quoted."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return _MAPPING
    if value is None:
        return "nothing"
    return _written(document, key) or str(value)


def _unknown_key(document: YamlDocument, key: PathKey, model: type[BaseModel] | None) -> Problem:
    name = str(key[-1]) if key else "?"
    where = model_at(model, key[:-1]) if model else None
    noun = str(getattr(where, "key_noun", "key"))
    hint = None
    if where is not None:
        known = field_names(where)
        nearest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean '{nearest[0]}'?" if nearest else "known: " + ", ".join(known)
    return Problem(document.location(key, of_key=True), f"unknown {noun} '{name}'", hint)


def _belongs_under(
    document: YamlDocument, key: PathKey, model: type[BaseModel] | None
) -> str | None:
    """The sibling key with no value whose model knows `key`'s name: where it belongs."""
    if model is None or not key:
        return None
    parent = document.data
    for part in key[:-1]:
        if isinstance(parent, dict):
            parent = parent.get(part)
        elif isinstance(parent, list) and isinstance(part, int) and part < len(parent):
            parent = parent[part]
        else:
            return None
    if not isinstance(parent, dict):
        return None
    for sibling in parent:
        path = (*key[:-1], str(sibling))
        if path not in document.null_keys:
            continue
        under = model_at(model, path)
        if under is not None and key[-1] in field_names(under):
            return str(sibling)
    return None


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a model knows, as written in the file."""
    return [field.alias or name for name, field in model.model_fields.items()]


def model_at(model: type[BaseModel] | None, key: PathKey) -> type[BaseModel] | None:
    """The model that validates the mapping at `key` (list indices pass through)."""
    current: type[BaseModel] | None = model
    for part in key:
        if isinstance(part, int):
            continue
        if current is None:
            return None
        fields = {field.alias or name: field for name, field in current.model_fields.items()}
        field = fields.get(part)
        current = model_in(field.annotation) if field else None
    return current


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X | None`, `list[X]`, `tuple[X, ...]` or `Annotated[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, tuple, Annotated):
        for argument in get_args(annotation):
            found = model_in(argument)
            if found is not None:
                return found
    return None
