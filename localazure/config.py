"""localazure's configuration: tenants, users, app registrations and managed identities.

Read from a TOML file (the built-in default is ``default_config.toml``) and validated field by field, so a bad
file stops ``localazure up`` with a message that names the field and what is wrong with it.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from localazure.gateway.roles import BUILT_IN_ROLES, role_named

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")


class ConfigError(ValueError):
    """The configuration file is invalid; the message names the file, the field and the problem."""


@dataclass(frozen=True)
class Settings:
    access_token_lifetime_seconds: int = 3600
    refresh_token_lifetime_seconds: int = 90 * 24 * 3600
    device_code_lifetime_seconds: int = 900
    device_code_interval_seconds: int = 1
    storage_account: str = "devstoreaccount1"
    # A second Blob account on the same Azurite, behind the same gateway, with its own role assignments (issue 18).
    second_storage_account: str = "devstoreaccount2"
    role_propagation_seconds: int = 0  # how long a role assignment change takes to count (Azure: up to minutes)
    # A directory Azurite keeps its data in (what bench/azurite_seed.py writes); empty: in memory. Relative to the config file.
    azurite_location: str = ""


@dataclass(frozen=True)
class Tenant:
    name: str
    id: str
    display_name: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class GuestMembership:
    tenant: str
    object_id: str


@dataclass(frozen=True)
class User:
    upn: str
    display_name: str
    password: str
    object_id: str
    home_tenant: str
    guest_of: tuple[GuestMembership, ...] = ()


@dataclass(frozen=True)
class CertificateSpec:
    """Either ``path`` to a PEM certificate (public part is enough) or ``generate`` one at start-up."""

    path: str | None = None
    generate: bool = False


@dataclass(frozen=True)
class FederatedCredential:
    """Trust in tokens of an external issuer (workload identity): Entra's federated identity credential.

    ``issuer`` may start with ``{authority}``, which stands for the running emulator's https://127.0.0.1:PORT.
    """

    issuer: str
    subject: str
    audiences: tuple[str, ...] = ("api://AzureADTokenExchange",)
    name: str = ""


@dataclass(frozen=True)
class App:
    client_id: str
    display_name: str
    object_id: str = ""
    tenant: str | None = None
    public_client: bool = False
    multi_tenant: bool = False
    secrets: tuple[str, ...] = ()
    certificates: tuple[CertificateSpec, ...] = ()
    redirect_uris: tuple[str, ...] = ()
    federated_credentials: tuple[FederatedCredential, ...] = ()


@dataclass(frozen=True)
class ManagedIdentity:
    name: str
    client_id: str
    object_id: str
    tenant: str
    resource_id: str


@dataclass(frozen=True)
class RoleAssignment:
    """A built-in storage role for one principal, on the storage account ("/") or on one container ("/name")."""

    principal_id: str  # the `oid` the principal's tokens carry in the tenant that owns the storage account
    principal: str  # how it was named, e.g. "upn alice@contoso.test"
    role: str  # a built-in role name, e.g. "Storage Blob Data Reader"
    scope: str = "/"
    account: str = ""  # the Blob account it is on: settings.storage_account (the default) or settings.second_storage_account


@dataclass(frozen=True)
class Config:
    settings: Settings
    tenants: tuple[Tenant, ...]
    users: tuple[User, ...]
    apps: tuple[App, ...]
    managed_identities: tuple[ManagedIdentity, ...] = ()
    source: str = field(default="<built-in>", compare=False)
    role_assignments: tuple["RoleAssignment", ...] = ()
    datalake: Any = None  # localazure.datalake.settings.DataLakeSettings: the hierarchical-namespace account


class _Reader:
    """Walks a parsed TOML document, raising ConfigError with the dotted path of the offending field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {where}: {problem}")

    def table(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a table, not {type(value).__name__}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(f"{where}.{unknown[0]}", f"unknown field (allowed: {', '.join(sorted(allowed))})")
        return value

    def required(self, table: dict[str, Any], key: str, where: str, kind: type) -> Any:
        if key not in table:
            raise self.fail(f"{where}.{key}", "is required")
        return self.optional(table, key, where, kind, None)

    def optional(self, table: dict[str, Any], key: str, where: str, kind: type, default: Any) -> Any:
        value = table.get(key, default)
        if value is default:
            return value
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(f"{where}.{key}", f"must be an integer, not {value!r}")
        if not isinstance(value, kind):
            raise self.fail(f"{where}.{key}", f"must be a {kind.__name__}, not {value!r}")
        if kind is str and not value.strip():
            raise self.fail(f"{where}.{key}", "must not be empty")
        return value

    def guid(self, table: dict[str, Any], key: str, where: str, required: bool = True) -> str:
        value = self.required(table, key, where, str) if required else self.optional(table, key, where, str, "")
        if value:
            try:
                uuid.UUID(value)
            except ValueError:
                raise self.fail(f"{where}.{key}", f"must be a GUID like 00000000-0000-0000-0000-000000000000, not {value!r}") from None
        return value.lower()

    def strings(self, table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise self.fail(f"{where}.{key}", "must be a list of non-empty strings")
        return tuple(value)

    def array(self, document: dict[str, Any], key: str) -> list[Any]:
        value = document.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "must be an array of tables ([[" + key + "]])")
        return value


def _positive(reader: _Reader, table: dict[str, Any], key: str, default: int) -> int:
    value = reader.optional(table, key, "settings", int, default)
    if value <= 0:
        raise reader.fail(f"settings.{key}", f"must be a positive number of seconds, not {value}")
    return value


def _read_settings(reader: _Reader, document: dict[str, Any]) -> Settings:
    defaults = Settings()
    table = reader.table(document.get("settings", {}), "settings", set(Settings.__dataclass_fields__))
    return Settings(
        access_token_lifetime_seconds=_positive(reader, table, "access_token_lifetime_seconds", defaults.access_token_lifetime_seconds),
        refresh_token_lifetime_seconds=_positive(reader, table, "refresh_token_lifetime_seconds", defaults.refresh_token_lifetime_seconds),
        device_code_lifetime_seconds=_positive(reader, table, "device_code_lifetime_seconds", defaults.device_code_lifetime_seconds),
        device_code_interval_seconds=_positive(reader, table, "device_code_interval_seconds", defaults.device_code_interval_seconds),
        storage_account=_account_name(reader, table, "storage_account", defaults.storage_account),
        second_storage_account=_account_name(reader, table, "second_storage_account", defaults.second_storage_account),
        role_propagation_seconds=_not_negative(reader, table, "role_propagation_seconds", defaults.role_propagation_seconds),
        azurite_location=reader.optional(table, "azurite_location", "settings", str, defaults.azurite_location),
    )


ACCOUNT_NAME = re.compile(r"^[a-z0-9]{3,24}$")


def _account_name(reader: _Reader, table: dict[str, Any], key: str, default: str) -> str:
    value = reader.optional(table, key, "settings", str, default)
    if not ACCOUNT_NAME.match(value):
        raise reader.fail(f"settings.{key}", f"must be 3-24 lowercase letters and digits (a storage account name), not {value!r}")
    return value


def _not_negative(reader: _Reader, table: dict[str, Any], key: str, default: int) -> int:
    value = reader.optional(table, key, "settings", int, default)
    if value < 0:
        raise reader.fail(f"settings.{key}", f"must be zero or a positive number of seconds, not {value}")
    return value


def _read_tenants(reader: _Reader, document: dict[str, Any]) -> tuple[Tenant, ...]:
    tenants = []
    for index, raw in enumerate(reader.array(document, "tenants")):
        where = f"tenants[{index}]"
        table = reader.table(raw, where, {"name", "id", "display_name", "domains"})
        name = reader.required(table, "name", where, str)
        tenants.append(
            Tenant(
                name=name,
                id=reader.guid(table, "id", where),
                display_name=reader.optional(table, "display_name", where, str, name),
                domains=tuple(domain.lower() for domain in reader.strings(table, "domains", where)),
            )
        )
    if not tenants:
        raise reader.fail("tenants", "at least one tenant is required")
    _unique(reader, "tenants", [t.name for t in tenants], "name")
    _unique(reader, "tenants", [t.id for t in tenants], "id")
    return tuple(tenants)


def _unique(reader: _Reader, section: str, values: list[str], key: str) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        folded = value.lower()
        if folded in seen:
            raise reader.fail(f"{section}[{index}].{key}", f"duplicates {section}[{seen[folded]}].{key} ({value!r})")
        seen[folded] = index


def _tenant_name(reader: _Reader, tenants: tuple[Tenant, ...], value: str, where: str) -> str:
    names = {t.name for t in tenants}
    if value not in names:
        raise reader.fail(where, f"unknown tenant {value!r} (known: {', '.join(sorted(names))})")
    return value


def _read_users(reader: _Reader, document: dict[str, Any], tenants: tuple[Tenant, ...]) -> tuple[User, ...]:
    users = []
    for index, raw in enumerate(reader.array(document, "users")):
        where = f"users[{index}]"
        table = reader.table(raw, where, {"upn", "display_name", "password", "object_id", "home_tenant", "guest_of"})
        upn = reader.required(table, "upn", where, str)
        if "@" not in upn:
            raise reader.fail(f"{where}.upn", f"must look like name@domain, not {upn!r}")
        home = _tenant_name(reader, tenants, reader.required(table, "home_tenant", where, str), f"{where}.home_tenant")
        guests = []
        raw_guests = table.get("guest_of", [])
        if not isinstance(raw_guests, list):
            raise reader.fail(f"{where}.guest_of", "must be a list of {tenant = ..., object_id = ...} tables")
        for guest_index, raw_guest in enumerate(raw_guests):
            guest_where = f"{where}.guest_of[{guest_index}]"
            guest = reader.table(raw_guest, guest_where, {"tenant", "object_id"})
            tenant = _tenant_name(reader, tenants, reader.required(guest, "tenant", guest_where, str), f"{guest_where}.tenant")
            if tenant == home:
                raise reader.fail(f"{guest_where}.tenant", f"is the user's home tenant; a guest membership must be in another tenant")
            object_id = reader.guid(guest, "object_id", guest_where, required=False) or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{upn}#{tenant}"))
            guests.append(GuestMembership(tenant=tenant, object_id=object_id))
        users.append(
            User(
                upn=upn.lower(),
                display_name=reader.optional(table, "display_name", where, str, upn.split("@")[0]),
                password=reader.required(table, "password", where, str),
                object_id=reader.guid(table, "object_id", where),
                home_tenant=home,
                guest_of=tuple(guests),
            )
        )
    _unique(reader, "users", [u.upn for u in users], "upn")
    return tuple(users)


def _read_apps(reader: _Reader, document: dict[str, Any], tenants: tuple[Tenant, ...]) -> tuple[App, ...]:
    apps = []
    allowed = {"client_id", "display_name", "object_id", "tenant", "public_client", "multi_tenant", "secrets", "certificates", "redirect_uris", "federated_credentials"}
    for index, raw in enumerate(reader.array(document, "apps")):
        where = f"apps[{index}]"
        table = reader.table(raw, where, allowed)
        client_id = reader.guid(table, "client_id", where)
        tenant = reader.optional(table, "tenant", where, str, None)
        multi_tenant = reader.optional(table, "multi_tenant", where, bool, False)
        if tenant is None and not multi_tenant:
            raise reader.fail(f"{where}.tenant", "is required unless multi_tenant = true")
        if tenant is not None:
            _tenant_name(reader, tenants, tenant, f"{where}.tenant")
        certificates = []
        for cert_index, raw_cert in enumerate(table.get("certificates", [])):
            cert_where = f"{where}.certificates[{cert_index}]"
            cert = reader.table(raw_cert, cert_where, {"path", "generate"})
            spec = CertificateSpec(path=reader.optional(cert, "path", cert_where, str, None), generate=reader.optional(cert, "generate", cert_where, bool, False))
            if (spec.path is None) == (not spec.generate):
                raise reader.fail(cert_where, "give exactly one of path = \"cert.pem\" or generate = true")
            certificates.append(spec)
        public_client = reader.optional(table, "public_client", where, bool, False)
        secrets = reader.strings(table, "secrets", where)
        federated = _read_federated_credentials(reader, table, where)
        if federated and public_client:
            raise reader.fail(f"{where}.federated_credentials", "a public client cannot have federated credentials")
        if not public_client and not secrets and not certificates and not federated:
            raise reader.fail(where, "a confidential app needs secrets or certificates (or federated_credentials, or set public_client = true)")
        apps.append(
            App(
                client_id=client_id,
                display_name=reader.optional(table, "display_name", where, str, client_id),
                object_id=reader.guid(table, "object_id", where, required=False) or str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp#{client_id}")),
                tenant=tenant,
                public_client=public_client,
                multi_tenant=multi_tenant,
                secrets=secrets,
                certificates=tuple(certificates),
                redirect_uris=reader.strings(table, "redirect_uris", where),
                federated_credentials=federated,
            )
        )
    _unique(reader, "apps", [a.client_id for a in apps], "client_id")
    return tuple(apps)


def _read_federated_credentials(reader: _Reader, app: dict[str, Any], where: str) -> tuple[FederatedCredential, ...]:
    raw = app.get("federated_credentials", [])
    if not isinstance(raw, list):
        raise reader.fail(f"{where}.federated_credentials", "must be a list of {issuer = ..., subject = ..., audiences = [...]} tables")
    credentials = []
    for index, item in enumerate(raw):
        item_where = f"{where}.federated_credentials[{index}]"
        table = reader.table(item, item_where, {"name", "issuer", "subject", "audiences"})
        issuer = reader.required(table, "issuer", item_where, str)
        if not issuer.startswith(("https://", "{authority}/")):
            raise reader.fail(f"{item_where}.issuer", f"must be an https:// URL or start with {{authority}}/ (the emulator's own), not {issuer!r}")
        audiences = reader.strings(table, "audiences", item_where) if "audiences" in table else FederatedCredential.audiences
        if not audiences:
            raise reader.fail(f"{item_where}.audiences", "must name at least one audience (Entra's is api://AzureADTokenExchange)")
        credentials.append(
            FederatedCredential(
                issuer=issuer,
                subject=reader.required(table, "subject", item_where, str),
                audiences=tuple(audiences),
                name=reader.optional(table, "name", item_where, str, f"federated-{index}"),
            )
        )
    _unique(reader, f"{where}.federated_credentials", [f"{c.issuer} {c.subject}" for c in credentials], "subject")
    return tuple(credentials)


def _read_managed_identities(reader: _Reader, document: dict[str, Any], tenants: tuple[Tenant, ...]) -> tuple[ManagedIdentity, ...]:
    identities = []
    for index, raw in enumerate(reader.array(document, "managed_identities")):
        where = f"managed_identities[{index}]"
        table = reader.table(raw, where, {"name", "client_id", "object_id", "tenant", "resource_id"})
        identities.append(
            ManagedIdentity(
                name=reader.required(table, "name", where, str),
                client_id=reader.guid(table, "client_id", where),
                object_id=reader.guid(table, "object_id", where),
                tenant=_tenant_name(reader, tenants, reader.required(table, "tenant", where, str), f"{where}.tenant"),
                resource_id=reader.required(table, "resource_id", where, str),
            )
        )
    _unique(reader, "managed_identities", [m.client_id for m in identities], "client_id")
    return tuple(identities)


ROLE_PRINCIPAL_KEYS = ("upn", "client_id", "managed_identity", "object_id")
CONTAINER_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}|\$root|\$web|\$logs)$")


