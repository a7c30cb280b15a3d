"""The File service's HTTPS application: authorize each request as Azure does, then run its operation.

One aiohttp application on its own port, served by localazure's event loop. Request bodies are at most 4 MiB (Put
Range's limit) and are read whole; Get File streams from the sparse file in 1 MiB pieces.
"""

from __future__ import annotations

import datetime
import logging
import ssl
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from localazure.entra.service import EntraService
from localazure.files import contents, directories, errors, renames, shares
from localazure.files.authorization import DEV_ACCOUNT_KEY, Authorizer
from localazure.files.copy_source import CopySources
from localazure.files.errors import FileError, http_date
from localazure.files.operations import Operation, classify
from localazure.files.store import FileStore, Share
from localazure.gateway.proxy import storage_gateway
from localazure.gateway.roles import RoleAssignments
from localazure.gateway.tokens import TokenValidator

log = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024 + 1024  # Put Range takes 4 MiB; a little room for XML bodies
SERVER_SETTINGS = {"max_line_size": 65536, "max_field_size": 65536}
Handler = Callable[["Call"], Awaitable[web.StreamResponse]]
HANDLERS: dict[str, Handler] = {**shares.HANDLERS, **directories.HANDLERS, **contents.HANDLERS, **renames.HANDLERS}


@dataclass
class Call:
    """One request being served: what it is, how it was authorized, and the service's parts."""

    request: web.Request
    operation: Operation
    store: FileStore
    authorizer: Authorizer
    sources: CopySources
    auth: str  # SharedKey | SAS | Bearer

    @property
    def snapshot(self) -> str | None:
        return self.request.query.get("sharesnapshot") or None

    def share(self) -> Share:
        """The share named, or its snapshot when ``sharesnapshot=`` is given."""
        return self.store.share(self.operation.share or "", self.snapshot)

    def live_share(self) -> Share:
        """The share itself, for operations that change it: a snapshot is read-only."""
        if self.snapshot:
            self.store.share(self.operation.share or "", self.snapshot)
            raise errors.snapshot_not_supported()
        return self.store.share(self.operation.share or "")

    @property
    def endpoint(self) -> str:
        return f"https://{self.request.host}/{self.authorizer.account}/"

    def respond(self, status: int, headers: dict[str, str] | None = None, body: bytes | str | None = None, content_type: str | None = None) -> web.Response:
        response = web.Response(status=status, headers=self.common_headers(headers))
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None and self.request.method != "HEAD":
            response.body = body
            response.content_type = content_type or "application/xml"
        return response

    def common_headers(self, headers: dict[str, str] | None = None) -> dict[str, str]:
        common = {"Server": errors.SERVER, "x-ms-request-id": str(uuid.uuid4()),
                  "x-ms-version": self.request.headers.get("x-ms-version", "2025-11-05"),
                  "Date": http_date(datetime.datetime.now(datetime.timezone.utc))}
        if self.request.headers.get("x-ms-client-request-id"):
            common["x-ms-client-request-id"] = self.request.headers["x-ms-client-request-id"]
        return {**common, **(headers or {})}


@dataclass
class FileService:
    store: FileStore
    authorizer: Authorizer
    sources: CopySources
    _apps: list[web.Application] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY, handler_args=SERVER_SETTINGS)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self.sources.open)
        app.on_cleanup.append(self.sources.close)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, app: web.Application) -> None:
        self.store.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            account = request.path.lstrip("/").split("/", 1)[0]
            if account != self.authorizer.account:
                raise FileError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
            query = {name.lower(): value for name, value in request.query.items()}
            operation = classify(request.method, request.path, query, request.headers)
            if request.method not in ("GET", "HEAD", "PUT", "DELETE"):
                raise errors.unsupported_verb()
            auth = self.authorizer.authorize(request, operation)
            handler = HANDLERS.get(operation.name)
            if handler is None:
                raise errors.not_implemented(operation.name)
            return await handler(Call(request, operation, self.store, self.authorizer, self.sources, auth))
        except FileError as error:
            return errors.error_response(error, request)
        except Exception:  # noqa: BLE001 - Azure answers 500 InternalError, and localazure logs why
            log.exception("files: %s %s failed", request.method, request.path)
            return errors.error_response(FileError(500, "InternalError", "Server encountered an internal error. Please try again after some time."), request)


def file_service(service: EntraService, assignments: RoleAssignments, data_dir: Path, client_ssl: ssl.SSLContext,
                 copy_origins: Callable[[], frozenset[str]]) -> FileService:
    """The File service of a running stack: bearer tokens checked as the RBAC gateway checks them (same key,
    directory and role assignments); copy sources fetched only from ``copy_origins()`` (the stack's own)."""
    # the gateway's own validator, built the gateway's way
    validator: TokenValidator = storage_gateway(service, assignments, "", client_ssl).validator
    authorizer = Authorizer(validator, assignments, service.config.settings.storage_account, DEV_ACCOUNT_KEY)
    return FileService(FileStore(data_dir), authorizer, CopySources(client_ssl, copy_origins))
