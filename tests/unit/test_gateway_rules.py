"""The RBAC gateway's pure rules: operation -> permissions, built-in roles, assignments with propagation delay,
token checks and Azure's error body."""

from __future__ import annotations

import datetime
import time
import tomllib

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from localazure.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, parse_config
from localazure.gateway.errors import StorageError, error_body, permission_mismatch
from localazure.gateway.operations import classify, copy_source_container, parse_path
from localazure.gateway.roles import BUILT_IN_ROLES, Check, RoleAssignments, covers
from localazure.gateway.tokens import TokenValidator

B = "Microsoft.Storage/storageAccounts/blobServices/"
C = B + "containers/"
BL = C + "blobs/"
ACCOUNT = "devstoreaccount1"


def checks_of(method: str, url: str, **headers: str) -> tuple[str, list[tuple[tuple[str, ...], str | None]]]:
    path, _, query_string = url.partition("?")
    query = dict(part.split("=", 1) for part in query_string.split("&") if part)
    operation = classify(method, parse_path(path, query), query, headers)
    return operation.name, [(c.permissions, c.container) for c in operation.checks]


@pytest.mark.parametrize(
    ("method", "url", "headers", "name", "checks"),
    [
        ("GET", "/acct/?comp=list", {}, "List Containers", [((C + "read",), None)]),
        ("GET", "/acct?comp=list", {}, "List Containers", [((C + "read",), None)]),
        ("POST", "/acct/?restype=service&comp=userdelegationkey", {}, "Get User Delegation Key", [((B + "generateUserDelegationKey/action",), None)]),
        ("GET", "/acct/?restype=service&comp=properties", {}, "Get Blob Service Properties", [((B + "read",), None)]),
        ("PUT", "/acct/?restype=service&comp=properties", {}, "Set Blob Service Properties", [((B + "write",), None)]),
        ("GET", "/acct/?restype=account&comp=properties", {}, "Get Account Information", [((B + "getInfo/action",), None)]),
        ("GET", "/acct/c/b?restype=account&comp=properties", {}, "Get Account Information", [((B + "getInfo/action",), None)]),
        ("GET", "/acct/?comp=blobs&where=x", {}, "Find Blobs by Tags", [((BL + "filter/action",), None)]),
        ("PUT", "/acct/c?restype=container", {}, "Create Container", [((C + "write",), "c")]),
        ("DELETE", "/acct/c?restype=container", {}, "Delete Container", [((C + "delete",), "c")]),
        ("HEAD", "/acct/c?restype=container", {}, "Get Container Properties", [((C + "read",), "c")]),
        ("PUT", "/acct/c?restype=container&comp=metadata", {}, "Set Container Metadata", [((C + "write",), "c")]),
        ("GET", "/acct/c?restype=container&comp=acl", {}, "Get Container ACL", [((C + "getAcl/action",), "c")]),
        ("PUT", "/acct/c?restype=container&comp=acl", {}, "Set Container ACL", [((C + "setAcl/action",), "c")]),
        ("PUT", "/acct/c?restype=container&comp=lease", {}, "Lease Container", [((C + "write",), "c")]),
        ("GET", "/acct/c?restype=container&comp=list", {}, "List Blobs", [((BL + "read",), "c")]),
        ("GET", "/acct/c?restype=container&comp=blobs", {}, "Find Blobs by Tags in Container", [((BL + "filter/action",), "c")]),
        ("POST", "/acct/c?restype=container&comp=batch", {}, "Blob Batch", [((C + "write",), "c")]),
        ("GET", "/acct/c/dir/b.txt", {}, "Get Blob", [((BL + "read",), "c")]),
        ("HEAD", "/acct/c/b", {}, "Get Blob Properties", [((BL + "read",), "c")]),
        ("GET", "/acct/c/b?comp=blocklist", {}, "Get Block List", [((BL + "read",), "c")]),
        ("GET", "/acct/c/b?comp=tags", {}, "Get Blob Tags", [((BL + "tags/read",), "c")]),
        ("PUT", "/acct/c/b?comp=tags", {}, "Set Blob Tags", [((BL + "tags/write",), "c")]),
        ("PUT", "/acct/c/b", {"x-ms-blob-type": "BlockBlob"}, "Put Blob", [((BL + "write", BL + "add/action"), "c")]),
        ("PUT", "/acct/c/b", {"x-ms-blob-type": "BlockBlob", "x-ms-tags": "a=b"}, "Put Blob", [((BL + "write", BL + "add/action"), "c"), ((BL + "tags/write",), "c")]),
        ("PUT", "/acct/c/b?comp=block&blockid=AA", {}, "Put Block", [((BL + "write",), "c")]),
        ("PUT", "/acct/c/b?comp=blocklist", {}, "Put Block List", [((BL + "write", BL + "add/action"), "c")]),
        ("PUT", "/acct/c/b?comp=appendblock", {}, "Append Block", [((BL + "write", BL + "add/action"), "c")]),
        ("PUT", "/acct/c/b?comp=metadata", {}, "Set Blob Metadata", [((BL + "write",), "c")]),
        ("PUT", "/acct/c/b?comp=tier", {}, "Set Blob Tier", [((BL + "write",), "c")]),
        ("PUT", "/acct/c/b?comp=snapshot", {}, "Snapshot Blob", [((BL + "write", BL + "add/action"), "c")]),
        ("PUT", "/acct/c/b?comp=legalhold", {}, "Set Blob Legal Hold", [((C + "write",), "c")]),
        ("PUT", "/acct/c/b?comp=immutabilityPolicies", {}, "Set Immutability Policy", [((BL + "immutableStorage/runAsSuperUser/action",), "c")]),
        ("DELETE", "/acct/c/b", {}, "Delete Blob", [((BL + "delete",), "c")]),
        ("DELETE", "/acct/c/b?versionid=2024-01-01T00:00:00Z", {}, "Delete Blob Version", [((BL + "deleteBlobVersion/action",), "c")]),
        ("DELETE", "/acct/c/b?deletetype=permanent", {}, "Delete Blob (permanent)", [((BL + "permanentDelete/action",), "c")]),
        ("POST", "/acct/c/b?comp=query", {}, "Query Blob Contents", [((BL + "read",), "c")]),
        ("PUT", "/acct/dst/b", {"x-ms-copy-source": "https://127.0.0.1:1/acct/src/dir/a.txt"}, "Copy Blob", [((BL + "write", BL + "add/action"), "dst"), ((BL + "read",), "src")]),
        ("PUT", "/acct/dst/b", {"X-MS-COPY-SOURCE": "https://127.0.0.1:1/acct/src/a?sv=x&sig=y"}, "Copy Blob", [((BL + "write", BL + "add/action"), "dst")]),
        ("PUT", "/acct/dst/b?comp=block&blockid=AA", {"x-ms-copy-source": "https://other.example/acct2/src/a"}, "Put Block from URL", [((BL + "write",), "dst")]),
        # The From-URL operations: the source is read with its own authorization, never the caller's roles.
        ("PUT", "/acct/dst/b?comp=block&blockid=AA", {"x-ms-copy-source": "https://127.0.0.1:1/acct/src/a"}, "Put Block from URL", [((BL + "write",), "dst")]),
        ("PUT", "/acct/dst/b", {"x-ms-copy-source": "https://127.0.0.1:1/acct/src/a", "x-ms-blob-type": "BlockBlob"}, "Put Blob from URL", [((BL + "write", BL + "add/action"), "dst")]),
        ("PUT", "/acct/dst/b", {"x-ms-copy-source": "https://127.0.0.1:1/acct/src/a", "x-ms-requires-sync": "true"}, "Copy Blob from URL", [((BL + "write", BL + "add/action"), "dst")]),
        ("GET", "/acct/rootblob", {}, "Get Blob", [((BL + "read",), "$root")]),
    ],
)
def test_operations_map_to_azures_permissions(method, url, headers, name, checks):
    assert checks_of(method, url, **headers) == (name, checks)


