"""Login types -> credentials; secret stores; login records; token refresh. See docs/ARCHITECTURE.md."""
