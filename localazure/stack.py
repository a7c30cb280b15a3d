"""The whole local stand-in for Azure: TLS, the Entra ID emulator, its admin API and Azurite, and the env file."""

from __future__ import annotations

import asyncio
import base64
import os
import shlex
import socket
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from localazure import admin
from localazure.azurite import AzuriteProcess
from localazure.client_certs import load_app_certificates
from localazure.config import Config
from localazure.datalake.service import build_account, new_account_key
from localazure.entra import arm, discovery, msi, workload
from localazure.entra.service import EntraService
from localazure.entra.signin import SignInPages
from localazure.entra.token_endpoint import TokenEndpoint
from localazure.files.authorization import DEV_ACCOUNT_KEY
from localazure.files.server import file_service
from localazure.gateway.proxy import storage_gateway
from localazure.gateway.roles import RoleAssignments
from localazure.tls import TlsFiles, create_tls_files

ENV_FILE = "env"


def listening_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1 only: localazure never listens anywhere else."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def entra_app(service: EntraService) -> web.Application:
    app = web.Application()
    app.add_routes(discovery.routes(service))
    app.add_routes(TokenEndpoint(service).routes())
    app.add_routes(SignInPages(service).routes())
    app.add_routes(arm.routes(service) + msi.routes(service) + workload.routes(service))
    return app


def admin_app(service: EntraService, assignments: dict[str, RoleAssignments] | None = None) -> web.Application:
    app = web.Application()
    if assignments is not None:
        app.add_routes(admin.gateway_routes(service, assignments))
    app.add_routes(admin.routes(service))
    app.add_routes(workload.admin_routes(service))
    return app


def render_env(values: dict[str, str]) -> str:
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())


def read_env(state_dir: Path) -> dict[str, str]:
    """The variables of a running stack, parsed back from DIR/env."""
    values = {}
    for line in (state_dir / ENV_FILE).read_text(encoding="utf-8").splitlines():
        if line.startswith("export "):
            name, _, quoted = line[len("export "):].partition("=")
            values[name] = shlex.split(quoted)[0] if quoted else ""
    return values