def test_copy_source_in_the_same_account_names_its_container():
    assert copy_source_container("https://h/acct/src/a/b", "acct") == "src"
    assert copy_source_container("https://h/acct/blob-in-root", "acct") == "$root"
    assert copy_source_container("https://h/other/src/a", "acct") is None
    assert copy_source_container("https://h/acct/src/a?sig=abc", "acct") is None


def test_built_in_roles_grant_what_azure_grants():
    reader, contributor, owner = (BUILT_IN_ROLES[f"Storage Blob Data {n}"] for n in ("Reader", "Contributor", "Owner"))
    assert reader.grants(BL + "read") and reader.grants(C + "read") and reader.grants(B + "generateUserDelegationKey/action")
    assert not reader.grants(BL + "write") and not reader.grants(C + "write")
    assert all(contributor.grants(BL + p) for p in ("read", "write", "delete", "add/action", "move/action"))
    assert not contributor.grants(BL + "tags/write") and not contributor.grants(BL + "filter/action")
    assert owner.grants(BL + "tags/write") and owner.grants(C + "setAcl/action") and owner.grants(BL + "filter/action")
    # containers/* in Actions does not reach blob data actions: those need DataActions.
    assert not BUILT_IN_ROLES["Storage Blob Delegator"].grants(BL + "read")
    assert not any(role.grants(B + "getInfo/action") or role.grants(B + "read") for role in BUILT_IN_ROLES.values())


