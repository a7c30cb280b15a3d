"""The gateway's HTTPS reverse proxy: authorize like Azure Storage, then stream the request to Azurite and back.

Bodies are never read whole: the request body flows to Azurite chunk by chunk as it arrives, and the response
flows back the same way, with aiohttp's flow control on both sides, so memory stays flat for any blob size.
"""

from __future__ import annotations

import logging
import re
import ssl
from dataclasses import dataclass, field
from typing import AsyncIterator, Callable, Mapping

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from localazure.gateway import shared_key
from localazure.gateway.errors import StorageError, authentication_failed, error_response, no_authentication_information, permission_mismatch
from localazure.gateway.from_url import FromUrl, from_url_operation
from localazure.gateway.operations import classify, parse_path
from localazure.gateway.roles import RoleAssignments
from localazure.entra.service import EntraService
from localazure.gateway.tokens import TokenValidator, public_key

log = logging.getLogger(__name__)

# Azurite closes a connection after 5 idle seconds (its DEFAULT_BLOB_KEEP_ALIVE_TIMEOUT). The gateway drops its own idle
# connections sooner (aiohttp keeps them 15 s by default), so it does not send a request on one Azurite is closing.
# Most "did not answer" lines are something else: a client that went away mid-upload (the kill and fault tests).
UPSTREAM_KEEPALIVE_SECONDS = 2.0
_SIGNATURE = re.compile(r"(?i)(sig=)[^&\s'\"]+")


def redacted(text: str) -> str:
    """``text`` with every SAS signature replaced (aiohttp's errors name the whole upstream URL)."""
    return _SIGNATURE.sub(r"\1REDACTED", text)


CHUNK = 1 << 20
# Hop-by-hop headers (RFC 9110 section 7.6.1) stay on their own connection, and so does Expect. Host passes on, so
# that the URLs Azurite writes into listings name the gateway, the address the client used.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect"})
SERVER_SETTINGS = {"auto_decompress": False, "read_bufsize": CHUNK, "max_line_size": 65536, "max_field_size": 65536}


@dataclass(frozen=True)
class Account:
    """A further storage account on the same Azurite, with its own audience and role assignments."""

    validator: TokenValidator
    assignments: RoleAssignments


