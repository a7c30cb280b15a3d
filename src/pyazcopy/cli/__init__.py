"""The composition root: argv and environment in, exit code out. Nothing imports this package."""