def test_scopes_reach_the_account_or_one_container():
    assert covers("/", None) and covers("/", "c")
    assert covers("/c", "c") and not covers("/c", "d") and not covers("/c", None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_assignment_changes_count_only_after_the_propagation_delay():
    clock = FakeClock()
    store = RoleAssignments(propagation_seconds=5, clock=clock)
    read = Check((BL + "read",), "c")
    added = store.add("OID-1", "upn x", "storage blob data reader", "/c")
    assert added.role == "Storage Blob Data Reader" and added.state(clock.now) == "pending"
    assert not store.allows("oid-1", read)
    clock.now += 4.9
    assert not store.allows("oid-1", read)
    clock.now += 0.1
    assert store.allows("oid-1", read) and not store.allows("oid-1", Check((BL + "read",), "d"))
    removed = store.remove(added.id)
    assert removed.state(clock.now) == "removing" and store.allows("oid-1", read)
    clock.now += 5
    assert not store.allows("oid-1", read) and store.list() == []
    assert store.remove(added.id) is None


def test_configured_assignments_hold_from_the_start_and_authorize_names_the_failing_check():
    clock = FakeClock()
    store = RoleAssignments.from_config(load_config().role_assignments, propagation_seconds=60, clock=clock)
    alice, bob = "a11ce000-0000-4000-8000-000000000001", "b0b00000-0000-4000-8000-000000000002"
    upload = classify("PUT", parse_path("/acct/c/b", {}), {}, {}).checks
    assert store.authorize(alice, upload) is None
    assert store.authorize(bob, upload) == upload[0]
    with pytest.raises(ValueError, match="unknown role"):
        store.add(bob, "upn bob", "Owner")


# tokens ------------------------------------------------------------------------------------------------------
TENANT, OTHER_TENANT = "72f988bf-0000-4000-8000-00000000c0de", "5a1e5a1e-0000-4000-8000-0000000fab01"


@pytest.fixture(scope="module")
def keys():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_validator(key, now: float) -> TokenValidator:
    return TokenValidator(keys=lambda: {"k1": key.public_key()}, account=ACCOUNT, account_tenant=TENANT, known_tenants=frozenset({TENANT, OTHER_TENANT}),
                          authority="https://127.0.0.1:1234", clock=lambda: now)


def sign(key, kid: str = "k1", **overrides) -> str:
    now = int(time.time())
    claims = {"aud": "https://storage.azure.com", "iss": f"https://sts.windows.net/{TENANT}/", "tid": TENANT, "oid": "A11CE000-0000-4000-8000-000000000001",
              "iat": now, "nbf": now - 300, "exp": now + 3600}  # nbf 5 minutes back, as Entra ID's tokens have it
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid})


