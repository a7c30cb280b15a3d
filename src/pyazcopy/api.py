"""The public Python API: a thin facade over the engine and auth layers (filled in by later issues)."""
