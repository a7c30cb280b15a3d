"""Entry point of the ``pyazcopy`` command."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from pyazcopy import __version__
from pyazcopy.errors import PyAzCopyError

DESCRIPTION = (
    "pyazcopy is an AzCopy v10-compatible command-line tool that moves data to and from Azure Storage, "
    "authorizing with your Microsoft Entra ID identity."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pyazcopy", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"pyazcopy version {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code; the only place that catches broadly."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not vars(args):
            parser.print_help()
        return 0
    except PyAzCopyError as error:
        print(f"failed to perform the command: {error}", file=sys.stderr)
        return error.exit_code


def run() -> None:
    sys.exit(main())