def refused(validator: TokenValidator, token: str, version: str | None = None) -> StorageError:
    with pytest.raises(StorageError) as raised:
        validator.validate(token, version)
    return raised.value


def test_a_good_token_names_its_caller(keys):
    validator = make_validator(keys[0], time.time())
    for audience in ("https://storage.azure.com/", "e406a681-f3d4-42a8-90b6-c2b029497af1", f"https://{ACCOUNT}.blob.core.windows.net"):
        caller = validator.validate(sign(keys[0], aud=audience), "2025-11-05")
        assert caller.object_id == "a11ce000-0000-4000-8000-000000000001" and caller.tenant_id == TENANT


def test_bad_tokens_are_refused_like_azure_storage_refuses_them(keys):
    key, other_key = keys
    now = time.time()
    validator = make_validator(key, now)
    cases = {
        "signed by another key": (sign(other_key), 403, "AuthenticationFailed", "Signature validation failed"),
        "unknown kid": (sign(key, kid="k2"), 403, "AuthenticationFailed", "Signature validation failed"),
        "not a JWT": ("not-a-token", 403, "AuthenticationFailed", "Signature validation failed"),
        "unknown tenant": (sign(key, tid="00000000-0000-4000-8000-000000000bad", iss="https://sts.windows.net/00000000-0000-4000-8000-000000000bad/"), 403, "AuthenticationFailed", "Issuer validation failed"),
        "issuer not the tid's": (sign(key, iss=f"https://sts.windows.net/{OTHER_TENANT}/"), 403, "AuthenticationFailed", "Issuer validation failed"),
        "another audience": (sign(key, aud="https://management.azure.com"), 403, "AuthenticationFailed", "Audience validation failed"),
        "another account": (sign(key, aud="https://other.blob.core.windows.net"), 403, "AuthenticationFailed", "Audience validation failed"),
        "expired": (sign(key, exp=int(now) - 1), 403, "AuthenticationFailed", "The token is expired"),
        "not yet valid": (sign(key, nbf=int(now) + 60), 403, "AuthenticationFailed", "not yet valid"),
        "no lifetime": (sign(key, exp=None), 403, "AuthenticationFailed", "Lifetime validation failed"),
        "another known tenant": (sign(key, tid=OTHER_TENANT, iss=f"https://sts.windows.net/{OTHER_TENANT}/"), 401, "InvalidAuthenticationInfo", "Issuer validation failed"),
    }
    for label, (token, status, code, detail) in cases.items():
        error = refused(validator, token)
        assert (error.status, error.code) == (status, code), label
        assert detail in error.detail, label
        assert (error.challenge is not None) == (status == 401), label
    assert "Bearer is not supported in this version" in refused(validator, sign(key), "2017-07-29").detail
    assert validator.challenge == f"Bearer authorization_uri=https://127.0.0.1:1234/{TENANT}/oauth2/authorize resource_id=https://storage.azure.com"


def test_error_body_has_azures_shape():
    body = error_body(permission_mismatch(), "rid-1", datetime.datetime(2024, 5, 15, 1, 4, 27, 185523, tzinfo=datetime.timezone.utc)).decode("utf-8-sig")
    assert body == ('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform '
                    "this operation using this permission.\nRequestId:rid-1\nTime:2024-05-15T01:04:27.1855230Z</Message></Error>")


# configuration -----------------------------------------------------------------------------------------------
def document() -> dict:
    return tomllib.loads(DEFAULT_CONFIG_PATH.read_text())


