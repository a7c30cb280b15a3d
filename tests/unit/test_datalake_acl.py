"""localazure's Data Lake ACL evaluation, hypothesis-tested against a straightforward model of Azure's rules.

The model below is written from the rules' text ("Access control lists (ACLs) in Azure Data Lake Storage") with
permission strings and sets, deliberately unlike the implementation's bit arithmetic.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from localazure.datalake.acl import Access, AclError, Entries, Principal, effective_bits, modify_acl, new_child, set_acl
from localazure.datalake.requirements import Need, check

IDS = ["u1", "u2", "u3", "g1", "g2", "g3"]
bits = st.integers(min_value=0, max_value=7)


def letters(value: int) -> set[str]:
    return {letter for letter, bit in (("r", 4), ("w", 2), ("x", 1)) if value & bit}


@st.composite
def accesses(draw) -> Access:
    users = draw(st.dictionaries(st.sampled_from(IDS[:3]), bits, max_size=3))
    groups = draw(st.dictionaries(st.sampled_from(IDS[3:]), bits, max_size=3))
    has_mask = bool(users or groups) or draw(st.booleans())
    acl = Entries(draw(bits), draw(bits), draw(bits), draw(bits) if has_mask else None, tuple(sorted(users.items())), tuple(sorted(groups.items())))
    return Access(owner=draw(st.sampled_from(IDS[:3])), group=draw(st.sampled_from(IDS[3:])), acl=acl, sticky=draw(st.booleans()))


principals = st.builds(Principal, st.sampled_from(IDS[:3]), st.frozensets(st.sampled_from(IDS[3:])))


def model_permissions(item: Access, who: Principal) -> set[str]:
    """The rules as written: owner bits for the owner, mask never applied; a named user's entry AND mask; the
    union of the owning group's and named groups' entries the caller is in, AND mask; otherwise other."""
    mask = letters(item.acl.mask) if item.acl.mask is not None else {"r", "w", "x"}
    if who.object_id == item.owner:
        return letters(item.acl.user)
    for user, value in item.acl.users:
        if user == who.object_id:
            return letters(value) & mask
    granted: set[str] | None = None
    if item.group in who.groups:
        granted = letters(item.acl.group)
    for group, value in item.acl.groups:
        if group in who.groups:
            granted = (granted or set()) | letters(value)
    if granted is not None:
        return granted & mask
    return letters(item.acl.other)


def model_allows(need: Need, chain: list[Access], target: Access | None, who: Principal, inside: list[Access]) -> bool:
    has = lambda item, wanted: set(wanted) <= model_permissions(item, who)  # noqa: E731
    if need in (Need.CREATE, Need.DELETE, Need.DELETE_RECURSIVE):
        *above, parent = chain
        if not all(has(a, "x") for a in above) or not has(parent, "wx"):
            return False
        if need is not Need.CREATE and parent.sticky and who.object_id not in (target.owner, parent.owner):
            return False
        return need is not Need.DELETE_RECURSIVE or all(has(d, "rwx") for d in inside)
    if not all(has(a, "x") for a in chain):
        return False
    return {Need.READ: has(target, "r"), Need.WRITE: has(target, "w"), Need.LIST: has(target, "rx"), Need.TRAVERSE: True}[need]


@settings(max_examples=400, deadline=None)
@given(accesses(), principals)
def test_effective_permissions_follow_the_rules(item: Access, who: Principal) -> None:
    assert letters(effective_bits(item, who)[0]) == model_permissions(item, who)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(list(Need)), st.lists(accesses(), min_size=1, max_size=4), accesses(), principals, st.lists(accesses(), max_size=3))
def test_operations_need_what_the_rules_say(need: Need, chain: list[Access], target: Access, who: Principal, inside: list[Access]) -> None:
    items = [(f"d{i}", a) for i, a in enumerate(chain)]
    denial = check(need, items, ("t", target), who, [(f"in{i}", a) for i, a in enumerate(inside)])
    assert (denial is None) == model_allows(need, chain, target, who, inside)
    if denial is not None and not denial.sticky:  # the denial names bits the caller really lacks there
        named = dict(items + [("t", target)] + [(f"in{i}", a) for i, a in enumerate(inside)])[denial.path]
        assert letters(denial.missing) and not letters(denial.missing) & model_permissions(named, who)


def test_carols_seed_case() -> None:
    """carol: --x on the root, a/ and a/b/, rwx on a/b/c/: she may create in a/b/c/ and nowhere above it."""
    carol = Principal("carol")
    traverse = Access("$superuser", "$superuser", Entries(7, 5, 0, 1, (("carol", 1),)))
    full = Access("$superuser", "$superuser", Entries(7, 5, 0, 7, (("carol", 7),)))
    chain = [("", traverse), ("a", traverse), ("a/b", traverse), ("a/b/c", full)]
    assert check(Need.CREATE, chain, None, carol) is None
    denial = check(Need.CREATE, chain[:3], None, carol)
    assert (denial.path, denial.role, denial.entry, denial.missing) == ("a/b", "parent", "named user", 2)
    assert check(Need.LIST, chain[:3], chain[3], carol) is None


@settings(max_examples=200, deadline=None)
@given(accesses(), st.booleans(), st.sampled_from(["0027", "0000", "0077", "0022"]))
def test_new_items_inherit_the_default_acl_with_the_umask(parent: Access, is_directory: bool, umask: str) -> None:
    default = Entries(7, 5, 5, 7, (("u2", 7),))
    child = new_child(Access(parent.owner, parent.group, parent.acl, default), "u3", is_directory, None, umask)
    _, group_mask, other_mask = (int(c) for c in umask[1:])
    mode = 7 if is_directory else 6
    assert child.owner == "u3" and child.group == parent.group
    assert child.acl.users == (("u2", 7),)
    assert child.acl.mask == 7 and child.acl.group == 5 & mode & ~group_mask and child.acl.other == 5 & mode & ~other_mask
    assert child.default == (default if is_directory else None)
    plain = new_child(parent, "u3", is_directory, None, umask)
    assert (plain.acl.group, plain.acl.users) == (mode & ~group_mask, ())


def test_acl_limits_and_bad_entries() -> None:
    access = Access("u1", "g1", Entries(7, 5, 0))
    many = ",".join(f"user:{i:08x}-0000-4000-8000-000000000000:r--" for i in range(29))
    with pytest.raises(AclError, match="at most 32"):
        set_acl(access, "user::rwx,group::r-x,other::---," + many + ",mask::rwx", True)
    with pytest.raises(AclError, match="user::, group:: and other::"):
        set_acl(access, "user::rwx", True)
    with pytest.raises(AclError, match="expected three"):
        set_acl(access, "user::rwz,group::r-x,other::---", True)
    changed = modify_acl(access, "user:u2:rwx,default:user:u2:r-x", True)
    assert changed.acl.users == (("u2", 7),) and changed.acl.mask == 7 and changed.default.users == (("u2", 5),)
    assert modify_acl(changed, "user:u2", True, remove=True).acl.users == ()
