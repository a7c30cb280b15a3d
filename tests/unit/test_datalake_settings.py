"""The [datalake] table of localazure's configuration: the seed's case is in the default, and mistakes name the field."""

from __future__ import annotations

import copy
import tomllib

import pytest

from localazure.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, parse_config

CAROL = "ca401000-0000-4000-8000-000000000003"


def test_default_config_builds_the_seeds_case() -> None:
    settings = load_config().datalake
    assert settings.account == "hnsaccount1" and settings.delete_page_size == 5000
    acls = {(p.filesystem, p.path): p.acl for p in settings.paths}
    for path in ("", "a", "a/b"):
        assert f"user:{CAROL}:--x" in acls[("seed", path)]
    assert f"user:{CAROL}:rwx" in acls[("seed", "a/b/c")]
    analysts = settings.groups[0]
    assert analysts.name == "analysts" and analysts.members == ("da4e0000-0000-4000-8000-0000000c0de4",)  # dave's guest id
    assert settings.memberships() == {"da4e0000-0000-4000-8000-0000000c0de4": frozenset({analysts.object_id})}


def test_no_datalake_table_means_the_defaults() -> None:
    document = tomllib.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    del document["datalake"]
    settings = parse_config(document).datalake
    assert (settings.account, settings.groups, settings.paths) == ("hnsaccount1", (), ())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["datalake"].update(account="Bad_Name"), "my.toml: datalake.account: must be 3-24 lowercase letters and digits"),
        (lambda d: d["datalake"].update(account="devstoreaccount1"), "datalake.account: must be 3-24 lowercase letters and digits, other than the Blob account's name"),
        (lambda d: d["datalake"].update(colour="blue"), "datalake.colour: unknown field"),
        (lambda d: d["datalake"].update(delete_page_size=0), "datalake.delete_page_size: must be at least 1, not 0"),
        (lambda d: d["datalake"]["groups"][0].update(members=["nobody@contoso.test"]), "datalake.groups[0].members: no user 'nobody@contoso.test' in [[users]]"),
        (lambda d: d["datalake"]["groups"][0].update(object_id="not-a-guid"), "datalake.groups[0].object_id: must be a GUID"),
        (lambda d: d["datalake"]["paths"][1].update(acl="user:nobody@contoso.test:rwx"), "datalake.paths[1].acl: no user 'nobody@contoso.test' in [[users]]"),
        (lambda d: d["datalake"]["paths"][1].update(acl="user:ghosts:rwx"), "datalake.paths[1].acl.id: must be a GUID"),
        (lambda d: d["datalake"]["paths"][1].update(acl="user::rwx,other"), "datalake.paths[1].acl: entry 'other' must look like"),
        (lambda d: d["datalake"]["paths"][0].pop("filesystem"), "datalake.paths[0].filesystem: is required"),
        (lambda d: d["datalake"]["paths"][2].update(acl="user::rwz,group::r-x,other::---"), "datalake.paths[2].acl: invalid permissions 'rwz'"),
        (lambda d: d["datalake"]["paths"][2].update(acl="user::rwx"), "datalake.paths[2].acl: the access ACL must contain user::, group:: and other:: entries"),
    ],
)
def test_mistakes_name_the_field(mutate, message: str) -> None:
    document = copy.deepcopy(tomllib.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")))
    mutate(document)
    with pytest.raises(ConfigError) as raised:
        parse_config(document, source="my.toml")
    assert message in str(raised.value)
