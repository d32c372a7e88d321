"""How `--help` shows what an option takes: its value's name (DATE, FILE, N), never a
Python type.

Typer (since its "metavar printing" change) shows every parameter's Python type
in help: `--unmasked <bool>`, `CAMPAIGN... <list[Path]>`, `--limit <int range>
[x>=0]`. Operators are not programmers: a flag takes no value, an argument's name
says what it is, and an option with a value names it with its `metavar`. Typer has
no setting for this, so `show_value_names` replaces the one method its help
formatters ask for the type (`display_type_rich`), for arguments and flags; an
option with a value keeps Typer's rule, which shows its metavar, and every such
option of ours has one (tests/cli/test_help.py checks that no type shows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typer.core import TyperArgument, TyperOption


def show_value_names() -> None:
    """Make help show value names only; safe to call more than once."""
    if getattr(TyperOption, "_shows_value_names", False):
        return
    typer_rule: Callable[[Any, Any], str | None] | None = getattr(
        TyperOption, "display_type_rich", None
    )
    if typer_rule is None:  # a Typer from before the change: nothing to undo
        return

    def option_value(option: TyperOption, ctx: Any) -> str | None:
        if option.is_flag or option.count:
            return ""
        return typer_rule(option, ctx)

    def argument_value(argument: TyperArgument, ctx: Any) -> str:
        return ""  # its name (the metavar) says what it is

    setattr(TyperOption, "display_type_rich", option_value)  # noqa: B010
    setattr(TyperArgument, "display_type_rich", argument_value)  # noqa: B010
    setattr(TyperOption, "_shows_value_names", True)  # noqa: B010
