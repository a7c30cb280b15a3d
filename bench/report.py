"""Merge the JSON files of several `bench.peers` runs into one markdown table of medians and ratios.

    .venv/bin/python -m bench.report run1.json run2.json ... > table.md
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Measurement  # noqa: E402
from bench.peers import summarize  # noqa: E402

NAMES = {f.name for f in fields(Measurement)}


def load(paths: list[str]) -> list[Measurement]:
    results = []
    for path in paths:
        for row in json.loads(Path(path).read_text()):
            results.append(Measurement(**{k: v for k, v in row.items() if k in NAMES}))
    return results


if __name__ == "__main__":
    print(summarize(load(sys.argv[1:])))
