#!/usr/bin/env bash
# Installs the real Azure CLI (PyPI azure-cli) into its own venv, .cache/azure-cli-venv, for the integration tests
# that sign it in to localazure. It is kept apart from .venv because azure-cli pins its own azure-* and msal versions.
# Reused between runs: when `az version` already works there at the pinned version, nothing is downloaded. A fresh
# install takes ~2 min. Override the place with AZURE_CLI_VENV; the tests find `az` at $AZURE_CLI_VENV/bin/az (default
# .cache/azure-cli-venv). The version is pinned below (the one the tests last passed with); to move it, change
# AZURE_CLI_VERSION here and run the tests (AZURE_CLI_VERSION=X in the environment tries another without editing).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${AZURE_CLI_VENV:-.cache/azure-cli-venv}"
AZURE_CLI_VERSION="${AZURE_CLI_VERSION:-2.91.0}"
# The checks below must not touch ~/.azure or send telemetry.
AZURE_CONFIG_DIR="$(mktemp -d)"; export AZURE_CONFIG_DIR AZURE_CORE_COLLECT_TELEMETRY=false
trap 'rm -rf "$AZURE_CONFIG_DIR"' EXIT

installed_version() { "$VENV/bin/python" -c 'from importlib.metadata import version; print(version("azure-cli"))' 2>/dev/null || true; }
if [ -x "$VENV/bin/az" ] && [ "$(installed_version)" = "$AZURE_CLI_VERSION" ] && "$VENV/bin/az" version --output none >/dev/null 2>&1; then
  echo "install-azure-cli: reusing $VENV (azure-cli $AZURE_CLI_VERSION)"
  exit 0
fi
echo "install-azure-cli: installing azure-cli $AZURE_CLI_VERSION into $VENV (takes about 2 minutes)"
rm -rf "$VENV"
python3 -m venv "$VENV"
# (pip's "WARNING: Location ... is ignored" lines about this machine's index configuration are noise: drop them)
"$VENV/bin/pip" install -q --disable-pip-version-check "azure-cli==$AZURE_CLI_VERSION" 2>&1 | { grep -v '^WARNING: Location' || true; }
"$VENV/bin/az" version --output none  # fails loudly if the install did not work
[ "$(installed_version)" = "$AZURE_CLI_VERSION" ] || { echo "install-azure-cli: installed $(installed_version), not $AZURE_CLI_VERSION" >&2; exit 1; }
echo "install-azure-cli: done (azure-cli $AZURE_CLI_VERSION)"
