"""The ``[datalake]`` table of localazure's configuration: the hierarchical-namespace account's name, its groups
and the directories (with ACLs) it starts with. Names in ACL entries may be UPNs or group names; they are
resolved to object ids in the account's tenant, as Azure stores them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from localazure.config import _role_principal
from localazure.datalake.acl import AclError, root_access, set_acl

ACCOUNT_NAME = re.compile(r"^[a-z0-9]{3,24}$")


@dataclass(frozen=True)
class Group:
    name: str
    object_id: str
    members: tuple[str, ...]  # object ids in the account's tenant


@dataclass(frozen=True)
class StartingPath:
    filesystem: str
    path: str  # "" for the filesystem's root
    acl: str  # with object ids


@dataclass(frozen=True)
class DataLakeSettings:
    account: str = "hnsaccount1"
    groups: tuple[Group, ...] = ()
    paths: tuple[StartingPath, ...] = ()
    delete_page_size: int = 5000  # paths a recursive delete removes per call before answering a continuation

    def memberships(self) -> dict[str, frozenset[str]]:
        result: dict[str, set[str]] = {}
        for group in self.groups:
            for member in group.members:
                result.setdefault(member, set()).add(group.object_id)
        return {member: frozenset(groups) for member, groups in result.items()}


def read_datalake(reader: Any, raw: Any, config: Any) -> DataLakeSettings:
    """Check ``[datalake]`` (``reader`` is localazure.config's field-naming reader)."""
    if raw is None:
        return DataLakeSettings()
    table = reader.table(raw, "datalake", {"account", "groups", "paths", "delete_page_size"})
    account = reader.optional(table, "account", "datalake", str, DataLakeSettings.account)
    if not ACCOUNT_NAME.match(account) or account in (config.settings.storage_account, config.settings.second_storage_account):
        raise reader.fail("datalake.account", f"must be 3-24 lowercase letters and digits, other than the Blob account's name or the second Blob account's, not {account!r}")
    groups = []
    for index, item in enumerate(reader.array(table, "groups")):
        where = f"datalake.groups[{index}]"
        group = reader.table(item, where, {"name", "object_id", "members"})
        members = tuple(_role_principal(reader, config, "upn", upn, f"{where}.members") for upn in reader.strings(group, "members", where))
        groups.append(Group(reader.required(group, "name", where, str), reader.guid(group, "object_id", where), members))
    names = {g.name.lower(): g.object_id for g in groups}
    paths = []
    for index, item in enumerate(reader.array(table, "paths")):
        where = f"datalake.paths[{index}]"
        entry = reader.table(item, where, {"filesystem", "path", "acl"})
        acl = reader.required(entry, "acl", where, str)
        resolved = [_resolve(reader, config, names, part.strip(), f"{where}.acl") for part in acl.split(",") if part.strip()]
        try:
            set_acl(root_access(), ",".join(resolved), True)
        except AclError as error:
            raise reader.fail(f"{where}.acl", str(error)) from None
        paths.append(StartingPath(reader.required(entry, "filesystem", where, str), str(entry.get("path", "")).strip("/"), ",".join(resolved)))
    page = reader.optional(table, "delete_page_size", "datalake", int, DataLakeSettings.delete_page_size)
    if page < 1:
        raise reader.fail("datalake.delete_page_size", f"must be at least 1, not {page}")
    return DataLakeSettings(account, tuple(groups), tuple(paths), page)


def _resolve(reader: Any, config: Any, groups: dict[str, str], entry: str, where: str) -> str:
    fields = entry.split(":")
    offset = 1 if fields[0] == "default" else 0
    if len(fields) != offset + 3:
        raise reader.fail(where, f"entry {entry!r} must look like [default:]user|group|mask|other:[name]:rwx")
    kind, name = fields[offset], fields[offset + 1]
    if name and kind == "user" and "@" in name:
        fields[offset + 1] = _role_principal(reader, config, "upn", name, where)
    elif name and kind == "group" and name.lower() in groups:
        fields[offset + 1] = groups[name.lower()]
    elif name:
        fields[offset + 1] = reader.guid({"id": name}, "id", where)
    return ":".join(fields)
