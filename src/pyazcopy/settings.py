"""Settings read once by cli/ from the environment and passed down as values (filled in by later issues)."""
