"""Azure Blob Storage through azure-storage-blob: list and make (container create)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError as SdkNotFound
from azure.storage.blob import BlobServiceClient

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

    def _service(self) -> BlobServiceClient:
        credential = self.credential if self.credential is not None else (self.location.sas or None)
        return BlobServiceClient(self.location.account_url, credential=credential, api_version=self.api_version)

    def _error(self, error: HttpResponseError, operation: Operation):
        return map_storage_error(error, operation, self.location, self.identity, self.tenant_id)

    # list -----------------------------------------------------------------------------------------------------
    def list_objects(self, include_versions: bool = False) -> Iterator[ListedObject]:
        """Every blob under the location; paths relative to the listed prefix, with the container at account level."""
        service = self._service()
        try:
            if not self.location.container:
                for container in service.list_containers():
                    yield from self._list_container(service, container.name, "", f"{container.name}/", include_versions)
                return
            yield from self._list_in(service, include_versions)
        except HttpResponseError as error:
            raise self._error(error, Operation.LIST) from None
        finally:
            service.close()

    def _list_in(self, service: BlobServiceClient, include_versions: bool) -> Iterator[ListedObject]:
        path = self.location.path
        container = service.get_container_client(self.location.container)
        if path and not path.endswith("/"):
            try:
                properties = container.get_blob_client(path).get_blob_properties()
            except SdkNotFound:
                properties = None
            if properties is not None and not include_versions:
                yield _listed(path.rsplit("/", 1)[-1], properties)
                return
            if properties is not None:
                yield from self._list_container(service, self.location.container, path, path.rsplit("/", 1)[0] + "/" if "/" in path else "", include_versions, exact=path)
                return
            path += "/"
        yield from self._list_container(service, self.location.container, path, "", include_versions)

    def _list_container(self, service, name: str, prefix: str, shown_prefix: str, include_versions: bool, exact: str = "") -> Iterator[ListedObject]:
        container = service.get_container_client(name)
        include = ["versions"] if include_versions else None
        for blob in container.list_blobs(name_starts_with=prefix or None, include=include):
            if exact and blob.name != exact:
                continue
            relative = blob.name[len(prefix):] if prefix and not exact else blob.name.rsplit("/", 1)[-1] if exact else blob.name
            yield _listed(shown_prefix + relative, blob)

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


def _value(item: Any) -> str:
    if item is None:
        return ""
    return str(getattr(item, "value", item))


def _listed(path: str, blob: Any) -> ListedObject:
    settings = getattr(blob, "content_settings", None)
    lease = getattr(blob, "lease", None)
    md5 = getattr(settings, "content_md5", None) if settings else None
    return ListedObject(
        path=path,
        size=int(getattr(blob, "size", 0) or 0),
        last_modified=getattr(blob, "last_modified", None),
        version_id=getattr(blob, "version_id", None) or "",
        blob_type=_value(getattr(blob, "blob_type", None)),
        access_tier=_value(getattr(blob, "blob_tier", None)),
        content_type=(getattr(settings, "content_type", None) or "") if settings else "",
        content_encoding=(getattr(settings, "content_encoding", None) or "") if settings else "",
        content_md5=bytes(md5) if md5 else b"",
        lease_state=_value(getattr(lease, "state", None)) if lease else "",
        lease_status=_value(getattr(lease, "status", None)) if lease else "",
        lease_duration=_value(getattr(lease, "duration", None)) if lease else "",
        archive_status=_value(getattr(blob, "archive_status", None)),
    )
