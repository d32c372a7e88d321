"""YAML syntax errors in an operator's words: what is wrong at that place, and the fix.

PyYAML reports what its parser expected ("expected <block end>, but found
'<block sequence start>'"); an operator needs to hear "this line is not aligned with
the lines above it (align it with line 3)". The common mistakes (a tab, a line
indented wrongly, a value holding ': ', a missing ':', a bracket or quote left open)
each get such a message; anything else keeps PyYAML's words, after "not valid YAML".
Every message keeps the place PyYAML found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from proaktive.errors import Location, Problem

# What YAML counts as a line break (str.splitlines also splits at \v, \f and others).
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_CANNOT_START = re.compile(r"found character (?P<char>'.*') that cannot start any token")
_FLOW_END = re.compile(r"expected ',' or '(?P<close>[\]}])', but got '(?P<found>.*)'")
_OPENING = {"]": "[", "}": "{"}
_CLOSING = {"[": "]", "{": "}"}


@dataclass(frozen=True)
class _Lines:
    """The file's lines, to look at the text around an error."""

    lines: list[str]

    def text(self, line: int) -> str:
        """Line `line` (1-based); empty past the end."""
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def indent(self, line: int) -> int:
        text = self.text(line)
        return len(text) - len(text.lstrip(" "))

    def is_content(self, line: int) -> bool:
        stripped = self.text(line).strip()
        return bool(stripped) and not stripped.startswith("#")

    def is_item(self, line: int) -> bool:
        stripped = self.text(line).strip()
        return stripped == "-" or stripped.startswith("- ")

    def previous_content(self, line: int) -> int | None:
        return next((n for n in range(line - 1, 0, -1) if self.is_content(n)), None)

    def aligned_with(self, line: int) -> int | None:
        """The nearest line above that `line` should be aligned with: the nearest of the
        same kind (list item or key) in the same block; None when there is none."""
        indent, item = self.indent(line), self.is_item(line)
        for above in range(line - 1, 0, -1):
            if not self.is_content(above):
                continue
            if self.is_item(above) == item:
                return above
            if self.indent(above) <= indent:  # out of the block, or another kind at this level
                return None
        return None


def syntax_problem(path: Path, text: str, error: yaml.MarkedYAMLError) -> Problem:
    """The problem a YAML syntax error means, at its place."""
    lines = _Lines(_LINE_BREAK.split(text))
    problem, context = error.problem or "", error.context or ""
    at, opened = _place(error.problem_mark), _place(error.context_mark)
    found = _Found(path, at or opened)

    if character := _CANNOT_START.fullmatch(problem):
        if character["char"] == repr("\t"):
            return found(
                at, "a tab character: YAML indents with spaces only", "replace it with spaces"
            )
        shown = character["char"].strip("'")
        return found(at, f"a value cannot start with '{shown}'", "put the value in quotes")
    if problem == "mapping values are not allowed here" and at:
        return _colon_in_value(lines, at, found)
    if problem.startswith("expected <block end>, but found") and at:
        return _misplaced(lines, at, problem, found)
    if problem == "could not find expected ':'":
        return found(
            opened,
            "this line is not 'key: value': it has no ':'",
            "add ': ' after the key, or indent the line if it continues the value above",
        )
    if flow := _FLOW_END.fullmatch(problem):
        close, other = flow["close"], flow["found"]
        opening = _OPENING[close]
        if other == "<stream end>":
            return found(opened, f"this '{opening}' is never closed", f"end it with '{close}'")
        if other in _OPENING:
            return _closes_nothing(at, other, found)
        start = (
            f": the '{opening}' at line {opened[0]}, column {opened[1]} is open" if opened else ""
        )
        return found(
            at,
            f"expected ',' or '{close}' here{start}",
            f"separate the items with ', ', and end them with '{close}'",
        )
    if problem == "expected the node content, but found '<stream end>'":
        unclosed = _unclosed_bracket(lines)
        if unclosed is not None:
            line, column, opening = unclosed
            return found(
                (line, column),
                f"this '{opening}' is never closed",
                f"end it with '{_CLOSING[opening]}'",
            )
        return found(at, "the file ends where a value was expected", "complete the last value")
    if "quoted scalar" in context and problem == "found unexpected end of stream":
        return found(opened, "this quote is never closed", "end the text with the same quote mark")
    if context == "while scanning a double-quoted scalar" and at:
        # `"C:\Users"`: a backslash in double quotes starts an escape like \n.
        line, column = at
        backslash = lines.text(line).rfind("\\", 0, column)
        escape = lines.text(line)[backslash : backslash + 2]
        return found(
            (line, backslash + 1) if backslash >= 0 else at,
            f"'{escape}' is not something a backslash can mean in double quotes",
            "use single quotes, or write the backslash twice",
        )
    if context == "expected a single document in the stream":
        return found(
            at,
            "a second document starts here: the file may hold only one",
            "remove the '---' line and what follows it, or move that to a file of its own",
        )
    if context == "while scanning a block scalar":
        return found(
            at,
            "text on the same line as '|' or '>'",
            "start the text on the next line, indented",
        )
    if context in ("while scanning an alias", "while scanning an anchor"):
        indicator = "*" if "alias" in context else "&"
        return found(opened, f"a value cannot start with '{indicator}'", "put the value in quotes")
    return found(at, f"not valid YAML: {problem}")


