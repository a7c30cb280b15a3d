"""Every command and flag the CLI declares, once, as typed, each with its observable effect checked against
localazure (issue 14, "Every flag, once, as typed").

The declared commands and flags come from the CLI's own parser (``cli_table_support.declared_keys``); the rows are
in ``cli_rows_*.py``. A flag added to the parser without a row fails ``test_every_declared_flag_has_a_row``.
Rows share the session's localazure stack; each gets its own container, home and plan/log directories."""

from __future__ import annotations

import contextlib

import cli_rows_copy  # noqa: F401 - each module registers its rows
import cli_rows_general  # noqa: F401
import cli_rows_jobs_bench  # noqa: F401
import cli_rows_login  # noqa: F401
import cli_rows_sync  # noqa: F401
import pytest
from cli_table_support import ROWS, Ctx, declared_keys


def test_every_declared_flag_has_a_row():
    declared = declared_keys()
    missing, stale = sorted(declared - set(ROWS)), sorted(set(ROWS) - declared)
    assert not missing, f"declared by the CLI's parser but with no row in the flag table (add one to cli_rows_*.py): {missing}"
    assert not stale, f"rows for commands or flags the CLI no longer declares: {stale}"


def _param(key: str):
    entry = ROWS[key]
    marks = [pytest.mark.xfail(strict=True, reason=entry.xfail)] if entry.xfail else []
    return pytest.param(key, id=key, marks=marks)


@pytest.mark.parametrize("key", [_param(key) for key in sorted(ROWS)])
def test_flag(key, localazure, container, tmp_path, monkeypatch):
    ctx = Ctx(localazure, container, tmp_path, monkeypatch, key)
    try:
        ROWS[key].check(ctx)
    finally:
        for undo in reversed(ctx.cleanup):
            with contextlib.suppress(Exception):  # clean-up must not hide the row's own failure
                undo()
