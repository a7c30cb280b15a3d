"""Where bytes come from and go to: one module per endpoint kind behind the protocol of
:mod:`pyazcopy.endpoints.protocol` (see docs/ARCHITECTURE.md for what belongs in this layer).

:func:`resolve` turns a command-line location into an endpoint. The concrete modules are imported only when a
location of their kind is resolved, so importing the protocol costs nothing more."""

from __future__ import annotations

from typing import Any


def resolve(text: str, credential: Any = None, *, connection_verify: Any = True, proxies: tuple[tuple[str, str], ...] = (),
            identity: str = "", tenant_id: str = "", pool_size: int = 8, kind: str = "") -> Any:
    """The endpoint a command-line location names: an ``https://`` (or ``http://``) URL is Blob storage, or Data Lake
    (dfs) when ``kind`` is "BlobFS" (what the CLI passes from AzCopy's --from-to) or the host is
    ``<account>.dfs.core.windows.net``, or Azure Files when ``kind`` is "File" or the host is
    ``<account>.file.core.windows.net`` (a path-style URL cannot say its service: Blob is the default); a SAS in it
    is used, else ``credential``, an azure-core TokenCredential. Anything else is a local directory.
    ``connection_verify`` (a CA bundle path, True or False) and ``proxies`` are the settings' values."""
    from pyazcopy.endpoints.locations import is_remote, remote_kind, with_service  # noqa: PLC0415 - see the module's docstring

    if kind.lower() == "file" or (is_remote(text) and remote_kind(text, kind) == "File"):
        return _files_endpoint(text, credential, connection_verify, proxies, identity, tenant_id)
    if is_remote(text) and remote_kind(text, kind) == "BlobFS":
        from pyazcopy.endpoints.blob_transfer import BlobTransferClient, parse_blob_url  # noqa: PLC0415
        from pyazcopy.endpoints.datalake import DataLakeFilesystem  # noqa: PLC0415
        from pyazcopy.endpoints.datalake_client import DataLakeClient  # noqa: PLC0415

        url = parse_blob_url(with_service(text, "dfs"))
        token = None if url.sas else credential
        client = DataLakeClient(url, token, connection_verify=connection_verify, identity=identity, tenant_id=tenant_id, proxies=proxies)
        blob_text = with_service(text, "blob")  # the account's Blob endpoint, where a host names it (for set_properties)
        blob = None if blob_text == with_service(text, "dfs") else BlobTransferClient(
            parse_blob_url(blob_text), token, pool_size=pool_size, connection_verify=connection_verify, proxies=proxies, identity=identity,
            tenant_id=tenant_id)
        return DataLakeFilesystem(url, client, blob)
    if is_remote(text):
        text = with_service(text, "blob") if kind else text
        from pyazcopy.endpoints.blob_container import BlobContainer  # noqa: PLC0415
        from pyazcopy.endpoints.blob_transfer import BlobTransferClient, parse_blob_url  # noqa: PLC0415

        url = parse_blob_url(text)
        client = BlobTransferClient(url, None if url.sas else credential, pool_size=pool_size, connection_verify=connection_verify,
                                    proxies=proxies, identity=identity, tenant_id=tenant_id)
        return BlobContainer(url, client)
    from pyazcopy.endpoints.local_endpoint import LocalEndpoint  # noqa: PLC0415

    return LocalEndpoint(text)


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
