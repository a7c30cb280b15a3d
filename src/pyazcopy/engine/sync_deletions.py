"""`sync --delete-destination`: the extra objects of a completed scan deleted at the destination, as AzCopy's
syncProcessor.go does it (``true`` deletes each, ``prompt`` asks per object: Yes, No, Yes for all, No for all), with
its messages. Each delete goes through the one retry loop; a failed delete is counted and reported, never hidden."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from pyazcopy.endpoints.protocol import Destination
from pyazcopy.endpoints.retry import RetryPolicy, call_with_retry
from pyazcopy.engine.sync_scan import Extra
from pyazcopy.errors import PyAzCopyError

DELETE_MODES = ("true", "false", "prompt")
SHOWN_FAILURES = 20


def parse_delete_destination(value: str) -> str:
    """``--delete-destination``: true, false or prompt (any case), as AzCopy's DeleteDestination enum parses it."""
    for mode in DELETE_MODES:
        if (value or "false").lower() == mode:
            return mode
    from pyazcopy.errors import UsageError  # noqa: PLC0415

    raise UsageError(f"invalid --delete-destination value {value!r}; valid values are true, false, prompt")


@dataclass
class DeletionResult:
    deleted: int = 0
    kept: int = 0  # answered No (or No for all) at the prompt
    failed: int = 0
    failures: list[str] = field(default_factory=list)  # the first SHOWN_FAILURES, "name: why"


def object_type(destination: Destination) -> str:
    """What AzCopy calls a destination object in its prompt: ``local file`` or the location's kind (``Blob``)."""
    return "local file" if destination.kind == "Local" else destination.kind


def delete_extras(destination: Destination, extras: Iterable[Extra], mode: str, notify: Callable[[str], None],
                  confirm: Callable[[Extra], str] | None = None, retry: RetryPolicy = RetryPolicy()) -> DeletionResult:
    """Delete ``extras`` at ``destination``. ``mode`` is ``true`` or ``prompt``; ``confirm`` answers ``yes``, ``no``,
    ``all`` or ``none`` for one object (prompt only); ``notify`` gets AzCopy's info lines."""
    result = DeletionResult()
    asking, deleting = mode == "prompt", mode == "true"
    shown = object_type(destination)
    for extra in extras:
        if asking:
            answer = confirm(extra) if confirm is not None else "no"
            if answer == "all":
                notify(f"Confirmed. All the extra {shown}s will be deleted.")
                asking, deleting = False, True
            elif answer == "none":
                notify("No deletions will happen from now onwards.")
                asking, deleting = False, False
            elif answer == "yes":
                deleting = True
            else:
                notify(f"Keeping extra {shown}: {extra.name}")
                deleting = False
        if not deleting:
            result.kept += 1
            continue
        notify(f"Deleting extra {'File' if destination.kind == 'Local' else 'object'}: {extra.name}")
        try:
            call_with_retry(lambda: destination.delete(extra.name), retry)
            result.deleted += 1
        except (PyAzCopyError, OSError) as error:
            result.failed += 1
            reason = getattr(error, "transfer_line", "") or str(error)
            if len(result.failures) < SHOWN_FAILURES:
                result.failures.append(f"{extra.name}: {reason}")
            notify(f"error {reason} deleting the object {extra.name}")
    return result
