"""Building the hierarchical-namespace account of a running stack: its store under the state directory, its key,
the gateway's token validator and role assignments, and the filesystems and ACLs the configuration starts with."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from localazure.config import Config
from localazure.datalake import acl as acls
from localazure.datalake.account import Account
from localazure.datalake.authorizer import Authorizer
from localazure.datalake.credentials import Credentials
from localazure.datalake.settings import DataLakeSettings
from localazure.datalake.store import Store
from localazure.entra.service import EntraService
from localazure.gateway.roles import RoleAssignments
from localazure.gateway.tokens import TokenValidator, public_key


def new_account_key() -> str:
    """A fresh 64-byte account key, base64 as Azure shows it; each stack has its own."""
    return base64.b64encode(os.urandom(64)).decode()


def build_account(config: Config, service: EntraService, assignments: RoleAssignments, directory: Path, key: str) -> Account:
    settings: DataLakeSettings = config.datalake or DataLakeSettings()
    signing_keys = {service.key.kid: public_key(service.key.n, service.key.e)}
    validator = TokenValidator(
        keys=lambda: signing_keys,
        account=settings.account,
        account_tenant=config.tenants[0].id,
        known_tenants=frozenset(t.id for t in config.tenants),
        authority=service.base_url,
    )
    upns = {user.object_id: user.upn for user in config.users}
    account = Account(
        name=settings.account,
        store=Store(directory),
        credentials=Credentials(settings.account, base64.b64decode(key), validator),
        authorizer=Authorizer(assignments, settings.memberships()),
        upns=upns,
        delete_page_size=settings.delete_page_size,
    )
    seed(account, settings)
    return account


def seed(account: Account, settings: DataLakeSettings) -> None:
    """Create the configured filesystems and directories (owned by $superuser) and set their ACLs."""
    store = account.store
    for item in settings.paths:
        fs = store.filesystems.get(item.filesystem) or store.create_filesystem(item.filesystem)
        node = fs.root if not item.path else store.node(fs, item.path) or store.create(fs, item.path, True, acls.SUPER_USER)
        node.access = acls.set_acl(node.access, item.acl, True)
