"""Where bytes come from and go to: one module per endpoint kind behind the protocol of
:mod:`pyazcopy.endpoints.protocol` (see docs/ARCHITECTURE.md for what belongs in this layer).

:func:`resolve` turns a command-line location into an endpoint. The concrete modules are imported only when a
location of their kind is resolved, so importing the protocol costs nothing more."""

from __future__ import annotations

from typing import Any


def resolve(text: str, credential: Any = None, *, connection_verify: Any = True, proxies: tuple[tuple[str, str], ...] = (),
            identity: str = "", tenant_id: str = "", pool_size: int = 8, kind: str = "") -> Any:
    """The endpoint a command-line location names: an ``https://`` (or ``http://``) URL is Blob storage (a SAS in it
    is used, else ``credential``, an azure-core TokenCredential), or Azure Files when its host is
    ``<account>.file.core.windows.net`` or ``kind`` is "File" (what --from-to says of this side: a path-style URL
    cannot say its service); anything else is a local directory.
    ``connection_verify`` (a CA bundle path, True or False) and ``proxies`` are the settings' values."""
    from pyazcopy.endpoints.locations import is_remote  # noqa: PLC0415 - see the module's docstring

    if kind.lower() == "file" or (not kind and is_remote(text) and _names_file_service(text)):
        return _files_endpoint(text, credential, connection_verify, proxies, identity, tenant_id)
    if is_remote(text):
        from pyazcopy.endpoints.blob_container import BlobContainer  # noqa: PLC0415
        from pyazcopy.endpoints.blob_transfer import BlobTransferClient, parse_blob_url  # noqa: PLC0415

        url = parse_blob_url(text)
        client = BlobTransferClient(url, None if url.sas else credential, pool_size=pool_size, connection_verify=connection_verify,
                                    proxies=proxies, identity=identity, tenant_id=tenant_id)
        return BlobContainer(url, client)
    from pyazcopy.endpoints.local_endpoint import LocalEndpoint  # noqa: PLC0415

    return LocalEndpoint(text)


def _names_file_service(url: str) -> bool:
    from pyazcopy.endpoints.locations import parse_location  # noqa: PLC0415

    return parse_location(url).service == "file"


def _files_endpoint(text: str, credential: Any, connection_verify: Any, proxies: tuple[tuple[str, str], ...], identity: str,
                    tenant_id: str) -> Any:
    from pyazcopy.endpoints.azure_files import FileShareEndpoint  # noqa: PLC0415
    from pyazcopy.endpoints.file_share_client import FileShareClient, parse_file_url  # noqa: PLC0415
    from pyazcopy.endpoints.locations import is_remote  # noqa: PLC0415
    from pyazcopy.errors import UsageError  # noqa: PLC0415

    if not is_remote(text):
        raise UsageError(f"{text!r} is not an Azure Files URL, but --from-to says this side is File: write it like "
                         "https://<account>.file.core.windows.net/<share>[/<directory>], or fix --from-to")
    url = parse_file_url(text)
    client = FileShareClient(url, None if url.sas else credential, connection_verify=connection_verify, proxies=proxies,
                             identity=identity, tenant_id=tenant_id)
    return FileShareEndpoint(url, client)
