"""The package's version, in a module of its own so that any layer can read it (``pyproject.toml`` has the same)."""

__version__ = "0.1.0"
