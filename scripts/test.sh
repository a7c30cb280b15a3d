#!/usr/bin/env bash
# Sets everything up, checks the import-layer contract, then runs the whole test suite.
# Each test session starts and stops its own localazure stack; nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: checking the import-layer contract"
.venv/bin/lint-imports
echo "test: running pytest"
exec .venv/bin/python -m pytest "$@"
