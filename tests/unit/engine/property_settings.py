"""Hypothesis settings for the engine's property tests: no per-example deadline (the machine may be shared).

Applied to each property test with ``@PROPERTIES``, not loaded as a profile: a loaded profile is process-wide, so
every other test's deadline would depend on whether this directory happened to be collected first."""

from hypothesis import settings

PROPERTIES = settings(deadline=None, max_examples=100)
