"""Frozen dataclasses and enums that cross layers (filled in by later issues)."""