@dataclass
class Gateway:
    validator: TokenValidator  # the first account's (and any account not in ``others``)
    assignments: RoleAssignments
    upstream: str  # https://127.0.0.1:PORT, Azurite's origin
    client_ssl: ssl.SSLContext
    others: dict[str, Account] = field(default_factory=dict)  # account name -> its validator and assignments
    keys: dict[str, bytes] = field(default_factory=dict)  # account name -> decoded key (From-URL writes signed like the client's)
    source_origins: Callable[[], frozenset[str]] = lambda: frozenset()  # where copy sources may be read, besides the gateway
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)
    # From-URL operations fetch their source through this gateway, whose own forwarding uses _session: a pool of
    # their own, so waiting copies can never hold every connection their source reads need
    _copy_session: aiohttp.ClientSession | None = field(default=None, repr=False)

    def account(self, name: str) -> Account:
        return self.others.get(name) or Account(self.validator, self.assignments)

    def app(self) -> web.Application:
        app = web.Application(handler_args=SERVER_SETTINGS)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app

    async def _open(self, app: web.Application) -> None:
        connector = aiohttp.TCPConnector(ssl=self.client_ssl, limit=256, keepalive_timeout=UPSTREAM_KEEPALIVE_SECONDS)
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # bytes pass as stored, gzip or not
            skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),  # shared-key signatures cover headers
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=30),
            read_bufsize=CHUNK,
        )
        self._copy_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self.client_ssl, limit=256, keepalive_timeout=UPSTREAM_KEEPALIVE_SECONDS),
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=30),
            read_bufsize=CHUNK,
        )

    async def _close(self, app: web.Application) -> None:
        for session in (self._session, self._copy_session):
            if session is not None:
                await session.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            anonymous = self.authorize(request)
            operation = from_url_operation(request.method, {key.lower(): value for key, value in request.query.items()}, request.headers)
            if operation is not None:
                return await self.from_url(request, operation)
            return await self.forward(request, anonymous=anonymous)
        except StorageError as error:  # raised only before any response has started
            return error_response(error, request)

    async def from_url(self, request: web.Request, operation: str) -> web.StreamResponse:
        """An operation Azurite lacks (localazure/gateway/from_url.py), already authorized on the destination."""
        assert self._copy_session is not None, "the gateway app has not started"
        account = parse_path(request.path, {}).account
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme == "SharedKey":
            key = self.keys.get(account)
            if key is None or not shared_key.verify(value.strip(), account, key, request.method, request.raw_path.partition("?")[0],
                                                   request.raw_path.partition("?")[2], request.headers):
                raise authentication_failed("The MAC signature found in the HTTP request is not the same as any computed signature.")
        origins = lambda: self.source_origins() | {self.upstream.lower()}  # noqa: E731
        try:
            return await FromUrl(self.upstream, self.keys, origins).serve(self._copy_session, request, operation, account)
        except aiohttp.ClientError as error:
            log.warning("gateway: %s %s: the source or Azurite did not answer: %s", operation, request.path, redacted(str(error)))
            raise StorageError(500, "InternalError", "Server encountered an internal error. Please try again after some time.") from None

    def authorize(self, request: web.Request) -> bool:
        """Refuse what Azure would refuse; returns True for an anonymous read (public access decides upstream)."""
        if request.method == "OPTIONS":  # CORS preflight is anonymous in Azure too
            return False
        scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer":
            query = {key.lower(): value for key, value in request.query.items()}
            target = parse_path(request.path, query)
            account = self.account(target.account)
            caller = account.validator.validate(credentials.strip(), request.headers.get("x-ms-version"))
            operation = classify(request.method, target, query, request.headers)
            denied = account.assignments.authorize(caller.object_id, operation.checks)
            if denied is not None:
                log.warning("gateway: denied %s to %s (%s): needs %s on %s", operation.name, caller.label, caller.object_id, " or ".join(denied.permissions), denied.container or "the account")
                raise permission_mismatch()
            return False
        if scheme or "sig" in request.query:
            return False  # shared key, shared key lite or SAS: Azurite checks them itself
        if request.method in ("GET", "HEAD"):
            return True  # might be a public container
        raise no_authentication_information(self.account(parse_path(request.path, {}).account).validator.challenge)

    async def forward(self, request: web.Request, anonymous: bool) -> web.StreamResponse:
        assert self._session is not None, "the gateway app has not started"
        headers = CIMultiDict((name, value) for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP)
        url = URL(self.upstream + request.raw_path, encoded=True)
        body = _body(request) if request.body_exists else None
        try:
            upstream = await self._session.request(request.method, url, headers=headers, data=body, allow_redirects=False)
        except aiohttp.ClientConnectionError as error:
            log.warning("Azurite did not answer %s %s: %s", request.method, request.path, redacted(str(error)))
            raise StorageError(500, "InternalError", "Server encountered an internal error. Please try again after some time.") from None
        async with upstream:
            if anonymous and upstream.status in (401, 403):
                raise no_authentication_information(self.account(parse_path(request.path, {}).account).validator.challenge)
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    response.headers.add(name, value)
            try:
                await response.prepare(request)
                if request.method != "HEAD":
                    async for chunk in upstream.content.iter_chunked(CHUNK):
                        await response.write(chunk)
                await response.write_eof()
            except ConnectionResetError as error:  # the client went away mid-response (it stopped a download): a normal event
                log.warning("gateway: connection lost: the client went away during %s %s after %d bytes (%s)",
                            request.method, request.path, response.body_length, error)
            return response


async def _body(request: web.Request) -> AsyncIterator[bytes]:
    async for chunk in request.content.iter_any():
        yield chunk


def storage_gateway(service: EntraService, assignments: RoleAssignments, upstream: str, client_ssl: ssl.SSLContext,
                    others: Mapping[str, RoleAssignments] | None = None, keys: Mapping[str, bytes] | None = None,
                    source_origins: Callable[[], frozenset[str]] | None = None) -> Gateway:
    """The gateway for a running stack: tokens checked against the emulator's own signing key and directory; the
    storage accounts (the first, and ``others`` with their own role assignments) belong to the first configured tenant."""
    config = service.config
    signing_keys = {service.key.kid: public_key(service.key.n, service.key.e)}

    def validator(account: str) -> TokenValidator:
        return TokenValidator(
            keys=lambda: signing_keys,
            account=account,
            account_tenant=config.tenants[0].id,
            known_tenants=frozenset(t.id for t in config.tenants),
            authority=service.base_url,
        )

    accounts = {name: Account(validator(name), store) for name, store in (others or {}).items()}
    return Gateway(validator(config.settings.storage_account), assignments, upstream, client_ssl, accounts, dict(keys or {}),
                   source_origins or (lambda: frozenset()))
