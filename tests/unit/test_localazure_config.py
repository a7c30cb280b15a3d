"""localazure's configuration: the default is valid and every mistake names its field."""

from __future__ import annotations

import tomllib

import pytest

from localazure.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, parse_config


def default_document() -> dict:
    return tomllib.loads(DEFAULT_CONFIG_PATH.read_text())


def test_default_config_has_the_promised_directory():
    config = load_config()
    assert {t.name for t in config.tenants} == {"contoso", "fabrikam"}
    upns = {u.upn: u for u in config.users}
    assert {"alice@contoso.test", "bob@contoso.test", "carol@contoso.test", "dave@fabrikam.test"} <= set(upns)
    assert all(u.password == "password-" + u.upn.split("@")[0] for u in config.users)
    assert upns["dave@fabrikam.test"].home_tenant == "fabrikam"
    assert [g.tenant for g in upns["dave@fabrikam.test"].guest_of] == ["contoso"]
    client_ids = {a.client_id for a in config.apps}
    assert {"04b07795-8ddb-461a-bbee-02f9e1bf7b46", "1950a258-227b-4e31-a9cf-717495945fc2", "579a7132-0e58-4d80-b1e1-7a1e2d337859"} <= client_ids
    assert any(a.secrets for a in config.apps) and any(a.certificates for a in config.apps)
    assert len(config.managed_identities) >= 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["tenants"].append(dict(d["tenants"][0])), "tenants[2].name: duplicates tenants[0].name"),
        (lambda d: d["users"][0].pop("password"), "users[0].password: is required"),
        (lambda d: d["users"][0].update(upn="alice"), "users[0].upn: must look like name@domain"),
        (lambda d: d["users"][3]["guest_of"][0].update(tenant="fabrikam"), "users[3].guest_of[0].tenant: is the user's home tenant"),
        (lambda d: d["apps"][3].pop("secrets"), "apps[3]: a confidential app needs secrets or certificates"),
        (lambda d: d["apps"][4]["certificates"][0].update(path="x.pem"), "apps[4].certificates[0]: give exactly one of"),
        (lambda d: d["settings"].update(device_code_interval_seconds=0), "settings.device_code_interval_seconds: must be a positive"),
        (lambda d: d["settings"].update(azurite_location=3), "settings.azurite_location: must be a str, not 3"),
        (lambda d: d.update(extra={}), "(top level).extra: unknown field"),
        (lambda d: d.update(tenants=[]), "tenants: at least one tenant is required"),
    ],
)
def test_mistakes_name_the_field(mutate, message):
    document = default_document()
    mutate(document)
    with pytest.raises(ConfigError) as raised:
        parse_config(document, source="my.toml")
    assert str(raised.value).startswith("my.toml: ")
    assert message in str(raised.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")
