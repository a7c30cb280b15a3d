"""The process's surroundings as one object (httpie style), so tests run the CLI in-process with their own streams
and variables."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, TextIO


@dataclass
class Environment:
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    home: Path | None = None
    clock: Callable[[], float] = time.time

    @property
    def home_dir(self) -> Path:
        return self.home or Path(self.env.get("HOME") or os.path.expanduser("~"))
