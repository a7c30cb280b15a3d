"""Authorization in Azure's order for the hierarchical-namespace account: super-user (Shared Key, account SAS),
then an RBAC role that grants the action (an ACL cannot take away what a role grants), then the ACLs.

Roles come from the RBAC gateway's store, so assignments and their propagation delay are the same for both
accounts; a scope "/<name>" reaches the filesystem of that name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from localazure.datalake.acl import Access, Principal
from localazure.datalake.credentials import Identity
from localazure.datalake.errors import permission_mismatch
from localazure.datalake.requirements import Item, Need, check
from localazure.gateway.operations import BLOB_ADD, BLOB_DELETE, BLOB_READ, BLOB_WRITE, BLOBS, CONTAINER_DELETE, CONTAINER_READ, CONTAINER_WRITE
from localazure.gateway.roles import Check, RoleAssignments

log = logging.getLogger(__name__)

MODIFY_PERMISSIONS = f"{BLOBS}/modifyPermissions/action"
MANAGE_OWNERSHIP = f"{BLOBS}/manageOwnership/action"
MOVE = f"{BLOBS}/move/action"
ROLE_PERMISSIONS: dict[Need, tuple[str, ...]] = {
    Need.READ: (BLOB_READ,),
    Need.LIST: (BLOB_READ,),
    Need.TRAVERSE: (BLOB_READ,),
    Need.WRITE: (BLOB_WRITE,),
    Need.CREATE: (BLOB_WRITE, BLOB_ADD),
    Need.DELETE: (BLOB_DELETE,),
    Need.DELETE_RECURSIVE: (BLOB_DELETE,),
}
# What an account SAS's permissions (sp) must hold for each kind of operation: any one of the letters.
SAS_LETTERS: dict[Need | str, str] = {
    Need.READ: "r", Need.TRAVERSE: "r", Need.LIST: "l", Need.WRITE: "w", Need.CREATE: "wc", Need.DELETE: "d", Need.DELETE_RECURSIVE: "d",
    CONTAINER_READ: "rl", CONTAINER_WRITE: "wc", CONTAINER_DELETE: "d", MODIFY_PERMISSIONS: "w", MANAGE_OWNERSHIP: "w",
}


@dataclass
class Authorizer:
    assignments: RoleAssignments
    memberships: Mapping[str, frozenset[str]] = field(default_factory=dict)  # object id -> its groups' object ids

    def principal(self, identity: Identity) -> Principal:
        return Principal(identity.object_id, self.memberships.get(identity.object_id, frozenset()))

    def role_allows(self, identity: Identity, filesystem: str | None, permissions: Sequence[str], need: Need | None = None) -> bool:
        """A super-user (its account SAS permitting the operation) or a role that grants one of ``permissions``."""
        if identity.super_user:
            letters = SAS_LETTERS.get(need) if need else "".join(SAS_LETTERS.get(p, "") for p in permissions)
            return identity.sas_permissions is None or any(letter in identity.sas_permissions for letter in letters or "")
        return self.assignments.allows(identity.object_id, Check(tuple(permissions), filesystem))

    def require_role(self, identity: Identity, filesystem: str | None, permissions: Sequence[str], operation: str) -> None:
        """Operations no ACL can grant (filesystems themselves): a role or nothing."""
        if not self.role_allows(identity, filesystem, permissions):
            log.warning("datalake: denied %s to %s: needs %s on %s", operation, self._label(identity), " or ".join(permissions), filesystem or "the account")
            raise permission_mismatch()

    def permit(self, identity: Identity, filesystem: str, need: Need, operation: str, ancestors: Sequence[Item], target: Item | None, inside: Sequence[Item] = (), permissions: Sequence[str] | None = None) -> None:
        if self.role_allows(identity, filesystem, permissions or ROLE_PERMISSIONS[need], need):
            return
        if identity.super_user:  # an account SAS without the permission: ACLs do not apply to it
            raise permission_mismatch()
        denial = check(need, ancestors, target, self.principal(identity), inside)
        if denial is not None:
            log.warning("datalake: denied %s to %s in %s: %s", operation, self._label(identity), filesystem, denial.describe())
            raise permission_mismatch()

    def may_change_acl(self, identity: Identity, filesystem: str, access: Access) -> bool:
        """Owner (the role) may set any ACL; otherwise only the item's owner (Contributor included)."""
        return self.role_allows(identity, filesystem, (MODIFY_PERMISSIONS,)) or access.owner == identity.object_id

    def may_change_owner(self, identity: Identity, filesystem: str) -> bool:
        return self.role_allows(identity, filesystem, (MANAGE_OWNERSHIP,))

    def may_change_group(self, identity: Identity, filesystem: str, access: Access, group: str) -> bool:
        """A super-user, or the owning user when they are a member of the new group."""
        return self.may_change_owner(identity, filesystem) or (access.owner == identity.object_id and group in self.principal(identity).groups)

    @staticmethod
    def _label(identity: Identity) -> str:
        caller = identity.caller
        return f"{caller.label} ({caller.object_id})" if caller else "$superuser"
