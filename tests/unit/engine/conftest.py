"""Hypothesis settings for the engine's property tests: no per-example deadline (the machine may be shared)."""

from hypothesis import settings

settings.register_profile("engine", deadline=None, max_examples=100)
settings.load_profile("engine")
