#!/usr/bin/env bash
# Installs dependencies (when missing) and builds Workbench into build/ with the default preset.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/packaging/install-deps.sh"
cd "$root"
cmake --preset default >/dev/null
cmake --build --preset default "$@"
