#!/usr/bin/env bash
# The README's demo, end to end: start localazure in the background, sign in to it with pyazcopy (the device code is
# approved as alice through localazure's admin API, standing in for the person at the browser), make a container,
# copy a generated folder up and back down, list it, log out, and stop localazure. Nothing outside a temporary directory is touched: the saved login goes to
# the kernel keyring (or Secret Service) under a name tied to that directory, and logout removes it.
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PYAZCOPY=.venv/bin/pyazcopy
bash scripts/setup.sh --without-azure-cli  # everything but the Azure CLI, which the demo never runs

STATE=$(mktemp -d)
"$PY" -m localazure up --state-dir "$STATE" >"$STATE/up.log" 2>&1 &
UP=$!
cleanup() { kill "$UP" 2>/dev/null || true; wait "$UP" 2>/dev/null || true; rm -rf "$STATE"; }
trap cleanup EXIT
for _ in $(seq 1 600); do [ -f "$STATE/env" ] && break; kill -0 "$UP" 2>/dev/null || { cat "$STATE/up.log" >&2; exit 1; }; sleep 0.2; done
[ -f "$STATE/env" ] || { echo "demo: localazure did not start" >&2; cat "$STATE/up.log" >&2; exit 1; }

set -a; . "$STATE/env"; set +a
# Tokens go only to Azure's storage domains and to the exact origins the env file lists in PYAZCOPY_TRUSTED_ENDPOINTS.
export PYAZCOPY_CONFIG_DIR="$STATE/pyazcopy"
export AZCOPY_JOB_PLAN_LOCATION="$STATE/plans" AZCOPY_LOG_LOCATION="$STATE/logs"  # copy's job plans and logs
run() { echo; echo "\$ pyazcopy $*"; "$PYAZCOPY" "$@"; }

"$PY" -m localazure approve --state-dir "$STATE" --user alice@contoso.test --wait 120 >"$STATE/approve.log" 2>&1 &
APPROVE=$!
run login --aad-endpoint "$LOCALAZURE_AUTHORITY" --tenant-id "$LOCALAZURE_TENANT_ID"
wait "$APPROVE" && echo "(localazure: $(cat "$STATE/approve.log"))"

run login status --tenant --method
run make "$LOCALAZURE_BLOB_URL/demo"
"$PY" - <<'PYTHON'
import os
from azure.storage.blob import BlobServiceClient
from localazure.fixtures import DEV_ACCOUNT_KEY  # test set-up only: put one blob there with the emulator's key
service = BlobServiceClient(os.environ["LOCALAZURE_BLOB_DIRECT_URL"], credential={"account_name": os.environ["LOCALAZURE_STORAGE_ACCOUNT"], "account_key": DEV_ACCOUNT_KEY}, api_version="2025-11-05")
service.get_container_client("demo").upload_blob("hello.txt", b"hello from the demo\n")
PYTHON
# copy a generated folder up and back down with the signed-in identity, then compare
mkdir -p "$STATE/demo-data/nested dir"
for i in 1 2 3; do echo "file $i" >"$STATE/demo-data/file $i.txt"; done
head -c 3000000 /dev/urandom >"$STATE/demo-data/nested dir/random.bin"
run copy "$STATE/demo-data" "$LOCALAZURE_BLOB_URL/demo" --recursive --put-md5
run copy "$LOCALAZURE_BLOB_URL/demo/demo-data" "$STATE/back" --recursive
diff -r "$STATE/demo-data" "$STATE/back/demo-data" && echo "(the folder came back byte for byte)"
run list "$LOCALAZURE_BLOB_URL/demo" --running-tally
run logout
