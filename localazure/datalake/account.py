"""The hierarchical-namespace storage account's HTTP front: one aiohttp application, served on two ports (the
dfs endpoint and the Blob endpoint) over the same store and the same authorization.

The Data Lake SDK talks to both APIs through the dfs URL it is given: it turns ``.dfs.`` into ``.blob.`` in the
host to find the Blob endpoint, and a ``127.0.0.1`` URL has no ``.dfs.`` in it. So each port answers both
families, told apart as Azure's own front ends do: by ``resource``/``action``/``x-ms-rename-source`` (dfs) and
``restype``/``comp``/``x-ms-blob-type`` (Blob); a plain path GET/HEAD/DELETE is dfs on the dfs port, Blob on the
Blob port. Errors are JSON for dfs requests and XML for Blob ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Mapping

from aiohttp import web

from localazure.datalake import blob, dfs
from localazure.datalake.authorizer import Authorizer
from localazure.datalake.credentials import Credentials, Identity
from localazure.datalake.errors import DataLakeError, error_response
from localazure.datalake.store import Node, Store, encode_properties, http_date, normalize

log = logging.getLogger(__name__)
SERVER_SETTINGS = {"read_bufsize": 1 << 20, "max_line_size": 65536, "max_field_size": 65536}


@dataclass
class Account:
    name: str
    store: Store
    credentials: Credentials
    authorizer: Authorizer
    upns: Mapping[str, str] = field(default_factory=dict)  # object id -> UPN, for upn=true answers
    delete_page_size: int = 5000  # paths a recursive delete removes per call before answering a continuation

    def app(self, kind: str) -> web.Application:
        """The application for one endpoint: ``kind`` is "dfs" or "blob"."""
        app = web.Application(handler_args=SERVER_SETTINGS, client_max_size=1 << 40)

        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.handle(request, kind)

        app.router.add_route("*", "/{tail:.*}", handle)

        async def close(app: web.Application) -> None:
            self.store.close()

        app.on_cleanup.append(close)
        return app

    async def handle(self, request: web.Request, kind: str) -> web.StreamResponse:
        query = {key: value for key, value in request.query.items()}
        lowered = {key.lower(): value for key, value in query.items()}
        is_dfs = self.is_dfs(request, lowered, kind)
        try:
            identity = self.credentials.identify(request.method, request.raw_path, query, request.headers)
            account, fs_name, path = self.split(request.path)
            if account != self.name:
                raise DataLakeError(400, "InvalidUri" if not is_dfs else "InvalidResourceName", f"The account {account!r} is not served here; this endpoint serves {self.name!r}.")
            self.check_resource_type(identity, fs_name, path, lowered)
            handler = dfs if is_dfs else blob
            return await handler.handle(self, request, identity, fs_name, path, lowered)
        except DataLakeError as error:
            return error_response(error, request, as_json=is_dfs)
        except (ConnectionResetError, web.HTTPException):
            raise
        except Exception:  # a bug here: answer as Azure does, keep the traceback in localazure's log
            log.exception("datalake: %s %s failed", request.method, request.path)
            return error_response(DataLakeError(500, "InternalError", "Server encountered an internal error. Please try again after some time."), request, as_json=is_dfs)

    @staticmethod
    def check_resource_type(identity: Identity, fs_name: str | None, path: str, query: Mapping[str, str]) -> None:
        """An account SAS reaches only the resource types its ``srt`` names: the service, filesystems, paths."""
        if identity.sas_resource_types is None:
            return
        level = "s" if fs_name is None else "c" if not path and not query.get("action") else "o"
        if level not in identity.sas_resource_types:
            raise DataLakeError(403, "AuthorizationResourceTypeMismatch", "This request is not authorized to perform this operation using this resource type.")

    @staticmethod
    def is_dfs(request: web.Request, query: Mapping[str, str], kind: str) -> bool:
        if "restype" in query or "comp" in query or "x-ms-blob-type" in request.headers:
            return False
        if "resource" in query or "action" in query or "x-ms-rename-source" in request.headers:
            return True
        return kind == "dfs"

    @staticmethod
    def split(path: str) -> tuple[str, str | None, str]:
        parts = path.lstrip("/").split("/", 2)
        account = parts[0]
        fs_name = parts[1] if len(parts) > 1 and parts[1] else None
        return account, fs_name, normalize(parts[2]) if len(parts) > 2 else ""

    def owner_text(self, object_id: str, upn: bool) -> str:
        return self.upns.get(object_id, object_id) if upn else object_id

    def path_headers(self, node: Node, upn: bool = False, acl: bool = False) -> dict[str, str]:
        """What a HEAD on a path answers, for the dfs and the Blob API at once (one superset of both)."""
        headers = {
            "Last-Modified": http_date(node.modified),
            "ETag": node.etag,
            "Content-Length": str(node.length),
            "x-ms-creation-time": http_date(node.created),
            "x-ms-resource-type": "directory" if node.is_directory else "file",
            "x-ms-blob-type": "BlockBlob",
            "x-ms-lease-state": "available",
            "x-ms-lease-status": "unlocked",
            "x-ms-server-encrypted": "false",
            "Accept-Ranges": "bytes",
            "x-ms-owner": self.owner_text(node.access.owner, upn),
            "x-ms-group": self.owner_text(node.access.group, upn),
            "x-ms-permissions": node.access.permissions(),
        }
        if acl:
            headers["x-ms-acl"] = node.access.acl_text()
        metadata = dict(node.metadata)
        if node.is_directory:
            metadata["hdi_isfolder"] = "true"
        for key, value in metadata.items():
            headers[f"x-ms-meta-{key}"] = value
        if node.metadata:
            headers["x-ms-properties"] = encode_properties(node.metadata)
        headers.update(node.headers)
        headers.setdefault("Content-Type", "application/octet-stream")
        return headers

    async def send_content(self, request: web.Request, node: Node, extra: dict[str, str]) -> web.StreamResponse:
        """Read a file (Path - Read, Get Blob), whole or one range of ``x-ms-range``/``Range``."""
        start, end, partial = 0, node.length, False
        spec = request.headers.get("x-ms-range") or request.headers.get("Range")
        if spec:
            start, end, partial = self.parse_range(spec, node.length)
        headers = self.path_headers(node) | extra
        headers["Content-Length"] = str(end - start)
        if partial:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{node.length}"
        response = web.StreamResponse(status=206 if partial else 200, headers=headers)
        await response.prepare(request)
        if request.method != "HEAD":
            for chunk in self.store.read(node, start, end):
                await response.write(chunk)
        await response.write_eof()
        return response

    @staticmethod
    def parse_range(spec: str, length: int) -> tuple[int, int, bool]:
        unit, _, value = spec.partition("=")
        first, _, last = value.partition("-")
        try:
            start = int(first)
            end = int(last) + 1 if last else length
        except ValueError:
            raise DataLakeError(400, "InvalidRange", "The range specified is invalid for the current size of the resource.") from None
        if unit.strip() != "bytes" or start >= length and length > 0 or start > end:
            raise DataLakeError(416, "InvalidRange", "The range specified is invalid for the current size of the resource.")
        return start, min(end, length), True