@dataclass
class Stack:
    config: Config
    state_dir: Path
    config_dir: Path = Path(".")
    env: dict[str, str] = field(default_factory=dict)
    service: EntraService | None = None
    _runners: list[web.AppRunner] = field(default_factory=list)
    _azurite: AzuriteProcess | None = None
    gateway_url: str = ""  # the RBAC gateway in front of Azurite: https://127.0.0.1:PORT/<account>
    file_url: str = ""  # localazure's own File service: https://127.0.0.1:PORT/<account>
    account_keys: dict[str, str] = field(default_factory=dict)  # the Blob accounts on Azurite: name -> base64 key

    async def _serve(self, app: web.Application, tls: TlsFiles) -> int:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        sock = listening_socket()
        await web.SockSite(runner, sock, ssl_context=tls.server_context()).start()
        return sock.getsockname()[1]

    async def start(self) -> dict[str, str]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / ENV_FILE).unlink(missing_ok=True)
        tls = create_tls_files(self.state_dir / "tls")
        certificates, generated = load_app_certificates(self.config.apps, self.state_dir / "certs", self.config_dir)
        entra_socket = listening_socket()
        authority = f"https://127.0.0.1:{entra_socket.getsockname()[1]}"
        self.service = EntraService(self.config, authority, client_certificates=certificates)
        runner = web.AppRunner(entra_app(self.service), access_log=None)
        await runner.setup()
        self._runners.append(runner)
        await web.SockSite(runner, entra_socket, ssl_context=tls.server_context()).start()
        settings = self.config.settings
        first, second = settings.storage_account, settings.second_storage_account
        stores = RoleAssignments.for_accounts(self.config.role_assignments, (first, second), settings.role_propagation_seconds)
        assignments = stores[first]
        admin_port = await self._serve(admin_app(self.service, stores), tls)
        location = settings.azurite_location
        self.account_keys = {first: DEV_ACCOUNT_KEY, second: new_account_key()}
        self._azurite = await AzuriteProcess.start(
            free_port(), tls.server_cert, tls.server_key, self.state_dir / "azurite", first, tls.client_context(),
            location=(self.config_dir / location).resolve() if location else None, accounts=self.account_keys,
        )
        origins = lambda: frozenset(url.rsplit("/", 1)[0] for url in (self.gateway_url, self._azurite.url) if url)  # noqa: E731
        gateway = storage_gateway(self.service, assignments, f"https://127.0.0.1:{self._azurite.port}", tls.client_context(),
                                  others={second: stores[second]}, keys={name: base64.b64decode(key) for name, key in self.account_keys.items()},
                                  source_origins=origins)
        self.gateway_url = f"https://127.0.0.1:{await self._serve(gateway.app(), tls)}/{first}"
        self.file_url = await self._start_files(assignments, tls)
        self.env = self._environment(tls, authority, admin_port, generated)
        self.env.update(await self._start_datalake(tls, assignments))
        # written whole, then renamed: a reader that polls for the file (fixtures.LocalAzure.start) never sees half of it
        partial = self.state_dir / (ENV_FILE + ".partial")
        partial.write_text(render_env(self.env), encoding="utf-8")
        os.replace(partial, self.state_dir / ENV_FILE)
        return self.env

    async def _start_files(self, assignments: RoleAssignments, tls: TlsFiles) -> str:
        """The File service (localazure/files), behind the same token checks and role assignments as the gateway;
        it fetches copy sources only from this stack's own origins."""
        origins = lambda: frozenset(url.rsplit("/", 1)[0] for url in (self.gateway_url, self._azurite.url, self.file_url) if url)  # noqa: E731
        files = file_service(self.service, assignments, self.state_dir / "files", tls.client_context(), origins)
        return f"https://127.0.0.1:{await self._serve(files.app(), tls)}/{self.config.settings.storage_account}"

    async def _start_datalake(self, tls: TlsFiles, assignments: RoleAssignments) -> dict[str, str]:
        """The account with a hierarchical namespace (localazure/datalake): its dfs and Blob endpoints."""
        key = new_account_key()
        account = build_account(self.config, self.service, assignments, self.state_dir / "datalake", key)
        dfs = f"https://127.0.0.1:{await self._serve(account.app('dfs'), tls)}/{account.name}"
        blob = f"https://127.0.0.1:{await self._serve(account.app('blob'), tls)}/{account.name}"
        trusted = ";".join([self.env["PYAZCOPY_TRUSTED_ENDPOINTS"], dfs.rsplit("/", 1)[0], blob.rsplit("/", 1)[0]])
        return {"LOCALAZURE_DFS_URL": dfs, "LOCALAZURE_HNS_BLOB_URL": blob, "LOCALAZURE_HNS_ACCOUNT_NAME": account.name, "LOCALAZURE_HNS_ACCOUNT_KEY": key, "PYAZCOPY_TRUSTED_ENDPOINTS": trusted}

    def _environment(self, tls: TlsFiles, authority: str, admin_port: int, generated: dict[str, Path]) -> dict[str, str]:
        home = self.config.tenants[0]
        second = self.config.settings.second_storage_account
        env = {
            "REQUESTS_CA_BUNDLE": str(tls.bundle),
            "SSL_CERT_FILE": str(tls.bundle),
            "CURL_CA_BUNDLE": str(tls.bundle),
            "LOCALAZURE_CA_CERT": str(tls.ca_cert),
            "LOCALAZURE_AUTHORITY": authority,
            "LOCALAZURE_TENANT_ID": home.id,
            "LOCALAZURE_TENANT_DOMAIN": home.domains[0] if home.domains else home.id,
            "LOCALAZURE_STORAGE_ACCOUNT": self.config.settings.storage_account,
            "LOCALAZURE_BLOB_URL": self.gateway_url,
            "LOCALAZURE_BLOB_DIRECT_URL": self._azurite.url,
            # The second Blob account (issue 18): same Azurite, same gateway origin, its own role assignments.
            "LOCALAZURE_STORAGE_ACCOUNT_2": second,
            "LOCALAZURE_STORAGE_ACCOUNT_KEY_2": self.account_keys[second],
            "LOCALAZURE_BLOB_URL_2": f"{self.gateway_url.rsplit('/', 1)[0]}/{second}",
            "LOCALAZURE_BLOB_DIRECT_URL_2": f"{self._azurite.url.rsplit('/', 1)[0]}/{second}",
            "LOCALAZURE_FILE_URL": self.file_url,
            "LOCALAZURE_ADMIN_URL": f"https://127.0.0.1:{admin_port}",
            "LOCALAZURE_STATE_DIR": str(self.state_dir.resolve()),
            # App Service-style managed identity and the workload identity issuer (docs/LOCALAZURE.md). Not exported
            # as IDENTITY_ENDPOINT/IDENTITY_HEADER: those make every process believe it runs on App Service.
            "LOCALAZURE_IDENTITY_ENDPOINT": authority + msi.PATH,
            "LOCALAZURE_IDENTITY_HEADER": msi.identity_header(self.service),
            "LOCALAZURE_WORKLOAD_ISSUER": workload.issuer_url(self.service),
            # What Azure's own clients read: pyazcopy (as AzCopy) and azure-identity.
            "AZCOPY_ACTIVE_DIRECTORY_ENDPOINT": authority,
            "AZURE_AUTHORITY_HOST": authority,
            # pyazcopy sends tokens only to Azure's storage domains and to the exact origins listed here.
            "PYAZCOPY_TRUSTED_ENDPOINTS": ";".join(url.rsplit("/", 1)[0] for url in (self.gateway_url, self._azurite.url, self.file_url)),
        }
        for client_id, path in generated.items():
            env.setdefault("LOCALAZURE_SPN_CERT_CLIENT_ID", client_id)
            env.setdefault("LOCALAZURE_SPN_CERT_PATH", str(path.resolve()))
        return env

    async def stop(self) -> None:
        if self._azurite is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._azurite.stop)
            self._azurite = None
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        (self.state_dir / ENV_FILE).unlink(missing_ok=True)
