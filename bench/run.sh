#!/usr/bin/env bash
# pyazcopy against rclone and the Azure CLI on a fresh in-memory Azurite (see bench/peers.py and docs/PERFORMANCE.md).
#   bash bench/run.sh                                   # everything: W1-W4, 3 repetitions (hours on a busy machine)
#   bash bench/run.sh --workloads W1,W2 --reps 3        # a subset
#   bash bench/run.sh --workloads W2 --auth-compare W2  # pyazcopy's OAuth path against its SAS path
# Installs what is missing: Debian rclone (apt-get), the Azure CLI in .cache/azure-cli-venv, Azurite (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v rclone >/dev/null; then
  echo "bench: installing Debian rclone"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q rclone >/dev/null
fi
bash scripts/install-azure-cli.sh
[ -x node_modules/.bin/azurite-blob ] || npm ci --silent
# byte-compile pyazcopy as installing a wheel does: with PYTHONDONTWRITEBYTECODE set (as on these machines) an editable
# install would otherwise recompile every changed module in every command (40-80 ms of CPU each time)
.venv/bin/python -m compileall -q src >/dev/null
exec .venv/bin/python -m bench.peers "$@"