def read_role_assignment(raw: Any, config: Config, where: str, reader: _Reader | None = None) -> RoleAssignment:
    """One [[role_assignments]] table (or an admin API request with the same fields), checked against ``config``.

    The storage account belongs to the first tenant, so a user is resolved to their object id there (a guest's
    object id when that is not their home tenant).
    """
    reader = reader or _Reader("role assignment")
    table = reader.table(raw, where, {*ROLE_PRINCIPAL_KEYS, "role", "scope", "account"})
    named = [key for key in ROLE_PRINCIPAL_KEYS if key in table]
    if len(named) != 1:
        raise reader.fail(where, f"give exactly one principal: {', '.join(ROLE_PRINCIPAL_KEYS)}")
    key = named[0]
    value = reader.required(table, key, where, str)
    principal_id = _role_principal(reader, config, key, value, f"{where}.{key}")
    role_name = reader.required(table, "role", where, str)
    role = role_named(role_name)
    if role is None:
        raise reader.fail(f"{where}.role", f"unknown role {role_name!r} (built-in roles: {', '.join(BUILT_IN_ROLES)})")
    scope = reader.optional(table, "scope", where, str, "/")
    if scope != "/" and not (scope.startswith("/") and CONTAINER_NAME.match(scope[1:])):
        raise reader.fail(f"{where}.scope", f"must be \"/\" (the storage account) or \"/<container name>\", not {scope!r}")
    accounts = (config.settings.storage_account, config.settings.second_storage_account)
    account = reader.optional(table, "account", where, str, accounts[0])
    if account not in accounts:
        raise reader.fail(f"{where}.account", f"must name one of the Blob accounts ({' or '.join(accounts)}), not {account!r}")
    return RoleAssignment(principal_id=principal_id, principal=f"{key} {value}", role=role.name, scope=scope, account=account)


