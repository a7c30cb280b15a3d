"""Azure Blob Storage for `list` (lean REST path, endpoints/blob_listing.py) and `make` (azure-storage-blob)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from azure.core.exceptions import HttpResponseError

from pyazcopy.endpoints.storage_errors import Operation, map_storage_error
from pyazcopy.errors import UsageError
from pyazcopy.model import ListedObject, StorageLocation

DEFAULT_API_VERSION = "2025-11-05"


@dataclass
class BlobEndpoint:
    """One storage account's blob service. ``credential`` is a TokenCredential, or None when the URL carries a SAS."""

    location: StorageLocation
    credential: Any = None
    identity: str = ""
    tenant_id: str = ""
    api_version: str = DEFAULT_API_VERSION
    connection_verify: Any = True  # a CA bundle path, True (the system's) or False
    proxies: tuple[tuple[str, str], ...] = ()

    def _service(self):
        from azure.storage.blob import BlobServiceClient  # ~0.5 s of CPU to import: only `make` needs it

        credential = self.credential if self.credential is not None else (self.location.sas or None)
        return BlobServiceClient(self.location.account_url, credential=credential, api_version=self.api_version)

    def _error(self, error: HttpResponseError, operation: Operation):
        return map_storage_error(error, operation, self.location, self.identity, self.tenant_id)

    # list -----------------------------------------------------------------------------------------------------
    def list_objects(self, include_versions: bool = False) -> Iterator[ListedObject]:
        """Every blob under the location; paths relative to the listed prefix, with the container at account level.

        On the copy engine's lean REST path (endpoints/blob_listing.py), not azure-storage-blob: its XML deserializer
        was most of `list`'s CPU."""
        from pyazcopy.endpoints.blob_listing import list_location

        return list_location(self.location, self.credential, self.identity, self.tenant_id, include_versions, self.api_version,
                             self.connection_verify, self.proxies)

    # make -----------------------------------------------------------------------------------------------------
    def create_container(self) -> None:
        if not self.location.container or self.location.path:
            raise UsageError("please provide a valid top-level(ex: File System or Container) resource URL")
        service = self._service()
        try:
            service.get_container_client(self.location.container).create_container()
        except HttpResponseError as error:
            raise self._error(error, Operation.CREATE_CONTAINER) from None
        finally:
            service.close()

