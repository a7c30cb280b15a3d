"""localazure: a local stand-in for Microsoft Entra ID and Azure Storage (never imported by pyazcopy)."""
