"""Entry point of the ``pyazcopy`` command: argv + environment -> options -> api/auth calls -> output, exit code.
The only place that catches broadly."""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
from typing import Sequence

from pyazcopy.auth.credential_errors import scrub
from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output
from pyazcopy.cli.parser import build_parser
from pyazcopy.errors import PyAzCopyError
from pyazcopy.model import OutputFormat
from pyazcopy.settings import Settings


def settings_for(args, environment: Environment) -> Settings:
    settings = Settings.from_environment(environment.env, environment.home_dir)
    suffixes = tuple(part.strip() for part in (getattr(args, "trusted_microsoft_suffixes", "") or "").split(";") if part.strip())
    return dataclasses.replace(settings, trusted_suffixes=suffixes)


def main(argv: Sequence[str] | None = None, environment: Environment | None = None) -> int:
    """Run one command and return its exit code."""
    environment = environment or Environment()
    # azure-identity and azure-core log failed token requests as warnings; pyazcopy reports every failure itself
    logging.getLogger("azure").addHandler(logging.NullHandler())
    logging.getLogger("azure").propagate = False
    argv = list(sys.argv[1:] if argv is None else argv)
    output = Output(environment, OutputFormat.JSON if _wants_json(argv) else OutputFormat.TEXT)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        output.format = OutputFormat(args.output_type)
        from pyazcopy.engine.joblog import parse_log_level  # noqa: PLC0415

        args.log_level = parse_log_level(getattr(args, "log_level", "INFO"))  # AzCopy checks it before any command runs
        if not args.command:
            parser.print_help(environment.stdout)
            return 0
        from pyazcopy.cli import commands  # noqa: PLC0415 - keeps `pyazcopy --help` fast

        return commands.dispatch(args, settings_for(args, environment), output, environment)
    except PyAzCopyError as error:
        output.error(str(error))
        return error.exit_code
    except BrokenPipeError:  # `pyazcopy list ... | head`: the reader went away; nothing more to say
        return 141
    except KeyboardInterrupt:
        output.error("cancelled")
        return 130
    except Exception as error:  # the last resort: name the failure, never dump locals (they may hold tokens)
        output.error(f"unexpected error: {type(error).__name__}: {scrub(str(error))}")
        return 1


def _wants_json(argv: list[str]) -> bool:
    for index, value in enumerate(argv):
        if value == "--output-type=json" or (value == "--output-type" and index + 1 < len(argv) and argv[index + 1].lower() == "json"):
            return True
    return False


def run() -> None:
    # Ctrl-C (SIGINT) always cancels cleanly (plan saved, resumable), even when a shell without job control started
    # us with SIGINT ignored; AzCopy (Go's signal.Notify) behaves the same way
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
