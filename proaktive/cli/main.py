"""The `proaktive` command, and the one place that turns errors into exit codes."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from enum import IntEnum
from typing import Annotated

import typer

from proaktive.cli import approve, audience, ledger, preview, registry, send, validate
from proaktive.cli.help import show_value_names
from proaktive.errors import ProaktiveError


class ExitCode(IntEnum):
    DONE = 0
    INPUT_ERROR = 1
    USAGE = 2
    SEND_INCOMPLETE = 3
    INTERRUPTED = 130


show_value_names()

app = typer.Typer(
    name="proaktive",
    help="Proactive e-mail campaigns: who gets a message, why others don't, and sending it once.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # never print local variables: they can hold personal data
    context_settings={"help_option_names": ["-h", "--help"]},  # subcommands inherit it
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        from proaktive.cli.output import stdout

        stdout.print(f"proaktive {version('proaktive')}", markup=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    # Options before the command (`proaktive --version`); the help is the app's.
    pass


app.command("validate")(validate.validate)
app.add_typer(audience.app, name="audience")
app.command("preview")(preview.preview)
app.command("approve")(approve.approve)
app.command("send")(send.send)
app.add_typer(ledger.app, name="ledger")
app.add_typer(registry.app, name="registry")


def run(argv: Sequence[str]) -> int:
    """Run one command line; return its exit code. Never lets a traceback through."""
    from proaktive.cli.output import print_error, print_usage_error, report_crash

    try:
        result = app(args=list(argv), prog_name="proaktive", standalone_mode=False)
    except ProaktiveError as error:
        print_error(error)
        return ExitCode.INPUT_ERROR
    except (typer.Abort, KeyboardInterrupt):
        print_error("interrupted")
        return ExitCode.INTERRUPTED
    except typer.TyperException as error:  # wrong use of the command line
        show = getattr(error, "show", None)
        if callable(show):
            message = io.StringIO()
            show(file=message)
            print_usage_error(message.getvalue())
        else:
            print_error(error.format_message())
        return error.exit_code
    except Exception as error:
        if type(error).__name__ == "InterruptException":  # DuckDB's form of Ctrl-C
            print_error("interrupted")
            return ExitCode.INTERRUPTED
        report_crash(error)  # a bug in proaktive: one line here, the details in a file
        return ExitCode.INPUT_ERROR
    return int(result) if isinstance(result, int) else ExitCode.DONE


def main() -> None:
    sys.exit(run(sys.argv[1:]))
