"""The error tree shared by every layer. Each error carries the process exit code that cli/ uses."""


class PyAzCopyError(Exception):
    """Base of every error pyazcopy reports to a user; ``exit_code`` is what the process exits with."""

    exit_code = 1


class UsageError(PyAzCopyError):
    """The command line was wrong: an unknown command, flag or flag value."""

    exit_code = 1
