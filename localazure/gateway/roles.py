"""Built-in Azure roles for blob and file data, and role assignments that take effect after a propagation delay.

The role definitions are Azure's own (Microsoft.Authorization/roleDefinitions, roleType BuiltInRole): their
``actions`` are matched against control-plane style permissions such as ``.../containers/write`` and their
``dataActions`` against data permissions under ``.../containers/blobs/``, with ``*`` wildcards, as Azure does.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Callable, Iterable

BLOB_SERVICE = "Microsoft.Storage/storageAccounts/blobServices"
FILE_SERVICE = "Microsoft.Storage/storageAccounts/fileServices"  # localazure/files checks these
DATA_ACTION_PREFIXES = (
    f"{BLOB_SERVICE}/containers/blobs/",
    f"{FILE_SERVICE}/fileshares/files/",
    f"{FILE_SERVICE}/readFileBackupSemantics/",
    f"{FILE_SERVICE}/writeFileBackupSemantics/",
)
ACCOUNT_SCOPE = "/"


@dataclass(frozen=True)
class RoleDefinition:
    name: str
    id: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def grants(self, permission: str) -> bool:
        """Whether this role allows ``permission`` (a data action when it is under containers/blobs/)."""
        allowed, denied = (self.data_actions, self.not_data_actions) if is_data_action(permission) else (self.actions, self.not_actions)
        return _matches(allowed, permission) and not _matches(denied, permission)


def is_data_action(permission: str) -> bool:
    return permission.lower().startswith(tuple(prefix.lower() for prefix in DATA_ACTION_PREFIXES))


def _matches(patterns: Iterable[str], permission: str) -> bool:
    folded = permission.lower()
    return any(fnmatchcase(folded, pattern.lower()) for pattern in patterns)


BUILT_IN_ROLES: dict[str, RoleDefinition] = {
    role.name: role
    for role in (
        RoleDefinition(
            name="Storage Blob Data Reader",
            id="2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
            actions=(f"{BLOB_SERVICE}/containers/read", f"{BLOB_SERVICE}/generateUserDelegationKey/action"),
            data_actions=(f"{BLOB_SERVICE}/containers/blobs/read",),
        ),
        RoleDefinition(
            name="Storage Blob Data Contributor",
            id="ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            actions=(
                f"{BLOB_SERVICE}/containers/delete",
                f"{BLOB_SERVICE}/containers/read",
                f"{BLOB_SERVICE}/containers/write",
                f"{BLOB_SERVICE}/generateUserDelegationKey/action",
            ),
            data_actions=(
                f"{BLOB_SERVICE}/containers/blobs/delete",
                f"{BLOB_SERVICE}/containers/blobs/read",
                f"{BLOB_SERVICE}/containers/blobs/write",
                f"{BLOB_SERVICE}/containers/blobs/move/action",
                f"{BLOB_SERVICE}/containers/blobs/add/action",
            ),
        ),
        RoleDefinition(
            name="Storage Blob Data Owner",
            id="b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
            actions=(f"{BLOB_SERVICE}/containers/*", f"{BLOB_SERVICE}/generateUserDelegationKey/action"),
            data_actions=(f"{BLOB_SERVICE}/containers/blobs/*",),
        ),
        RoleDefinition(
            name="Storage Blob Delegator",
            id="db58b8e5-c6ad-4a2a-8342-4190687cbf4a",
            actions=(f"{BLOB_SERVICE}/generateUserDelegationKey/action",),
        ),
        # Azure Files over REST with OAuth (the File service in localazure/files): data actions only.
        RoleDefinition(
            name="Storage File Data Privileged Reader",
            id="b8eda974-7b85-4f76-af95-65846b26df6d",
            data_actions=(f"{FILE_SERVICE}/fileshares/files/read", f"{FILE_SERVICE}/readFileBackupSemantics/action"),
        ),
        RoleDefinition(
            name="Storage File Data Privileged Contributor",
            id="69566ab7-960f-475b-8e7c-b3118f30c6bd",
            data_actions=(
                f"{FILE_SERVICE}/fileshares/files/read",
                f"{FILE_SERVICE}/fileshares/files/write",
                f"{FILE_SERVICE}/fileshares/files/delete",
                f"{FILE_SERVICE}/fileshares/files/modifypermissions/action",
                f"{FILE_SERVICE}/readFileBackupSemantics/action",
                f"{FILE_SERVICE}/writeFileBackupSemantics/action",
            ),
        ),
    )
}


def role_named(name: str) -> RoleDefinition | None:
    """The built-in role with this name (any letter case) or role definition id."""
    folded = name.strip().lower()
    return next((r for r in BUILT_IN_ROLES.values() if folded in (r.name.lower(), r.id)), None)


def covers(scope: str, container: str | None) -> bool:
    """Whether an assignment at ``scope`` ("/" for the account, "/name" for a container) reaches a check on
    ``container`` (None for an account-level operation such as List Containers, which only "/" reaches)."""
    if scope == ACCOUNT_SCOPE:
        return True
    return container is not None and scope[1:] == container


@dataclass(frozen=True)
class Check:
    """One authorization check of an operation: any one of ``permissions`` on ``container`` (None: the account)."""

    permissions: tuple[str, ...]
    container: str | None


@dataclass(frozen=True)
class Assignment:
    id: str
    principal_id: str  # the `oid` of the principal's tokens in the account's tenant
    principal: str  # a readable label, e.g. "upn alice@contoso.test"
    role: str  # a built-in role name
    scope: str  # "/" or "/<container>"
    effective_at: float = 0.0  # when it starts to count (creation + propagation delay)
    removed_at: float | None = None  # when it stops counting (removal + propagation delay)

    def in_effect(self, now: float) -> bool:
        return self.effective_at <= now and (self.removed_at is None or now < self.removed_at)

    def state(self, now: float) -> str:
        if self.removed_at is not None:
            return "removed" if now >= self.removed_at else "removing"
        return "active" if now >= self.effective_at else "pending"


@dataclass
class RoleAssignments:
    """The account's role assignments. Changes made at runtime take effect ``propagation_seconds`` later."""

    propagation_seconds: float = 0.0
    clock: Callable[[], float] = time.time
    _assignments: dict[str, Assignment] = field(default_factory=dict)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_config(cls, assignments: Iterable, propagation_seconds: float = 0.0, clock: Callable[[], float] = time.time) -> "RoleAssignments":
        """The store holding the configured assignments (objects with principal_id, principal, role, scope), in
        effect from the start: the configuration describes the account as it already is."""
        store = cls(propagation_seconds=propagation_seconds, clock=clock)
        for item in assignments:
            store.add(item.principal_id, item.principal, item.role, item.scope, immediately=True)
        return store

    @classmethod
    def for_accounts(cls, assignments: Iterable, accounts: Iterable[str], propagation_seconds: float = 0.0,
                     clock: Callable[[], float] = time.time) -> dict[str, "RoleAssignments"]:
        """One store per storage account (the configured assignments whose ``account`` names it; an empty ``account``
        is the first), numbering their assignment ids from one sequence so an id names one assignment in the stack."""
        names = list(accounts)
        ids = itertools.count(1)
        stores = {name: cls(propagation_seconds=propagation_seconds, clock=clock, _ids=ids) for name in names}
        for item in assignments:
            store = stores[getattr(item, "account", "") or names[0]]
            store.add(item.principal_id, item.principal, item.role, item.scope, immediately=True)
        return stores

    def add(self, principal_id: str, principal: str, role: str, scope: str = ACCOUNT_SCOPE, immediately: bool = False) -> Assignment:
        definition = role_named(role)
        if definition is None:
            raise ValueError(f"unknown role {role!r} (built-in roles: {', '.join(BUILT_IN_ROLES)})")
        with self._lock:
            now = self.clock()
            assignment = Assignment(
                id=f"ra-{next(self._ids)}",
                principal_id=principal_id.lower(),
                principal=principal,
                role=definition.name,
                scope=scope,
                effective_at=now if immediately else now + self.propagation_seconds,
            )
            self._assignments[assignment.id] = assignment
            return assignment

    def remove(self, assignment_id: str) -> Assignment | None:
        with self._lock:
            assignment = self._assignments.get(assignment_id)
            if assignment is None or assignment.removed_at is not None:
                return None
            removed = replace(assignment, removed_at=self.clock() + self.propagation_seconds)
            self._assignments[assignment_id] = removed
            return removed

    def list(self) -> list[Assignment]:
        """Every assignment not yet fully removed, oldest first."""
        with self._lock:
            now = self.clock()
            return [a for a in self._assignments.values() if a.state(now) != "removed"]

    def allows(self, principal_id: str, check: Check) -> bool:
        with self._lock:
            now = self.clock()
            candidates = [a for a in self._assignments.values() if a.principal_id == principal_id.lower() and a.in_effect(now)]
        return any(
            covers(a.scope, check.container) and any(BUILT_IN_ROLES[a.role].grants(permission) for permission in check.permissions)
            for a in candidates
        )

    def authorize(self, principal_id: str, checks: Iterable[Check]) -> Check | None:
        """The first check no assignment satisfies, or None when the operation is allowed."""
        return next((check for check in checks if not self.allows(principal_id, check)), None)
