"""POSIX-like access control lists as Azure Data Lake Storage keeps them, and their evaluation, as pure functions.

The rules are those of "Access control lists (ACLs) in Azure Data Lake Storage": the owning user gets the owner
bits (the mask never applies to them); a named user gets its entry ANDed with the mask; the owning group and the
named groups the caller belongs to get the union of their bits, ANDed with the mask; everyone else gets other.
Nothing here knows about HTTP, roles or storage: ``localazure.datalake.access`` feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

R, W, X = 4, 2, 1
MAX_ENTRIES = 32  # Azure's limit per ACL (access and default entries each)
SUPER_USER = "$superuser"  # the owner and group of what Shared Key and SAS create


class AclError(ValueError):
    """An ACL or permission string that Azure would refuse (400 InvalidAccessControlList and the like)."""


def bits_text(bits: int) -> str:
    return ("r" if bits & R else "-") + ("w" if bits & W else "-") + ("x" if bits & X else "-")


def parse_bits(text: str) -> int:
    if len(text) != 3 or text[0] not in "r-" or text[1] not in "w-" or text[2] not in "xX-t":
        raise AclError(f"invalid permissions {text!r}: expected three of r, w, x or - (e.g. r-x)")
    return (R if text[0] == "r" else 0) | (W if text[1] == "w" else 0) | (X if text[2] in "xXt" else 0)


@dataclass(frozen=True)
class Entries:
    """One ACL (access or default): the base entries and the named ones. ``mask`` is None when not set."""

    user: int = 0  # user:: , the owning user
    group: int = 0  # group:: , the owning group
    other: int = 0
    mask: int | None = None
    users: tuple[tuple[str, int], ...] = ()  # named users: (object id, bits)
    groups: tuple[tuple[str, int], ...] = ()  # named groups: (object id, bits)

    @property
    def count(self) -> int:
        return 3 + (self.mask is not None) + len(self.users) + len(self.groups)

    def effective_mask(self) -> int:
        return 7 if self.mask is None else self.mask

    def text(self, prefix: str = "") -> list[str]:
        parts = [f"{prefix}user::{bits_text(self.user)}"]
        parts += [f"{prefix}user:{oid}:{bits_text(b)}" for oid, b in self.users]
        parts.append(f"{prefix}group::{bits_text(self.group)}")
        parts += [f"{prefix}group:{oid}:{bits_text(b)}" for oid, b in self.groups]
        if self.mask is not None:
            parts.append(f"{prefix}mask::{bits_text(self.mask)}")
        parts.append(f"{prefix}other::{bits_text(self.other)}")
        return parts


@dataclass(frozen=True)
class Access:
    """What decides access to one file or directory: owner, owning group, access ACL, default ACL, sticky bit."""

    owner: str
    group: str
    acl: Entries
    default: Entries | None = None  # directories only
    sticky: bool = False

    def permissions(self) -> str:
        """``x-ms-permissions`` as Azure answers it: rwxr-x---, with the mask in the group place when there is
        one, ``t``/``T`` for the sticky bit and ``+`` when the ACL has more than the base entries."""
        group = self.acl.mask if self.acl.mask is not None else self.acl.group
        other = bits_text(self.acl.other)
        if self.sticky:
            other = other[:2] + ("t" if self.acl.other & X else "T")
        extended = self.acl.users or self.acl.groups or self.acl.mask is not None
        return bits_text(self.acl.user) + bits_text(group) + other + ("+" if extended else "")

    def acl_text(self) -> str:
        parts = self.acl.text()
        if self.default is not None:
            parts += self.default.text("default:")
        return ",".join(parts)


@dataclass(frozen=True)
class Principal:
    """Who asks: an object id and the object ids of the groups it belongs to."""

    object_id: str
    groups: frozenset[str] = field(default_factory=frozenset)


def effective_bits(access: Access, who: Principal) -> tuple[int, str]:
    """The permission bits ``who`` has on an item, and which class of entry gave them: "owner", "named user",
    "group" (the owning group or a named group) or "other"."""
    acl = access.acl
    if who.object_id == access.owner:
        return acl.user, "owner"
    named = [bits for oid, bits in acl.users if oid == who.object_id]
    if named:
        return named[0] & acl.effective_mask(), "named user"
    member_bits = [acl.group] if access.group in who.groups else []
    member_bits += [bits for oid, bits in acl.groups if oid in who.groups]
    if member_bits:
        union = 0
        for bits in member_bits:
            union |= bits
        return union & acl.effective_mask(), "group"
    return acl.other, "other"


# -- parsing and changing ACLs ---------------------------------------------------------------------------------


def parse_acl(text: str, *, remove: bool = False) -> list[tuple[bool, str, str, int]]:
    """Split an ``x-ms-acl`` value into (default?, kind, qualifier, bits) tuples. With ``remove`` the entries carry
    no permissions (as in setAccessControlRecursive's remove mode)."""
    entries = []
    for raw in filter(None, (part.strip() for part in text.split(","))):
        fields = raw.split(":")
        is_default = fields[0] == "default"
        if is_default:
            fields = fields[1:]
        expected = 2 if remove else 3
        if len(fields) == 2 and not remove and fields[0] in ("mask", "other"):
            fields = [fields[0], "", fields[1]]
        if len(fields) != expected and not (remove and len(fields) == 3):
            raise AclError(f"invalid access control entry {raw!r}: expected [default:]user|group|mask|other:[id]:rwx")
        kind, qualifier = fields[0], fields[1].strip().lower()
        if kind not in ("user", "group", "mask", "other"):
            raise AclError(f"invalid access control entry {raw!r}: the type must be user, group, mask or other")
        if kind in ("mask", "other") and qualifier:
            raise AclError(f"invalid access control entry {raw!r}: {kind} takes no identifier")
        bits = 0 if remove else parse_bits(fields[2])
        entries.append((is_default, kind, qualifier, bits))
    return entries


def _apply(acl: Entries | None, items: Iterable[tuple[str, str, int]], remove: bool) -> Entries:
    acl = acl or Entries()
    users, groups = dict(acl.users), dict(acl.groups)
    for kind, qualifier, bits in items:
        if kind == "user" and qualifier:
            users.pop(qualifier, None) if remove else users.__setitem__(qualifier, bits)
        elif kind == "group" and qualifier:
            groups.pop(qualifier, None) if remove else groups.__setitem__(qualifier, bits)
        elif remove:
            if kind == "mask":
                acl = replace(acl, mask=None)
            continue  # base entries cannot be removed
        elif kind == "user":
            acl = replace(acl, user=bits)
        elif kind == "group":
            acl = replace(acl, group=bits)
        elif kind == "mask":
            acl = replace(acl, mask=bits)
        else:
            acl = replace(acl, other=bits)
    return replace(acl, users=tuple(sorted(users.items())), groups=tuple(sorted(groups.items())))


def _with_mask(acl: Entries, explicit_mask: bool) -> Entries:
    """POSIX: an ACL with named entries has a mask; when the caller set none it is the union of the group class."""
    if (acl.users or acl.groups) and not explicit_mask:
        union = acl.group
        for _, bits in acl.users + acl.groups:
            union |= bits
        return replace(acl, mask=union)
    return acl


def _check_size(access: Access) -> Access:
    for acl in filter(None, (access.acl, access.default)):
        if acl.count > MAX_ENTRIES:
            raise AclError(f"the access control list has {acl.count} entries; at most {MAX_ENTRIES} are allowed")
    return access


def set_acl(access: Access, text: str, is_directory: bool) -> Access:
    """setAccessControl with ``x-ms-acl``: the whole access ACL (and the default ACL when given) is replaced."""
    entries = parse_acl(text)
    access_items = [(k, q, b) for d, k, q, b in entries if not d]
    default_items = [(k, q, b) for d, k, q, b in entries if d]
    if default_items and not is_directory:
        raise AclError("a default ACL can be set on directories only")
    kinds = {(k, q) for k, q, _ in access_items}
    if not {("user", ""), ("group", ""), ("other", "")} <= kinds:
        raise AclError("the access ACL must contain user::, group:: and other:: entries")
    acl = _with_mask(_apply(Entries(), access_items, False), ("mask", "") in kinds)
    default = access.default if not is_directory else None
    if default_items:
        dkinds = {(k, q) for k, q, _ in default_items}
        default = _with_mask(_apply(Entries(), default_items, False), ("mask", "") in dkinds)
    return _check_size(replace(access, acl=acl, default=default if is_directory else None))


def modify_acl(access: Access, text: str, is_directory: bool, remove: bool = False) -> Access:
    """setAccessControlRecursive's modify (or remove) mode: the entries given are added, changed or removed."""
    entries = parse_acl(text, remove=remove)
    access_items = [(k, q, b) for d, k, q, b in entries if not d]
    default_items = [(k, q, b) for d, k, q, b in entries if d]
    acl = _apply(access.acl, access_items, remove)
    if not remove:
        acl = _with_mask(acl, any(k == "mask" for k, _, _ in access_items) or access.acl.mask is not None)
    default = access.default
    if is_directory and default_items:
        if remove:
            default = _apply(default, default_items, True)
        else:
            had_mask = default is not None and default.mask is not None
            default = _with_mask(_apply(default, default_items, False), had_mask or any(k == "mask" for k, _, _ in default_items))
    return _check_size(replace(access, acl=acl, default=default))


def parse_permissions(text: str) -> tuple[int, int, int, bool]:
    """``x-ms-permissions``: symbolic (rwxr-x---, an optional sticky t/T and +) or octal (0750, 1777)."""
    value = text.strip()
    if value.isdigit() and len(value) in (3, 4) and all(c in "01234567" for c in value):
        digits = value.rjust(4, "0")
        return int(digits[1]), int(digits[2]), int(digits[3]), bool(int(digits[0]) & 1)
    symbolic = value.rstrip("+")
    if len(symbolic) != 9:
        raise AclError(f"invalid permissions {text!r}: expected 9 characters like rwxr-x--- or 4 octal digits like 0750")
    sticky = symbolic[8] in "tT"
    other = symbolic[6:8] + ("x" if symbolic[8] in "xt" else "-")
    return parse_bits(symbolic[0:3]), parse_bits(symbolic[3:6]), parse_bits(other), sticky


def parse_umask(text: str | None) -> tuple[int, int, int]:
    value = (text or "0027").strip()
    if not (value.isdigit() and len(value) == 4 and all(c in "01234567" for c in value)):
        raise AclError(f"invalid umask {text!r}: expected 4 octal digits like 0027")
    return int(value[1]), int(value[2]), int(value[3])


def set_permissions(access: Access, text: str) -> Access:
    """setAccessControl with ``x-ms-permissions``: owner, group class (the mask when there is one) and other."""
    user, group, other, sticky = parse_permissions(text)
    acl = access.acl
    acl = replace(acl, user=user, other=other, **({"mask": group} if acl.mask is not None else {"group": group}))
    return replace(access, acl=acl, sticky=sticky)


def new_child(parent: Access, owner: str, is_directory: bool, permissions: str | None, umask: str | None) -> Access:
    """The access of a new item: the creator owns it and the group comes from the parent.

    Without a default ACL on the parent, the mode (``x-ms-permissions``, 0777 for directories and 0666 for files)
    restricted by the umask (``x-ms-umask``, 0027 when absent) gives owner, group and other bits. With one, the
    default ACL becomes the access ACL (and, for a directory, its default ACL too), as in Azure's description of
    inheritance: the owning user, owning group and other entries are restricted by the umask (and here by the
    mode as well, so a file gets no execute bit it did not ask for); named entries and the mask are copied.
    """
    mode_user, mode_group, mode_other, sticky = parse_permissions(permissions) if permissions else ((7, 7, 7, False) if is_directory else (6, 6, 6, False))
    mask_user, mask_group, mask_other = parse_umask(umask)
    user, group, other = mode_user & ~mask_user & 7, mode_group & ~mask_group & 7, mode_other & ~mask_other & 7
    default = parent.default
    if default is None:
        return Access(owner, parent.group, Entries(user=user, group=group, other=other), None, sticky)
    acl = replace(default, user=default.user & user, group=default.group & group, other=default.other & other)
    return Access(owner, parent.group, acl, default if is_directory else None, sticky)


def root_access() -> Access:
    """A new filesystem's root directory: owned by $superuser, rwxr-x---."""
    return Access(SUPER_USER, SUPER_USER, Entries(user=7, group=5, other=0))
