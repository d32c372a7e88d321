"""YAML files read as the operator typed them, with the place of every key and value.

Settings and campaign files both go through here. They are read with the YAML 1.2
core schema (`yamlcore`), not PyYAML's default YAML 1.1 rules, so that a value
reaches validation as it was typed: `0150` is not the octal number 104, `no` is not
`False`, and `1950-13-01` is text for validation to judge, not a date that crashes
the reader. What a campaign never needs and that would make the file say something
other than what it shows (anchors, aliases, tags, keys that are not names) is
refused, each at its place.

Turning the problems of the data into messages is `proaktive.schema_problems`' job;
syntax errors are `proaktive.yaml_syntax`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yamlcore import CoreLoader

from proaktive.errors import FileError, Location, Problem
from proaktive.files import read_bytes
from proaktive.yaml_syntax import control_character_problem, syntax_problem

PathKey = tuple[str | int, ...]

_STANDARD_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class YamlDocument:
    """Plain Python data from a YAML file, and where each value and key starts."""

    path: Path
    data: Any
    value_marks: dict[PathKey, tuple[int, int]]
    key_marks: dict[PathKey, tuple[int, int]]
    texts: dict[PathKey, str]  # each scalar as written, before YAML turned it into a value
    problems: tuple[Problem, ...] = ()  # found while reading: duplicate keys, keys not names
    null_keys: frozenset[PathKey] = frozenset()  # keys written with nothing after the ':'

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


def _mark(mark: Any) -> tuple[int, int]:
    """A PyYAML mark (0-based) as line and column (1-based)."""
    return mark.line + 1, mark.column + 1


def _shown_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_STANDARD_TAG) if tag.startswith(_STANDARD_TAG) else tag


class _Loader(CoreLoader):
    """The YAML 1.2 core schema, composing a node tree (for the marks) that has no
    anchors, aliases or tags: each is noted in `refused` and left out."""

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.path = path
        self.refused: list[Problem] = []

    def _refuse(self, mark: Any, message: str, hint: str) -> None:
        self.refused.append(Problem(Location(self.path, *_mark(mark)), message, hint))

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        start: Any = event.start_mark  # PyYAML's stubs know two kinds of marks
        if isinstance(event, yaml.AliasEvent):
            # A recursive alias (`x: &a [*a]`) would never end; any alias hides a value.
            self.get_event()
            self._refuse(
                event.start_mark,
                f"'*{event.anchor}' repeats a value from elsewhere in the file "
                "(a YAML alias), which is not allowed here",
                "write the value out in full",
            )
            return yaml.ScalarNode(_STANDARD_TAG + "null", "", start, start)
        if event.anchor is not None:
            self._refuse(
                event.start_mark,
                f"'&{event.anchor}' names a value for repeating (a YAML anchor), "
                "which is not allowed here",
                "remove it",
            )
            event.anchor = None
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            self._refuse(
                event.start_mark,
                f"'{_shown_tag(tag)}' (a YAML tag) is not allowed here",
                "remove it, and write the value as it is",
            )
            event.tag = None
        node: yaml.Node = super().compose_node(parent, index)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # yamlcore stops at the first duplicate key; `_walk` reports every one, with
        # both lines, alongside the file's other problems.
        return yaml.constructor.BaseConstructor.construct_mapping(self, node, deep)


@dataclass
class _Marks:
    """What `_walk` collects while it goes through the node tree."""

    path: Path
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    texts: dict[PathKey, str] = field(default_factory=dict)
    null_keys: set[PathKey] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)


def _is_text(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _STANDARD_TAG + "str"


def _walk(node: yaml.Node, key: PathKey, document: _Marks) -> None:
    document.values[key] = _mark(node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        document.texts[key] = str(node.value)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not _is_text(key_node):
                written = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                listed = node.flow_style and value_node.tag == _STANDARD_TAG + "null"
                document.refused.append(
                    Problem(
                        Location(document.path, *_mark(key_node.start_mark)),
                        f"a key must be a name, not {written}"
                        if written is not None
                        else "a key must be a name, not a list or a mapping",
                        # `{postcode: 0182, 0183}`: in braces, a comma starts another key.
                        "to give a key several values, put them in brackets: [a, b]"
                        if listed
                        else None,
                    )
                )
                continue
            child = (*key, str(key_node.value))
            if child in document.keys:
                # PyYAML silently keeps the last one; a campaign must not lose a rule that way.
                line, _ = document.keys[child]
                document.problems.append(
                    Problem(
                        Location(document.path, *_mark(key_node.start_mark)),
                        f"duplicate key '{key_node.value}' (first at line {line})",
                    )
                )
            document.keys[child] = _mark(key_node.start_mark)
            if value_node.tag == _STANDARD_TAG + "null" and value_node.value == "":
                document.null_keys.add(child)
            _walk(value_node, child, document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*key, index), document)


def load_yaml(path: Path, limit: int) -> YamlDocument | list[Problem]:
    """Read a YAML file of at most `limit` bytes (`proaktive.files`); its problems (never
    an exception) when it cannot be read: missing, a folder, a device, too large."""
    try:
        raw = read_bytes(path, limit)
    except FileError as error:
        return [Problem(error.location or Location(path), error.message, error.hint)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [_not_utf8(path, error)]
    try:
        loader = _Loader(text, path)  # the reader refuses control characters right away
    except yaml.reader.ReaderError as error:
        return [control_character_problem(path, text, error)]
    marks = _Marks(path)
    try:
        # One parse: the node tree for the marks, then the data constructed from it.
        node = loader.get_single_node()
        if node is not None:
            _walk(node, (), marks)
        refused = sorted([*loader.refused, *marks.refused], key=_file_order)
        if refused:
            return refused
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        return [syntax_problem(path, text, error)]
    except RecursionError:
        return [Problem(Location(path), "nested too deeply to be a campaign or settings file")]
    finally:
        loader.dispose()
    return YamlDocument(
        path,
        data,
        marks.values,
        marks.keys,
        marks.texts,
        tuple(marks.problems),
        frozenset(marks.null_keys),
    )


def _not_utf8(path: Path, error: UnicodeDecodeError) -> Problem:
    """Where the first byte that is not UTF-8 is: often an ø or å saved as Latin-1."""
    data = error.object if isinstance(error.object, bytes) else b""
    line = data.count(b"\n", 0, error.start) + 1
    line_start = data.rfind(b"\n", 0, error.start) + 1
    column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
    return Problem(
        Location(path, line, column),
        "not UTF-8 text",
        "save the file as UTF-8: an ø, æ or å saved otherwise is the usual cause",
    )


def _file_order(problem: Problem) -> tuple[int, int]:
    return problem.location.line or 0, problem.location.column or 0