def test_default_config_assigns_the_promised_roles():
    config = load_config()
    by_principal: dict[tuple[str, str], set[str]] = {}
    for a in config.role_assignments:
        by_principal.setdefault((a.principal, a.scope), set()).add(a.role)
    assert by_principal[("upn alice@contoso.test", "/")] == {"Storage Blob Data Contributor", "Storage File Data Privileged Contributor"}
    assert by_principal[("upn bob@contoso.test", "/")] == {"Storage Blob Data Reader", "Storage File Data Privileged Reader"}
    assert by_principal[("managed_identity data-mover-identity", "/")] == {"Storage Blob Data Contributor"}
    confidential = {a.client_id for a in config.apps if a.secrets or a.certificates}
    assert {f"client_id {c}" for c in confidential} <= {a.principal for a in config.role_assignments if a.role == "Storage Blob Data Contributor"}
    assert not any("carol" in a.principal or "dave" in a.principal for a in config.role_assignments)
    assert config.settings.role_propagation_seconds == 0


def test_a_guest_is_assigned_by_their_object_id_in_the_accounts_tenant():
    doc = document()
    doc["role_assignments"] = [{"upn": "dave@fabrikam.test", "role": "Storage Blob Data Reader", "scope": "/photos"}]
    (assignment,) = parse_config(doc).role_assignments
    assert assignment.principal_id == "da4e0000-0000-4000-8000-0000000c0de4" and assignment.scope == "/photos"


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ({"role": "Storage Blob Data Reader"}, "role_assignments[0]: give exactly one principal"),
        ({"upn": "alice@contoso.test", "client_id": "5e1f0000-0000-4000-8000-00000000a001", "role": "Storage Blob Data Reader"}, "role_assignments[0]: give exactly one principal"),
        ({"upn": "nobody@contoso.test", "role": "Storage Blob Data Reader"}, "role_assignments[0].upn: no user"),
        ({"client_id": "579a7132-0e58-4d80-b1e1-7a1e2d337859", "role": "Storage Blob Data Reader"}, "role_assignments[0].client_id: AzCopy is a public client"),
        ({"managed_identity": "nope", "role": "Storage Blob Data Reader"}, "role_assignments[0].managed_identity: no managed identity"),
        ({"object_id": "not-a-guid", "role": "Storage Blob Data Reader"}, "role_assignments[0].object_id: must be a GUID"),
        ({"upn": "alice@contoso.test", "role": "Owner"}, "role_assignments[0].role: unknown role 'Owner'"),
        ({"upn": "alice@contoso.test"}, "role_assignments[0].role: is required"),
        ({"upn": "alice@contoso.test", "role": "Storage Blob Data Reader", "scope": "/Bad_Name"}, "role_assignments[0].scope: must be"),
        ({"upn": "alice@contoso.test", "role": "Storage Blob Data Reader", "scope": "container"}, "role_assignments[0].scope: must be"),
        ({"upn": "alice@contoso.test", "role": "Storage Blob Data Reader", "principal": "x"}, "role_assignments[0].principal: unknown field"),
    ],
)
def test_role_assignment_mistakes_name_the_field(assignment, message):
    doc = document()
    doc["role_assignments"] = [assignment]
    with pytest.raises(ConfigError) as raised:
        parse_config(doc, source="my.toml")
    assert message in str(raised.value)


def test_a_guest_outside_the_accounts_tenant_and_a_negative_delay_are_refused():
    doc = document()
    doc["users"].append({"upn": "erin@fabrikam.test", "password": "p", "object_id": "e4140000-0000-4000-8000-000000000005", "home_tenant": "fabrikam"})
    doc["role_assignments"] = [{"upn": "erin@fabrikam.test", "role": "Storage Blob Data Reader"}]
    with pytest.raises(ConfigError, match=r"role_assignments\[0\].upn: erin@fabrikam.test is not a member or guest of tenant 'contoso'"):
        parse_config(doc)
    doc = document()
    doc["settings"]["role_propagation_seconds"] = -1
    with pytest.raises(ConfigError, match=r"settings.role_propagation_seconds: must be zero or a positive"):
        parse_config(doc)
