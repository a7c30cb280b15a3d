"""Pieces of localazure's support for real clients that need no running stack: federated credentials in the config,
the pwsh stand-in's answers, and ARM's token checks."""

from __future__ import annotations

import base64
import time
import tomllib

import jwt
import pytest
from azure.identity._credentials.azure_powershell import NO_AZ_ACCOUNT_MODULE, SCRIPT, get_command_line

from localazure import pwsh
from localazure.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, parse_config
from localazure.entra import arm, msi, workload
from localazure.entra.errors import EntraError
from localazure.entra.service import EntraService

WORKLOAD_APP = "f3de0000-0000-4000-8000-00000000a004"


def default_document() -> dict:
    return tomllib.loads(DEFAULT_CONFIG_PATH.read_text())


def workload_app(document: dict) -> dict:
    return next(app for app in document["apps"] if app["client_id"] == WORKLOAD_APP)


# config ---------------------------------------------------------------------------------------------------------
def test_default_config_has_a_workload_identity_app():
    app = next(a for a in load_config().apps if a.client_id == WORKLOAD_APP)
    [credential] = app.federated_credentials
    assert credential.issuer == "{authority}/oidc/kubernetes"
    assert credential.subject == "system:serviceaccount:data:data-mover"
    assert credential.audiences == ("api://AzureADTokenExchange",)
    assert not app.secrets and not app.certificates


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda app: app["federated_credentials"][0].update(issuer="http://insecure.test"), "federated_credentials[0].issuer: must be an https:// URL"),
        (lambda app: app["federated_credentials"][0].pop("subject"), "federated_credentials[0].subject: is required"),
        (lambda app: app["federated_credentials"][0].update(audiences=[]), "federated_credentials[0].audiences: must name at least one audience"),
        (lambda app: app["federated_credentials"][0].update(colour="blue"), "federated_credentials[0].colour: unknown field"),
        (lambda app: app.update(federated_credentials={"issuer": "x"}), "federated_credentials: must be a list"),
        (lambda app: app["federated_credentials"].append(dict(app["federated_credentials"][0])), "federated_credentials[1].subject: duplicates"),
        (lambda app: app.update(federated_credentials=[]), "a confidential app needs secrets or certificates"),
    ],
)
def test_federated_credential_mistakes_name_the_field(mutate, message):
    document = default_document()
    mutate(workload_app(document))
    with pytest.raises(ConfigError) as raised:
        parse_config(document, source="my.toml")
    assert message in str(raised.value)


# pwsh stand-in --------------------------------------------------------------------------------------------------
def decoded_script(resource: str = "https://storage.azure.com/.default", tenant: str = "") -> str:
    return base64.b64decode(get_command_line((resource,), tenant)[-1].split()[-1]).decode("utf-16-le")


def test_the_stand_in_reads_azure_identitys_script():
    script = decoded_script(tenant="72f988bf-0000-4000-8000-00000000c0de")
    assert script == SCRIPT.format(NO_AZ_ACCOUNT_MODULE, "https://storage.azure.com", "72f988bf-0000-4000-8000-00000000c0de")
    assert pwsh._RESOURCE.search(script).group(1) == "https://storage.azure.com"
    assert pwsh._TENANT.search(script).group(1) == "72f988bf-0000-4000-8000-00000000c0de"


@pytest.mark.parametrize("version", [None, "2.1.9"])
def test_missing_or_too_old_az_accounts_prints_the_scripts_sentinel(tmp_path, version):
    assert pwsh.run_script(decoded_script(), tmp_path / "absent.json", version) == (0, NO_AZ_ACCOUNT_MODULE + "\n", "")


def test_no_context_is_pwshs_concise_error(tmp_path):
    script = decoded_script()
    code, stdout, stderr = pwsh.run_script(script, tmp_path / "absent.json", "5.3.0")
    number = script.split("\n").index("$token = Get-AzAccessToken @params") + 1
    assert (code, stdout) == (1, "")
    assert stderr == (
        "Get-AzAccessToken: \n"
        "Line |\n"
        f"{number:>4} |  $token = Get-AzAccessToken @params\n"
        "     |           ~~~~~~~~~~~~~~~~~~~~~~~~~\n"
        "     | Run Connect-AzAccount to login.\n"
    )


# ARM token checks and the MSI header -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def service() -> EntraService:
    return EntraService(load_config(), "https://127.0.0.1:1")


def mint(service: EntraService, **changes) -> str:
    now = int(time.time())
    claims = {"aud": "https://management.core.windows.net/", "iss": "https://sts.windows.net/72f988bf-0000-4000-8000-00000000c0de/", "tid": "72f988bf-0000-4000-8000-00000000c0de", "iat": now, "nbf": now, "exp": now + 60} | changes
    return jwt.encode(claims, service.key.private_pem, algorithm="RS256")


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"aud": "https://storage.azure.com"}, "InvalidAuthenticationTokenAudience"), ({"exp": int(time.time()) - 5}, "ExpiredAuthenticationToken"), ({"iss": "https://sts.windows.net/other/"}, "InvalidAuthenticationTokenTenant")],
)
def test_arm_refuses_tokens_like_arm(service, changes, code):
    with pytest.raises(arm.ArmError) as raised:
        arm.verify_arm_token(service, "Bearer " + mint(service, **changes))
    assert raised.value.code == code and raised.value.status == 401


def test_arm_accepts_its_audiences(service):
    for audience in arm.ARM_AUDIENCES:
        assert arm.verify_arm_token(service, "Bearer " + mint(service, aud=audience))["aud"] == audience


def test_each_stack_has_its_own_identity_header(service):
    other = EntraService(load_config(), "https://127.0.0.1:1")
    assert msi.identity_header(service) != msi.identity_header(other) and len(msi.identity_header(service)) == 64


def test_a_federated_token_signed_by_entras_key_is_refused(service):
    app = next(a for a in service.config.apps if a.client_id == WORKLOAD_APP)
    claims = jwt.decode(workload.service_account_token(service, "system:serviceaccount:data:data-mover"), options={"verify_signature": False})
    wrong_key = jwt.encode(claims, service.key.private_pem, algorithm="RS256")
    assert workload.verify_federated_assertion(service, app, workload.service_account_token(service, "system:serviceaccount:data:data-mover")).subject == claims["sub"]
    with pytest.raises(EntraError) as raised:
        workload.verify_federated_assertion(service, app, wrong_key)
    assert raised.value.code == 700027
