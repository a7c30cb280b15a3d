"""Positive signals for tests of blocking: instead of sleeping a while and asserting nothing happened, wait until the
thread is seen waiting (a slow machine then only makes the test slower, never wrong)."""

from __future__ import annotations

import sys
import threading
import time

TIMEOUT = 30.0


def _in_a_wait(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_filename == threading.__file__ and frame.f_code.co_name == "wait":
            return True
        frame = frame.f_back
    return False


def blocked(thread: threading.Thread, timeout: float = TIMEOUT) -> bool:
    """True once ``thread`` sits in a threading wait (Condition, Event); False if it ends (or the timeout passes) first."""
    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        if _in_a_wait(thread):
            return True
        time.sleep(0.001)
    return False


def waiting_again(condition: threading.Condition, thread: threading.Thread, timeout: float = TIMEOUT) -> bool:
    """After a notify: True once ``thread`` is again among ``condition``'s waiters (it woke, looked, and went back to
    waiting, or was never woken); False if it ends first. Uses CPython's ``Condition._waiters``."""
    deadline = time.monotonic() + timeout
    while thread.is_alive() and time.monotonic() < deadline:
        with condition:
            if condition._waiters and _in_a_wait(thread):  # type: ignore[attr-defined]
                return True
        time.sleep(0.001)
    return False
