#!/usr/bin/env bash
# Sets everything up, starts localazure in the background, signs in through the device flow and creates and
# lists a container with the token; stops localazure when done.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LOCALAZURE_STATE_DIR="${LOCALAZURE_STATE_DIR:-$(mktemp -d)}"
.venv/bin/python -m localazure up --state-dir "$LOCALAZURE_STATE_DIR" > "$LOCALAZURE_STATE_DIR/up.log" 2>&1 &
up_pid=$!
trap 'kill -TERM $up_pid 2>/dev/null; wait $up_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  [ -f "$LOCALAZURE_STATE_DIR/env" ] && break
  kill -0 $up_pid 2>/dev/null || { cat "$LOCALAZURE_STATE_DIR/up.log"; exit 1; }
  sleep 0.1
done
set -a; . "$LOCALAZURE_STATE_DIR/env"; set +a
echo "demo: localazure is up at $LOCALAZURE_AUTHORITY, storage at $LOCALAZURE_BLOB_URL"
.venv/bin/python scripts/demo_sdk.py