def _role_principal(reader: _Reader, config: Config, key: str, value: str, where: str) -> str:
    account_tenant = config.tenants[0].name
    if key == "object_id":
        return reader.guid({key: value}, key, where.rsplit(".", 1)[0])
    if key == "upn":
        user = next((u for u in config.users if u.upn == value.lower()), None)
        if user is None:
            raise reader.fail(where, f"no user {value!r} in [[users]]")
        if user.home_tenant == account_tenant:
            return user.object_id
        guest = next((g for g in user.guest_of if g.tenant == account_tenant), None)
        if guest is None:
            raise reader.fail(where, f"{value} is not a member or guest of tenant {account_tenant!r}, which owns the storage account")
        return guest.object_id
    if key == "client_id":
        app = next((a for a in config.apps if a.client_id == value.lower()), None)
        if app is None:
            raise reader.fail(where, f"no app with client_id {value!r} in [[apps]]")
        if app.public_client:
            raise reader.fail(where, f"{app.display_name} is a public client: it signs users in and has no service principal to hold a role")
        return app.object_id
    identity = next((m for m in config.managed_identities if m.name == value), None)
    if identity is None:
        raise reader.fail(where, f"no managed identity named {value!r} in [[managed_identities]]")
    return identity.object_id


TOP_LEVEL_SECTIONS = {"settings", "tenants", "users", "apps", "managed_identities", "role_assignments", "datalake"}


def parse_config(document: dict[str, Any], source: str = "<built-in>") -> Config:
    reader = _Reader(source)
    reader.table(document, "(top level)", TOP_LEVEL_SECTIONS)
    tenants = _read_tenants(reader, document)
    config = Config(
        settings=_read_settings(reader, document),
        tenants=tenants,
        users=_read_users(reader, document, tenants),
        apps=_read_apps(reader, document, tenants),
        managed_identities=_read_managed_identities(reader, document, tenants),
        source=source,
    )
    assignments = [read_role_assignment(raw, config, f"role_assignments[{i}]", reader) for i, raw in enumerate(reader.array(document, "role_assignments"))]
    from localazure.datalake.settings import read_datalake  # here: the datalake room reads with this module's reader

    return replace(config, role_assignments=tuple(assignments), datalake=read_datalake(reader, document.get("datalake"), config))


def load_config(path: Path | None = None) -> Config:
    """Load and validate ``path``, or the built-in default when it is None."""
    path = path or DEFAULT_CONFIG_PATH
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return parse_config(document, source=str(path))
