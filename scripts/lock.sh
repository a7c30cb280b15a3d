#!/usr/bin/env bash
# Updates requirements-dev.txt, the lock (every version, with hashes) that scripts/setup.sh installs into .venv: what
# pyproject.toml's [dev] extra and localazure/pyproject.toml's [pytest] extra need, resolved for this Python.
#   bash scripts/lock.sh                              # re-resolve after editing either pyproject.toml; keeps other pins
#   bash scripts/lock.sh --upgrade                    # move every package to its newest allowed version
#   bash scripts/lock.sh --upgrade-package NAME[==V]  # move one
# Then `bash scripts/setup.sh` installs it, and tests/unit/test_dependency_lock.py checks it against the pyproject files.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/pip-compile ] || bash scripts/setup.sh
# --allow-unsafe: pip and setuptools are pinned too (setup installs with --require-hashes and builds without isolation).
# No index or find-links options are written: they belong to each machine's pip configuration, not to the lock.
.venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --extra dev --extra pytest \
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
  --output-file requirements-dev.txt "$@" pyproject.toml localazure/pyproject.toml 2>&1 | { grep -v '^WARNING: Location' || true; }
echo "lock: wrote requirements-dev.txt"
