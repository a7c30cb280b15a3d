"""What each Data Lake operation needs from the ACLs along a path, as a pure function of the items' access.

From "Access control lists (ACLs) in Azure Data Lake Storage", "Common scenarios related to ACL permissions":
read a file needs X on every ancestor and R on the file; write or append X on every ancestor and W on the file;
create or delete X on every ancestor and WX on the parent; list a directory X on its ancestors and RX on it;
a recursive delete WX on the parent and RWX on every directory inside. The sticky bit lets only the owner
delete or rename. A denial names exactly what is missing, so callers can say it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Sequence

from localazure.datalake.acl import R, W, X, Access, Principal, bits_text, effective_bits

Item = tuple[str, Access]  # (path inside the filesystem, "" for its root; its access)


class Need(enum.Enum):
    READ = "read"  # read a file (or get its ACL by reading)
    WRITE = "write"  # append, flush, set properties or metadata
    CREATE = "create"  # create a file or directory under the parent
    DELETE = "delete"  # delete a file or an empty directory
    DELETE_RECURSIVE = "delete recursively"
    LIST = "list"  # list a directory
    TRAVERSE = "traverse"  # get properties, get status: X on the ancestors only


@dataclass(frozen=True)
class Denial:
    """What is missing: ``bits`` (R/W/X) on ``path``, which the caller holds as ``entry`` (owner, named user,
    group or other); or ``sticky``: only the owner may delete or rename there."""

    path: str
    needed: int
    held: int
    entry: str
    role: str  # "ancestor", "parent", "target" or "inside"
    sticky: bool = False

    @property
    def missing(self) -> int:
        return self.needed & ~self.held

    def describe(self) -> str:
        where = "/" + self.path if self.path else "the filesystem root"
        if self.sticky:
            return f"the sticky bit on {where} lets only the owner delete or rename inside it"
        return f"needs {bits_text(self.needed)} on {where} ({self.role}), has {bits_text(self.held)} as {self.entry}"


def _require(item: Item, who: Principal, needed: int, role: str) -> Denial | None:
    path, access = item
    held, entry = effective_bits(access, who)
    return None if held & needed == needed else Denial(path, needed, held, entry, role)


def _traverse(ancestors: Sequence[Item], who: Principal) -> Denial | None:
    for item in ancestors:
        denial = _require(item, who, X, "ancestor")
        if denial:
            return denial
    return None


def check(need: Need, ancestors: Sequence[Item], target: Item | None, who: Principal, inside: Sequence[Item] = ()) -> Denial | None:
    """The first thing ``who`` lacks for ``need``, or None when the ACLs allow it.

    ``ancestors`` runs from the filesystem root down to the target's parent; ``target`` is the item itself (None
    when it does not exist yet, for CREATE); ``inside`` lists the directories within a recursive delete's target.
    """
    if need in (Need.CREATE, Need.DELETE, Need.DELETE_RECURSIVE):
        if not ancestors:
            return None
        denial = _traverse(ancestors[:-1], who) or _require(ancestors[-1], who, W | X, "parent")
        if denial:
            return denial
        parent_path, parent = ancestors[-1]
        if need is not Need.CREATE and target is not None and parent.sticky and who.object_id not in (target[1].owner, parent.owner):
            return Denial(parent_path, 0, 0, "", "parent", sticky=True)
        if need is Need.DELETE_RECURSIVE:
            for item in inside:
                denial = _require(item, who, R | W | X, "inside")
                if denial:
                    return denial
        return None
    denial = _traverse(ancestors, who)
    if denial or target is None or need is Need.TRAVERSE:
        return denial
    needed = {Need.READ: R, Need.WRITE: W, Need.LIST: R | X}[need]
    return _require(target, who, needed, "target")
