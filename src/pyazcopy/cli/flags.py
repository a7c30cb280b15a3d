"""Flags and their values: the parser class with AzCopy's manners, Cobra-style boolean flags (``--flag=false``), the
checked ``--output-level``, and the engine settings from the environment. Shared by every command module."""

from __future__ import annotations

import argparse
from dataclasses import replace

from pyazcopy.cli.environment import Environment
from pyazcopy.engine.options import EngineSettings
from pyazcopy.errors import UsageError


class Parser(argparse.ArgumentParser):
    """argparse with AzCopy's manners: a bad command line raises UsageError (exit 1, not argparse's exit 2), and an
    unknown flag points to the help of the command it was given to (`pyazcopy copy --help`), not the top level. A flag
    is spelled out in full: Cobra takes no abbreviations (``--recur`` is an unknown flag, not ``--recursive``)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and not hasattr(parsed, "_extras_prog"):  # the innermost (sub)command that was left with them
            setattr(parsed, "_extras_prog", self.prog)
        return parsed, extras

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            prog = getattr(parsed, "_extras_prog", self.prog)
            flags = [extra for extra in extras if extra.startswith("-")]
            what = f"unknown flag: {flags[0]}" if flags else f"unexpected argument(s): {' '.join(extras)}"  # Cobra's wording
            raise UsageError(f"{what} (see `{prog} --help`)")
        return parsed


BOOL_FLAGS = {  # name -> default (Cobra-style: --flag, --flag=true, --flag=false)
    "recursive": False, "as-subdir": True, "no-guess-mime-type": False, "put-md5": False, "check-length": True,
    "preserve-last-modified-time": False, "follow-symlinks": False, "dry-run": False, "mirror-mode": False,
}
TRUE, FALSE = ("true", "t", "1", "yes"), ("false", "f", "0", "no")


class CobraParser(Parser):
    """Accepts ``--flag=true|false`` for boolean flags, as AzCopy's Cobra flags do."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        rewritten = []
        for token in list(args or []):
            name, sep, value = token.partition("=")
            if sep and name.startswith("--") and name[2:] in BOOL_FLAGS:
                if value.lower() in TRUE:
                    token = name
                elif value.lower() in FALSE:
                    token = "--no-" + name[2:]
                else:
                    raise UsageError(f"invalid value {value!r} for {name}: use true or false")
            rewritten.append(token)
        return super().parse_known_args(rewritten, namespace)


def bool_flag(parser: argparse.ArgumentParser, name: str, help_text: str) -> None:
    dest = name.replace("-", "_")
    parser.add_argument(f"--{name}", dest=dest, action="store_true", default=BOOL_FLAGS[name], help=help_text)
    parser.add_argument(f"--no-{name}", dest=dest, action="store_false", help=argparse.SUPPRESS)


OUTPUT_LEVELS = ("default", "essential", "quiet")


def output_level(value: str, dry_run: bool = False, overwrite: str = "true") -> str:
    """``--output-level`` checked as AzCopy checks it: one of default/essential/quiet (any case); essential and quiet
    cannot answer an overwrite prompt nor show a dry run."""
    level = (value or "default").lower()
    if level not in OUTPUT_LEVELS:
        raise UsageError(f"invalid value {value!r} for --output-level: use default, essential or quiet")
    if level != "default" and overwrite.lower() == "prompt":
        raise UsageError(f"cannot set output level '{level}' with overwrite option 'prompt'")
    if level != "default" and dry_run:
        raise UsageError(f"cannot set output level '{level}' with dry-run mode")
    return level


def engine_settings(environment: Environment, log_level: str = "INFO") -> EngineSettings:
    settings = EngineSettings.from_environment(environment.env, environment.home_dir)
    return replace(settings, log_level=log_level)
