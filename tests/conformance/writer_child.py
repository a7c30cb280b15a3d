"""A process that opens a writer, writes the first range, says so on stdout and waits to be killed (the
conformance suite's "a writer that dies leaves nothing under the final name")."""

from __future__ import annotations

import os
import sys
import time

from pyazcopy import endpoints


def main(text: str, name: str) -> None:
    credential, verify, kind = None, True, os.environ.get("CONFORMANCE_KIND", "")
    if os.environ.get("CONFORMANCE_TOKEN"):  # a user's token (the Data Lake kinds)
        from azure.core.credentials import AccessToken

        token = os.environ["CONFORMANCE_TOKEN"]
        credential = type("StaticToken", (), {"get_token": lambda self, *scopes, **kwargs: AccessToken(token, int(time.time()) + 3000)})()
        verify = os.environ["CONFORMANCE_CA_BUNDLE"]
    if os.environ.get("CONFORMANCE_APP"):
        from azure.identity import ClientSecretCredential

        credential = ClientSecretCredential(os.environ["CONFORMANCE_TENANT"], os.environ["CONFORMANCE_APP"], os.environ["CONFORMANCE_SECRET"],
                                            authority=os.environ["CONFORMANCE_AUTHORITY"], disable_instance_discovery=True)
        verify = os.environ["CONFORMANCE_CA_BUNDLE"]
    endpoint = endpoints.resolve(text, credential, connection_verify=verify, kind=kind)
    writer = endpoint.open_writer(name, 2 * 65536)
    writer.write_at(0, b"x" * 65536)
    print("written", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
