"""Clients of localazure's hierarchical-namespace account for tests: the real azure-storage-file-datalake and
azure-storage-blob SDKs, with the account key (super-user) or a user's token."""

from __future__ import annotations

import time
import uuid

import requests
from azure.core.credentials import AccessToken
from azure.storage.blob import BlobServiceClient
from azure.storage.filedatalake import DataLakeServiceClient, FileSystemClient

AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"
API_VERSION = "2025-11-05"


def account_key(localazure) -> dict[str, str]:
    return {"account_name": localazure.env["LOCALAZURE_HNS_ACCOUNT_NAME"], "account_key": localazure.env["LOCALAZURE_HNS_ACCOUNT_KEY"]}


def user_token(localazure, user: str) -> str:
    """A storage token for a configured user (password grant), in the account's tenant."""
    upn = localazure.user(user).upn
    response = requests.post(
        f"{localazure.authority}/{localazure.tenant_id}/oauth2/v2.0/token",
        data={"grant_type": "password", "client_id": AZCOPY_CLIENT_ID, "username": upn, "password": f"password-{user}", "scope": "https://storage.azure.com/.default"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


class StaticToken:
    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3000)


def dfs_service(localazure, user: str | None = None) -> DataLakeServiceClient:
    credential = account_key(localazure) if user is None else StaticToken(user_token(localazure, user))
    return DataLakeServiceClient(localazure.env["LOCALAZURE_DFS_URL"], credential=credential)


def blob_service(localazure, user: str | None = None, **kwargs) -> BlobServiceClient:
    credential = account_key(localazure) if user is None else StaticToken(user_token(localazure, user))
    return BlobServiceClient(localazure.env["LOCALAZURE_HNS_BLOB_URL"], credential=credential, api_version=API_VERSION, **kwargs)


def new_filesystem(localazure) -> FileSystemClient:
    name = f"dl-{uuid.uuid4().hex[:20]}"
    return dfs_service(localazure).create_file_system(name)


def object_id(localazure, user: str) -> str:
    return localazure.user(user).object_id
