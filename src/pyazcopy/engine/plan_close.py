"""Closing a job plan without SQLite's close-time WAL checkpoint.

When the last connection to a WAL database closes, SQLite copies the WAL into the database and ``fdatasync``s both.
At the end of a download that sync waits behind the writeback of every file the job just wrote (ext4 commits a
file's data before the journal entry that a sync needs): 0.4-1 s at the end of a 200 x 4 MiB download, measured with
strace. SQLite's ``SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE`` leaves the WAL in place instead; the next connection (``jobs
show``, ``jobs resume``) reads through it, and the last of those checkpoints it as usual.

Nothing is lost by it: commits are as durable as ``synchronous=NORMAL`` made them before (the WAL is written on every
commit and checksummed per frame, so a crash never corrupts the plan), only the copy into the database file waits.

Python exposes the option from 3.12 (``Connection.setconfig``). On CPython 3.11 on Linux the connection's ``sqlite3 *``
is the first field after the object header; it is used only after ``sqlite3_db_filename`` on it returns this plan's
own path, so a different layout turns this into a no-op rather than a crash.
"""

from __future__ import annotations

import os
import sqlite3
import sys

SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE = 1006


def skip_checkpoint_on_close(connection: sqlite3.Connection, path: str) -> bool:
    """Ask SQLite not to checkpoint ``connection``'s WAL when it closes; True when the option took effect."""
    setconfig = getattr(connection, "setconfig", None)
    if setconfig is not None:
        setconfig(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)
        return bool(connection.getconfig(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE))
    if sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11) or not sys.platform.startswith("linux"):
        return False
    return _set_through_ctypes(connection, path)


def _set_through_ctypes(connection: sqlite3.Connection, path: str) -> bool:
    import ctypes  # noqa: PLC0415 - 4 ms, only where Python has no setconfig

    import _sqlite3  # noqa: PLC0415

    try:
        library = ctypes.CDLL(_sqlite3.__file__)  # its dlsym also finds the libsqlite3 the module is linked with
        filename = library.sqlite3_db_filename
        filename.restype, filename.argtypes = ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_char_p]
        handle = ctypes.c_void_p.from_address(id(connection) + object.__basicsize__).value
        own_names = {os.fsencode(os.path.realpath(path)), os.fsencode(os.path.abspath(path))}
        if not handle or filename(handle, b"main") not in own_names:
            return False
        enabled = ctypes.c_int(-1)
        status = library.sqlite3_db_config(ctypes.c_void_p(handle), ctypes.c_int(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE),
                                           ctypes.c_int(1), ctypes.byref(enabled))
    except (OSError, AttributeError, ValueError):
        return False
    return status == 0 and enabled.value == 1