def control_character_problem(path: Path, text: str, error: yaml.reader.ReaderError) -> Problem:
    """A character YAML does not allow (a control character, often pasted in unseen)."""
    position = min(max(error.position, 0), len(text))
    line = len(_LINE_BREAK.findall(text, 0, position)) + 1
    line_start = max((m.end() for m in _LINE_BREAK.finditer(text, 0, position)), default=0)
    return Problem(
        Location(path, line, position - line_start + 1),
        f"a control character (U+{error.character:04X}) that YAML does not allow",
        "delete it: it is invisible in most editors, so retype the text around it",
    )


@dataclass(frozen=True)
class _Found:
    """Makes the problem, at a place in the file: the error's own place when none is given."""

    path: Path
    default: tuple[int, int] | None

    def __call__(
        self, place: tuple[int, int] | None, message: str, hint: str | None = None
    ) -> Problem:
        line, column = place or self.default or (None, None)
        return Problem(Location(self.path, line, column), message, hint)


def _place(mark: yaml.Mark | None) -> tuple[int, int] | None:
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def _unclosed_bracket(lines: _Lines) -> tuple[int, int, str] | None:
    """The innermost '[' or '{' that is still open at the end of the file, if any.

    Skips quoted text and comments; good enough to point at the bracket a file that
    ends too early has left open.
    """
    stack: list[tuple[int, int, str]] = []
    for number, text in enumerate(lines.lines, start=1):
        quote = ""
        for index, char in enumerate(text):
            if quote:
                if char == quote and not (quote == '"' and text[index - 1] == "\\"):
                    quote = ""
            elif char in "\"'" and (index == 0 or text[index - 1] in " \t[{,:"):
                quote = char
            elif char == "#" and (index == 0 or text[index - 1] in " \t"):
                break
            elif char in "[{":
                stack.append((number, index + 1, char))
            elif char in "]}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _colon_in_value(lines: _Lines, at: tuple[int, int], found: _Found) -> Problem:
    """`title: Søk: barnehage`, or a `key: value` line indented under a value."""
    line, column = at
    text = lines.text(line)
    first_colon = re.search(r":(\s|$)", text)
    if first_colon is not None and first_colon.start() + 1 == column:
        above = lines.previous_content(line)
        if above is not None:
            return found(
                (line, lines.indent(line) + 1),
                f"this line is indented more than line {above}, which holds a value already",
                f"align it with line {above}",
            )
    key, _, value = text.partition(": ")
    value = value.strip()
    quoted = f"'{value.replace(chr(39), chr(39) * 2)}'" if '"' in value else f'"{value}"'
    return found(
        at,
        "a second ': ' in a value: a value that holds ': ' must be in quotes",
        f"write {key.strip()}: {quoted}" if value else "put the value in quotes",
    )


def _closes_nothing(at: tuple[int, int] | None, bracket: str, found: _Found) -> Problem:
    return found(
        at,
        f"a '{bracket}' that closes nothing",
        f"remove it, or add the '{_OPENING[bracket]}' it closes",
    )


def _misplaced(lines: _Lines, at: tuple[int, int], problem: str, found: _Found) -> Problem:
    """Something where the parser expected the next key of a block: mostly indentation."""
    line, column = at
    before = lines.text(line)[: column - 1]
    token = problem.removeprefix("expected <block end>, but found ").strip("'")
    if before.strip():
        # The line's value is complete, and more follows it on the same line.
        if token in _OPENING:
            return _closes_nothing(at, token, found)
        return found(at, "more text after a complete value", "put the whole value in quotes")
    aligned = lines.aligned_with(line)
    if aligned is not None:
        return found(
            at,
            "this line is not aligned with the lines above it",
            f"align it with line {aligned}",
        )
    if lines.is_item(line):
        return found(
            at,
            "a list item where a key was expected",
            "align the '-' with the other items of its list, or indent it under its key",
        )
    return found(
        at,
        "this line is not aligned with the lines above it",
        "align it with the key it belongs beside, or indent it under the key it belongs to",
    )
