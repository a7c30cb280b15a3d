"""pyazcopy: an AzCopy v10-compatible data transfer tool for Azure Storage.

The Python API (``pyazcopy.login``, ``pyazcopy.list``, ``pyazcopy.make``, ``pyazcopy.logout``, ``pyazcopy.status``)
is imported lazily so that ``import pyazcopy`` stays cheap.
"""

from pyazcopy.version import __version__  # noqa: F401 - the package's version, as pyproject.toml has it

_API = ("login", "logout", "status", "list", "make", "copy", "resume")


def __getattr__(name: str):
    if name in _API:
        from pyazcopy import api

        return getattr(api, name)
    raise AttributeError(name)
