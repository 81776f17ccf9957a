#!/usr/bin/env bash
# Command (2) of the README: install, build, and run the whole test suite headless.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
bash "$root/packaging/build.sh"
cd "$root"
export QT_QPA_PLATFORM=offscreen
ctest --preset default -j2 "$@"
echo "run-tests: done in $(( $(date +%s) - start )) s"
