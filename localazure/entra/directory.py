"""Lookups over the configured directory: which tenant a path names, who a user is, which app is asking."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from localazure.config import App, Config, ManagedIdentity, Tenant, User
from localazure.entra import errors

MULTI_TENANT_ALIASES = ("common", "organizations")


@dataclass(frozen=True)
class Principal:
    """Who a token is for, as seen from the tenant that issues it."""

    tenant: Tenant
    object_id: str
    display_name: str
    user: User | None = None
    home_tenant: Tenant | None = None
    app: App | None = None
    managed_identity: ManagedIdentity | None = None

    @property
    def is_guest(self) -> bool:
        return self.user is not None and self.home_tenant is not None and self.home_tenant.id != self.tenant.id


class Directory:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._tenants = {t.name.lower(): t for t in config.tenants}
        for tenant in config.tenants:
            self._tenants[tenant.id] = tenant
            for domain in tenant.domains:
                self._tenants[domain] = tenant
        self._users = {u.upn: u for u in config.users}
        self._apps = {a.client_id: a for a in config.apps}

    # tenants -----------------------------------------------------------------------------------------------
    def tenant(self, name: str) -> Tenant | None:
        """The tenant an authority path segment names (id, name or domain), or None for common/organizations."""
        key = name.lower()
        if key in MULTI_TENANT_ALIASES:
            return None
        tenant = self._tenants.get(key)
        if tenant is None:
            raise errors.unknown_tenant(name)
        return tenant

    def tenant_by_name(self, name: str) -> Tenant:
        return self._tenants[name.lower()]

    # apps --------------------------------------------------------------------------------------------------
    def app(self, client_id: str, tenant: Tenant | None, tenant_label: str) -> App:
        """The app registration, as Entra finds it: it must exist and be usable in the requested tenant."""
        app = self._apps.get((client_id or "").lower())
        if app is None or (tenant is not None and not app.multi_tenant and self.tenant_by_name(app.tenant).id != tenant.id):
            raise errors.unknown_client(client_id, tenant.id if tenant else tenant_label)
        return app

    def app_tenant(self, app: App, tenant: Tenant | None) -> Tenant:
        if tenant is not None:
            return tenant
        if app.tenant is None:
            raise errors.EntraError("invalid_request", 50059, "No tenant-identifying information found in either the request or implied by any provided credentials.")
        return self.tenant_by_name(app.tenant)

    def app_principal(self, app: App, tenant: Tenant) -> Principal:
        return Principal(tenant=tenant, object_id=app.object_id, display_name=app.display_name, app=app)

    # users -------------------------------------------------------------------------------------------------
    def user(self, upn: str) -> User:
        user = self._users.get((upn or "").strip().lower())
        if user is None:
            raise errors.unknown_user(upn)
        return user

    def authenticate(self, upn: str, password: str) -> User:
        user = self.user(upn)
        if not hmac.compare_digest(user.password.encode(), (password or "").encode()):
            raise errors.wrong_password()
        return user

    def tenants_of(self, user: User) -> list[Tenant]:
        """The user's home tenant first, then the tenants they are a guest in."""
        return [self.tenant_by_name(user.home_tenant)] + [self.tenant_by_name(g.tenant) for g in user.guest_of]

    def user_principal(self, user: User, tenant: Tenant | None) -> Principal:
        """The user as seen in ``tenant`` (their home tenant when None); refused when they are not a member."""
        home = self.tenant_by_name(user.home_tenant)
        tenant = tenant or home
        if tenant.id == home.id:
            object_id = user.object_id
        else:
            membership = next((g for g in user.guest_of if self.tenant_by_name(g.tenant).id == tenant.id), None)
            if membership is None:
                raise errors.not_member(user.upn, tenant.id)
            object_id = membership.object_id
        return Principal(tenant=tenant, object_id=object_id, display_name=user.display_name, user=user, home_tenant=home)

    # managed identities ------------------------------------------------------------------------------------
    def managed_identity(self, client_id: str | None = None, resource_id: str | None = None, object_id: str | None = None) -> ManagedIdentity | None:
        for identity in self.config.managed_identities:
            if client_id and identity.client_id == client_id.lower():
                return identity
            if resource_id and identity.resource_id.lower() == resource_id.lower():
                return identity
            if object_id and identity.object_id == object_id.lower():
                return identity
        if not (client_id or resource_id or object_id) and len(self.config.managed_identities) == 1:
            return self.config.managed_identities[0]
        return None

    def managed_identity_principal(self, identity: ManagedIdentity) -> Principal:
        tenant = self.tenant_by_name(identity.tenant)
        return Principal(tenant=tenant, object_id=identity.object_id, display_name=identity.name, managed_identity=identity)
