"""pyazcopy: an AzCopy v10-compatible data transfer tool for Azure Storage."""

__version__ = "0.1.0"
