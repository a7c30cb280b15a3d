"""A guest signing in through `common` picks the organization; the token is issued by the one they picked."""

from __future__ import annotations

import msal

from signin_steps import AZCOPY_CLIENT_ID, STORAGE_SCOPE, confirm, enter_code, heading, jwt_claims, sign_in


def test_guest_picks_contoso_and_gets_a_contoso_token(localazure, page):
    app = msal.PublicClientApplication(AZCOPY_CLIENT_ID, authority=f"{localazure.authority}/common", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[STORAGE_SCOPE])
    assert "user_code" in flow, flow
    contoso, fabrikam = localazure.tenant("contoso"), localazure.tenant("fabrikam")
    dave = localazure.user("dave")
    guest_object_id = next(g.object_id for g in dave.guest_of if g.tenant == "contoso")
    assert guest_object_id != dave.object_id

    page.goto(flow["verification_uri"])
    enter_code(page, flow["user_code"])
    sign_in(page, "dave@fabrikam.test", "password-dave")
    assert heading(page) == "Choose an organization"
    assert "Fabrikam" in page.inner_text("#tenant-fabrikam") and "Contoso" in page.inner_text("#tenant-contoso")
    page.click("#tenant-contoso")
    assert "Contoso" in page.inner_text("main")
    confirm(page)

    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    assert "access_token" in result, result
    claims = jwt_claims(result["access_token"])
    assert claims["tid"] == contoso.id
    assert claims["oid"] == guest_object_id
    assert claims["iss"] == f"https://sts.windows.net/{contoso.id}/"
    assert claims["idp"] == f"https://sts.windows.net/{fabrikam.id}/"  # a guest: signed in at home, in fabrikam
    assert claims["upn"] == "dave@fabrikam.test"
    assert result["id_token_claims"]["tid"] == contoso.id


def test_member_of_one_tenant_is_not_asked_to_choose(localazure, page):
    app = msal.PublicClientApplication(AZCOPY_CLIENT_ID, authority=f"{localazure.authority}/organizations", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[STORAGE_SCOPE])
    page.goto(flow["verification_uri"])
    enter_code(page, flow["user_code"])
    sign_in(page, "carol@contoso.test", "password-carol")
    confirm(page)  # straight to the confirmation: carol belongs to contoso only
    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    claims = jwt_claims(result["access_token"])
    assert (claims["tid"], claims["oid"]) == (localazure.tenant_id, localazure.user("carol").object_id)
